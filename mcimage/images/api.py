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

"""What an image request means: policy targets, ONAP names, backend calls.

Policy is enforced before every backend call (may this caller act in this
tenant at all?) and after it (may the caller see this very image?), since
the VIM's account may see more than the caller may (DESIGN §3).
"""

import base64
import binascii
import re
import urllib.parse

from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import excutils
from oslo_utils import strutils

from mcimage.api import multipart
from mcimage.api.schemas import images as schemas
from mcimage.api import validation
from mcimage import backends
from mcimage.common import exception
from mcimage.common import policy
from mcimage.images import reader as verifying
from mcimage.images import recovery
from mcimage.images import staging
from mcimage.images import uploads

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

# What a VIM's image says that a caller of mcimage must never see.
_HIDDEN = ('direct_url', 'locations', 'stores', recovery.MARKER_PROPERTY)

_MAX_FIELD = 64 * 1024
_FORM_FIELDS = frozenset(schemas.upload_form['properties']) | frozenset(
    schemas.ONAP_ALIASES)


def image_target(tenant_id, image=None, member_status=None,
                 member_id=None):
    """The policy target of an image in the tenant named by the path."""
    if image is None:
        # Before the VIM is asked: the best case, an image the path's
        # tenant owns. Only the tenant scope can refuse it.
        image = {'owner': tenant_id, 'visibility': 'private'}
    return {'tenant_id': tenant_id,
            'owner': image.get('owner'),
            'visibility': image.get('visibility'),
            'member_status': member_status,
            # The project a membership rule is about (members API only).
            'member_id': member_id,
            'protected': image.get('protected')}


def check_path_value(name, value, schema):
    """400 naming ``name`` and the value, unless ``schema`` takes it.

    Values from a request path end up in the VIM's URLs and mcimage's
    links: they are checked before any policy or VIM call.
    """
    validation.validate({'type': 'object', 'properties': {name: schema}},
                        {name: value})


def check_image_id(image_id):
    check_path_value('image_id', image_id, schemas.IMAGE_ID)


def check_tenant_id(tenant_id):
    check_path_value('tenant_id', tenant_id, schemas.TENANT_ID)


def check_tag(tag):
    check_path_value('tag', tag, schemas.TAG)


def check_member_id(member_id):
    check_path_value('member_id', member_id, schemas.MEMBER_ID)


def glance_names(fields):
    """Fields with ONAP's names (imageType...) turned into Glance's."""
    out = {}
    for name, value in fields.items():
        name = schemas.ONAP_ALIASES.get(name, name)
        if name in out and out[name] != value:
            raise exception.Invalid(
                reason="'%s' is given twice with different values (ONAP "
                       "and Glance names)" % name)
        out[name] = value
    return out


def tenant_path(base_path, vim, tenant_id):
    # Each value one segment of the link, whatever it holds.
    return '%s/v1/%s/%s' % (base_path, urllib.parse.quote(vim.id, safe=''),
                            urllib.parse.quote(tenant_id, safe=''))


def format_image(image, vim, tenant_id, base_path, onap=False):
    """A VIM's image as mcimage's callers see it: links into mcimage."""
    body = {k: v for k, v in image.items() if k not in _HIDDEN}
    root = tenant_path(base_path, vim, tenant_id)
    body['self'] = '%s/images/%s' % (root, image['id'])
    body['file'] = body['self'] + '/file'
    body['schema'] = root + '/schemas/image'
    if onap:
        body['imageType'] = image.get('disk_format')
        body['containerFormat'] = image.get('container_format')
        body['vimId'] = vim.id
        body['tenantId'] = tenant_id
    return body


def _member_status(context, vim, tenant_id, image):
    if (image.get('visibility') != 'shared'
            or image.get('owner') == tenant_id):
        return None
    return vim.backend.member_status(context, tenant_id, image['id'],
                                     tenant_id)


