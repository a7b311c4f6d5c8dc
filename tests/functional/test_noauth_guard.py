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

"""noauth against web pages, on the real mcimage-api and under gunicorn.

What a page in the user's browser can send without a CORS preflight (a
multipart or text/plain POST), and what it sends after DNS rebinding (a
foreign Host), is refused with 403 and leaves nothing in Glance; a plain
client still works. mcimage.wsgi.api refuses noauth unless opted in.
"""

import json
import os

import fixtures
import requests
import testtools

from tests.functional import base
from tests.functional.fixtures import mcimage as mcimage_fixtures
from tests.functional import test_onap_upload

EVIL = 'http://evil.example'
# What a browser adds to a page's request to another site.
CROSS_SITE = {'Origin': EVIL, 'Sec-Fetch-Site': 'cross-site',
              'Sec-Fetch-Mode': 'no-cors'}


class TestNoAuthGuard(base.FunctionalTestCase):

    def assertRefused(self, resp, *detail):
        error = self.assertError(resp, 403)
        self.assertEqual('mcimage.noauth_refused', error['code'])
        for text in detail:
            self.assertIn(text, error['detail'])

    def tasks(self):
        resp = requests.get(self.mcimage.url('/v1/tasks'), timeout=30,
                            headers=self.headers(roles='admin,member,reader'))
        self.assertEqual(200, resp.status_code, resp.text)
        return resp.json()['tasks']

    def test_cross_site_multipart_upload_refused(self):
        body, ctype = test_onap_upload.multipart_body(
            [('imageType', 'raw'), ('visibility', 'public')], 'x.img',
            os.urandom(64 * 1024))
        # A page sends no identity headers: noauth would make it admin.
        for headers in (CROSS_SITE, {'Sec-Fetch-Site': 'cross-site'},
                        {'Origin': EVIL}):
            headers = dict(headers, **{'Content-Type': ctype})
            resp = requests.post(
                self.mcimage.url('/v1/%s/admin/images/file' % self.VIM),
                data=body, headers=headers, timeout=60)
            self.assertRefused(resp)
        self.assertEqual([], self.glance_images(tenant='admin'))

    def test_text_plain_task_refused(self):
        task = {'type': 'import',
                'input': {'import_from': 'http://example.com/x.img',
                          'import_from_format': 'raw',
                          'targets': [{'vim_id': self.VIM,
                                       'tenant_id': 'admin'}]}}
        resp = requests.post(
            self.mcimage.url('/v1/tasks'), data=json.dumps(task),
            headers=dict(CROSS_SITE, **{'Content-Type': 'text/plain'}),
            timeout=30)
        self.assertRefused(resp, repr(EVIL), '[cors] allowed_origin')
        self.assertEqual([], self.tasks())
        self.assertEqual([], self.glance_images(tenant='admin'))

    def test_rebound_host_refused(self):
        host = 'evil.example:%d' % self.mcimage.port
        resp = requests.get(self.mcimage.url('/v1/vims'),
                            headers={'Host': host}, timeout=30)
        self.assertRefused(resp, repr(host))
        # The page is its own origin then: a JSON POST, no Origin needed.
        resp = requests.post(self.images_url(tenant='admin'),
                             json={'name': 'rebound'},
                             headers={'Host': 'evil.example'}, timeout=30)
        self.assertRefused(resp, 'DNS rebinding')
        self.assertEqual([], self.glance_images(tenant='admin'))

    def test_plain_client_still_works(self):
        # What curl or the openstack CLI send: no Origin, no Sec-Fetch-*.
        resp = requests.post(self.images_url(), json={'name': 'curl'},
                             headers=self.headers(), timeout=30)
        self.assertEqual(201, resp.status_code, resp.text)
        [held] = self.glance_images()
        self.assertEqual('curl', held['name'])
        resp = requests.get(self.mcimage.url('/v1/vims'), timeout=30,
                            headers={'Sec-Fetch-Site': 'none',
                                     'Host': 'localhost:%d' %
                                     self.mcimage.port})
        self.assertEqual(200, resp.status_code, resp.text)


class TestNoAuthUnderGunicorn(testtools.TestCase):
    """mcimage.wsgi.api cannot see where gunicorn listens."""

    # No VIM is called here.
    VIMS = {'local_RegionOne': 'http://127.0.0.1:9/'}

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.Timeout(300, gentle=True))

    def test_refused_without_opt_in(self):
        server = mcimage_fixtures.MCImageServer(
            self.useFixture(fixtures.TempDir()).path, self.VIMS,
            server='gunicorn',
            extra_conf='[DEFAULT]\nallow_insecure_noauth = false\n')
        self.addCleanup(server.stop)
        # gunicorn's workers fail to boot, and gunicorn exits.
        e = self.assertRaises(RuntimeError, server.start)
        self.assertIn('exited', str(e))
        self.assertIn('allow_insecure_noauth', str(e))
        self.assertIn('[DEFAULT] auth_strategy', str(e))
        self.assertIn('WSGI server', str(e))

    def test_served_with_opt_in(self):
        server = self.useFixture(mcimage_fixtures.MCImageFixture(
            self.VIMS, server='gunicorn')).server
        resp = requests.get(server.url('/v1/vims'), timeout=30)
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual(['local_RegionOne'],
                         [v['id'] for v in resp.json()['vims']])
        resp = requests.get(server.url('/v1/vims'), timeout=30,
                            headers={'Origin': EVIL})
        self.assertEqual(403, resp.status_code, resp.text)
