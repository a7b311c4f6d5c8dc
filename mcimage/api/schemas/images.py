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
    'vimId', 'tenantId', 'mcimage_upload_id'])

# ONAP's names and the Glance fields they stand for.
ONAP_ALIASES = {'imageType': 'disk_format',
                'containerFormat': 'container_format'}

# Patterns match the whole value: '\Z', not '$', which also matches
# before a trailing newline (jsonschema uses re.search).
_PROPERTY_NAME = r'^[A-Za-z0-9_:.-]{1,255}\Z'
# How Glance names images (its own schemas' pattern for an id).
UUID_PATTERN = r'^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\Z'
# A C0 control character (CR, LF, NUL...) or DEL.
_CONTROLS = r'\x00-\x1f\x7f'
CONTROL_CHARACTER = r'[%s]' % _CONTROLS
_NO_CONTROL = r'^[^%s]*\Z' % _CONTROLS
# A value that can be one segment of a URL path: no control character,
# and not '.' or '..', which URL clients drop as dot segments.
_ONE_SEGMENT = r'^(?!\.{1,2}\Z)[^%s]+\Z' % _CONTROLS

# Values taken from a request path (and the same values in bodies).
IMAGE_ID = {'type': 'string', 'pattern': UUID_PATTERN,
            'description': 'an image id (a UUID)'}
# The query of mcimage's own listings (tasks, staged uploads): a page's
# size, and the id of the last row of the page before.
PAGE_LIMIT = {'type': 'string', 'pattern': r'^[1-9]\d{0,8}\Z',
              'description': 'a positive integer'}


def marker(what):
    return {'type': 'string', 'pattern': UUID_PATTERN,
            'description': 'a %s id' % what}


# Glance keeps tags and member ids in 255 characters and takes any
# other text; mcimage also refuses what no URL path can carry.
TAG = {'type': 'string', 'minLength': 1, 'maxLength': 255,
       'pattern': _ONE_SEGMENT,
       'description': 'a tag: 1 to 255 characters, no control '
                      'characters, not "." or ".."'}
MEMBER_ID = {'type': 'string', 'minLength': 1, 'maxLength': 255,
             'pattern': _ONE_SEGMENT,
             'description': 'a project id: 1 to 255 characters, no '
                            'control characters, not "." or ".."'}
# A tenant is also a member id (the caller's own membership).
TENANT_ID = MEMBER_ID
VIM_ID = {'type': 'string', 'minLength': 1, 'maxLength': 255,
          'pattern': _NO_CONTROL,
          'description': 'a VIM id: 1 to 255 characters, no control '
                         'characters'}
_TAGS = {'type': 'array', 'maxItems': 128, 'uniqueItems': True,
         'items': TAG}
# An image's name is shown in lists, headers and logs: no control
# characters, which would forge lines or headers there.
_NAME = {'pattern': _NO_CONTROL, 'maxLength': 255,
         'description': 'a name of at most 255 characters, no control '
                        'characters'}