def get_image(context, vim, tenant_id, image_id, rule='mcimage:image:get'):
    """The image, if the caller may see it; else 404 as if absent."""
    policy.authorize(context, rule, image_target(tenant_id))
    image = vim.backend.get_image(context, tenant_id, image_id)
    target = image_target(tenant_id, image,
                          _member_status(context, vim, tenant_id, image))
    policy.authorize(context, rule, target,
                     conceal=exception.ImageNotFound(vim_id=vim.id,
                                                     image_id=image_id))
    return image


def authorize_image(context, vim, tenant_id, image_id, rule):
    """The image, if the caller may see it (404) and apply ``rule`` (403).

    A write on an image the caller cannot see stays a 404.
    """
    image = get_image(context, vim, tenant_id, image_id)
    policy.authorize(context, rule, image_target(
        tenant_id, image, _member_status(context, vim, tenant_id, image)))
    return image


# -- list ------------------------------------------------------------------

def _sort_params(params):
    """Glance's sort=k:dir,... checked key by key (the detail names it)."""
    sort = params.get('sort')
    if sort is None:
        return
    if 'sort_key' in params or 'sort_dir' in params:
        raise exception.Invalid(
            reason="'sort' cannot be combined with sort_key/sort_dir")
    for item in sort.split(','):
        key, _sep, direction = item.strip().partition(':')
        if key not in schemas.SORT_KEYS:
            raise exception.InvalidParameterValue(
                name='sort', value=key, reason='not a sort key; use one '
                'of %s' % ', '.join(schemas.SORT_KEYS))
        if direction and direction not in schemas.SORT_DIRS:
            raise exception.InvalidParameterValue(
                name='sort', value=item.strip(),
                reason='the direction must be asc or desc')


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


def _unknown_marker(marker):
    # One answer for a marker that is not there and one the caller may
    # not see: no existence oracle.
    return exception.InvalidParameterValue(
        name='marker', value=marker,
        reason='no image with this id is listed here')


def _check_marker(context, vim, tenant_id, marker):
    """The marker must name an image the caller may see.

    Else the VIM, whose account may see more, would page from an image
    the caller cannot see, and answer differently than for an unknown one.
    """
    try:
        get_image(context, vim, tenant_id, marker)
    except (exception.NotFound, exception.Forbidden):
        raise _unknown_marker(marker)


def _vim_page(context, vim, tenant_id, params):
    try:
        return vim.backend.list_images(context, tenant_id, params)
    except (exception.Invalid, exception.Forbidden) as e:
        marker = params.get('marker')
        if marker and marker in str(e):
            # Glance: 400 for an unknown marker, 403 for an image the
            # caller may not see.
            raise _unknown_marker(marker)
        raise


