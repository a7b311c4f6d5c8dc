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

import argparse
import io
import os
from unittest import mock

import fixtures
from keystoneauth1 import session as ks_session
from openstackclient import shell
from osc_lib import clientmanager as osc_clientmanager
from osc_lib import exceptions as osc_exceptions

from mcimageclient.osc import plugin
from mcimageclient.tests.unit import base


class TestPlugin(base.TestCase):

    def test_check_api_version(self):
        for version in ('1', '1.0', '1.12'):
            self.assertTrue(plugin.check_api_version(version))
        for version in ('2', '2.0', 'latest', '1.x', ''):
            self.assertRaises(osc_exceptions.CommandError,
                              plugin.check_api_version, version)

    def test_option(self):
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_MULTICLOUD_IMAGE_API_VERSION', '1.4'))
        parser = plugin.build_option_parser(argparse.ArgumentParser())
        self.assertEqual('1.4', parser.parse_args(
            []).os_multicloud_image_api_version)
        self.assertEqual('1.1', parser.parse_args([
            '--os-multicloud-image-api-version', '1.1'
        ]).os_multicloud_image_api_version)

    def test_make_client(self):
        instance = mock.Mock(region_name='R', interface='internal',
                             session=ks_session.Session(),
                             _api_version={'multicloud': '1.2'})
        instance.get_endpoint_for_service_type.return_value = base.ENDPOINT
        self.requests.get(base.V1 + '/vims', json={'vims': []})
        mc = plugin.make_client(instance)
        instance.get_endpoint_for_service_type.assert_called_once_with(
            'multicloud-image', region_name='R', interface='internal')
        mc.vims.list()
        self.assertEqual('multicloud-image 1.2',
                         self.last().headers['OpenStack-API-Version'])
        instance._api_version = {'multicloud': '1'}
        self.assertEqual('1.0', plugin.make_client(instance).api_version)


class TestShell(base.TestCase):
    """``openstack multicloud ...`` as a user runs it (auth type none)."""

    def setUp(self):
        super().setUp()
        for name in [n for n in os.environ if n.startswith('OS_')]:
            self.useFixture(fixtures.EnvironmentVariable(name))
        # openstackclient keeps a plugin's client on the ClientManager
        # class: one per process, as a process runs one command.
        # (openstackclient sets it on osc-lib's ClientManager.)
        manager = osc_clientmanager.ClientManager
        self.addCleanup(setattr, manager, plugin.API_NAME,
                        vars(manager)[plugin.API_NAME])
        setattr(manager, plugin.API_NAME,
                osc_clientmanager.ClientCache(plugin.make_client))
        self.stdout = io.StringIO()
        self.stderr = io.StringIO()
        self.useFixture(fixtures.MonkeyPatch('sys.stdout', self.stdout))
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', self.stderr))

    def openstack(self, *argv):
        return shell.main(['--os-auth-type', 'none', '--os-endpoint',
                           base.ENDPOINT] + list(argv))

    def test_vim_list(self):
        self.requests.get(base.V1 + '/vims', json={'vims': [
            {'id': 'acme_RegionOne', 'description': 'ACME'}]})
        self.assertEqual(0, self.openstack('multicloud', 'vim', 'list',
                                           '-f', 'value'))
        self.assertEqual('acme_RegionOne ACME\n', self.stdout.getvalue())
        self.assertEqual(base.MICROVERSION,
                         self.last().headers['OpenStack-API-Version'])

    def test_api_version_option(self):
        self.requests.get(base.V1 + '/vims', json={'vims': []})
        self.assertEqual(0, self.openstack(
            '--os-multicloud-image-api-version', '1.3', 'multicloud', 'vim',
            'list'))
        self.assertEqual('multicloud-image 1.3',
                         self.last().headers['OpenStack-API-Version'])

    def test_an_error_is_one_line(self):
        self.requests.get(base.TENANT_URL + '/images', status_code=403,
                          json=base.api_error(
                              403, 'mcimage.forbidden',
                              'Policy does not allow mcimage:image:get_all',
                              title='Forbidden', request_id='req-7'))
        self.assertEqual(1, self.openstack(
            'multicloud', 'image', 'list', '--vim', base.VIM, '--tenant',
            base.TENANT))
        self.assertEqual(
            'HTTP 403 Forbidden: Policy does not allow mcimage:image:get_all '
            '(mcimage.forbidden, request req-7)\n', self.stderr.getvalue())

    def test_every_command_is_there(self):
        self.assertEqual(0, self.openstack('help', 'multicloud'))
        listed = self.stdout.getvalue()
        for command in (
                'vim list', 'vim show', 'image list', 'image show',
                'image create', 'image set', 'image unset', 'image delete',
                'image upload', 'image download', 'image tag add',
                'image tag remove', 'image member add', 'image member list',
                'image member show', 'image member set',
                'image member delete', 'upload list', 'upload show',
                'upload delete', 'task create', 'task list', 'task show',
                'task delete'):
            self.assertIn('multicloud %s\n' % command, listed)
