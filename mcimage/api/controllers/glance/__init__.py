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

"""/glance/{vim_id}: each VIM as a Glance v2 endpoint of its own.

Any Glance client (glanceclient, openstacksdk, the openstack CLI, nova)
given {public_endpoint}/glance/{vim_id} as its image endpoint talks Glance
v2 to mcimage, which answers for the caller's own project in that VIM,
with every check of mcimage's own routes (see
doc/source/user/glance-endpoint.rst):

  GET  /                    Glance's versions document (300)
  GET  /versions            the same, 200
       /v2/...              the Glance v2 images API (controllers.glance.v2)
                            and its metadata definitions (.metadefs)

Links and errors are Glance's (hooks.GlanceHook).
"""

import pecan

from mcimage.api.controllers import base
from mcimage.api.controllers.glance import v2
from mcimage.api import utils
from mcimage.api import versions
from mcimage import backends
from mcimage.backends import base as backends_base
from mcimage.common import exception


class VersionsController(object):
    """/glance/{vim_id}/versions"""

    def __init__(self, vim):
        self.vim = vim

    index = base.methods(template='json')

    @index.when(method='GET', template='json')
    def index_get(self):
        return versions.glance_versions_document(
            utils.glance_endpoint_url(self.vim))


class VimController(object):
    """/glance/{vim_id}"""

    def __init__(self, vim):
        self.vim = vim
        self.versions = VersionsController(vim)
        self.v2 = v2.V2Controller(vim)

    index = base.methods(template='json')

    @index.when(method='GET', template='json')
    def index_get(self):
        # Glance's answer to the root: the choices, 300.
        pecan.response.status = 300
        return versions.glance_versions_document(
            utils.glance_endpoint_url(self.vim))


class GlanceController(object):
    """/glance"""

    @pecan.expose()
    def _lookup(self, vim_id, *remainder):
        relayed_for = pecan.request.headers.get(backends_base.RELAY_HEADER)
        if relayed_for is not None:
            raise exception.RelayLoop(vim_id=relayed_for[:255])
        return VimController(backends.get(vim_id)), remainder
