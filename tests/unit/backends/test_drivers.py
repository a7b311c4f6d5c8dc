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

"""[vim:ID] driver: the "mcimage.backends" entry points, chosen per VIM."""

import importlib.metadata
import io
from unittest import mock

import fixtures
from stevedore import driver as stevedore_driver
from stevedore import extension

from mcimage import backends
from mcimage.backends import base as backends_base
from mcimage.backends import fake
from mcimage.backends import glance
from mcimage.cmd import api as cmd_api
from mcimage.common import exception
from mcimage.conf import vims as vims_conf
from tests import base

VIM = 'owner_RegionOne'
OTHER_VIM = 'owner_RegionTwo'
GROUP = 'vim:%s' % VIM


class DriverTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.config(enabled_vims=[VIM, OTHER_VIM])
        for vim_id in (VIM, OTHER_VIM):
            vims_conf.register_vim_opts(base.CONF, vim_id)
            self.config(auth_mode='trusted',
                        endpoint_override='http://127.0.0.1:9292',
                        group='vim:%s' % vim_id)

    def assertInvalid(self, *texts):
        backends.reset()
        e = self.assertRaises(exception.ConfigInvalid, backends.init)
        self.assertIn('[%s] driver' % GROUP, str(e))
        for text in texts:
            self.assertIn(text, str(e))
        return e


class TestDrivers(DriverTestCase):

    def test_installed_drivers(self):
        self.assertEqual(['fake', 'glance'], backends.driver_names())
        entry_points = {ep.name: ep.load() for ep in
                        importlib.metadata.entry_points(
                            group=backends.NAMESPACE)}
        self.assertIs(glance.GlanceBackend, entry_points['glance'])
        self.assertIs(fake.FakeGlance, entry_points['fake'])
        for cls in entry_points.values():
            # Every operation of the base is implemented.
            self.assertTrue(issubclass(cls, backends_base.Backend))
            self.assertEqual(frozenset(), cls.__abstractmethods__)

    def test_the_default_is_glance(self):
        [opt] = [o for o in vims_conf.vim_opts if o.dest == 'driver']
        self.assertEqual('glance', opt.default)
        self.assertIn('mcimage.backends', opt.help)
        vim = backends.get(VIM)
        self.assertEqual('glance', vim.driver)
        self.assertIsInstance(vim.backend, glance.GlanceBackend)
        self.assertIs(vim, vim.backend.vim)

    def test_chosen_per_vim(self):
        self.config(driver='fake', group=GROUP)
        fake_vim, glance_vim = backends.get(VIM), backends.get(OTHER_VIM)
        self.assertIsInstance(fake_vim.backend, fake.FakeGlance)
        self.assertIsInstance(glance_vim.backend, glance.GlanceBackend)
        self.assertIs(fake_vim, fake_vim.backend.vim)

    def test_one_instance_per_vim_read_only(self):
        self.config(driver='fake', group=GROUP)
        vim = backends.get(VIM)
        self.assertIs(vim.backend, backends.get(VIM).backend)
        self.assertRaises(AttributeError, setattr, vim, 'backend',
                          fake.FakeGlance(vim))

    def test_unknown_driver(self):
        self.config(driver='nope', group=GROUP)
        self.assertInvalid("'nope'", 'fake, glance')

    def test_unknown_driver_in_a_config_file(self):
        path = self.useFixture(fixtures.TempDir()).path + '/mcimage.conf'
        with open(path, 'w') as f:
            f.write('[DEFAULT]\nenabled_vims = %s\n[%s]\nauth_mode = token\n'
                    'driver = glance2\n' % (VIM, GROUP))
        base.CONF.clear_override('enabled_vims')
        base.CONF(['--config-file', path], project='mcimage',
                  default_config_files=[])
        self.assertInvalid("'glance2'")

    def test_driver_that_does_not_load(self):
        self.config(driver='broken', group=GROUP)
        entry_point = importlib.metadata.EntryPoint(
            'broken', 'mcimage_missing.module:Driver', backends.NAMESPACE)

        def manager(namespace, name, on_load_failure_callback):
            on_load_failure_callback(None, entry_point,
                                     ImportError('No module named x'))

        with mock.patch.object(backends.stevedore_driver, 'DriverManager',
                               autospec=True, side_effect=manager):
            self.assertInvalid("'broken'", 'mcimage_missing.module:Driver',
                               'No module named x')

    def test_entry_point_that_is_not_a_driver(self):
        self.config(driver='other', group=GROUP)
        manager = stevedore_driver.DriverManager.make_test_instance(
            extension.Extension('other', None, dict, None))
        with mock.patch.object(backends.stevedore_driver, 'DriverManager',
                               autospec=True, return_value=manager):
            self.assertInvalid("'other' is not a backend driver")

    def test_mcimage_api_stops(self):
        self.config(driver='nope', group=GROUP)
        self.config(auth_strategy='noauth')
        self.config(bind_host='127.0.0.1', group='api')
        stderr = io.StringIO()
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', stderr))
        with mock.patch.object(cmd_api.service, 'prepare_service',
                               autospec=True):
            self.assertEqual(1, cmd_api.main([]))
        self.assertIn('[%s] driver' % GROUP, stderr.getvalue())
        self.assertIn('nope', stderr.getvalue())


class TestFakeDriver(DriverTestCase):
    """The fake driver: Glance's answers from memory, nothing kept."""

    def setUp(self):
        super().setUp()
        self.config(driver='fake', group=GROUP)

    def test_nothing_kept(self):
        backend = backends.get(VIM).backend
        image = backend.add_image('p1', data=b'abc', name='n')
        self.assertEqual('active', image['status'])
        self.assertEqual(3, image['size'])
        backends.reset()
        self.assertRaises(exception.ImageNotFound,
                          backends.get(VIM).backend.get_image, None, 'p1',
                          image['id'])

    def test_answers_as_the_glance_driver_translates(self):
        backend = backends.get(VIM).backend
        e = self.assertRaises(exception.ImageNotFound, backend.get_image,
                              None, 'p1', 'nope')
        self.assertIn(VIM, str(e))
        image = backend.create_image(None, 'p1', {'protected': True})
        self.assertRaises(exception.Conflict, backend.create_image, None,
                          'p1', {'id': image['id']})
        self.assertRaises(exception.Forbidden, backend.delete_image, None,
                          'p1', image['id'])
        self.assertIsNone(backend.member_status(None, 'p1', image['id'],
                                                'p2'))
