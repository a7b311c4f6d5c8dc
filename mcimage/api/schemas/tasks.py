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

"""JSON Schemas of /v1/tasks requests."""

from mcimage.api.schemas import images

# image_properties: Glance's create body without an id (each target's
# image gets its own).
_image_properties = dict(images.create_body)
_image_properties['properties'] = {
    k: v for k, v in images.create_body['properties'].items() if k != 'id'}
_image_properties['propertyNames'] = {
    'pattern': images.create_body['propertyNames']['pattern'],
    'not': {'enum': sorted(images.READ_ONLY_FIELDS)}}

create_body = {
    'type': 'object',
    'properties': {
        'type': {'type': 'string', 'enum': ['import']},
        'input': {
            'type': 'object',
            'properties': {
                'import_from': {
                    'type': 'string', 'minLength': 1, 'maxLength': 2048,
                    'description': 'an http(s) URL, upload:<staged upload '
                                   'id> or vim:<vim_id>/<tenant_id>/'
                                   '<image_id>'},
                'import_from_format': {'type': 'string',
                                       'enum': images.DISK_FORMATS},
                'image_properties': _image_properties,
                'targets': images.upload_targets,
                'all_targets_must_succeed': {'type': 'boolean'},
                'force': {'type': 'boolean'},
                'match_name': {'type': 'boolean'},
                'os_hash_value': {
                    'type': 'string', 'pattern': r'^[0-9a-fA-F]{128}\Z',
                    'description': 'the sha512 of the data, 128 hex digits'},
            },
            'required': ['import_from', 'targets'],
            'additionalProperties': False,
        },
    },
    'required': ['type', 'input'],
    'additionalProperties': False,
}

TASK_STATUSES = ['pending', 'processing', 'success', 'failure']

list_query = {
    'type': 'object',
    'properties': {
        'limit': images.PAGE_LIMIT,
        'marker': images.marker('task'),
        'status': {'type': 'string', 'enum': TASK_STATUSES},
        'type': {'type': 'string', 'enum': ['import']},
        'sort_key': {'type': 'string',
                     'enum': ['created_at', 'updated_at', 'status', 'type',
                              'id']},
        'sort_dir': {'type': 'string', 'enum': ['asc', 'desc']},
    },
    'additionalProperties': False,
}

# -- Glance's tasks API (the Glance endpoint's POST /v2/tasks) ---------------

glance_create_body = {
    'type': 'object',
    'properties': {
        'type': {'type': 'string', 'enum': ['import']},
        'input': {
            'type': 'object',
            'properties': {
                'import_from': {
                    'type': 'string', 'minLength': 1, 'maxLength': 2048,
                    'description': 'an http(s) URL'},
                'import_from_format': {'type': 'string',
                                       'enum': images.DISK_FORMATS},
                'image_properties': _image_properties,
            },
            'required': ['import_from', 'import_from_format',
                         'image_properties'],
            'additionalProperties': False,
        },
    },
    'required': ['type', 'input'],
    'additionalProperties': False,
}