def list_images(context, vim, tenant_id, params, base_path):
    """One page of images the caller may see, with links into mcimage.

    The VIM's account may list images the caller may not see (service
    mode, an admin account): they are left out, and a page left short is
    filled from further VIM pages. Bounded by [api] max_list_scan images
    read in all: when it is reached the page holds what was found and
    ``next`` starts after the last image shown; with none shown there is
    no ``next`` (nothing to start after that the caller may know of).
    When nothing is left out, this is one VIM call.
    """
    policy.authorize(context, 'mcimage:image:get_all',
                     image_target(tenant_id))
    _sort_params(params)
    params = dict(params)
    if params.get('marker'):
        _check_marker(context, vim, tenant_id, params['marker'])
    # The page size: the caller's limit, else the VIM's own default, read
    # from its first page.
    wanted = None
    if params.get('limit') is not None:
        wanted = min(int(params['limit']), CONF.api.max_limit)
        params['limit'] = str(wanted)
    budget = CONF.api.max_list_scan
    vim_params = dict(params)
    if wanted is not None:
        vim_params['limit'] = str(min(wanted, budget))
    # A page's images have few distinct (owner, visibility, membership)
    # triples, and oslo.policy is most of a list's cost: check each once.
    checked = {}

    def may_see(image, member_status=None):
        target = image_target(tenant_id, image, member_status)
        key = (target['owner'], target['visibility'], member_status)
        if key not in checked:
            checked[key] = policy.check(context, 'mcimage:image:get', target)
        return checked[key]

    def visible(image):
        member_status = None
        if (image.get('visibility') == 'shared'
                and image.get('owner') != tenant_id and not may_see(image)):
            # Only the caller's own membership can let it see this share.
            # Ask for it: the VIM's account may list shares the caller is
            # no member of (an admin service user sees them all).
            member_status = _member_status(context, vim, tenant_id, image)
        if may_see(image, member_status):
            return True
        LOG.info('Image %(img)s of VIM %(vim)s filtered out of a list by '
                 'policy', {'img': image.get('id'), 'vim': vim.id})
        return False

    images = []
    scanned = 0
    more = False
    while True:
        page = _vim_page(context, vim, tenant_id, vim_params)
        batch = page.get('images', [])
        if wanted is None:
            wanted = len(batch)
        for i, image in enumerate(batch):
            if len(images) == wanted:
                break
            scanned += 1
            if visible(image):
                images.append(image)
        else:
            i = len(batch)
        # More after this page: images of this VIM page not looked at, or
        # a next VIM page.
        more = i < len(batch) or bool(page.get('next'))
        if len(images) >= wanted or not more or not batch:
            break
        if scanned >= budget:
            LOG.warning('Image list of VIM %(vim)s for tenant %(tenant)s '
                        'stopped after %(n)d images read ([api] '
                        'max_list_scan) with %(shown)d of %(wanted)d shown',
                        {'vim': vim.id, 'tenant': tenant_id, 'n': scanned,
                         'shown': len(images), 'wanted': wanted})
            break
        # Read on after the last image read (never shown to anyone), in
        # larger pages: what is left out now is likely left out again.
        vim_params['marker'] = batch[-1]['id']
        vim_params['limit'] = str(max(1, min(
            2 * int(vim_params.get('limit') or len(batch)),
            CONF.api.max_limit, budget - scanned)))
    root = tenant_path(base_path, vim, tenant_id)
    body = {'images': [format_image(image, vim, tenant_id, base_path)
                       for image in images],
            'first': _page_link(root, params),
            'schema': root + '/schemas/images'}
    if more and images:
        body['next'] = _page_link(root, params, images[-1]['id'])
    return body


# -- create, update, delete --------------------------------------------------

def _authorize_visibility(context, target, visibility):
    if visibility == 'public':
        policy.authorize(context, 'mcimage:image:publicize', target)
    elif visibility == 'community':
        policy.authorize(context, 'mcimage:image:communitize', target)


def create_image(context, vim, tenant_id, body):
    """POST .../images: a record, no data yet (Glance: 201, queued)."""
    policy.authorize(context, 'mcimage:image:create', image_target(tenant_id))
    if not isinstance(body, dict):
        raise exception.Invalid(reason='the body must be a JSON object')
    fields = glance_names(body)
    validation.validate(schemas.create_body, fields)
    _authorize_visibility(context, image_target(tenant_id),
                          fields.get('visibility'))
    return vim.backend.create_image(context, tenant_id, fields)


PATCH_TYPES = ('application/openstack-images-v2.1-json-patch',
               'application/openstack-images-v2.0-json-patch')


def _patch_2_0_to_2_1(ops):
    """Glance's older patch form: {"replace": "/name", "value": ...}."""
    converted = []
    for i, op in enumerate(ops if isinstance(ops, list) else []):
        kinds = [k for k in ('add', 'replace', 'remove')
                 if isinstance(op, dict) and k in op]
        if len(kinds) != 1:
            raise exception.InvalidParameterValue(
                name='[%d]' % i, value=op,
                reason='expected one of add, replace or remove')
        new = {'op': kinds[0], 'path': op[kinds[0]]}
        new.update((k, v) for k, v in op.items() if k != kinds[0])
        converted.append(new)
    return converted if isinstance(ops, list) else ops


