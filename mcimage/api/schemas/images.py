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

"""JSON Schema of image requests, in Glance v2's vocabulary."""

# Glance's defaults ([image_format] disk_formats / container_formats).
DISK_FORMATS = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2',
                'vdi', 'iso', 'ploop']
CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker',
                     'compressed']
VISIBILITIES = ['public', 'private', 'shared', 'community']

# What Glance sets itself or mcimage keeps for itself: never a property.
RESERVED_PROPERTIES = frozenset([
    'id', 'name', 'status', 'owner', 'visibility', 'checksum', 'size',
    'virtual_size', 'disk_format', 'container_format', 'min_disk', 'min_ram',
    'protected', 'tags', 'created_at', 'updated_at', 'deleted', 'deleted_at',
    'direct_url', 'locations', 'self', 'file', 'schema', 'os_hash_algo',
    'os_hash_value', 'os_hidden', 'stores', 'imageType', 'containerFormat',
    'vimId', 'tenantId'])

# ONAP's names (seed 000) and the Glance fields they stand for.
ONAP_ALIASES = {'imageType': 'disk_format',
                'containerFormat': 'container_format'}

_PROPERTY_NAME = '^[A-Za-z0-9_:.-]{1,255}$'

# The ONAP multipart form (POST .../images/file), after aliases and the
# conversion of its text values (see mcimage.images.api).
upload_form = {
    'type': 'object',
    'properties': {
        'name': {'type': 'string', 'maxLength': 255},
        'disk_format': {'type': 'string', 'enum': DISK_FORMATS},
        'container_format': {'type': 'string', 'enum': CONTAINER_FORMATS},
        'visibility': {'type': 'string', 'enum': VISIBILITIES},
        'min_disk': {'type': 'integer', 'minimum': 0},
        'min_ram': {'type': 'integer', 'minimum': 0},
        'protected': {'type': 'boolean'},
        'tags': {'type': 'array', 'maxItems': 128, 'uniqueItems': True,
                 'items': {'type': 'string', 'minLength': 1,
                           'maxLength': 255}},
        'checksum': {'type': 'string', 'pattern': '^[0-9a-fA-F]{32}$'},
        'size': {'type': 'integer', 'minimum': 0},
        'properties': {
            'type': 'object',
            'maxProperties': 128,
            'propertyNames': {'pattern': _PROPERTY_NAME,
                              'not': {'enum': sorted(RESERVED_PROPERTIES)}},
            'additionalProperties': {'type': 'string', 'maxLength': 65535},
        },
    },
    'required': ['disk_format'],
    'additionalProperties': False,
}
