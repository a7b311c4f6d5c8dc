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

"""JSON Schemas of /v1/uploads requests."""

# GET /v1/uploads: the query string.
list_query = {
    'type': 'object',
    'properties': {
        'limit': {'type': 'string', 'pattern': r'^[1-9]\d{0,8}\Z',
                  'description': 'a positive integer'},
        'marker': {'type': 'string',
                   'pattern': (r'^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}'
                               r'[0-9a-fA-F]{12}\Z'),
                   'description': 'a staged upload id'},
        'status': {'type': 'string', 'enum': ['saving', 'active']},
    },
    'additionalProperties': False,
}