def _check_patch(ops):
    validation.validate(schemas.patch_body, ops)
    for i, op in enumerate(ops):
        name = op['path'][1:]
        where = '[%d].path' % i
        if name in schemas.READ_ONLY_FIELDS or name in schemas.ONAP_ALIASES:
            raise exception.InvalidParameterValue(
                name=where, value=op['path'], reason="'%s' is read-only"
                % name)
        if op['op'] == 'remove':
            if 'value' in op:
                raise exception.InvalidParameterValue(
                    name='[%d].value' % i, value=op['value'],
                    reason='remove takes no value')
            if name in schemas.WRITABLE_FIELDS:
                raise exception.InvalidParameterValue(
                    name=where, value=op['path'],
                    reason="'%s' cannot be removed; replace it" % name)
            continue
        if 'value' not in op:
            raise exception.MissingParameter(name='[%d].value' % i)
        schema = schemas.create_body['properties'].get(
            name, schemas.PROPERTY_VALUE)
        validation.validate({'type': 'object',
                             'properties': {name: schema},
                             'propertyNames': schemas.create_body[
                                 'propertyNames']},
                            {name: op['value']})


def update_image(context, vim, tenant_id, image_id, ops, content_type):
    """PATCH .../images/{id}: Glance's JSON patch, checked first."""
    if content_type not in PATCH_TYPES:
        raise exception.UnsupportedMediaType(
            content_type=content_type, expected=' or '.join(PATCH_TYPES))
    if content_type == PATCH_TYPES[1]:
        ops = _patch_2_0_to_2_1(ops)
    _check_patch(ops)
    image = authorize_image(context, vim, tenant_id, image_id,
                            'mcimage:image:update')
    target = image_target(tenant_id, image)
    for op in ops:
        if op['path'] == '/visibility' and op['op'] != 'remove':
            _authorize_visibility(context, target, op['value'])
    return vim.backend.update_image(context, tenant_id, image_id, ops)


def delete_image(context, vim, tenant_id, image_id):
    image = authorize_image(context, vim, tenant_id, image_id,
                            'mcimage:image:delete')
    if image.get('protected'):
        raise exception.Forbidden(
            'Image %s is protected and cannot be deleted; set protected '
            'to false first.' % image_id)
    vim.backend.delete_image(context, tenant_id, image_id)


def image_action(context, vim, tenant_id, image_id, action):
    """deactivate | reactivate (admin)."""
    authorize_image(context, vim, tenant_id, image_id,
                    'mcimage:image:%s' % action)
    vim.backend.image_action(context, tenant_id, image_id, action)


def add_tag(context, vim, tenant_id, image_id, tag):
    check_tag(tag)
    authorize_image(context, vim, tenant_id, image_id, 'mcimage:image:update')
    vim.backend.add_tag(context, tenant_id, image_id, tag)


def delete_tag(context, vim, tenant_id, image_id, tag):
    check_tag(tag)
    image = authorize_image(context, vim, tenant_id, image_id,
                            'mcimage:image:update')
    if tag not in (image.get('tags') or []):
        raise exception.NotFound('Image %s has no tag %r.' % (image_id, tag))
    vim.backend.delete_tag(context, tenant_id, image_id, tag)


def get_schema(context, vim, tenant_id, name, base_path):
    """The VIM's own schema (its formats), with links into mcimage."""
    policy.authorize(context, 'mcimage:image:get_all',
                     image_target(tenant_id))
    schema = vim.backend.get_schema(context, tenant_id, name)
    # An image's fields; the images schema has them in its items.
    items = schema.get('properties', {}).get('images', {}).get('items', {})
    for properties in (schema.get('properties', {}),
                       items.get('properties', {})):
        for field in _HIDDEN:
            properties.pop(field, None)
    root = tenant_path(base_path, vim, tenant_id)
    for link in schema.get('links', []):
        if link.get('href', '').startswith('/v2/'):
            link['href'] = root + link['href'][len('/v2'):]
    return schema


# -- HEAD: seed 002's X-Image-Meta-* headers ----------------------------------

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


# One range of bytes (RFC 9110, 14.1.1): first-last, first-, or -suffix
# length.
_RANGE_RE = re.compile(r'bytes=(?:(\d+)-(\d*)|-(\d+))')


