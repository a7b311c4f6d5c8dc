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

"""[DEFAULT] enabled_vims and the [vim:ID] groups, checked at start."""

import os

from keystoneauth1 import loading as ks_loading
from oslo_config import fixture as config_fixture

from mcimage import backends
from mcimage.backends import service_user
from mcimage.common import exception
from mcimage.conf import service_user as service_user_conf
from mcimage.conf import vims as vims_conf
from tests import base

VIM = 'owner_RegionOne'
GROUP = 'vim:%s' % VIM


class VimConfigTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.config(enabled_vims=[VIM])
        vims_conf.register_vim_opts(base.CONF, VIM)

    def vim(self, **options):
        self.config(group=GROUP, **options)
        return backends.init().vims[VIM]

    def assertInvalid(self, *texts):
        backends.reset()
        e = self.assertRaises(exception.ConfigInvalid, backends.init)
        for text in texts:
            self.assertIn(text, str(e))
        return e

    def load_config_file(self, text):
        path = os.path.join(self.state_path, 'mcimage.conf')
        with open(path, 'w') as f:
            f.write(text)
        base.CONF.clear_override('enabled_vims')
        base.CONF(['--config-file', path], project='mcimage',
                  default_config_files=[])


class TestVimConfig(VimConfigTestCase):

    def test_defaults(self):
        self.assertEqual('service', vims_conf.vim_opts[0].default)
        self.assertEqual('vim:x', vims_conf.group_name('x'))
        self.assertEqual('image', base.CONF[GROUP].service_type)

    def test_timeout_default(self):
        # A VIM that stops reading or answering never pins a thread for
        # ever: each connect, read and write has a bound.
        self.assertEqual(vims_conf.DEFAULT_TIMEOUT, base.CONF[GROUP].timeout)
        self.assertEqual(60, vims_conf.DEFAULT_TIMEOUT)
        [opt] = [o for o in vims_conf.list_vim_opts() if o.dest == 'timeout']
        self.assertEqual(60, opt.default)
        self.assertIn('60', opt.help)
        vim = self.vim(auth_mode='trusted',
                       endpoint_override='http://127.0.0.1:9292')
        self.assertEqual(60, vim.backend._get_session().timeout)
        backends.reset()
        vim = self.vim(timeout=5)
        self.assertEqual(5, vim.backend._get_session().timeout)

    def test_trusted_loopback_ok(self):
        for endpoint in ('http://127.0.0.1:9292', 'http://localhost:9292',
                         'http://[::1]:9292/', 'https://127.0.0.2'):
            backends.reset()
            vim = self.vim(auth_mode='trusted', endpoint_override=endpoint,
                           description='lab')
            self.assertEqual('trusted', vim.auth_mode)
            self.assertEqual('lab', vim.description)
            self.assertEqual(VIM, vim.id)

    def test_unknown_auth_mode(self):
        self.load_config_file('[DEFAULT]\nenabled_vims = %s\n'
                              '[%s]\nauth_mode = kerberos\n' % (VIM, GROUP))
        self.assertInvalid('[%s] auth_mode' % GROUP, 'kerberos')

    def test_config_file_vim(self):
        self.load_config_file(
            '[DEFAULT]\nenabled_vims = %s,other_RegionTwo\n'
            '[%s]\nauth_mode = trusted\n'
            'endpoint_override = http://127.0.0.1:9292\n'
            'description = first\n'
            '[vim:other_RegionTwo]\nauth_mode = token\n'
            'endpoint_override = https://glance.example:9292\n' % (VIM,
                                                                   GROUP))
        registry = backends.init()
        self.assertEqual([VIM, 'other_RegionTwo'], list(registry.vims))
        self.assertEqual('first', registry.vims[VIM].description)
        self.assertEqual('token',
                         registry.vims['other_RegionTwo'].auth_mode)

    def test_trusted_remote_refused(self):
        self.config(auth_mode='trusted',
                    endpoint_override='http://glance.example:9292',
                    group=GROUP)
        e = self.assertInvalid('[%s]' % GROUP, 'auth_mode',
                               'allow_trusted_remote', 'glance.example')
        self.assertNotIn(':9292', str(e))

    def test_trusted_remote_addresses_refused(self):
        for endpoint in ('http://10.0.0.5:9292', 'http://0.0.0.0:9292',
                         'http://[2001:db8::1]:9292',
                         'http://localhost.example.com:9292',
                         'http://127.0.0.1.example.com/'):
            self.config(auth_mode='trusted', endpoint_override=endpoint,
                        group=GROUP)
            self.assertInvalid('[%s]' % GROUP)

    def test_trusted_remote_allowed(self):
        vim = self.vim(auth_mode='trusted',
                       endpoint_override='http://glance.example:9292',
                       allow_trusted_remote=True)
        self.assertEqual('trusted', vim.auth_mode)

    def test_trusted_without_endpoint(self):
        self.config(auth_mode='trusted', group=GROUP)
        self.assertInvalid('[%s] endpoint_override' % GROUP)

    def test_service_without_auth_type(self):
        self.config(auth_mode='service', group=GROUP)
        self.assertInvalid('[%s] auth_type' % GROUP)

    def test_service_is_the_default_and_needs_auth_type(self):
        self.assertInvalid('[%s] auth_type' % GROUP)

    def test_service_with_auth_type(self):
        vim = self.vim(auth_mode='service', auth_type='password')
        self.assertEqual('service', vim.auth_mode)

    def test_token_needs_nothing_more(self):
        vim = self.vim(auth_mode='token')
        self.assertEqual('token', vim.auth_mode)

    def test_bad_vim_id(self):
        for bad in ('owner/RegionOne', 'has space', '_leading',
                    'caf\u00e9', '-x'):
            self.config(enabled_vims=[bad])
            self.assertInvalid('[DEFAULT] enabled_vims', repr(bad))

    def test_duplicate_vim_id(self):
        self.config(enabled_vims=[VIM, VIM])
        self.config(auth_mode='token', group=GROUP)
        self.assertInvalid('[DEFAULT] enabled_vims', VIM)

    def test_no_vims(self):
        self.config(enabled_vims=[])
        self.assertEqual([], backends.list_vims())

    def test_unknown_vim(self):
        self.vim(auth_mode='token')
        e = self.assertRaises(exception.VimNotFound, backends.get, 'nope')
        self.assertIn('nope', str(e))
        self.assertEqual(404, e.code)

    def test_registry_is_cached_until_reset(self):
        self.vim(auth_mode='token')
        first = backends.init()
        self.assertIs(first, backends.init())
        backends.reset()
        self.assertIsNot(first, backends.init())


