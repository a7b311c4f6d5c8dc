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

import json

from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import strutils

from mcimage.api import multipart
from mcimage.api.schemas import images as schemas
from mcimage.api import validation
from mcimage.common import exception
from mcimage.common import policy
from mcimage.images import data

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

# What a VIM's image says that a caller of mcimage must never see.
_HIDDEN = ('direct_url', 'locations', 'stores')

_MAX_FIELD = 64 * 1024
_FORM_FIELDS = frozenset(schemas.upload_form['properties']) | frozenset(
    schemas.ONAP_ALIASES)


def image_target(tenant_id, image=None, member_status=None):
    """The policy target of an image in the tenant named by the path."""
    if image is None:
        # Before the VIM is asked: the best case, an image the path's
        # tenant owns. Only the tenant scope can refuse it.
        return {'tenant_id': tenant_id, 'owner': tenant_id,
                'visibility': 'private', 'member_status': None}
    return {'tenant_id': tenant_id,
            'owner': image.get('owner'),
            'visibility': image.get('visibility'),
            'member_status': member_status,
            'protected': image.get('protected')}


def format_image(image, vim, tenant_id, base_path, onap=False):
    """A VIM's image as mcimage's callers see it: links into mcimage."""
    body = {k: v for k, v in image.items() if k not in _HIDDEN}
    self_link = '%s/v1/%s/%s/images/%s' % (base_path, vim.id, tenant_id,
                                           image['id'])
    body['self'] = self_link
    body['file'] = self_link + '/file'
    body.pop('schema', None)
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


def download(context, vim, tenant_id, image_id):
    """(image, VIM response headers, data iterator or None)."""
    image = get_image(context, vim, tenant_id, image_id,
                      rule='mcimage:image:download')
    headers, body = vim.backend.download(context, tenant_id, image_id)
    return image, headers, body


# -- the ONAP multipart upload ------------------------------------------------

def _convert_form(fields):
    """The ONAP form's text values as Glance's typed fields."""
    out = {}
    for name, value in fields.items():
        name = schemas.ONAP_ALIASES.get(name, name)
        if name in out and out[name] != value:
            raise exception.Invalid(
                reason="'%s' is given twice with different values (ONAP "
                       "and Glance names)" % name)
        out[name] = value
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
            return json.loads(value)
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


def _read_form(reader):
    """The text fields sent before the file part, and the file part."""
    fields = {}
    while True:
        part = reader.next_part()
        if part is None:
            raise exception.MissingParameter(name='file')
        if part.name == 'file':
            return fields, part
        if part.name not in _FORM_FIELDS:
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


def _authorize_create(context, tenant_id, visibility):
    target = image_target(tenant_id)
    policy.authorize(context, 'mcimage:image:upload', target)
    if visibility == 'public':
        policy.authorize(context, 'mcimage:image:publicize', target)
    elif visibility == 'community':
        policy.authorize(context, 'mcimage:image:communitize', target)


def upload_multipart(context, vim, tenant_id, stream, content_type):
    """POST .../images/file: create the image and stream its data in.

    The form fields come first (DESIGN §4.1), so the image is created in
    the VIM only once they are all read and checked; the file part then
    flows straight through. Returns the VIM's image as it ended.
    """
    # The tenant scope first: an outsider's body is not read at all.
    policy.authorize(context, 'mcimage:image:upload', image_target(tenant_id))
    reader = multipart.MultipartReader(stream, content_type,
                                       chunk_size=CONF.upload.chunk_size)
    raw_fields, file_part = _read_form(reader)
    form = _convert_form(raw_fields)
    if 'name' not in form and file_part.filename is not None:
        form['name'] = file_part.filename
    form.setdefault('container_format', 'bare')
    validation.validate(schemas.upload_form, form)
    _authorize_create(context, tenant_id, form.get('visibility'))

    declared_checksum = form.pop('checksum', None)
    declared_size = form.pop('size', None)
    cap = CONF.upload.image_size_cap
    if declared_size is not None and declared_size > cap:
        raise exception.RequestTooLarge(
            reason='The declared size %d is larger than the %d bytes this '
                   'service accepts ([upload] image_size_cap).' %
                   (declared_size, cap))
    fields = dict(form.pop('properties', {}))
    fields.update(form)

    image = vim.backend.create_image(context, tenant_id, fields)
    hashing = data.HashingReader(reader, CONF.upload.image_size_cap,
                                 declared_checksum=declared_checksum,
                                 declared_size=declared_size)
    with data.UploadRecord(context, vim, tenant_id, image['id']):
        try:
            vim.backend.upload(context, tenant_id, image['id'], hashing)
        except exception.MCImageException:
            # Our own reader's error is the real cause, whatever the HTTP
            # stack made of it on the way.
            hashing.raise_error()
            raise
        hashing.raise_error()
        reader.finish()
        image = vim.backend.get_image(context, tenant_id, image['id'])
        data.verify_recorded(vim, image, hashing)
    LOG.info('Uploaded image %(img)s to VIM %(vim)s tenant %(tenant)s: '
             '%(size)d bytes, md5 %(md5)s',
             {'img': image['id'], 'vim': vim.id, 'tenant': tenant_id,
              'size': hashing.size, 'md5': hashing.md5.hexdigest()})
    return image