def _unsatisfiable(byte_range, image):
    return exception.RangeNotSatisfiable(
        reason='Range %s is outside image %s (%s bytes).' % (
            byte_range, image['id'], image.get('size')),
        headers={'Content-Range': 'bytes */%s' % image.get('size')})


def _one_range(byte_range, image):
    """The Range header to pass on to the VIM, or None to ignore it.

    Only one valid range is passed on. An invalid one (last before first)
    is ignored, as RFC 9110 (14.2) allows; a suffix of zero bytes can never
    be satisfied (14.1.1), though Glance answers it with 206.
    """
    match = _RANGE_RE.fullmatch(byte_range.strip()) if byte_range else None
    if match is None:
        return None
    first, last, suffix = match.groups()
    if suffix is not None and int(suffix) == 0:
        raise _unsatisfiable(byte_range, image)
    if first is not None and last and int(last) < int(first):
        return None
    return match.group(0)


def download(context, vim, tenant_id, image_id, byte_range=None):
    """(status, VIM response headers, data iterator or None).

    A Range header of one valid range is passed on (206); any other form is
    ignored, as RFC 9110 allows, and the whole image is sent.
    """
    image = get_image(context, vim, tenant_id, image_id,
                      rule='mcimage:image:download')
    byte_range = _one_range(byte_range, image)
    try:
        return vim.backend.download(context, tenant_id, image_id,
                                    byte_range=byte_range)
    except exception.RangeNotSatisfiable:
        raise _unsatisfiable(byte_range, image)


# -- the ONAP multipart upload ------------------------------------------------

def _convert_form(fields):
    """The ONAP form's text values as Glance's typed fields."""
    out = glance_names(fields)
    for name in ('min_disk', 'min_ram', 'size'):
        if name in out:
            try:
                out[name] = int(out[name])
            except ValueError:
                raise exception.InvalidParameterValue(
                    name=name, value=out[name], reason='not an integer')
    if 'protected' in out:
        try:
            out['protected'] = strutils.bool_from_string(out['protected'],
                                                         strict=True)
        except ValueError:
            raise exception.InvalidParameterValue(
                name='protected', value=out['protected'],
                reason='not a boolean')
    if 'tags' in out:
        out['tags'] = _json_or(out['tags'], 'tags', lambda v: [
            t.strip() for t in v.split(',') if t.strip()])
    if 'properties' in out:
        out['properties'] = _properties(out['properties'])
    return out


def _json_or(value, name, fallback):
    value = value.strip()
    if value[:1] in ('[', '{'):
        try:
            return validation.parse_json(value)
        except ValueError as e:
            raise exception.InvalidParameterValue(
                name=name, value=value[:200], reason='not valid JSON: %s' % e)
    return fallback(value)


def _properties(value):
    """A JSON object, or ONAP's array of {"keyName", "value"}."""
    props = _json_or(value, 'properties', lambda v: v)
    if isinstance(props, list):
        converted = {}
        for i, item in enumerate(props):
            if (not isinstance(item, dict)
                    or set(item) != {'keyName', 'value'}):
                raise exception.InvalidParameterValue(
                    name='properties[%d]' % i, value=item,
                    reason='expected {"keyName": ..., "value": ...}')
            converted[item['keyName']] = item['value']
        props = converted
    if not isinstance(props, dict):
        raise exception.InvalidParameterValue(
            name='properties', value=str(value)[:200],
            reason='expected a JSON object or an array of '
                   '{"keyName", "value"}')
    return props


def _read_form(reader, targets_field=False):
    """The text fields sent before the file part, and the file part."""
    fields = {}
    known = _FORM_FIELDS | ({'targets'} if targets_field else set())
    while True:
        part = reader.next_part()
        if part is None:
            raise exception.MissingParameter(name='file')
        if part.name == 'file':
            return fields, part
        if part.name not in known:
            raise exception.Invalid(reason="unknown form field '%s'" %
                                    part.name)
        if part.filename is not None:
            raise exception.InvalidParameterValue(
                name=part.name, value=part.filename,
                reason='a form field, not a file, is expected here')
        if part.name in fields:
            raise exception.Invalid(reason="form field '%s' is given twice"
                                    % part.name)
        fields[part.name] = reader.read_text(_MAX_FIELD)


