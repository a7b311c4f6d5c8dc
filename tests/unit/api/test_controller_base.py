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

import pecan
import testtools
import webtest

from mcimage.api.controllers import base


class _Readable(base.ImageResource):

    index = base.methods(template='json')

    @index.when(method='GET', template='json')
    def index_get(self):
        return {'image': self.image_id, 'vim': self.vim,
                'tenant': self.tenant_id}


class _Deletable(object):

    index = base.methods()

    @index.when(method='DELETE')
    def index_delete(self):
        pecan.response.status = 204


class _Root(object):

    deletable = _Deletable()

    @pecan.expose()
    def _lookup(self, image_id, *remainder):
        return _Readable('vim-1', 'tenant-1', image_id), remainder


class TestMethods(testtools.TestCase):
    """Each controller answers its own methods, and 405 for the others."""

    def setUp(self):
        super().setUp()
        self.app = webtest.TestApp(pecan.Pecan(
            _Root(), force_canonical=False))

    def test_handlers_stay_with_their_controller(self):
        resp = self.app.get('/image-1')
        self.assertEqual({'image': 'image-1', 'vim': 'vim-1',
                          'tenant': 'tenant-1'}, resp.json)
        self.assertEqual(204, self.app.delete('/deletable').status_int)
        # Had the two shared one index, each would take the other's method.
        self.assertEqual(405, self.app.delete('/image-1',
                                              expect_errors=True).status_int)
        self.assertEqual(405, self.app.get('/deletable',
                                           expect_errors=True).status_int)

    def test_unhandled_methods_are_405(self):
        for method in ('post', 'put', 'patch'):
            resp = getattr(self.app, method)('/image-1', expect_errors=True)
            self.assertEqual(405, resp.status_int, method)
