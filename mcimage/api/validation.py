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

"""JSON Schema validation with errors that name the field and the value."""

import jsonschema
from oslo_config import cfg
from oslo_log import log as logging
from oslo_serialization import jsonutils

from mcimage.api import hooks
from mcimage.common import exception

CONF = cfg.CONF
LOG = logging.getLogger(__name__)
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
    (cheroot: ValueError, OverflowError for a chunk size past ssize_t) is
    a malformed request, not a server error.
    """

    def __init__(self, stream):
        self._stream = stream

    def read(self, size=-1):
        try:
            return self._stream.read(size)
        except (OSError, ValueError, OverflowError) as e:
            LOG.info('Reading the request body failed: %(err)r', {'err': e})
            raise exception.Invalid(
                reason='the request body could not be read to its end')


def _body_file(request):
    """The request's body as a reader whose read errors are a 400."""
    return _Body(request.body_file)


def data_body(request, media_type):
    """The body of a data route, uncapped, once its type is checked.

    Every body is capped at [api] max_json_body_size (middleware.BodyLimit)
    but image data, which [upload] image_size_cap limits as it streams.
    """
    require_content_type(request, media_type)
    raw = request.environ.pop(hooks.RAW_INPUT_ENV, None)
    if raw is not None:
        request.environ['wsgi.input'] = raw
    return _body_file(request)


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
