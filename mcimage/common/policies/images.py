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

IMAGE = '/v1/{vim_id}/{tenant_id}/images/{image_id}'

rules = [
    policy.DocumentedRuleDefault(
        name='mcimage:image:get',
        check_str=base.ADMIN_OR_READER_OF_VISIBLE_IMAGE,
        scope_types=['project'],
        description='Show an image. A denied read answers 404, so a '
                    'private image\'s existence does not leak.',
        operations=[{'path': IMAGE, 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name='mcimage:image:upload',
        check_str=base.ADMIN_OR_MEMBER_OF_OWNER,
        scope_types=['project'],
        description='Create an image and upload its data in one request '
                    '(the ONAP multipart form).',
        operations=[{'path': '/v1/{vim_id}/{tenant_id}/images/file',
                     'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        name='mcimage:image:download',
        check_str=base.ADMIN_OR_READER_OF_VISIBLE_IMAGE,
        scope_types=['project'],
        description='Download image data.',
        operations=[{'path': IMAGE + '/file', 'method': 'GET'},
                    {'path': '/v1/{vim_id}/{tenant_id}/images/file/'
                             '{image_id}',
                     'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name='mcimage:image:publicize',
        check_str=base.ADMIN,
        scope_types=['project'],
        description='Make an image public (visibility=public).',
        operations=[{'path': '/v1/{vim_id}/{tenant_id}/images/file',
                     'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        name='mcimage:image:communitize',
        check_str=base.ADMIN_OR_MEMBER_OF_OWNER,
        scope_types=['project'],
        description='Make an image community (visibility=community).',
        operations=[{'path': '/v1/{vim_id}/{tenant_id}/images/file',
                     'method': 'POST'}]),
]


def list_rules():
    return rules
