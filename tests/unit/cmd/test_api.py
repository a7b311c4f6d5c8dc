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

"""mcimage-api's start-up checks."""

import io
from unittest import mock

import fixtures

from mcimage.cmd import api
from mcimage.common import exception
from tests import base


class TestCheckNoauth(base.TestCase):

    def setUp(self):
        super().setUp()
        self.stderr = io.StringIO()
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', self.stderr))

    def test_noauth_refused_off_loopback(self):
        self.config(auth_strategy='noauth')
        for host in ('0.0.0.0', '::', '192.0.2.10', '10.0.0.1',
                     'api.example.com'):
            self.config(bind_host=host, group='api')
            e = self.assertRaises(exception.ConfigInvalid,
                                  api._check_noauth)
            self.assertIn('[DEFAULT] auth_strategy', str(e))
            self.assertIn(host, str(e))
        self.assertEqual('', self.stderr.getvalue())

    def test_noauth_on_loopback_warns(self):
        self.config(auth_strategy='noauth')
        for host in ('127.0.0.1', '::1', 'localhost', '127.1.2.3'):
            self.config(bind_host=host, group='api')
            api._check_noauth()
        self.assertIn('NO AUTHENTICATION', self.stderr.getvalue())

    def test_keystone_any_host(self):
        self.config(auth_strategy='keystone')
        self.config(bind_host='0.0.0.0', group='api')
        api._check_noauth()
        self.assertEqual('', self.stderr.getvalue())

    def test_main_refuses_noauth_off_loopback(self):
        self.config(auth_strategy='noauth')
        self.config(bind_host='0.0.0.0', group='api')
        with mock.patch.object(api.service, 'prepare_service',
                               autospec=True) as prepare, \
                mock.patch.object(api.wsgi, 'init_application',
                                  autospec=True) as init_app:
            self.assertEqual(1, api.main(['--config-file', 'x.conf']))
        prepare.assert_called_once_with(['--config-file', 'x.conf'])
        init_app.assert_not_called()
        self.assertIn('auth_strategy', self.stderr.getvalue())
        self.assertIn('0.0.0.0', self.stderr.getvalue())
