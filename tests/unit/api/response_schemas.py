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

"""JSON Schema of what the images API answers (Glance v2's shapes).

Every link is a path into mcimage's /v1; nothing of the VIM's own (its
/v2 paths, direct_url, locations, stores) may show.
"""

import jsonschema

_LINK = {'type': 'string', 'pattern': '^/v1/[^/]+/[^/]+/'}
_HIDDEN = ['direct_url', 'locations', 'stores']

IMAGE = {
    'type': 'object',
    'required': ['id', 'status', 'visibility', 'owner', 'protected', 'tags',
                 'self', 'file', 'schema', 'created_at', 'updated_at'],
    'properties': {
        'id': {'type': 'string'},
        'name': {'type': ['string', 'null']},
        'status': {'type': 'string'},
        'visibility': {'enum': ['public', 'private', 'shared', 'community']},
        'owner': {'type': ['string', 'null']},
        'protected': {'type': 'boolean'},
        'tags': {'type': 'array', 'items': {'type': 'string'}},
        'size': {'type': ['integer', 'null']},
        'checksum': {'type': ['string', 'null']},
        'disk_format': {'type': ['string', 'null']},
        'container_format': {'type': ['string', 'null']},
        'min_disk': {'type': 'integer'},
        'min_ram': {'type': 'integer'},
        'self': dict(_LINK, pattern='^/v1/[^/]+/[^/]+/images/[^/]+$'),
        'file': dict(_LINK, pattern='^/v1/[^/]+/[^/]+/images/[^/]+/file$'),
        'schema': dict(_LINK, pattern='^/v1/[^/]+/[^/]+/schemas/image$'),
    },
    'not': {'anyOf': [{'required': [name]} for name in _HIDDEN]},
}

IMAGE_LIST = {
    'type': 'object',
    'required': ['images', 'first', 'schema'],
    'additionalProperties': False,
    'properties': {
        'images': {'type': 'array', 'items': IMAGE},
        'first': dict(_LINK, pattern='^/v1/[^/]+/[^/]+/images(\\?.*)?$'),
        'next': dict(_LINK, pattern='^/v1/[^/]+/[^/]+/images\\?.*marker='),
        'schema': dict(_LINK, pattern='^/v1/[^/]+/[^/]+/schemas/images$'),
    },
}

MEMBER = {
    'type': 'object',
    'required': ['member_id', 'image_id', 'status', 'created_at',
                 'updated_at', 'schema'],
    'additionalProperties': False,
    'properties': {
        'member_id': {'type': 'string'},
        'image_id': {'type': 'string'},
        'status': {'enum': ['pending', 'accepted', 'rejected']},
        'created_at': {'type': 'string'},
        'updated_at': {'type': 'string'},
        'schema': dict(_LINK, pattern='^/v1/[^/]+/[^/]+/schemas/member$'),
    },
}

MEMBER_LIST = {
    'type': 'object',
    'required': ['members', 'schema'],
    'additionalProperties': False,
    'properties': {
        'members': {'type': 'array', 'items': MEMBER},
        'schema': dict(_LINK, pattern='^/v1/[^/]+/[^/]+/schemas/members$'),
    },
}


def check(schema, body):
    """Raise jsonschema's ValidationError unless ``body`` fits."""
    jsonschema.Draft202012Validator(schema).validate(body)
