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

import pecan
import webob

from mcimage.api import app as api_app
from mcimage.api import multipart
from mcimage.api import utils
from mcimage.api import validation
from mcimage.images import api as images_api
from mcimage.images import staging

# Names the staged upload an upload in stage mode kept.
STAGED_UPLOAD_HEADER = 'OpenStack-Staged-Upload-Id'
# Glance's download headers worth passing on.
_DOWNLOAD_HEADERS = ('Content-Length', 'Content-MD5', 'Content-Range',
                     'Accept-Ranges')


def _download(vim, tenant_id, image_id):
    context = utils.context()
    status, headers, body = images_api.download(
        context, vim, tenant_id, image_id,
        byte_range=pecan.request.headers.get('Range'))
    if body is None:
        # Glance's answer for an image that has no data yet.
        return webob.Response(status=204)
    resp = webob.Response(status=status, app_iter=body,
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


def _multipart_body():
    """The multipart body and its Content-Type (boundary included), or 415.

    The type is checked before a byte is read.
    """
    request = pecan.request
    stream = validation.data_body(request, multipart.MULTIPART)
    return stream, validation.full_content_type(request)


class ImageDataController(object):
    """/images/{image_id}/file and /images/file/{image_id}"""

    def __init__(self, vim, tenant_id, image_id):
        self.vim = vim
        self.tenant_id = tenant_id
        self.image_id = image_id

    @pecan.expose(generic=True)
    def index(self):
        pecan.abort(405)

    @index.when(method='GET')
    def index_get(self):
        return _download(self.vim, self.tenant_id, self.image_id)

    @index.when(method='PUT')
    def index_put(self):
        request = pecan.request
        stream = validation.data_body(request, images_api.OCTET_STREAM)
        _image, staged = images_api.upload_data(
            utils.context(), self.vim, self.tenant_id, self.image_id,
            stream, validation.full_content_type(request),
            content_length=request.content_length,
            content_md5=request.headers.get('Content-MD5'))
        # Glance's answer.
        pecan.response.status = 204
        if staged is not None:
            pecan.response.headers[STAGED_UPLOAD_HEADER] = staged['id']


class ImageFileController(object):
    """/images/file: POST uploads (ONAP); /images/file/{id} downloads."""

    def __init__(self, vim, tenant_id):
        self.vim = vim
        self.tenant_id = tenant_id

    @pecan.expose(generic=True, template='json')
    def index(self):
        pecan.abort(405)

    @index.when(method='POST', template='json')
    def index_post(self):
        stream, content_type = _multipart_body()
        image, staged = images_api.upload_multipart(
            utils.context(), self.vim, self.tenant_id, stream, content_type)
        pecan.response.status = 201
        if staged is not None:
            pecan.response.headers[STAGED_UPLOAD_HEADER] = staged['id']
        body = images_api.format_image(image, self.vim, self.tenant_id,
                                       utils.base_path(), onap=True)
        pecan.response.location = body['self']
        return body

    @pecan.expose()
    def _lookup(self, image_id, *remainder):
        if remainder:
            pecan.abort(404)
        images_api.check_image_id(image_id)
        return ImageDataController(self.vim, self.tenant_id,
                                   image_id), remainder


class MultiCloudFileController(object):
    """POST /v1/images/file: one upload into several VIMs at once.

    The multipart form of .../images/file plus a ``targets`` field, a
    JSON array of {"vim_id", "tenant_id"} sent before the file part.
    """

    @pecan.expose(generic=True, template='json')
    def index(self):
        pecan.abort(405)

    @index.when(method='POST', template='json')
    def index_post(self):
        stream, content_type = _multipart_body()
        done, staged = images_api.upload_multipart_to(
            utils.context(), None, stream, content_type)
        pecan.response.status = 201
        body = {'images': [
            images_api.format_image(image, vim, tenant_id,
                                    utils.base_path(), onap=True)
            for vim, tenant_id, image in done]}
        if staged is not None:
            pecan.response.headers[STAGED_UPLOAD_HEADER] = staged['id']
            body['staged_upload'] = staging.format_upload(
                staged, utils.base_path())
        return body


class MultiCloudImagesController(object):
    """/v1/images"""

    file = MultiCloudFileController()
