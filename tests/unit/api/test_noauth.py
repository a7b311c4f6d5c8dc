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

"""noauth refuses what a web page can send through the user's browser.

A page of another origin may send a text/plain or multipart POST without
a CORS preflight, and a page whose name rebinds to 127.0.0.1 reaches the
API as its own origin; with noauth, either acts as admin.
"""

import io

import fixtures

from mcimage.common import exception
from mcimage import wsgi
from tests import base as test_base
from tests.unit.api import base

TASK = '{"type": "import", "input": {"url": "http://192.0.2.1/x.qcow2"}}'


def _multipart():
    body = (b'--xyz\r\nContent-Disposition: form-data; name="imageType"'
            b'\r\n\r\nraw\r\n--xyz\r\nContent-Disposition: form-data; '
            b'name="file"; filename="a.img"\r\nContent-Type: '
            b'application/octet-stream\r\n\r\n' + b'\0' * 1024 +
            b'\r\n--xyz--\r\n')
    return body, 'multipart/form-data; boundary=xyz'


class TestNoAuthRequests(base.APITestCase):

    def get(self, status=200, **headers):
        resp = self.app.get('/v1/vims', headers=headers,
                            expect_errors=status >= 400)
        self.assertEqual(status, resp.status_int, resp.text)
        return resp

    def assertRefused(self, resp, *detail):
        error = self.assertError(resp, 403)
        self.assertEqual('mcimage.noauth_refused', error['code'])
        for text in detail:
            self.assertIn(text, error['detail'])
        return error

    def assertNothingCreated(self):
        self.assertEqual([], [c for c in self.fake.calls
                              if c[0] == 'create_image'])
        tasks = self.app.get('/v1/tasks', headers=self.headers('admin'))
        self.assertEqual([], tasks.json['tasks'])

    def test_cross_origin_text_plain_task_refused(self):
        # No preflight for text/plain: the browser sends it at once.
        resp = self.app.post('/v1/tasks', params=TASK,
                             content_type='text/plain',
                             headers={'Origin': 'http://evil.example'},
                             expect_errors=True)
        self.assertRefused(resp, "'http://evil.example'",
                           '[cors] allowed_origin')
        self.assertNothingCreated()

    def test_cross_site_multipart_upload_refused(self):
        body, ctype = _multipart()
        for headers in ({'Origin': 'http://evil.example'},
                        {'Sec-Fetch-Site': 'cross-site'},
                        {'Origin': 'null'},
                        {'Origin': 'http://localhost:8080',
                         'Sec-Fetch-Site': 'same-site'}):
            resp = self.app.post('/v1/%s/p1/images/file' % base.VIM,
                                 params=body, content_type=ctype,
                                 headers=headers, expect_errors=True)
            self.assertRefused(resp)
        self.assertNothingCreated()

    def test_sec_fetch_site(self):
        for value in ('cross-site', 'same-site', 'Cross-Site'):
            self.assertRefused(self.get(403, **{'Sec-Fetch-Site': value}),
                               'Sec-Fetch-Site')
        for value in ('same-origin', 'none'):
            self.get(**{'Sec-Fetch-Site': value})

    def test_origin_allowed_by_cors(self):
        self.config(allowed_origin=['https://ui.example'], group='cors')
        self.get(Origin='https://ui.example',
                 **{'Sec-Fetch-Site': 'cross-site'})
        self.assertRefused(self.get(403, Origin='https://other.example'),
                           "'https://other.example'")

    def test_host_names_this_host(self):
        for host in ('localhost', 'localhost:9494', '127.0.0.1:9494',
                     '127.3.2.1', '[::1]:9494', 'LOCALHOST.:80',
                     'api.localhost:9494'):
            self.get(Host=host)
        # webtest's own Host, and no Host at all.
        self.get()
        resp = self.app.get('/v1/vims', extra_environ={'HTTP_HOST': ''})
        self.assertEqual(200, resp.status_int)

    def test_host_elsewhere_refused(self):
        # DNS rebinding: evil.example resolves to 127.0.0.1 by then.
        for host in ('evil.example:9494', 'evil.example', '192.0.2.7',
                     'localhost.evil.example', '[::ffff:c000:207]:80',
                     'bad host'):
            self.assertRefused(self.get(403, Host=host), 'Host')

    def test_rebinding_refused_behind_proxy_header_parsing(self):
        self.config(enable_proxy_headers_parsing=True,
                    group='oslo_middleware')
        self.assertRefused(self.get(403, Host='evil.example:9494',
                                    **{'X-Forwarded-Host': 'localhost'}),
                           "'evil.example:9494'")

    def test_host_bound_address_and_public_endpoint(self):
        self.config(bind_host='192.0.2.7', group='api')
        self.config(public_endpoint='https://images.example:8443/mc',
                    group='api')
        self.get(Host='192.0.2.7:9494')
        self.get(Host='images.example:8443')
        self.assertRefused(self.get(403, Host='images.example.org'))

    def test_plain_client_works(self):
        resp = self.app.post('/v1/%s/p1/images' % base.VIM,
                             params='{"name": "curl"}',
                             content_type='application/json',
                             headers=self.headers(), status=201)
        self.assertEqual('curl', resp.json['name'])


class TestNoAuthServing(test_base.TestCase):
    """Where noauth is served at all (mcimage-api and WSGI servers)."""

    def setUp(self):
        super().setUp()
        self.stderr = io.StringIO()
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', self.stderr))
        self.config(auth_strategy='noauth')

    def test_wsgi_server_refused_without_opt_in(self):
        e = self.assertRaises(exception.ConfigInvalid, wsgi.check_noauth)
        self.assertIn('[DEFAULT] auth_strategy', str(e))
        self.assertIn('allow_insecure_noauth', str(e))
        self.assertIn('WSGI server', str(e))

    def test_wsgi_server_with_opt_in_warns(self):
        self.config(allow_insecure_noauth=True)
        wsgi.check_noauth()
        self.assertIn('NO AUTHENTICATION', self.stderr.getvalue())

    def test_off_loopback_with_opt_in(self):
        self.config(allow_insecure_noauth=True)
        self.config(bind_host='0.0.0.0', group='api')
        wsgi.check_noauth(bind_host='0.0.0.0')
        self.assertIn('NO AUTHENTICATION', self.stderr.getvalue())

    def test_keystone_untouched(self):
        self.config(auth_strategy='keystone')
        wsgi.check_noauth()
        self.assertEqual('', self.stderr.getvalue())
