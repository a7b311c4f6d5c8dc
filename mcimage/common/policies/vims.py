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

rules = [
    policy.DocumentedRuleDefault(
        name='mcimage:vim:get_all',
        check_str=base.ANY_READER,
        scope_types=['project'],
        description='List the VIMs this service serves.',
        operations=[{'path': '/v1/vims', 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name='mcimage:vim:get',
        check_str=base.ANY_READER,
        scope_types=['project'],
        description='Show one VIM and whether it answers.',
        operations=[{'path': '/v1/vims/{vim_id}', 'method': 'GET'}]),
]


def list_rules():
    return rules
