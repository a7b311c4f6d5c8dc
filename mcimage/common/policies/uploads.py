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

"""Staged uploads: the data [upload] mode = stage keeps.

The target's ``tenant_id`` is the project that owns the staged upload
(for a list, the caller's own project).
"""

from oslo_policy import policy

from mcimage.common.policies import base

rules = [
    policy.DocumentedRuleDefault(
        name='mcimage:upload:get_all',
        check_str=base.ADMIN_OR_PROJECT_READER,
        scope_types=['project'],
        description='List the staged uploads of the caller\'s project.',
        operations=[{'path': '/v1/uploads', 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name='mcimage:upload:get',
        check_str=base.ADMIN_OR_PROJECT_READER,
        scope_types=['project'],
        description='Show a staged upload.',
        operations=[{'path': '/v1/uploads/{upload_id}', 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name='mcimage:upload:delete',
        check_str=base.ADMIN_OR_PROJECT_MEMBER,
        scope_types=['project'],
        description='Delete a staged upload before it expires, its data '
                    'with it.',
        operations=[{'path': '/v1/uploads/{upload_id}',
                     'method': 'DELETE'}]),
]


def list_rules():
    return rules
