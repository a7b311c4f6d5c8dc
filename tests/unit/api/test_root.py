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

import uuid

import fixtures

import webtest

from mcimage.api import app as api_app
from mcimage.common import exception
from tests.unit.api import base


class TestDiscovery(base.APITestCase):

    def test_root_lists_versions_without_auth(self):
        resp = self.app.get('/')
        self.assertEqual(200, resp.status_int)
        [v1] = resp.json['versions']
        self.assertEqual('v1', v1['id'])
        self.assertEqual('CURRENT', v1['status'])
        self.assertEqual('1.0', v1['min_version'])
        self.assertEqual('1.0', v1['version'])
        self.assertEqual([{'rel': 'self', 'href': 'http://localhost/v1/'}],
                         v1['links'])

    def test_public_endpoint_builds_links(self):
        self.config(public_endpoint='https://images.example.com/mc/',
                    group='api')
        resp = self.app.get('/')
        self.assertEqual('https://images.example.com/mc/v1/',
                         resp.json['versions'][0]['links'][0]['href'])

    def test_forwarded_proto_builds_links(self):
        self.config(enable_proxy_headers_parsing=True,
                    group='oslo_middleware')
        resp = self.app.get('/', headers={'X-Forwarded-Proto': 'https',
                                          'X-Forwarded-Host': 'img.example'})
        self.assertEqual('https://img.example/v1/',
                         resp.json['versions'][0]['links'][0]['href'])

    def test_v1_document(self):
        resp = self.app.get('/v1', headers=self.headers())
        self.assertEqual(200, resp.status_int)
        self.assertEqual('v1', resp.json['version']['id'])

    def test_microversion_echoed_with_vary(self):
        for sent in (None, 'multicloud-image 1.0', 'multicloud-image latest'):
            headers = self.headers()
            if sent:
                headers['OpenStack-API-Version'] = sent
            resp = self.app.get('/v1/vims', headers=headers)
            self.assertEqual('multicloud-image 1.0',
                             resp.headers['OpenStack-API-Version'])
            self.assertIn('OpenStack-API-Version', resp.headers['Vary'])

    def test_other_service_microversion_ignored(self):
        resp = self.app.get('/v1/vims', headers=self.headers(
            **{'OpenStack-API-Version': 'compute 2.90'}))
        self.assertEqual(200, resp.status_int)

    def test_unsupported_microversion_406(self):
        resp = self.app.get('/v1/vims', expect_errors=True,
                            headers=self.headers(**{
                                'OpenStack-API-Version':
                                    'multicloud-image 1.7'}))
        self.assertError(resp, 406, '1.7')

    def test_malformed_microversion_400(self):
        resp = self.app.get('/v1/vims', expect_errors=True,
                            headers=self.headers(**{
                                'OpenStack-API-Version':
                                    'multicloud-image one'}))
        self.assertError(resp, 400, 'one')

    def test_healthcheck_without_auth(self):
        resp = self.app.get('/healthcheck')
        self.assertEqual(200, resp.status_int)

    def test_healthcheck_disabled_by_file(self):
        open('%s/healthcheck_disable' % self.state_path, 'w').close()
        resp = self.app.get('/healthcheck', expect_errors=True)
        self.assertEqual(503, resp.status_int)

    def test_request_id_returned(self):
        resp = self.app.get('/')
        self.assertTrue(
            resp.headers['X-OpenStack-Request-ID'].startswith('req-'))

    def test_cors_preflight(self):
        self.config(allowed_origin=['https://dash.example'], group='cors')
        app = webtest.TestApp(api_app.load_app())
        resp = app.options(
            '/v1/vims', headers={
                'Origin': 'https://dash.example',
                'Access-Control-Request-Method': 'POST'})
        self.assertEqual('https://dash.example',
                         resp.headers['Access-Control-Allow-Origin'])


class TestErrors(base.APITestCase):

    def test_routing_404_is_api_sig(self):
        resp = self.app.get('/v1/%s' % base.VIM, headers=self.headers(),
                            expect_errors=True)
        self.assertError(resp, 404)

    def test_unknown_vim_404_names_it(self):
        resp = self.app.get('/v1/nowhere_RegionX/p1/images/abc',
                            headers=self.headers(), expect_errors=True)
        error = self.assertError(resp, 404, 'nowhere_RegionX')
        self.assertEqual('mcimage.vim_not_found', error['code'])

    def test_405_is_api_sig_with_allow(self):
        resp = self.app.delete('/v1/vims', headers=self.headers(),
                               expect_errors=True)
        self.assertError(resp, 405)
        self.assertEqual('GET', resp.headers['Allow'])

    def test_unexpected_exception_is_generic_500(self):
        def boom(*args, **kwargs):
            raise RuntimeError('secret internals /etc/passwd')
        self.fake.get_image = boom
        url = '/v1/%s/p1/images/%s' % (base.VIM, uuid.uuid4())
        resp = self.app.get(url, headers=self.headers(), expect_errors=True)
        error = self.assertError(resp, 500)
        self.assertNotIn('secret', resp.text)
        self.assertEqual('mcimage.internal_error', error['code'])

    def test_our_own_500_is_generic_too(self):
        # A configuration problem met at request time names files and
        # library text: the log gets it, the caller a generic detail.
        logged = self.useFixture(fixtures.FakeLogger())

        def misconfigured(*args, **kwargs):
            raise exception.ConfigInvalid(
                group='task', option='allowed_networks',
                reason='/etc/mcimage/secret.conf: bad network')
        self.fake.get_image = misconfigured
        url = '/v1/%s/p1/images/%s' % (base.VIM, uuid.uuid4())
        resp = self.app.get(url, headers=self.headers(), expect_errors=True)
        error = self.assertError(resp, 500, 'request id')
        self.assertNotIn('secret', resp.text)
        self.assertNotIn('allowed_networks', resp.text)
        self.assertEqual('mcimage.internal_error', error['code'])
        self.assertIn('/etc/mcimage/secret.conf', logged.output)
        self.assertIn(error['request_id'], logged.output)

    def test_json_body_over_limit_413(self):
        self.config(max_json_body_size=1024, group='api')
        resp = self.app.post('/v1/vims', params='{"a": "%s"}' % ('x' * 2000),
                             content_type='application/json',
                             headers=self.headers(), expect_errors=True)
        self.assertError(resp, 413, 'max_json_body_size')