class TestProjectMapConfig(VimConfigTestCase):
    """[vim:ID] project_map and project_map_domain_name."""

    def test_unset_by_default(self):
        vim = self.vim(auth_mode='service', auth_type='password')
        self.assertEqual({}, vim.project_map)
        self.assertIsNone(vim.project_map_domain_name)

    def test_service_mode_with_both(self):
        self.load_config_file(
            '[DEFAULT]\nenabled_vims = %s\n'
            '[%s]\nauth_mode = service\nauth_type = password\n'
            'project_map = k1a:k2a, k1b : k2b\n'
            'project_map_domain_name = Partners\n' % (VIM, GROUP))
        vim = backends.init().vims[VIM]
        self.assertEqual({'k1a': 'k2a', 'k1b': 'k2b'}, vim.project_map)
        self.assertEqual('Partners', vim.project_map_domain_name)

    def test_refused_unless_service_mode(self):
        for mode, endpoint in (('token', None),
                               ('trusted', 'http://127.0.0.1:9292')):
            for option, value in (('project_map', {'k1a': 'k2a'}),
                                  ('project_map_domain_name', 'Partners')):
                self.config(auth_mode=mode, endpoint_override=endpoint,
                            project_map={}, project_map_domain_name=None,
                            group=GROUP)
                self.config(group=GROUP, **{option: value})
                self.assertInvalid('[%s] %s' % (GROUP, option),
                                   'auth_mode = %s' % mode)

    def test_bad_pairs(self):
        for text in ('k1a', 'k1a:', ':k2a', 'k1a:k2a,k1b'):
            self.load_config_file(
                '[DEFAULT]\nenabled_vims = %s\n'
                '[%s]\nauth_mode = service\nauth_type = password\n'
                'project_map = %s\n' % (VIM, GROUP, text))
            self.assertInvalid('[%s] project_map' % GROUP)

    def test_name_mapping_refused_with_an_application_credential(self):
        self.config(auth_mode='service',
                    auth_type='v3applicationcredential',
                    project_map_domain_name='Partners', group=GROUP)
        self.assertInvalid('[%s] project_map_domain_name' % GROUP,
                           'application credential', 'project_map')
        backends.reset()
        vim = self.vim(project_map_domain_name=None,
                       project_map={'k1a': 'k2a'})
        self.assertEqual({'k1a': 'k2a'}, vim.project_map)


