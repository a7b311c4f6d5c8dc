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

"""Import tasks: visible to the project that created them (and admin).

The target's ``tenant_id`` is the task's owner (for a list or a create,
the caller's own project). Creating a task also needs, for every target,
the rule of an upload to that tenant (mcimage:image:upload), and for a
``vim:`` source the rule of a download of that image.
"""

from oslo_policy import policy

from mcimage.common.policies import base

rules = [
    # Glance's tasks_api_access: its tasks API is deprecated and
    # admin-only by default (interoperable image import replaces it).
    policy.DocumentedRuleDefault(
        name='mcimage:task:tasks_api_access',
        check_str=base.ADMIN,
        scope_types=['project'],
        description='Use the tasks API of the Glance endpoint (each call '
                    'also needs the rule of the same call of /v1/tasks).',
        operations=[
            {'path': '/glance/{vim_id}/v2/tasks', 'method': 'POST'},
            {'path': '/glance/{vim_id}/v2/tasks', 'method': 'GET'},
            {'path': '/glance/{vim_id}/v2/tasks/{task_id}',
             'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name='mcimage:task:create',
        check_str=base.ADMIN_OR_PROJECT_MEMBER,
        scope_types=['project'],
        description='Create an import task.',
        operations=[{'path': '/v1/tasks', 'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        name='mcimage:task:get_all',
        check_str=base.ADMIN_OR_PROJECT_READER,
        scope_types=['project'],
        description='List the tasks of the caller\'s project.',
        operations=[{'path': '/v1/tasks', 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name='mcimage:task:get',
        check_str=base.ADMIN_OR_PROJECT_READER,
        scope_types=['project'],
        description='Show a task.',
        operations=[{'path': '/v1/tasks/{task_id}', 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        name='mcimage:task:delete',
        check_str=base.ADMIN_OR_PROJECT_MEMBER,
        scope_types=['project'],
        description='Cancel a pending or processing task (its flow is '
                    'rolled back), or delete a finished one.',
        operations=[{'path': '/v1/tasks/{task_id}', 'method': 'DELETE'}]),
]


def list_rules():
    return rules
