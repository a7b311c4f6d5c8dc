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

"""GET /v1/vims and /v1/vims/{vim_id}: never a credential or a URL."""

import pecan

from mcimage.api.controllers import base
from mcimage.api import utils
from mcimage.api import views
from mcimage import backends
from mcimage.images import vims as vims_api


class VimsController(object):

    index = base.methods(template='json')

    @index.when(method='GET', template='json')
    def index_get(self):
        return {'vims': [views.format_vim(v, utils.public_url())
                         for v in vims_api.list_vims(utils.context())]}

    @pecan.expose()
    def _lookup(self, vim_id, *remainder):
        if remainder:
            pecan.abort(404)
        return VimController(backends.get(vim_id)), remainder


class VimController(object):

    def __init__(self, vim):
        self.vim = vim

    index = base.methods(template='json')

    @index.when(method='GET', template='json')
    def index_get(self):
        probe = vims_api.probe_vim(utils.context(), self.vim)
        return views.format_vim(self.vim, utils.public_url(), probe,
                                detail=True)