class TestServiceUserConfig(base.TestCase):
    """[service_user]: checked at start when a token-mode VIM needs it."""

    def setUp(self):
        super().setUp()
        self.config(enabled_vims=[VIM])
        vims_conf.register_vim_opts(base.CONF, VIM)

    def load_config_file(self, text):
        path = os.path.join(self.state_path, 'mcimage.conf')
        with open(path, 'w') as f:
            f.write(text)
        base.CONF.clear_override('enabled_vims')
        base.CONF(['--config-file', path], project='mcimage',
                  default_config_files=[])
        # The plugin's options, which loading it registers: unregistered
        # again at clean-up, or the next parse would want auth_url.
        self.useFixture(config_fixture.Config(base.CONF)).register_opts(
            ks_loading.get_auth_plugin_conf_options('password'),
            group='service_user')

    def assertInvalid(self, *texts):
        backends.reset()
        e = self.assertRaises(exception.ConfigInvalid, backends.init)
        for text in texts:
            self.assertIn(text, str(e))
        return e

    def test_defaults(self):
        self.assertFalse(base.CONF.service_user.send_service_user_token)
        self.assertIsNone(base.CONF.service_user.auth_type)
        # Keystone that stops answering never holds a request for ever.
        self.assertEqual(60, base.CONF.service_user.timeout)
        [opt] = [o for o in service_user_conf.list_opts()
                 if o.dest == 'timeout']
        self.assertEqual(60, opt.default)
        self.assertIn('service token', opt.help)

    def test_no_service_user(self):
        self.load_config_file(
            '[DEFAULT]\nenabled_vims = %s\n[%s]\nauth_mode = token\n'
            '[service_user]\nsend_service_user_token = true\n'
            % (VIM, GROUP))
        self.assertInvalid('[service_user] auth_type',
                           'send_service_user_token')

    def test_missing_option(self):
        self.load_config_file(
            '[DEFAULT]\nenabled_vims = %s\n[%s]\nauth_mode = token\n'
            '[service_user]\nsend_service_user_token = true\n'
            'auth_type = password\nusername = mcimage\npassword = s3cret\n'
            % (VIM, GROUP))
        e = self.assertInvalid('[service_user] auth_url')
        self.assertNotIn('s3cret', str(e))

    def test_unknown_plugin(self):
        self.load_config_file(
            '[DEFAULT]\nenabled_vims = %s\n[%s]\nauth_mode = token\n'
            '[service_user]\nsend_service_user_token = true\n'
            'auth_type = kerberos-ish\n' % (VIM, GROUP))
        self.assertInvalid('[service_user] auth_type', 'kerberos-ish')

    def test_only_token_mode_needs_it(self):
        self.load_config_file(
            '[DEFAULT]\nenabled_vims = %s\n[%s]\nauth_mode = trusted\n'
            'endpoint_override = http://127.0.0.1:9292\n'
            '[service_user]\nsend_service_user_token = true\n'
            % (VIM, GROUP))
        self.assertEqual([VIM], list(backends.init().vims))

    def test_loaded_once(self):
        self.load_config_file(
            '[DEFAULT]\nenabled_vims = %s\n[%s]\nauth_mode = token\n'
            '[service_user]\nsend_service_user_token = true\n'
            'auth_type = password\nauth_url = http://keystone.example/v3\n'
            'username = mcimage\npassword = s3cret\ntimeout = 7\n'
            % (VIM, GROUP))
        backends.init()
        auth, session = service_user.auth_and_session(base.CONF)
        self.assertEqual('http://keystone.example/v3', auth.auth_url)
        self.assertEqual(7, session.timeout)
        self.assertIs(auth, service_user.auth_and_session(base.CONF)[0])
        backends.reset()
        self.assertIsNot(auth, service_user.auth_and_session(base.CONF)[0])
