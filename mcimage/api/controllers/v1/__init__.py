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

"""/v1: the v1 document, /v1/vims, /v1/images, /v1/uploads, /v1/tasks
and /v1/{vim_id}/{tenant_id}/..."""

import pecan

from mcimage.api.controllers import base
from mcimage.api.controllers.v1 import image_data
from mcimage.api.controllers.v1 import images
from mcimage.api.controllers.v1 import tasks
from mcimage.api.controllers.v1 import uploads
from mcimage.api.controllers.v1 import vims
from mcimage.api import utils
from mcimage.api import versions
from mcimage import backends


# What /v1/{vim_id}/{tenant_id}/ holds: the segment after the tenant in
# the older path form.
_TENANT = ('images', 'schemas')


class TenantController(object):
    """/v1/{vim_id}/{tenant_id}: what one tenant holds in one VIM."""

    def __init__(self, vim, tenant_id):
        self.images = images.ImagesController(vim, tenant_id)
        self.schemas = images.SchemasController(vim, tenant_id)


class V1Controller(object):

    vims = vims.VimsController()
    images = image_data.MultiCloudImagesController()
    uploads = uploads.UploadsController()
    tasks = tasks.TasksController()

    index = base.methods(template='json')

    @index.when(method='GET', template='json')
    def index_get(self):
        return {'version': versions.version_document(utils.public_url())}

    @pecan.expose()
    def _lookup(self, vim_id, tenant_id=None, *remainder):
        """/{vim_id}/{tenant_id}/... or ONAP's newer form.

        /{cloud_owner}/{cloud_region_id}/{tenant_id}/... names the VIM
        {cloud_owner}_{cloud_region_id}: one controller tree for both.
        """
        if not tenant_id:
            backends.get(vim_id)
            pecan.abort(404)
        if not backends.exists(vim_id) and remainder:
            onap_vim = '%s_%s' % (vim_id, tenant_id)
            # An unknown VIM is named as the form of the path names it.
            if backends.exists(onap_vim) or remainder[0] not in _TENANT:
                return (TenantController(backends.get(onap_vim),
                                         remainder[0]), remainder[1:])
        return TenantController(backends.get(vim_id), tenant_id), remainder
