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

from oslo_policy import policy

from mcimage.common.policies import base

MEMBERS = '/v1/{vim_id}/{tenant_id}/images/{image_id}/members'
MEMBER = MEMBERS + '/{member_id}'

rules = [
    policy.DocumentedRuleDefault(
        name='mcimage:member:get_all',
        check_str=base.ADMIN_OR_READER_OF_OWNER_OR_MEMBER,
        scope_types=['project'],
        description='List the members of an image: its owner sees them '
                    'all, a member project only its own membership.',
        operations=[{'path': MEMBERS, 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name='mcimage:member:get',
        check_str=base.ADMIN_OR_READER_OF_OWNER_OR_MEMBER,
        scope_types=['project'],
        description='Show one membership of an image.',
        operations=[{'path': MEMBER, 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name='mcimage:member:create',
        check_str=base.ADMIN_OR_MEMBER_OF_OWNER,
        scope_types=['project'],
        description='Share an image with a project (the image owner).',
        operations=[{'path': MEMBERS, 'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        name='mcimage:member:update',
        check_str=base.ADMIN_OR_MEMBER_OF_MEMBER,
        scope_types=['project'],
        description='Accept or reject an image shared with the caller\'s '
                    'project (the member project itself).',
        operations=[{'path': MEMBER, 'method': 'PUT'}]),
    policy.DocumentedRuleDefault(
        name='mcimage:member:delete',
        check_str=base.ADMIN_OR_MEMBER_OF_OWNER,
        scope_types=['project'],
        description='Stop sharing an image with a project (the image '
                    'owner).',
        operations=[{'path': MEMBER, 'method': 'DELETE'}]),
]


def list_rules():
    return rules
