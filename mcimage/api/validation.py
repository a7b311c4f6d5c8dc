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

"""Request input checked: JSON bodies, queries, path values, headers.

Every error names the field (or header) and the value refused.
"""

import base64
import binascii
import re

import jsonschema
from oslo_config import cfg
from oslo_log import log as logging
from oslo_serialization import jsonutils

from mcimage.api import app as api_app
from mcimage.api import hooks
from mcimage.api.schemas import images as schemas
from mcimage.common import exception

CONF = cfg.CONF
LOG = logging.getLogger(__name__)
_CONTROL_CHARACTER = re.compile(schemas.CONTROL_CHARACTER)
JSON = 'application/json'
_READ_SIZE = 64 * 1024
# No request of this API nests deeper than a few levels. Near the
# interpreter's recursion limit json raises RecursionError, not
# ValueError, and what parses just below it breaks jsonschema and repr().
MAX_JSON_DEPTH = 32


def parse_json(text):
    """The JSON document in ``text``; ValueError for anything refused.

    Besides malformed JSON: a document nested deeper than MAX_JSON_DEPTH,
    and a string holding a lone surrogate (a \\ud800 escape), which no
    UTF-8 text can carry: the VIM would fail on it.
    """
    try:
        document = jsonutils.loads(text)
    except RecursionError:
        raise ValueError('nested deeper than %d levels' % MAX_JSON_DEPTH)
    # Iterative: checking the depth must not recurse either.
    pending = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            values = [value]
        elif isinstance(value, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                raise ValueError('nested deeper than %d levels' %
                                 MAX_JSON_DEPTH)
            if isinstance(value, dict):
                values = list(value)
                pending.extend((v, depth + 1) for v in value.values())
            else:
                values = []
                pending.extend((v, depth + 1) for v in value)
        else:
            continue
        for text_value in values:
            try:
                text_value.encode('utf-8')
            except UnicodeEncodeError:
                raise ValueError('a string holds a lone surrogate (a '
                                 '\\ud800-\\udfff escape not in a pair)')
    return document


def validate(schema, data):
    """Raise Invalid for the most relevant violation of ``schema``."""
    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is None:
        return
    path = '.'.join(str(p) for p in error.absolute_path)
    if error.validator == 'required':
        missing = [k for k in error.validator_value
                   if k not in (error.instance or {})]
        name = '.'.join(filter(None, [path, missing[0]]))
        raise exception.MissingParameter(name=name)
    if error.validator == 'additionalProperties' and isinstance(
            error.instance, dict):
        known = error.schema.get('properties', {})
        unknown = sorted(k for k in error.instance if k not in known)
        if unknown:
            raise exception.Invalid(
                reason="unknown field '%s'" % '.'.join(
                    filter(None, [path, unknown[0]])))
    # best_match() answers with the failing check inside propertyNames
    # ('not' of the reserved names, 'pattern'), never with propertyNames.
    if 'propertyNames' in error.schema_path:
        raise exception.InvalidParameterValue(
            name='.'.join(filter(None, [path, str(error.instance)])),
            value=error.instance,
            reason='this name is reserved, read-only or not allowed here')
    if error.validator == 'enum':
        reason = 'must be one of %s' % ', '.join(
            str(v) for v in error.validator_value)
    elif 'description' in error.schema:
        reason = 'must be %s' % error.schema['description']
    else:
        reason = error.message
    raise exception.InvalidParameterValue(name=path or 'body',
                                          value=error.instance,
                                          reason=reason)


def content_type(request):
    """The request's media type, lowercased, without its parameters.

    '' when the request names none. The real one: the routing hides it
    from WebOb (hooks.StreamingBodyHook).
    """
    value = request.environ.get(hooks.CONTENT_TYPE_ENV,
                                request.environ.get('CONTENT_TYPE')) or ''
    return value.split(';')[0].strip().lower()


def full_content_type(request):
    """The request's Content-Type header as sent (a boundary and all)."""
    return request.environ.get(hooks.CONTENT_TYPE_ENV,
                               request.environ.get('CONTENT_TYPE')) or ''


def require_content_type(request, *media_types):
    """415 naming what came and what is taken, before reading a byte."""
    if content_type(request) not in media_types:
        raise exception.UnsupportedMediaType(
            content_type=full_content_type(request),
            expected=' or '.join(media_types))


class _Body(object):
    """A request body whose read errors are the client's: 400.

    A body that ends before its Content-Length (WebOb's
    DisconnectionError, an OSError) or whose chunked framing is broken
    (cheroot: ValueError, OverflowError for a chunk size past ssize_t;
    gunicorn: its ParseException, which is no OSError) is a malformed
    request, not a server error. Whatever the server's reader raises is
    taken so, as images.reader takes it for image data.
    """

    def __init__(self, stream):
        self._stream = stream

    def read(self, size=-1):
        try:
            return self._stream.read(size)
        except exception.MCImageException:
            raise  # the body cap's 413 (middleware.BodyLimit)
        except Exception as e:
            LOG.info('Reading the request body failed: %(err)r', {'err': e})
            raise exception.Invalid(
                reason='the request body could not be read to its end')


class _Blocks(object):
    """A body read from the server in large blocks, handed on in pieces.

    gunicorn reads a body up to 1 MiB ahead of the application and, on
    every read smaller than what it holds, copies all it holds again: read
    64 KiB at a time, each byte was copied some forty times, and an upload
    cost mcimage-api 6.7 CPU seconds per GiB. Read in blocks of 1 MiB it
    cost 4.3, but gunicorn's copies of such blocks held 7 MiB more while
    it ran; blocks of 256 KiB cost 4.9-5.5 and 4 MiB. The pieces handed on
    stay the size asked for, which is what the VIMs take best
    (doc/source/contributor/data-path.rst).
    """

    BLOCK = 256 * 1024

    def __init__(self, stream):
        self._stream = stream
        self._block = memoryview(b'')

    def read(self, size=-1):
        if size is None or size < 0:
            rest, self._block = bytes(self._block), memoryview(b'')
            return rest + self._stream.read()
        if not self._block:
            block = self._stream.read(max(size, self.BLOCK))
            if len(block) <= size:
                # A whole block asked for: handed on without a copy.
                return block
            self._block = memoryview(block)
        piece, self._block = self._block[:size], self._block[size:]
        return bytes(piece)


def _body_file(request):
    """The request's body as a reader whose read errors are a 400."""
    return _Body(request.body_file)


def _data_file(request):
    """_body_file for image data, in large reads where the server needs it."""
    stream = request.body_file
    if api_app.GUNICORN_SOCKET in request.environ:
        stream = _Blocks(stream)
    return _Body(stream)


def data_body(request, media_type):
    """The body of a data route, uncapped, once its type is checked.

    Every body is capped at [api] max_json_body_size (middleware.BodyLimit)
    but image data, which [upload] image_size_cap limits as it streams.
    """
    require_content_type(request, media_type)
    raw = request.environ.pop(hooks.RAW_INPUT_ENV, None)
    if raw is not None:
        request.environ['wsgi.input'] = raw
    return _data_file(request)


def json_body(request, schema=None, media_types=(JSON,)):
    """The request's JSON document, validated against ``schema``.

    415 for a body of another type (or of none: a body with no
    Content-Type is a form to WebOb and to curl -d) and 413 for one over
    [api] max_json_body_size, both before reading it.
    """
    require_content_type(request, *media_types)
    limit = CONF.api.max_json_body_size
    if request.content_length is not None and request.content_length > limit:
        raise too_large(limit)
    stream = _body_file(request)
    chunks, size = [], 0
    while True:
        # At most one byte past the limit: enough to know it is over.
        chunk = stream.read(min(_READ_SIZE, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
    try:
        body = parse_json(b''.join(chunks).decode('utf-8') or 'null')
    except (ValueError, UnicodeDecodeError) as e:
        raise exception.Invalid(reason='the body is not valid JSON: %s' % e)
    if schema is not None:
        validate(schema, body)
    return body


def too_large(limit):
    return exception.RequestTooLarge(
        reason='The request body is larger than %d bytes ([api] '
               'max_json_body_size); only image data may be larger.' % limit)


def query(request, schema, repeatable=()):
    """The query string as a dict, validated against ``schema``.

    Keys in ``repeatable`` give lists; any other key given twice is refused.
    """
    params = {}
    for key, value in request.GET.items():
        if key in repeatable:
            params.setdefault(key, []).append(value)
        elif key in params:
            raise exception.InvalidParameterValue(
                name=key, value=value, reason='given more than once')
        else:
            params[key] = value
    validate(schema, params)
    return params


def page_query(request, schema):
    """A listing's query string: (params, the size of the page).

    ``limit`` in params becomes an int; the page holds that many rows or
    [api] max_limit, whichever is fewer. The links to further pages carry
    the params as given.
    """
    params = query(request, schema)
    if 'limit' in params:
        params['limit'] = int(params['limit'])
    return params, min(params.get('limit', CONF.api.max_limit),
                       CONF.api.max_limit)


def relayed_query(request):
    """The query's (name, value) pairs, to pass on to a VIM as they came.

    A control character in a name or value (a NUL...) is a 400 naming the
    parameter: Glance answers some of them with a 500.
    """
    pairs = list(request.GET.items())
    for name, value in pairs:
        if _CONTROL_CHARACTER.search(name):
            raise exception.InvalidParameterValue(
                name='query', value=name,
                reason='a parameter name may not hold a control character')
        if _CONTROL_CHARACTER.search(value):
            raise exception.InvalidParameterValue(
                name=name, value=value,
                reason='a value may not hold a control character')
    return pairs


# -- values from a request path ----------------------------------------------

def check_path_value(name, value, schema):
    """400 naming ``name`` and the value, unless ``schema`` takes it.

    Values from a request path end up in the VIM's URLs and mcimage's
    links: they are checked before any policy or VIM call.
    """
    validate({'type': 'object', 'properties': {name: schema}},
             {name: value})


def check_image_id(image_id):
    check_path_value('image_id', image_id, schemas.IMAGE_ID)


def check_tenant_id(tenant_id):
    check_path_value('tenant_id', tenant_id, schemas.TENANT_ID)


def check_tag(tag):
    check_path_value('tag', tag, schemas.TAG)


def check_member_id(member_id):
    check_path_value('member_id', member_id, schemas.MEMBER_ID)


# -- headers ----------------------------------------------------------------

def content_md5(value):
    """Content-MD5 as hex (None if absent): hex, or base64 per RFC 1864."""
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


# One range of bytes (RFC 9110, 14.1.1): first-last, first-, or -suffix
# length.
_RANGE_RE = re.compile(r'bytes=(?:(\d+)-(\d*)|-(\d+))')


def byte_range(value):
    """A Range header of one valid range as (first, last), else None.

    ``last`` is None for an open range (first-); ``first`` is None for a
    suffix (-last: the last ``last`` bytes). Any other form, and a range
    whose last byte is before its first, is ignored, as RFC 9110 (14.2)
    allows.
    """
    match = _RANGE_RE.fullmatch(value.strip()) if value else None
    if match is None:
        return None
    first, last, suffix = match.groups()
    if suffix is not None:
        return None, int(suffix)
    if last and int(last) < int(first):
        return None
    return int(first), int(last) if last else None


# -- image requests ---------------------------------------------------------

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


def _check_patch_op(i, op):
    name = op['path'][1:]
    where = '[%d].path' % i
    body = schemas.record_create_body
    # owner: Glance's, set by an admin (mcimage:image:set_owner).
    if (name in schemas.READ_ONLY_FIELDS - {'owner'}
            or name in schemas.ONAP_ALIASES):
        raise exception.InvalidParameterValue(
            name=where, value=op['path'], reason="'%s' is read-only" % name)
    if op['op'] == 'remove':
        if 'value' in op:
            raise exception.InvalidParameterValue(
                name='[%d].value' % i, value=op['value'],
                reason='remove takes no value')
        if name in schemas.WRITABLE_FIELDS or name == 'owner':
            raise exception.InvalidParameterValue(
                name=where, value=op['path'],
                reason="'%s' cannot be removed; replace it" % name)
        return
    if 'value' not in op:
        raise exception.MissingParameter(name='[%d].value' % i)
    schema = body['properties'].get(name, schemas.PROPERTY_VALUE)
    validate({'type': 'object', 'properties': {name: schema},
              'propertyNames': body['propertyNames']},
             {name: op['value']})


def image_patch(ops, media_type):
    """Glance's JSON patch of ``media_type``, checked, in its 2.1 form."""
    if media_type == PATCH_TYPES[1]:
        ops = _patch_2_0_to_2_1(ops)
    validate(schemas.patch_body, ops)
    for i, op in enumerate(ops):
        _check_patch_op(i, op)
    return ops


def check_sort(params):
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
