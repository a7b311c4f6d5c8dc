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

"""Where an import task's data comes from.

``import_from`` names one of three sources: an http(s) URL (read through
the SSRF guard of mcimage.tasks.urls), ``upload:<staged upload id>`` (the
staging store), or ``vim:<vim_id>/<tenant_id>/<image_id>`` (another
cloud's image, downloaded). resolve() checks that the caller may read
it, at creation and again when the flow runs; open() starts reading.
"""

from oslo_config import cfg

from mcimage import backends
from mcimage.common import exception
from mcimage.common import utils
from mcimage.images import access
from mcimage.images import staging
from mcimage import store as staging_store
from mcimage.tasks import urls

CONF = cfg.CONF


class Source(object):
    """What is known of the data before it is read."""

    def __init__(self, kind, description, size=None, checksum=None,
                 os_hash_value=None, disk_format=None,
                 container_format=None):
        self.kind = kind
        self.description = description
        self.size = size
        self.checksum = checksum
        self.os_hash_value = os_hash_value
        self.disk_format = disk_format
        self.container_format = container_format

    def open(self):
        """A reader of the data: read() gives pieces, b'' at the end."""
        raise NotImplementedError()


class _URLSource(Source):

    def __init__(self, checked):
        super().__init__('url', checked.safe_url)
        self._url = checked.url

    def open(self):
        reader = urls.open_url(self._url,
                               size_cap=CONF.upload.image_size_cap)
        self.size = reader.size
        return reader


class _StagedSource(Source):

    def __init__(self, row):
        super().__init__('upload', 'staged upload %s' % row['id'],
                         size=row['size'], checksum=row['checksum'],
                         os_hash_value=row['os_hash_value'],
                         disk_format=row['disk_format'],
                         container_format=row['container_format'])
        self._row = row

    def open(self):
        return staging_store.get_store().open(self._row['id'],
                                              self._row['location'])


class _VimSource(Source):

    def __init__(self, context, vim, tenant_id, image):
        super().__init__('vim', 'image %s of VIM %s' % (image['id'], vim.id),
                         size=image.get('size'),
                         checksum=image.get('checksum'),
                         os_hash_value=(image.get('os_hash_value')
                                        if image.get('os_hash_algo') ==
                                        'sha512' else None),
                         disk_format=image.get('disk_format'),
                         container_format=image.get('container_format'))
        self._context = context
        self._vim = vim
        self._tenant_id = tenant_id
        self._image_id = image['id']

    def open(self):
        _status, _headers, body = self._vim.backend.download(
            self._context, self._tenant_id, self._image_id)
        if body is None:
            raise exception.SourceError(source=self.description,
                                        reason='the image has no data')
        return utils.IteratorReader(body)


def shown(import_from):
    """``import_from`` as it may be shown: a URL without its secrets.

    The task keeps the URL whole for its flow; its readers, the logs and
    the messages get userinfo, query values and fragment left out.
    """
    if import_from.startswith(('upload:', 'vim:')):
        return import_from
    return urls.redact(import_from)


# A task outlives the caller's token, which is never stored: the VIMs it
# reads from and writes to act with an identity of mcimage's own.
TOKEN_VIM_REASON = ("VIM %s acts with the caller's token (auth_mode = "
                    "token), which a task cannot keep; tasks need auth_mode "
                    "service or trusted")


def _invalid(value, reason):
    return exception.InvalidParameterValue(name='input.import_from',
                                           value=value, reason=reason)


def resolve(context, import_from):
    """The Source ``import_from`` names, if the caller may read it.

    Raises Invalid (400) naming ``input.import_from`` for anything known
    to be wrong now: a refused URL, an unknown or unreadable source.
    """
    if import_from.startswith('upload:'):
        upload_id = import_from[len('upload:'):]
        try:
            row = staging.get_visible(context, upload_id)
        except exception.NotFound:
            raise _invalid(import_from, 'no staged upload %s is visible '
                                        'to you' % upload_id)
        if row['status'] != 'active':
            raise _invalid(import_from, 'staged upload %s is still '
                                        'receiving its data' % upload_id)
        return _StagedSource(row)
    if import_from.startswith('vim:'):
        parts = import_from[len('vim:'):].split('/')
        if len(parts) != 3 or not all(parts):
            raise _invalid(import_from, 'expected vim:<vim_id>/<tenant_id>/'
                                        '<image_id>')
        vim_id, tenant_id, image_id = parts
        if not backends.exists(vim_id):
            raise _invalid(import_from, 'VIM %s is not known to this '
                                        'service' % vim_id)
        vim = backends.get(vim_id)
        if vim.auth_mode == 'token':
            raise _invalid(import_from, TOKEN_VIM_REASON % vim_id)
        try:
            image = access.authorize_image(
                context, vim, tenant_id, image_id, 'mcimage:image:download')
        except exception.NotFound:
            raise _invalid(import_from, 'image %s was not found in VIM %s '
                                        'for tenant %s' % (image_id, vim_id,
                                                           tenant_id))
        except exception.Forbidden as e:
            raise exception.Forbidden(
                'You may not read the source image: %s' % e)
        if image.get('status') != 'active':
            raise _invalid(import_from, 'image %s is %s, not active' %
                           (image_id, image.get('status')))
        return _VimSource(context, vim, tenant_id, image)
    return _URLSource(urls.check_url(import_from))
