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

"""GET /v1/vims and /v1/vims/{vim_id}."""

from keystoneauth1 import loading as ks_loading
from oslo_config import fixture as config_fixture

from mcimage import backends
from mcimage.conf import vims as vims_conf
from tests import base as tests_base
from tests.unit.api import base

SECRET_VIM = 'secret_RegionThree'
SECRETS = {
    'password': 'pa55-s3cr3t-w0rd',
    'username': 'svc-mcimage-user',
    'auth_url': 'https://keystone.secret.example:5000/v3',
    'endpoint_override': 'https://glance.hidden.example:9292',
}


class TestVims(base.APITestCase):

    def test_list_vims(self):
        resp = self.app.get('/v1/vims', headers=self.headers())
        self.assertEqual(200, resp.status_int)
        vims = {v['id']: v for v in resp.json['vims']}
        self.assertEqual({base.VIM, base.OTHER_VIM}, set(vims))
        for vim_id, vim in vims.items():
            self.assertEqual('test cloud %s' % vim_id, vim['description'])
            self.assertEqual(
                [{'rel': 'self',
                  'href': 'http://localhost/v1/vims/%s' % vim_id}],
                vim['links'])
            # The list does not probe the VIMs.
            self.assertNotIn('reachable', vim)

    def test_list_vims_reader(self):
        resp = self.app.get('/v1/vims', headers=self.headers('reader'))
        self.assertEqual(200, resp.status_int)
        self.assertEqual(2, len(resp.json['vims']))

    def test_show_vim_reachable(self):
        resp = self.app.get('/v1/vims/%s' % base.VIM,
                            headers=self.headers('reader'))
        self.assertEqual(200, resp.status_int)
        body = resp.json
        self.assertEqual(base.VIM, body['id'])
        self.assertEqual('test cloud %s' % base.VIM, body['description'])
        self.assertIs(True, body['reachable'])
        self.assertEqual(['v2.17'], body['api_versions'])
        self.assertEqual(['glance-direct'], body['import_methods'])
        self.assertEqual('http://localhost/v1/vims/%s' % base.VIM,
                         body['links'][0]['href'])

    def test_show_vim_unreachable(self):
        self.fake.reachable = False
        resp = self.app.get('/v1/vims/%s' % base.VIM,
                            headers=self.headers())
        self.assertEqual(200, resp.status_int)
        self.assertIs(False, resp.json['reachable'])
        self.assertEqual([], resp.json['api_versions'])
        self.assertEqual([], resp.json['import_methods'])
        # Only that VIM is down.
        resp = self.app.get('/v1/vims/%s' % base.OTHER_VIM,
                            headers=self.headers())
        self.assertIs(True, resp.json['reachable'])

    def test_show_unknown_vim_404(self):
        resp = self.app.get('/v1/vims/nowhere_RegionX',
                            headers=self.headers(), expect_errors=True)
        error = self.assertError(resp, 404, 'nowhere_RegionX')
        self.assertEqual('mcimage.vim_not_found', error['code'])

    def test_vim_subpath_404(self):
        resp = self.app.get('/v1/vims/%s/extra' % base.VIM,
                            headers=self.headers(), expect_errors=True)
        self.assertError(resp, 404)

    def test_no_role_403(self):
        for roles in ('', 'observer'):
            headers = self.headers(**{'X-Roles': roles})
            for url in ('/v1/vims', '/v1/vims/%s' % base.VIM):
                resp = self.app.get(url, headers=headers,
                                    expect_errors=True)
                error = self.assertError(resp, 403)
                self.assertEqual('mcimage.forbidden', error['code'])
                self.assertNotIn('vims', resp.json)

    def test_project_scope_required(self):
        # A system- or domain-scoped identity is refused like any other
        # caller the rules do not allow: a 403, never a 500.
        for extra in ({'OpenStack-System-Scope': 'all'},
                      {'X-Domain-Id': 'default'}):
            for url in ('/v1/vims', '/v1/vims/%s' % base.VIM):
                resp = self.app.get(url, headers=self.headers(**extra),
                                    expect_errors=True)
                self.assertError(resp, 403)

    def test_noauth_defaults_to_admin_without_headers(self):
        resp = self.app.get('/v1/vims')
        self.assertEqual(200, resp.status_int)
        self.assertEqual(2, len(resp.json['vims']))

    def test_show_vim_405(self):
        resp = self.app.delete('/v1/vims/%s' % base.VIM,
                               headers=self.headers(), expect_errors=True)
        self.assertError(resp, 405)
        self.assertEqual('GET', resp.headers['Allow'])


class TestVimSecrets(base.APITestCase):
    """A VIM's credentials and URLs never reach a caller."""

    def setUp(self):
        super().setUp()
        group = vims_conf.register_vim_opts(tests_base.CONF, SECRET_VIM)
        # The password plugin's options, unregistered again at clean-up
        # (auth_url is required once registered).
        self.useFixture(config_fixture.Config(tests_base.CONF)).register_opts(
            ks_loading.get_auth_plugin_conf_options('password'),
            group=group)
        self.config(enabled_vims=[base.VIM, SECRET_VIM])
        self.config(driver='fake', auth_mode='service',
                    auth_type='password', description='the secret cloud',
                    project_name='service', user_domain_id='default',
                    project_domain_id='default', group=group, **SECRETS)
        backends.reset()
        backends.init()

    def assertNoSecret(self, resp):
        for value in SECRETS.values():
            self.assertNotIn(value, resp.text)
        # Not even a part of a URL.
        for part in ('secret.example', 'hidden.example', 'pa55'):
            self.assertNotIn(part, resp.text)

    def test_list_has_no_secret(self):
        resp = self.app.get('/v1/vims', headers=self.headers())
        self.assertEqual(200, resp.status_int)
        self.assertIn(SECRET_VIM, [v['id'] for v in resp.json['vims']])
        self.assertNoSecret(resp)

    def test_show_has_no_secret(self):
        resp = self.app.get('/v1/vims/%s' % SECRET_VIM,
                            headers=self.headers())
        self.assertEqual(200, resp.status_int)
        self.assertEqual('the secret cloud', resp.json['description'])
        self.assertNoSecret(resp)
        self.assertEqual(
            {'id', 'description', 'links', 'reachable', 'api_versions',
             'import_methods'}, set(resp.json))
