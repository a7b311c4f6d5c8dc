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

"""The ONAP upload form: its text fields read, converted and checked.

The form fields come before the file part, so they are all read and
checked before any image is created; the file part is then handed on as
a reader (multipart.FileReader).
"""

from oslo_utils import strutils

from mcimage.api.schemas import images as schemas
from mcimage.api import validation
from mcimage import backends
from mcimage.common import exception

_MAX_FIELD = 64 * 1024
_FORM_FIELDS = frozenset(schemas.upload_form['properties']) | frozenset(
    schemas.ONAP_ALIASES)


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


def read_form(reader, targets_field=False):
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


def _convert(fields):
    """The form's text values as Glance's typed fields."""
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


def image_fields(raw_fields, filename):
    """The checked form: (image fields, declared md5, declared size).

    The image fields are Glance's, properties merged in; the md5 and size
    the form declares are the data's, checked as it flows.
    """
    form = _convert(raw_fields)
    if 'name' not in form and filename is not None:
        form['name'] = filename
    form.setdefault('container_format', 'bare')
    validation.validate(schemas.upload_form, form)
    declared_checksum = form.pop('checksum', None)
    declared_size = form.pop('size', None)
    fields = dict(form.pop('properties', {}))
    fields.update(form)
    return fields, declared_checksum, declared_size


def targets(raw):
    """The form's targets field: [(vim, tenant_id)], each one checked."""
    try:
        parsed = validation.parse_json(raw)
    except ValueError as e:
        raise exception.InvalidParameterValue(
            name='targets', value=raw[:200], reason='not valid JSON: %s' % e)
    validation.validate({'type': 'object',
                         'properties': {'targets': schemas.upload_targets}},
                        {'targets': parsed})
    resolved = [(backends.get(target['vim_id']), target['tenant_id'])
                for target in parsed]
    if len(set((v.id, t) for v, t in resolved)) != len(resolved):
        raise exception.InvalidParameterValue(
            name='targets', value=raw[:200],
            reason='a VIM and tenant is named twice')
    return resolved
