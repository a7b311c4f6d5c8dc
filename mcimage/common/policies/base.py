# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Personas and Glance's visibility checks, shared by every rule.

Every rule is project-scoped: the project named in the request path
(``tenant_id`` in the target) must be the caller's own unless the caller
is admin. In a VIM with a Keystone of its own (auth_mode = service) the
caller's own is the project it acts as there
(mcimage.images.access.in_tenant).
"""

from oslo_policy import policy

ADMIN = 'role:admin'
PROJECT_MEMBER = 'role:member and project_id:%(tenant_id)s'
PROJECT_READER = 'role:reader and project_id:%(tenant_id)s'

# Glance's own vocabulary: who may see an image. A member of a share sees
# the image whatever its status, as in Glance: the status (pending,
# accepted, rejected) only decides whether the member's lists show it
# (Glance's member_status filter, accepted by default).
IMAGE_OWNER = 'project_id:%(owner)s'
IMAGE_VISIBLE = ("(" + IMAGE_OWNER + " or 'public':%(visibility)s or "
                 "'community':%(visibility)s or ('shared':%(visibility)s "
                 "and ('accepted':%(member_status)s or "
                 "'pending':%(member_status)s or "
                 "'rejected':%(member_status)s)))")

ADMIN_OR_PROJECT_READER = 'rule:admin_api or rule:project_reader_api'
ADMIN_OR_PROJECT_MEMBER = 'rule:admin_api or rule:project_member_api'
ADMIN_OR_READER_OF_VISIBLE_IMAGE = (
    'rule:admin_api or (rule:project_reader_api and rule:image_visible)')
# Glance's download_image: a reader may see an image, not take its data.
ADMIN_OR_MEMBER_OF_VISIBLE_IMAGE = (
    'rule:admin_api or (rule:project_member_api and rule:image_visible)')
ADMIN_OR_MEMBER_OF_OWNER = (
    'rule:admin_api or (rule:project_member_api and rule:image_owner)')
ANY_READER = 'rule:admin_api or role:reader'
# The orchestrator (ONAP), which acts for tenants it knows: its own
# project is none of theirs.
ADMIN_OR_SERVICE = 'role:admin or role:service'
# The project named by a membership is the caller's.
IMAGE_MEMBER = 'project_id:%(member_id)s'
ADMIN_OR_READER_OF_OWNER_OR_MEMBER = (
    'rule:admin_api or (rule:project_reader_api and (rule:image_owner or '
    'rule:image_member))')
ADMIN_OR_MEMBER_OF_MEMBER = (
    'rule:admin_api or (rule:project_member_api and rule:image_member)')

rules = [
    policy.RuleDefault(
        name='admin_api', check_str=ADMIN,
        description='The admin persona: any project, any image.'),
    policy.RuleDefault(
        name='project_member_api', check_str=PROJECT_MEMBER,
        description='A member of the project named in the request path.'),
    policy.RuleDefault(
        name='project_reader_api', check_str=PROJECT_READER,
        description='A reader of the project named in the request path.'),
    policy.RuleDefault(
        name='image_owner', check_str=IMAGE_OWNER,
        description='The caller\'s project owns the image.'),
    policy.RuleDefault(
        name='image_member', check_str=IMAGE_MEMBER,
        description='The membership at hand is the caller\'s project\'s.'),
    policy.RuleDefault(
        name='image_visible', check_str=IMAGE_VISIBLE,
        description='The image is owned by the caller\'s project, public, '
                    'community, or shared with it (any member status).'),
]


def list_rules():
    return rules