# The ONAP multipart form (POST .../images/file), after aliases and the
# conversion of its text values (see mcimage.api.forms).
upload_form = {
    'type': 'object',
    'properties': {
        'name': dict(_NAME, type='string'),
        'disk_format': {'type': 'string', 'enum': DISK_FORMATS},
        'container_format': {'type': 'string', 'enum': CONTAINER_FORMATS},
        'visibility': {'type': 'string', 'enum': VISIBILITIES},
        'min_disk': {'type': 'integer', 'minimum': 0},
        'min_ram': {'type': 'integer', 'minimum': 0},
        'protected': {'type': 'boolean'},
        'tags': _TAGS,
        'checksum': {'type': 'string', 'pattern': r'^[0-9a-fA-F]{32}\Z'},
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

# Glance's image fields that a create or a patch may set; the rest of
# Glance's fields (status, owner, checksum, size...) are read-only.
_WRITABLE = {
    'name': dict(_NAME, type=['string', 'null']),
    'visibility': {'type': 'string', 'enum': VISIBILITIES},
    'disk_format': {'type': ['string', 'null'], 'enum': DISK_FORMATS + [None]},
    'container_format': {'type': ['string', 'null'],
                         'enum': CONTAINER_FORMATS + [None]},
    'min_disk': {'type': 'integer', 'minimum': 0, 'maximum': 2 ** 31 - 1},
    'min_ram': {'type': 'integer', 'minimum': 0, 'maximum': 2 ** 31 - 1},
    'protected': {'type': 'boolean'},
    'os_hidden': {'type': 'boolean'},
    'tags': _TAGS,
}
WRITABLE_FIELDS = frozenset(_WRITABLE)
READ_ONLY_FIELDS = RESERVED_PROPERTIES - WRITABLE_FIELDS - frozenset(
    ONAP_ALIASES)
PROPERTY_VALUE = {'type': 'string', 'maxLength': 65535}

# POST .../images: Glance v2's create body (plus the ONAP aliases, turned
# into Glance names before validation).
create_body = {
    'type': 'object',
    'properties': dict(_WRITABLE, id=IMAGE_ID),
    'propertyNames': {'pattern': _PROPERTY_NAME,
                      'not': {'enum': sorted(READ_ONLY_FIELDS - {'id'})}},
    'additionalProperties': PROPERTY_VALUE,
    'maxProperties': 160,
}

# POST .../images (a record, no data): also ``owner``, as in Glance, where
# only an admin may name another project (mcimage:image:set_owner).
OWNER = dict(MEMBER_ID, description='the owner: a project id of the VIM, '
                                    '1 to 255 characters')
record_create_body = dict(
    create_body,
    properties=dict(create_body['properties'], owner=OWNER),
    propertyNames={'pattern': _PROPERTY_NAME,
                   'not': {'enum': sorted(READ_ONLY_FIELDS
                                          - {'id', 'owner'})}})

# PATCH .../images/{id}: a JSON patch (RFC 6902 subset Glance takes).
patch_body = {
    'type': 'array',
    'maxItems': 200,
    'items': {
        'type': 'object',
        'properties': {
            'op': {'type': 'string', 'enum': ['add', 'replace', 'remove']},
            'path': {'type': 'string', 'pattern': r'^/[^/]+\Z'},
            'value': {},
        },
        'required': ['op', 'path'],
        'additionalProperties': False,
    },
}

# Glance v2's own (glance.api.v2.images._available_sort_keys): a VIM
# refuses any other.
SORT_KEYS = ['name', 'status', 'container_format', 'disk_format', 'size',
             'id', 'created_at', 'updated_at']
SORT_DIRS = ['asc', 'desc']
_DATE_FILTER = ('^(gt|gte|lt|lte|eq|neq):'
                r'\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?'
                r'(Z|[+-]\d{2}:?\d{2})?)?\Z')
_DATE_QUERY = {'type': 'string', 'pattern': _DATE_FILTER,
               'description': 'OP:TIME, OP one of gt, gte, lt, lte, eq, '
                              'neq and TIME an ISO 8601 time'}
_INTEGER = {'type': 'string', 'pattern': r'^\d{1,19}\Z',
            'description': 'a non-negative integer'}
_BOOLEAN = {'type': 'string', 'enum': ['true', 'false', 'True', 'False']}
IMAGE_STATUSES = ['queued', 'saving', 'active', 'killed', 'deleted',
                  'pending_delete', 'deactivated', 'uploading', 'importing']


def _enum_or_in(values):
    """One value, or Glance's 'in:a,b' form."""
    return {'type': 'string',
            'anyOf': [{'enum': values},
                      {'pattern': r'^in:(%s)(,(%s))*\Z' % (
                          '|'.join(values), '|'.join(values))}]}


# GET .../images: the query string, one value per key except tag and the
# sort_key/sort_dir pairs; any other key filters on a custom property.
list_query = {
    'type': 'object',
    'properties': {
        'limit': _INTEGER,
        'marker': IMAGE_ID,
        'sort': {'type': 'string', 'minLength': 1},
        'sort_key': {'type': 'array',
                     'items': {'type': 'string', 'enum': SORT_KEYS}},
        'sort_dir': {'type': 'array',
                     'items': {'type': 'string', 'enum': SORT_DIRS}},
        'name': {'type': 'string', 'maxLength': 1024},
        'id': {'type': 'string', 'maxLength': 4096},
        'visibility': {'type': 'string',
                       'enum': VISIBILITIES + ['all']},
        'member_status': {'type': 'string',
                          'enum': ['accepted', 'pending', 'rejected',
                                   'all']},
        'owner': {'type': 'string', 'maxLength': 255},
        'status': _enum_or_in(IMAGE_STATUSES),
        'tag': {'type': 'array', 'items': TAG},
        'disk_format': _enum_or_in(DISK_FORMATS),
        'container_format': _enum_or_in(CONTAINER_FORMATS),
        'size_min': _INTEGER,
        'size_max': _INTEGER,
        'protected': _BOOLEAN,
        'os_hidden': _BOOLEAN,
        'created_at': _DATE_QUERY,
        'updated_at': _DATE_QUERY,
    },
    'additionalProperties': {'type': 'string', 'maxLength': 65535},
}
REPEATABLE_QUERY = frozenset(['tag', 'sort_key', 'sort_dir'])

# POST /v1/images/file: the form's targets field.
upload_targets = {
    'type': 'array',
    'minItems': 1,
    'maxItems': 32,
    'items': {
        'type': 'object',
        'properties': {
            'vim_id': VIM_ID,
            'tenant_id': TENANT_ID,
        },
        'required': ['vim_id', 'tenant_id'],
        'additionalProperties': False,
    },
}

# PUT .../members/{member_id}
member_status_body = {
    'type': 'object',
    'properties': {'status': {'type': 'string',
                              'enum': ['accepted', 'rejected', 'pending']}},
    'required': ['status'],
    'additionalProperties': False,
}

# POST .../members
member_create_body = {
    'type': 'object',
    'properties': {'member': MEMBER_ID},
    'required': ['member'],
    'additionalProperties': False,
}
