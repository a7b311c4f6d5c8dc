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

"""Glance's metadata definitions catalog, relayed by the Glance endpoint.

mcimage adds nothing to metadata definitions: the VIM's Glance keeps them
and decides who sees which namespace. These rules are a gate in front of
it, checked in the caller's own tenant of the VIM (``tenant_id``). A write
this gate refuses on a namespace the caller cannot see is answered 404, as
Glance answers it.
"""

from oslo_policy import policy

from mcimage.common.policies import base

METADEFS = '/glance/{vim_id}/v2/metadefs'
NAMESPACES = METADEFS + '/namespaces'
NAMESPACE = NAMESPACES + '/{namespace}'
_KINDS = ('objects', 'properties', 'tags')


def _nested(methods_of_collection, methods_of_item):
    operations = []
    for kind in _KINDS:
        operations += [{'path': NAMESPACE + '/' + kind, 'method': method}
                       for method in methods_of_collection]
        operations += [{'path': '%s/%s/{name}' % (NAMESPACE, kind),
                        'method': method} for method in methods_of_item]
    return operations


rules = [
    policy.DocumentedRuleDefault(
        name='mcimage:metadef:get',
        check_str=base.ADMIN_OR_PROJECT_READER,
        scope_types=['project'],
        description='Read the VIM\'s metadata definitions (namespaces, '
                    'objects, properties, tags, resource types). What the '
                    'caller then sees is what the VIM\'s Glance shows to '
                    'whoever the call is made as (the VIM\'s auth_mode).',
        operations=[{'path': METADEFS + '/resource_types', 'method': 'GET'},
                    {'path': NAMESPACES, 'method': 'GET'},
                    {'path': NAMESPACE, 'method': 'GET'},
                    {'path': NAMESPACE + '/resource_types',
                     'method': 'GET'}] + _nested(['GET'], ['GET'])),
    policy.DocumentedRuleDefault(
        name='mcimage:metadef:modify',
        check_str=base.ADMIN,
        scope_types=['project'],
        description='Create, update or delete the VIM\'s metadata '
                    'definitions, as Glance allows by default to admins '
                    'only. The VIM\'s Glance checks its own policy too.',
        operations=[{'path': NAMESPACES, 'method': 'POST'},
                    {'path': NAMESPACE, 'method': 'PUT'},
                    {'path': NAMESPACE, 'method': 'DELETE'},
                    {'path': NAMESPACE + '/resource_types',
                     'method': 'POST'},
                    {'path': NAMESPACE + '/resource_types/{name}',
                     'method': 'DELETE'},
                    {'path': NAMESPACE + '/tags/{name}', 'method': 'POST'}]
        + _nested(['POST', 'DELETE'], ['PUT', 'DELETE'])),
]


def list_rules():
    return rules
