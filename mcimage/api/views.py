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

"""What the services return, as mcimage's callers see it: links, headers.

Links are paths from ``base_path`` (the path of the API's public URL, as
Glance's own links are paths); every value of a path is quoted as one
segment, whatever it holds.
"""

import urllib.parse

from mcimage.api.schemas import images as schemas
from mcimage.common import utils
from mcimage.images import recovery

# What a VIM's image says that a caller of mcimage must never see.
HIDDEN = ('direct_url', 'locations', 'stores', recovery.MARKER_PROPERTY)
# The Glance endpoint's link root (Glance's own). Its images show their
# stores, as Glance's do: its clients wait on them to follow an import,
# and its /v2/info/stores names them anyway.
GLANCE_ROOT = '/v2'
_HIDDEN_FROM_GLANCE_CLIENTS = tuple(f for f in HIDDEN if f != 'stores')

# Staged upload fields a user sees (never the store's location or node).
_UPLOAD_SHOWN = ('id', 'status', 'name', 'disk_format', 'container_format',
                 'size', 'checksum', 'os_hash_algo', 'os_hash_value',
                 'owner')
_UPLOAD_TIMES = ('created_at', 'updated_at', 'expires_at')


def format_image(image, root):
    """A VIM's image with links into mcimage, below ``root``.

    ``root`` is the path that stands where Glance's ``/v2`` stands: a
    tenant's path on /v1 (tenant_path), or ``/v2`` itself on the Glance
    endpoint, whose clients join Glance's links to the endpoint.
    """
    hidden = _HIDDEN_FROM_GLANCE_CLIENTS if root == GLANCE_ROOT else HIDDEN
    body = {k: v for k, v in image.items() if k not in hidden}
    body['self'] = '%s/images/%s' % (root, image['id'])
    body['file'] = body['self'] + '/file'
    body['schema'] = root + '/schemas/image'
    return body


def format_onap_image(image, root, vim, tenant_id):
    """format_image, plus the ONAP view's names of the same values."""
    body = format_image(image, root)
    body['imageType'] = image.get('disk_format')
    body['containerFormat'] = image.get('container_format')
    body['vimId'] = vim.id
    body['tenantId'] = tenant_id
    return body


def _page_link(root, params, marker=None):
    """A first/next link: the same query on mcimage, from ``marker``.

    Built from the request's own parameters: Glance keeps only the last
    value of a repeated parameter (tag, sort_key, sort_dir) in its links,
    so following them drops filters. The marker is always an image the
    caller was shown, never the VIM's.
    """
    query = [(k, v) for k, v in params.items() if k != 'marker']
    if marker:
        query.append(('marker', marker))
    query = urllib.parse.urlencode(query, doseq=True)
    return '%s/images%s' % (root, '?' + query if query else '')


def format_image_page(images, more, params, root):
    """A page of images: ``next`` starts after the last one shown."""
    body = {'images': [format_image(image, root) for image in images],
            'first': _page_link(root, params),
            'schema': root + '/schemas/images'}
    if more and images:
        body['next'] = _page_link(root, params, images[-1]['id'])
    return body


def format_schema(schema, root):
    """The VIM's own schema, without what is hidden, linking to mcimage."""
    # An image's fields; the images schema has them in its items.
    items = schema.get('properties', {}).get('images', {}).get('items', {})
    for properties in (schema.get('properties', {}),
                       items.get('properties', {})):
        for field in HIDDEN:
            properties.pop(field, None)
    for link in schema.get('links', []):
        if link.get('href', '').startswith('/v2/'):
            link['href'] = root + link['href'][len('/v2'):]
    return schema


def format_member(member, root):
    body = dict(member)
    body['schema'] = root + '/schemas/member'
    return body


def format_members(members, root):
    return {'members': [format_member(m, root) for m in members],
            'schema': root + '/schemas/members'}


def format_upload(row, base_path):
    body = {name: row[name] for name in _UPLOAD_SHOWN}
    if row['status'] == 'saving':
        # Its quota reservation, not yet the size of its data.
        body['size'] = None
    body.update((name, utils.format_time(row[name]))
                for name in _UPLOAD_TIMES)
    body['self'] = '%s/v1/uploads/%s' % (base_path, row['id'])
    return body


def format_upload_page(rows, params, limit, base_path):
    return utils.page('uploads', [format_upload(row, base_path)
                                  for row in rows],
                      rows[-1]['id'] if rows else None,
                      '%s/v1/uploads' % base_path, params, limit)


def format_vim(vim, public_url, probe=None, detail=False):
    """A VIM as /v1/vims shows it: never a credential or a URL of it."""
    body = {'id': vim.id,
            'description': vim.description,
            'links': [{'rel': 'self',
                       'href': '%s/v1/vims/%s' % (public_url, vim.id)}]}
    if detail:
        body['reachable'] = probe is not None
        body['api_versions'] = (probe or {}).get('versions', [])
        body['import_methods'] = (probe or {}).get('import_methods', [])
    return body


# -- HEAD .../images/{id}: the X-Image-Meta-* headers of Glance v1 ----------

_HEAD_FIELDS = (('id', 'Id'), ('name', 'Name'),
                ('disk_format', 'Disk_format'),
                ('container_format', 'Container_format'),
                ('size', 'Size'), ('virtual_size', 'Virtual_size'),
                ('checksum', 'Checksum'), ('status', 'Status'),
                ('visibility', 'Visibility'), ('owner', 'Owner'),
                ('min_disk', 'Min_disk'), ('min_ram', 'Min_ram'),
                ('protected', 'Protected'), ('created_at', 'Created_at'),
                ('updated_at', 'Updated_at'))
# What a header value may hold as it is: printable ASCII ('%' is the
# escape). Control characters (CR, LF, NUL...) never are.
_HEADER_SAFE = " !\"#$&'()*+,-./:;<=>?@[]^_`{|}~"
# RFC 9110 tchar (quote() keeps letters, digits and '_.-~' itself), less
# '%', the escape: a header name built of these is always a token.
_TOKEN_SAFE = "!#$&'*+^`|"
_NOT_PROPERTIES = frozenset(schemas.RESERVED_PROPERTIES) | frozenset(
    f for f, _h in _HEAD_FIELDS)


def _header_value(value):
    if value is None:
        return ''
    if isinstance(value, bool):
        return str(value)
    # Header values are latin-1 on the wire: anything else is %-encoded.
    return urllib.parse.quote(str(value), safe=_HEADER_SAFE)


def head_headers(image):
    headers = {}
    for field, name in _HEAD_FIELDS:
        if field in image:
            headers['X-Image-Meta-' + name] = _header_value(image[field])
    headers['X-Image-Meta-Is_public'] = str(
        image.get('visibility') == 'public')
    headers['X-Image-Meta-Deleted'] = 'False'
    for key, value in sorted(image.items()):
        if key not in _NOT_PROPERTIES:
            # A VIM's property names can be anything (set in Glance
            # directly): every character that is not a token character is
            # %-encoded (UTF-8), so no name can end the header or split
            # the response, and hw:cpu_policy reads hw%3Acpu_policy.
            name = urllib.parse.quote(str(key), safe=_TOKEN_SAFE)
            headers['X-Image-Meta-Property-' + name] = _header_value(value)
    return headers