def authorize_create(context, tenant_id, visibility):
    target = image_target(tenant_id)
    policy.authorize(context, 'mcimage:image:upload', target)
    if visibility == 'public':
        policy.authorize(context, 'mcimage:image:publicize', target)
    elif visibility == 'community':
        policy.authorize(context, 'mcimage:image:communitize', target)


def _targets(context, raw):
    """The form's targets field: [(vim, tenant_id)], each one checked."""
    try:
        targets = validation.parse_json(raw)
    except ValueError as e:
        raise exception.InvalidParameterValue(
            name='targets', value=raw[:200], reason='not valid JSON: %s' % e)
    validation.validate({'type': 'object',
                         'properties': {'targets': schemas.upload_targets}},
                        {'targets': targets})
    resolved = []
    for target in targets:
        vim = backends.get(target['vim_id'])
        resolved.append((vim, target['tenant_id']))
    if len(set((v.id, t) for v, t in resolved)) != len(resolved):
        raise exception.InvalidParameterValue(
            name='targets', value=raw[:200],
            reason='a VIM and tenant is named twice')
    return resolved


def _check_size_cap(size, what):
    """A size known up front over the cap: refused before a byte is sent."""
    cap = CONF.upload.image_size_cap
    if size is not None and size > cap:
        raise exception.RequestTooLarge(
            reason='The %s of %d bytes is larger than the %d bytes this '
                   'service accepts ([upload] image_size_cap).' %
                   (what, size, cap))


def upload_multipart(context, vim, tenant_id, stream, content_type):
    """POST .../{vim}/{tenant}/images/file: one image, in the path's VIM.

    Returns the image and, in stage mode, the staged upload (else None).
    """
    [(_vim, _tenant, image)], staged = upload_multipart_to(
        context, [(vim, tenant_id)], stream, content_type)
    return image, staged


def upload_multipart_to(context, targets, stream, content_type):
    """Create the image in every target and stream its data into all.

    The form fields come first (DESIGN §4.1), so the images are created
    only once they are all read and checked; the file part then flows
    straight through, read once and sent to every target at once.
    ``targets`` is [(vim, tenant_id)], or None to take them from the
    form's ``targets`` field (POST /v1/images/file). Returns
    ([(vim, tenant_id, image)] as the images ended, the staged upload or
    None); if any target fails, every image made is deleted. In stage
    mode the data is staged whole first, and kept whatever happens next.
    """
    # The tenant scope first: an outsider's body is not read at all.
    for _vim, tenant_id in targets or ():
        policy.authorize(context, 'mcimage:image:upload',
                         image_target(tenant_id))
    reader = multipart.MultipartReader(stream, content_type,
                                       chunk_size=CONF.upload.chunk_size)
    raw_fields, file_part = _read_form(reader, targets_field=not targets)
    if not targets:
        if 'targets' not in raw_fields:
            raise exception.MissingParameter(name='targets')
        targets = _targets(context, raw_fields.pop('targets'))
    form = _convert_form(raw_fields)
    if 'name' not in form and file_part.filename is not None:
        form['name'] = file_part.filename
    form.setdefault('container_format', 'bare')
    validation.validate(schemas.upload_form, form)
    for _vim, tenant_id in targets:
        authorize_create(context, tenant_id, form.get('visibility'))

    declared_checksum = form.pop('checksum', None)
    declared_size = form.pop('size', None)
    _check_size_cap(declared_size, 'declared size')
    fields = dict(form.pop('properties', {}))
    fields.update(form)

    hashing = verifying.VerifyingReader(
        multipart.FileReader(reader), CONF.upload.image_size_cap,
        declared_checksum=declared_checksum, declared_size=declared_size,
        disk_format=fields.get('disk_format'),
        container_format=fields.get('container_format'),
        want_md5=staging.enabled())
    staged = None
    if staging.enabled():
        # Whole and checked in the staging store before any VIM sees it.
        staged = staging.stage(context, hashing, fields, size=declared_size)
    try:
        created = uploads.create_images(context, targets, fields)
        try:
            if staged is not None:
                images = staging.push(context, staged, created)
            else:
                images = uploads.stream_into_images(context, created, hashing,
                                                    size=declared_size)
        except Exception:
            with excutils.save_and_reraise_exception():
                # Those whose upload never began (the staged data could
                # not be read...).
                recovery.abandon(context, created)
    except exception.MCImageException as e:
        if staged is None:
            raise
        raise staging.kept(e, staged)
    for (vim, tenant_id, image_id), image in zip(created, images):
        LOG.info('Uploaded image %(img)s to VIM %(vim)s tenant %(tenant)s: '
                 '%(size)d bytes, sha512 %(sha512)s',
                 {'img': image_id, 'vim': vim.id, 'tenant': tenant_id,
                  'size': hashing.size,
                  'sha512': hashing.sha512.hexdigest()})
    return [(vim, tenant_id, image)
            for (vim, tenant_id, _id), image in zip(created, images)], staged


