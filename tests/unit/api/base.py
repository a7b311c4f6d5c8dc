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

"""API tests through the whole Paste pipeline (webtest over load_app)."""

import webtest

from mcimage.api import app as api_app
from mcimage import backends
from mcimage.conf import vims as vims_conf
from tests import base

VIM = 'owner_RegionOne'
OTHER_VIM = 'owner_RegionTwo'

PERSONAS = {
    'admin': {'X-Project-Id': 'admin-project', 'X-User-Id': 'admin-user',
              'X-Roles': 'admin,member,reader'},
    'member': {'X-Project-Id': 'p1', 'X-User-Id': 'p1-member',
               'X-Roles': 'member,reader'},
    'reader': {'X-Project-Id': 'p1', 'X-User-Id': 'p1-reader',
               'X-Roles': 'reader'},
    'other_member': {'X-Project-Id': 'p2', 'X-User-Id': 'p2-member',
                     'X-Roles': 'member,reader'},
    'other_reader': {'X-Project-Id': 'p2', 'X-User-Id': 'p2-reader',
                     'X-Roles': 'reader'},
}


class APITestCase(base.TestCase):
    """noauth, two VIMs on the fake driver, a synced sqlite database."""

    def setUp(self):
        super().setUp()
        self.config(auth_strategy='noauth', enabled_vims=[VIM, OTHER_VIM])
        for vim_id in (VIM, OTHER_VIM):
            vims_conf.register_vim_opts(base.CONF, vim_id)
            self.config(driver='fake', auth_mode='trusted',
                        endpoint_override='http://127.0.0.1:9292',
                        description='test cloud %s' % vim_id,
                        group='vim:%s' % vim_id)
        registry = backends.init()
        self.glance = {vim_id: vim.backend
                       for vim_id, vim in registry.vims.items()}
        self.fake = self.glance[VIM]
        self.sync_db()
        self.app = webtest.TestApp(api_app.load_app())

    def headers(self, persona='member', **extra):
        headers = dict(PERSONAS[persona])
        headers.update(extra)
        return headers

    def assertError(self, resp, status, detail_contains=None):
        """An API-SIG error body with this status (and this detail)."""
        self.assertEqual(status, resp.status_int, resp.text)
        self.assertEqual('application/json', resp.content_type)
        errors = resp.json['errors']
        self.assertEqual(1, len(errors))
        error = errors[0]
        self.assertEqual({'request_id', 'code', 'status', 'title', 'detail'},
                         set(error))
        self.assertEqual(status, error['status'])
        self.assertTrue(error['request_id'].startswith('req-'))
        self.assertNotIn('Traceback', resp.text)
        if detail_contains is not None:
            self.assertIn(detail_contains, error['detail'])
        return error
