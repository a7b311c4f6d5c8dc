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
            name=path, value=error.instance,
            reason='this name is reserved or not allowed')
    if error.validator == 'enum':
        reason = 'must be one of %s' % ', '.join(
            str(v) for v in error.validator_value)
    else:
        reason = error.message
    raise exception.InvalidParameterValue(name=path or 'body',
                                          value=error.instance,
                                          reason=reason)
