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

TENANT = '/v1/{vim_id}/{tenant_id}'

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
    policy.DocumentedRuleDefault(
        name='mcimage:vim:act_in_any_tenant',
        check_str=base.ADMIN_OR_SERVICE,
        scope_types=['project'],
        description='Act in any tenant of a VIM in auth_mode = service (a '
                    'VIM with a Keystone of its own, whose project ids are '
                    'never the caller\'s): the orchestrator (ONAP), which '
                    'acts for the tenants it knows. Every other rule is then '
                    'checked as if the caller\'s project were the tenant of '
                    'the path, so the caller\'s roles still apply: member '
                    'to write, reader to read. A caller this rule refuses '
                    'may act only in its own project\'s counterpart there '
                    '(the VIM\'s project_map or project_map_domain_name), '
                    'else it is refused with a 403 naming this rule. Not '
                    'checked for VIMs in auth_mode token or trusted, whose '
                    'tenants are projects of the caller\'s own Keystone.',
        operations=[{'path': TENANT + '/images', 'method': 'GET'},
                    {'path': TENANT + '/images', 'method': 'POST'},
                    {'path': TENANT + '/images/file', 'method': 'POST'},
                    {'path': TENANT + '/images/{image_id}', 'method': 'GET'},
                    {'path': TENANT + '/images/{image_id}/file',
                     'method': 'GET'},
                    {'path': '/v1/images/file', 'method': 'POST'},
                    {'path': '/v1/tasks', 'method': 'POST'}]),
]


def list_rules():
    return rules
