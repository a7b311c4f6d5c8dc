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

"""Image data: the ONAP multipart upload and the streamed download."""

from oslo_config import cfg
import pecan
import webob

from mcimage.api import app as api_app
from mcimage.api.controllers import base
from mcimage.api import forms
from mcimage.api import multipart
from mcimage.api import utils
from mcimage.api import validation
from mcimage.api import views
from mcimage.common import exception
from mcimage.images import ingest
from mcimage.images import metadata

CONF = cfg.CONF
OCTET_STREAM = 'application/octet-stream'

# Names the staged upload an upload in stage mode kept.
STAGED_UPLOAD_HEADER = 'OpenStack-Staged-Upload-Id'
# Glance's download headers worth passing on.
_DOWNLOAD_HEADERS = ('Content-Length', 'Content-MD5', 'Content-Range',
                     'Accept-Ranges')


def _download(vim, tenant_id, image_id):
    context = utils.context()
    status, headers, body = metadata.download(
        context, vim, tenant_id, image_id,
        byte_range=validation.byte_range(pecan.request.headers.get('Range')))
    if body is None:
        # Glance's answer for an image that has no data yet.
        return webob.Response(status=204)
    resp = webob.Response(
        status=status,
        app_iter=api_app.spliced(body, pecan.request.environ),
        content_type='application/octet-stream')
    # WebOb sets Content-Length: 0 for a new response; the VIM's own length
    # (or none, for a chunked answer) is the truth.
    resp.headers.pop('Content-Length', None)
    for name in _DOWNLOAD_HEADERS:
        if headers.get(name):
            resp.headers[name] = headers[name]
    if status == 206:
        # The image's md5 is not the md5 of a part of it.
        resp.headers.pop('Content-MD5', None)
    # Streamed as it comes: Pecan must not read it.
    return api_app.raw_response(resp)


class Chunks(object):
    """A request body as a piece source: read() gives b'' at its end."""

    def __init__(self, stream, chunk_size):
        self._stream = stream
        self._chunk_size = chunk_size

    def read(self, size=None):
        return self._stream.read(self._chunk_size)


def _upload_form(targets):
    """Read the ONAP form, then upload its file part into ``targets``.

    ``targets`` is [(vim, tenant_id)], or None to take them from the
    form's ``targets`` field (POST /v1/images/file). The type and the
    tenant scope are checked before the body is read at all; the form's
    fields are all read and checked before any image is created.
    """
    # The type is checked before a byte is read.
    request = pecan.request
    stream = validation.data_body(request, multipart.MULTIPART)
    context = utils.context()
    ingest.authorize_upload(context, targets or ())
    reader = multipart.MultipartReader(
        stream, validation.full_content_type(request),
        chunk_size=CONF.upload.chunk_size)
    raw_fields, file_part = forms.read_form(reader,
                                            targets_field=not targets)
    if not targets:
        if 'targets' not in raw_fields:
            raise exception.MissingParameter(name='targets')
        targets = forms.targets(raw_fields.pop('targets'))
    fields, checksum, size = forms.image_fields(raw_fields,
                                                file_part.filename)
    return ingest.upload_new(context, targets, fields,
                             multipart.FileReader(reader),
                             declared_checksum=checksum,
                             declared_size=size)


class ImageDataController(base.ImageResource):
    """/images/{image_id}/file and /images/file/{image_id}"""

    index = base.methods()

    @index.when(method='GET')
    def index_get(self):
        return _download(self.vim, self.tenant_id, self.image_id)

    @index.when(method='PUT')
    def index_put(self):
        request = pecan.request
        stream = validation.data_body(request, OCTET_STREAM)
        declared_md5 = validation.content_md5(
            request.headers.get('Content-MD5'))
        self._before_upload()
        image, staged = ingest.upload_data(
            utils.context(), self.vim, self.tenant_id, self.image_id,
            Chunks(stream, CONF.upload.chunk_size),
            size=request.content_length, declared_md5=declared_md5)
        # Glance's answer.
        pecan.response.status = 204
        if staged is not None:
            pecan.response.headers[STAGED_UPLOAD_HEADER] = staged['id']
        self._uploaded(image)

    def _before_upload(self):
        """What an API checks before a byte of the data is read."""

    def _uploaded(self, image):
        """What an API does once the data is in ``image``."""


class ImageFileController(object):
    """/images/file: POST uploads (ONAP); /images/file/{id} downloads."""

    def __init__(self, vim, tenant_id):
        self.vim = vim
        self.tenant_id = tenant_id

    index = base.methods(template='json')

    @index.when(method='POST', template='json')
    def index_post(self):
        [(_vim, _tenant, image)], staged = _upload_form(
            [(self.vim, self.tenant_id)])
        pecan.response.status = 201
        if staged is not None:
            pecan.response.headers[STAGED_UPLOAD_HEADER] = staged['id']
        body = views.format_onap_image(
            image, utils.link_root(self.vim, self.tenant_id), self.vim,
            self.tenant_id)
        pecan.response.location = body['self']
        return body

    @pecan.expose()
    def _lookup(self, image_id, *remainder):
        if remainder:
            pecan.abort(404)
        validation.check_image_id(image_id)
        return ImageDataController(self.vim, self.tenant_id,
                                   image_id), remainder


class MultiCloudFileController(object):
    """POST /v1/images/file: one upload into several VIMs at once.

    The multipart form of .../images/file plus a ``targets`` field, a
    JSON array of {"vim_id", "tenant_id"} sent before the file part.
    """

    index = base.methods(template='json')

    @index.when(method='POST', template='json')
    def index_post(self):
        done, staged = _upload_form(None)
        pecan.response.status = 201
        body = {'images': [
            views.format_onap_image(image, utils.link_root(vim, tenant_id),
                                    vim, tenant_id)
            for vim, tenant_id, image in done]}
        if staged is not None:
            pecan.response.headers[STAGED_UPLOAD_HEADER] = staged['id']
            body['staged_upload'] = views.format_upload(staged,
                                                        utils.base_path())
        return body


class MultiCloudImagesController(object):
    """/v1/images"""

    file = MultiCloudFileController()
