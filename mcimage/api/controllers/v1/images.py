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

"""/v1/{vim_id}/{tenant_id}/images/...

The route table, in the order Pecan resolves it:

  POST images/file              ONAP multipart upload (201)
  GET  images/file/{image_id}   ONAP download
  GET  images/{image_id}        show
  GET  images/{image_id}/file   download

``file`` is matched before any image id, so images/{image_id} can never
swallow images/file (the bug the original ONAP plugin shipped).
"""

import pecan

from mcimage.api.controllers.v1 import image_data
from mcimage.api import utils
from mcimage.images import api as images_api


class ImageController(object):
    """/images/{image_id}"""

    def __init__(self, vim, tenant_id, image_id):
        self.vim = vim
        self.tenant_id = tenant_id
        self.image_id = image_id

    @pecan.expose(generic=True, template='json')
    def index(self):
        pecan.abort(405)

    @index.when(method='GET', template='json')
    def index_get(self):
        context = utils.context()
        image = images_api.get_image(context, self.vim, self.tenant_id,
                                     self.image_id)
        return images_api.format_image(image, self.vim, self.tenant_id,
                                       utils.base_path())

    @pecan.expose()
    def _lookup(self, segment, *remainder):
        if segment == 'file' and not remainder:
            return image_data.ImageDataController(
                self.vim, self.tenant_id, self.image_id), remainder
        pecan.abort(404)


class ImagesController(object):
    """/images"""

    def __init__(self, vim, tenant_id):
        self.vim = vim
        self.tenant_id = tenant_id

    @pecan.expose()
    def _lookup(self, segment, *remainder):
        if segment == 'file':
            return image_data.ImageFileController(
                self.vim, self.tenant_id), remainder
        return ImageController(self.vim, self.tenant_id, segment), remainder
