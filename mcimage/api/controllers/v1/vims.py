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

from mcimage.api import utils
from mcimage import backends
from mcimage.common import policy


def _format(vim, probe=None, detail=False):
    body = {'id': vim.id,
            'description': vim.description,
            'links': [{'rel': 'self', 'href': '%s/v1/vims/%s' % (
                utils.public_url(), vim.id)}]}
    if detail:
        body['reachable'] = probe is not None
        body['api_versions'] = (probe or {}).get('versions', [])
        body['import_methods'] = (probe or {}).get('import_methods', [])
    return body


class VimsController(object):

    @pecan.expose(generic=True, template='json')
    def index(self):
        pecan.abort(405)

    @index.when(method='GET', template='json')
    def index_get(self):
        context = utils.context()
        policy.authorize(context, 'mcimage:vim:get_all', {})
        return {'vims': [_format(v) for v in backends.list_vims()]}

    @pecan.expose()
    def _lookup(self, vim_id, *remainder):
        if remainder:
            pecan.abort(404)
        return VimController(backends.get(vim_id)), remainder


class VimController(object):

    def __init__(self, vim):
        self.vim = vim

    @pecan.expose(generic=True, template='json')
    def index(self):
        pecan.abort(405)

    @index.when(method='GET', template='json')
    def index_get(self):
        context = utils.context()
        policy.authorize(context, 'mcimage:vim:get', {})
        probe = self.vim.backend.probe(context, context.project_id)
        return _format(self.vim, probe, detail=True)