# -- PUT .../images/{id}/file: raw data ------------------------------------

OCTET_STREAM = 'application/octet-stream'


class _Body(object):
    """A request body as a piece source (read() gives b'' at its end)."""

    def __init__(self, stream, chunk_size):
        self._stream = stream
        self._chunk_size = chunk_size

    def read(self, size=None):
        return self._stream.read(self._chunk_size)


def _content_md5(value):
    """Content-MD5 as hex: given as hex, or base64 per RFC 1864."""
    if value is None:
        return None
    value = value.strip()
    if re.fullmatch('[0-9a-fA-F]{32}', value):
        return value.lower()
    try:
        digest = base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        digest = b''
    if len(digest) != 16:
        raise exception.InvalidParameterValue(
            name='Content-MD5', value=value,
            reason='expected an md5 digest, as 32 hex digits or base64')
    return digest.hex()


def upload_data(context, vim, tenant_id, image_id, stream, content_type,
                content_length=None, content_md5=None):
    """PUT .../images/{id}/file: stream the body into a queued image.

    The record is the user's: a refused or failed upload leaves it queued
    (the VIM puts it back), never active or saving, and never deleted.
    Returns the image and, in stage mode, the staged upload (else None).
    """
    if (content_type or '').split(';')[0].strip().lower() != OCTET_STREAM:
        raise exception.UnsupportedMediaType(content_type=content_type,
                                             expected=OCTET_STREAM)
    declared_md5 = _content_md5(content_md5)
    image = authorize_image(context, vim, tenant_id, image_id,
                            'mcimage:image:upload')
    if image.get('status') != 'queued':
        raise exception.Conflict(
            reason='Image %s is %s: data can only be uploaded to a queued '
                   'image.' % (image_id, image.get('status')))
    _check_size_cap(content_length, 'body')
    hashing = verifying.VerifyingReader(
        _Body(stream, CONF.upload.chunk_size), CONF.upload.image_size_cap,
        declared_checksum=declared_md5,
        disk_format=image.get('disk_format'),
        container_format=image.get('container_format'),
        want_md5=staging.enabled())
    staged = None
    if staging.enabled():
        staged = staging.stage(context, hashing, image, size=content_length)
        try:
            [image] = staging.push(context, staged,
                                   [(vim, tenant_id, image_id)],
                                   created=False)
        except exception.MCImageException as e:
            raise staging.kept(e, staged)
    else:
        [image] = uploads.stream_into_images(
            context, [(vim, tenant_id, image_id)], hashing,
            size=content_length, created=False)
    LOG.info('Uploaded %(size)d bytes into image %(img)s of VIM %(vim)s, '
             'sha512 %(sha512)s', {'img': image_id, 'vim': vim.id,
                                   'size': hashing.size,
                                   'sha512': hashing.sha512.hexdigest()})
    return image, staged
