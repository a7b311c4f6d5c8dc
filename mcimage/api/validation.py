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
from oslo_serialization import jsonutils

from mcimage.common import exception


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


def json_body(request, schema=None):
    """The request's JSON document, validated against ``schema``."""
    try:
        body = jsonutils.loads(request.body.decode('utf-8') or 'null')
    except (ValueError, UnicodeDecodeError) as e:
        raise exception.Invalid(reason='the body is not valid JSON: %s' % e)
    if schema is not None:
        validate(schema, body)
    return body


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
