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

"""/v1/uploads: the staged uploads of the caller's project."""

import pecan

from mcimage.api.controllers import base
from mcimage.api.schemas import uploads as schemas
from mcimage.api import utils
from mcimage.api import validation
from mcimage.api import views
from mcimage.images import staging


class UploadController(object):
    """/v1/uploads/{upload_id}"""

    def __init__(self, upload_id):
        self.upload_id = upload_id

    index = base.methods(template='json')

    @index.when(method='GET', template='json')
    def index_get(self):
        return views.format_upload(
            staging.get_visible(utils.context(), self.upload_id),
            utils.base_path())

    @index.when(method='DELETE', template='json')
    def index_delete(self):
        staging.delete_upload(utils.context(), self.upload_id)
        pecan.response.status = 204


class UploadsController(object):
    """/v1/uploads"""

    index = base.methods(template='json')

    @index.when(method='GET', template='json')
    def index_get(self):
        params, limit = validation.page_query(pecan.request,
                                              schemas.list_query)
        rows = staging.list_uploads(utils.context(), limit,
                                    marker=params.get('marker'),
                                    status=params.get('status'))
        return views.format_upload_page(rows, params, limit,
                                        utils.base_path())

    @pecan.expose()
    def _lookup(self, upload_id, *remainder):
        if remainder:
            pecan.abort(404)
        return UploadController(upload_id), remainder
