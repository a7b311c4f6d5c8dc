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

IMAGES = '/v1/{vim_id}/{tenant_id}/images'
IMAGE = IMAGES + '/{image_id}'
# The Glance endpoint's (mcimage.api.controllers.glance).
GLANCE_V2 = '/glance/{vim_id}/v2'
GLANCE_IMAGE = GLANCE_V2 + '/images/{image_id}'

rules = [
    policy.DocumentedRuleDefault(
        name='mcimage:image:get_all',
        check_str=base.ADMIN_OR_PROJECT_READER,
        scope_types=['project'],
        description='List images. Each image listed must also pass '
                    'mcimage:image:get.',
        operations=[{'path': IMAGES, 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name='mcimage:image:get',
        check_str=base.ADMIN_OR_READER_OF_VISIBLE_IMAGE,
        scope_types=['project'],
        description='Show an image. A denied read answers 404, so a '
                    'private image\'s existence does not leak.',
        operations=[{'path': IMAGE, 'method': 'GET'},
                    {'path': IMAGE, 'method': 'HEAD'}]),
    policy.DocumentedRuleDefault(
        name='mcimage:image:create',
        check_str=base.ADMIN_OR_MEMBER_OF_OWNER,
        scope_types=['project'],
        description='Create an image record.',
        operations=[{'path': IMAGES, 'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        name='mcimage:image:update',
        check_str=base.ADMIN_OR_MEMBER_OF_OWNER,
        scope_types=['project'],
        description='Update an image (JSON patch) or its tags.',
        operations=[{'path': IMAGE, 'method': 'PATCH'},
                    {'path': IMAGE + '/tags/{tag}', 'method': 'PUT'},
                    {'path': IMAGE + '/tags/{tag}', 'method': 'DELETE'}]),
    policy.DocumentedRuleDefault(
        name='mcimage:image:delete',
        check_str=base.ADMIN_OR_MEMBER_OF_OWNER,
        scope_types=['project'],
        description='Delete an image (never a protected one).',
        operations=[{'path': IMAGE, 'method': 'DELETE'}]),
    policy.DocumentedRuleDefault(
        name='mcimage:image:upload',
        check_str=base.ADMIN_OR_MEMBER_OF_OWNER,
        scope_types=['project'],
        description='Upload image data: into a queued image, or with the '
                    'image it creates (the ONAP multipart form).',
        operations=[{'path': IMAGES + '/file', 'method': 'POST'},
                    {'path': IMAGE + '/file', 'method': 'PUT'}]),
    policy.DocumentedRuleDefault(
        name='mcimage:image:download',
        check_str=base.ADMIN_OR_MEMBER_OF_VISIBLE_IMAGE,
        scope_types=['project'],
        description='Download image data: a project member (not a '
                    'reader) of a project that may see the image, as '
                    'Glance\'s download_image.',
        operations=[{'path': IMAGE + '/file', 'method': 'GET'},
                    {'path': IMAGES + '/file/{image_id}', 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name='mcimage:image:publicize',
        check_str=base.ADMIN,
        scope_types=['project'],
        description='Make an image public (visibility=public).',
        operations=[{'path': IMAGES, 'method': 'POST'},
                    {'path': IMAGE, 'method': 'PATCH'},
                    {'path': IMAGES + '/file', 'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        name='mcimage:image:communitize',
        check_str=base.ADMIN_OR_MEMBER_OF_OWNER,
        scope_types=['project'],
        description='Make an image community (visibility=community).',
        operations=[{'path': IMAGES, 'method': 'POST'},
                    {'path': IMAGE, 'method': 'PATCH'},
                    {'path': IMAGES + '/file', 'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        name='mcimage:image:set_owner',
        check_str=base.ADMIN,
        scope_types=['project'],
        description='Give an image to another project: set its owner, on '
                    'a create (without data) or by a patch, as a Glance '
                    'admin may.',
        operations=[{'path': IMAGES, 'method': 'POST'},
                    {'path': IMAGE, 'method': 'PATCH'}]),
    policy.DocumentedRuleDefault(
        name='mcimage:image:deactivate',
        check_str=base.ADMIN_OR_MEMBER_OF_OWNER,
        scope_types=['project'],
        description='Deactivate an image: its data can no longer be '
                    'downloaded.',
        operations=[{'path': IMAGE + '/actions/deactivate',
                     'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        name='mcimage:image:reactivate',
        check_str=base.ADMIN_OR_MEMBER_OF_OWNER,
        scope_types=['project'],
        description='Reactivate a deactivated image.',
        operations=[{'path': IMAGE + '/actions/reactivate',
                     'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        name='mcimage:image:copy_image',
        check_str=base.ADMIN,
        scope_types=['project'],
        description="Copy an active image into more of its VIM's stores "
                    "(the copy-image import method, relayed to the VIM's "
                    "Glance, whose own copy_image rule applies too).",
        operations=[{'path': GLANCE_IMAGE + '/import', 'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        name='mcimage:image:delete_from_store',
        check_str=base.ADMIN,
        scope_types=['project'],
        description="Delete an image's data from one of its VIM's stores "
                    "(relayed to the VIM's Glance, whose own "
                    "delete_image_location rule applies too).",
        operations=[{'path': GLANCE_V2 + '/stores/{store_id}/{image_id}',
                     'method': 'DELETE'}]),
]


def list_rules():
    return rules
