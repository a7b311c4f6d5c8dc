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

"""``openstack multicloud``: the installed command against a live mcimage.

Each command runs as a user runs it, in a process of its own: the
``openstack`` command next to this Python, with the client of this tree
(client/) first on its path. It talks to mcimage-api in front of real
Glance servers, and what it leaves in them is read from Glance itself.

Three sets of servers: noauth with two VIMs (``--os-auth-type none
--os-endpoint``, the tenant given with ``--tenant``); noauth in stage
mode (``[upload] mode = stage``: staged uploads); and Keystone (K1, whose
catalog names mcimage as ``multicloud-image``) in stage mode, where the
tenant is the project of the user's token. There, K1's Glance is reached
with the caller's token (``auth_mode = token``) and a second Glance, with
no Keystone, as ``auth_mode = trusted``: the VIM a task can write to, since
a task keeps no caller's token.
"""

import collections
import hashlib
import json
import os
import subprocess
import sys
import time
import unittest
import uuid

import fixtures

from tests.functional import base
from tests.functional.fixtures import glance as glance_fixtures
from tests.functional.fixtures import keystone as keystone_fixtures
from tests.functional.fixtures import mcimage as mcimage_fixtures
from tests.functional.fixtures import web

OPENSTACK = os.path.join(os.path.dirname(sys.executable), 'openstack')
# The client of this tree, ahead of any installed copy.
CLIENT_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), 'client')
# Seconds any one command may take.
COMMAND_TIMEOUT = 120
MIB = 1024 * 1024
UNKNOWN_VIM = 'nowhere_RegionNine'
STAGE_CONF = '[upload]\nmode = stage\ncleanup_interval = 1\n'

Result = collections.namedtuple('Result', 'returncode stdout stderr')


def md5(data):
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def require_openstack():
    """Skip before any server starts if there is no command to test."""
    if not os.access(OPENSTACK, os.X_OK):
        raise unittest.SkipTest(
            'no openstack command at %s: install python-openstackclient '
            'and ./client next to mcimage' % OPENSTACK)


class CLITestCase(base.FunctionalTestCase):
    """Runs ``openstack``; a subclass says how it authenticates."""

    # The VIM of the second target of an upload, and the VIM a task
    # imports into.
    OTHER_VIM = None
    TASK_VIM = None

    @classmethod
    def setUpClass(cls):
        require_openstack()
        super().setUpClass()

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.expect_no_mcimage_errors()

    # -- how the command authenticates: the subclass's ------------------------

    def auth_args(self):
        """The command's global options of authentication."""
        raise NotImplementedError()

    def auth_env(self):
        """Its environment variables of authentication (secrets)."""
        return {}

    def tenant_args(self):
        """--tenant, or nothing where the token's project is the default."""
        return []

    def target(self, vim):
        """A --target value for ``vim`` in the test's tenant."""
        return vim

    # -- running it -----------------------------------------------------------

    def env(self):
        env = {name: value for name, value in os.environ.items()
               # The caller's own cloud settings would change the command.
               if not name.startswith('OS_')}
        env['PYTHONPATH'] = os.pathsep.join(
            [CLIENT_DIR] + [p for p in env.get('PYTHONPATH', '').split(
                os.pathsep) if p])
        env.update(self.auth_env())
        return env

    def openstack(self, *args, timeout=COMMAND_TIMEOUT):
        """``openstack <auth> multicloud <args>``: its Result."""
        command = [OPENSTACK] + self.auth_args() + ['multicloud'] + list(args)
        done = subprocess.run(command, capture_output=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, env=self.env(),
                              cwd=self.tmp)
        return Result(done.returncode, done.stdout.decode('utf-8', 'replace'),
                      done.stderr.decode('utf-8', 'replace'))

    def assertSucceeded(self, result):
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertNotIn('Traceback', result.stderr)

    def openstack_json(self, *args):
        """The JSON the command prints with ``-f json``."""
        result = self.openstack(*(args + ('-f', 'json')))
        self.assertSucceeded(result)
        return json.loads(result.stdout)

    def assertFailed(self, result, *contains):
        """Exit status not 0, and one line on stderr that says why."""
        self.assertNotEqual(0, result.returncode, result.stdout)
        lines = [line for line in result.stderr.splitlines()
                 if line.strip()]
        self.assertEqual(1, len(lines), result.stderr)
        self.assertNotIn('Traceback', lines[0])
        for text in contains:
            self.assertIn(text, lines[0])
        self.assertEqual('', result.stdout)
        return lines[0]

    # -- data and what Glance holds -------------------------------------------

    def data_file(self, size):
        """(path, data) of a new file of ``size`` random bytes."""
        data = os.urandom(size)
        path = os.path.join(self.tmp, 'disk-%s.img' % uuid.uuid4().hex[:8])
        with open(path, 'wb') as f:
            f.write(data)
        return path, data

    def assertHolds(self, vim, image_id, data):
        """The VIM's Glance holds ``data`` as the tenant's active image."""
        image = self.glances[vim].get_image(image_id, self.tenant)
        self.assertIsNotNone(image, 'no image %s in %s' % (image_id, vim))
        self.assertEqual('active', image['status'])
        self.assertEqual(self.tenant, image['owner'])
        self.assertEqual(len(data), image['size'])
        self.assertEqual(md5(data), image['checksum'])
        self.assertEqual(hashlib.sha512(data).hexdigest(),
                         image['os_hash_value'])

    def assertNoImages(self, vim, timeout=30):
        """Nothing of the tenant in the VIM's Glance, within ``timeout``.

        An image whose upload failed is deleted as the answer goes out.
        """
        deadline = time.monotonic() + timeout
        while self.glance_images(vim=vim) and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertEqual([], self.glance_images(vim=vim))


class ImageCommands(object):
    """image create|upload|list|show|download, fan-out, tasks, errors."""

    def test_create_with_progress_then_list_show_download(self):
        path, data = self.data_file(3 * MIB + 7)
        result = self.openstack(
            'image', 'create', 'cli-create', '--vim', self.VIM,
            *self.tenant_args(), '--disk-format', 'raw', '--file', path,
            '--progress', '-f', 'json')
        self.assertSucceeded(result)
        image = json.loads(result.stdout)
        # The bar goes to stderr, redrawn in place; its last state is all.
        self.assertIn('Uploading [%s]' % ('#' * 30), result.stderr)
        self.assertIn('3.0 MiB of 3.0 MiB (100%)', result.stderr)
        self.assertIn('\r', result.stderr)
        self.assertEqual('active', image['status'])
        self.assertHolds(self.VIM, image['id'], data)

        listed = self.openstack_json('image', 'list', '--vim', self.VIM,
                                     *self.tenant_args())
        self.assertIn({'ID': image['id'], 'Name': 'cli-create',
                       'Status': 'active'}, listed)

        shown = self.openstack_json('image', 'show', '--vim', self.VIM,
                                    *self.tenant_args(), image['id'])
        self.assertEqual(
            (image['id'], len(data), md5(data), 'active', 'raw'),
            (shown['id'], shown['size'], shown['checksum'], shown['status'],
             shown['disk_format']))

        out = os.path.join(self.tmp, 'back.img')
        result = self.openstack('image', 'download', '--vim', self.VIM,
                                *self.tenant_args(), '--file', out,
                                'cli-create')
        self.assertSucceeded(result)
        # No bar unless asked for: stderr is no terminal here.
        self.assertEqual('', result.stderr)
        with open(out, 'rb') as f:
            self.assertEqual(hashlib.sha256(data).hexdigest(),
                             hashlib.sha256(f.read()).hexdigest())

    def test_upload_without_progress(self):
        queued = self.openstack_json('image', 'create', 'cli-queued',
                                     '--vim', self.VIM, *self.tenant_args(),
                                     '--disk-format', 'raw')
        self.assertEqual('queued', queued['status'])
        path, data = self.data_file(2 * MIB + 3)
        result = self.openstack('image', 'upload', '--vim', self.VIM,
                                *self.tenant_args(), '--file', path,
                                '--no-progress', queued['id'], '-f', 'json')
        self.assertSucceeded(result)
        self.assertEqual('', result.stderr)
        image = json.loads(result.stdout)
        self.assertEqual((queued['id'], 'active', len(data), md5(data)),
                         (image['id'], image['status'], image['size'],
                          image['checksum']))
        self.assertHolds(self.VIM, queued['id'], data)

    def test_wrong_checksum_refused(self):
        path, data = self.data_file(2 * MIB)
        wrong = md5(data + b'x')
        result = self.openstack(
            'image', 'create', 'cli-wrong', '--vim', self.VIM,
            *self.tenant_args(), '--disk-format', 'raw', '--file', path,
            '--checksum', wrong, '--no-progress', '-f', 'json')
        line = self.assertFailed(result, wrong, md5(data))
        self.assertNotIn('Traceback', result.stderr)
        self.assertIn('mcimage.checksum_mismatch', line)
        self.assertNoImages(self.VIM)

    def test_one_upload_into_two_vims(self):
        path, data = self.data_file(3 * MIB + 1)
        body = self.openstack_json(
            'image', 'create', 'cli-fan', '--target', self.target(self.VIM),
            '--target', self.target(self.OTHER_VIM), '--disk-format', 'raw',
            '--file', path, '--no-progress')
        self.assertEqual(('active', len(data), md5(data)),
                         (body['status'], body['size'], body['checksum']))
        # One "VIM/tenant id" per target, in their order.
        placed = [entry.replace('/', ' ').split()
                  for entry in body['images']]
        self.assertEqual(
            [[self.VIM, self.tenant], [self.OTHER_VIM, self.tenant]],
            [entry[:2] for entry in placed])
        for vim, _tenant, image_id in placed:
            self.assertHolds(vim, image_id, data)

    def test_task_imports_a_url(self):
        task = self.openstack_json(
            'task', 'create', '--import-from', self.web.url('/disk.img'),
            '--disk-format', 'raw', '--name', 'cli-task',
            '--target', self.target(self.TASK_VIM), '--wait',
            '--poll-interval', '1', '--timeout', '100', '--no-progress')
        self.assertEqual('success', task['status'], task.get('message'))
        size = len(self.task_data)
        self.assertEqual({'bytes_done': size, 'bytes_total': size},
                         task['progress'])
        [target] = task['result']
        self.assertEqual((self.TASK_VIM, self.tenant, 'created'),
                         (target['vim_id'], target['tenant_id'],
                          target['status']))
        self.assertHolds(self.TASK_VIM, target['image_id'], self.task_data)
        self.assertEqual('cli-task', self.glances[self.TASK_VIM].get_image(
            target['image_id'], self.tenant)['name'])

    def test_unknown_vim(self):
        path, _data = self.data_file(MIB)
        for args in (('image', 'list', '--vim', UNKNOWN_VIM),
                     ('image', 'create', 'cli-nowhere', '--disk-format',
                      'raw', '--file', path, '--target',
                      self.target(self.VIM), '--target',
                      self.target(UNKNOWN_VIM))):
            result = self.openstack(*(args + tuple(self.tenant_args())))
            self.assertFailed(result, UNKNOWN_VIM, 'mcimage.vim_not_found')
        # The fan-out refused before any data went anywhere.
        self.assertNoImages(self.VIM, timeout=0)


class StagedCommands(object):
    """upload list|show|delete: what a stage-mode upload kept."""

    def test_staged_upload_list_show_delete(self):
        path, data = self.data_file(2 * MIB + 5)
        image = self.openstack_json(
            'image', 'create', 'cli-staged', '--vim', self.VIM,
            *self.tenant_args(), '--disk-format', 'raw', '--file', path)
        upload_id = image['staged_upload_id']
        self.assertHolds(self.VIM, image['id'], data)

        listed = self.openstack_json('upload', 'list')
        [row] = [u for u in listed if u['ID'] == upload_id]
        self.assertEqual(('cli-staged', 'active', len(data), 'raw'),
                         (row['Name'], row['Status'], row['Size'],
                          row['Disk Format']))

        shown = self.openstack_json('upload', 'show', upload_id)
        self.assertEqual(
            (upload_id, 'active', len(data), md5(data),
             hashlib.sha512(data).hexdigest()),
            (shown['id'], shown['status'], shown['size'], shown['checksum'],
             shown['os_hash_value']))

        result = self.openstack('upload', 'delete', upload_id)
        self.assertSucceeded(result)
        self.assertEqual('', result.stdout + result.stderr)
        self.assertNotIn(upload_id,
                         [u['ID'] for u in self.openstack_json(
                             'upload', 'list')])
        self.assertFailed(self.openstack('upload', 'show', upload_id),
                          'HTTP 404')
        # The image made from it stays.
        self.assertHolds(self.VIM, image['id'], data)


class NoAuthTestCase(CLITestCase):
    """noauth: the endpoint given, the tenant too (no token to take)."""

    def auth_args(self):
        return ['--os-auth-type', 'none', '--os-endpoint',
                self.mcimage.endpoint]

    def tenant_args(self):
        return ['--tenant', self.tenant]

    def target(self, vim):
        return '%s:%s' % (vim, self.tenant)


class TestNoAuth(ImageCommands, NoAuthTestCase):
    """Two VIMs in stream mode; a web server for URL imports."""

    OTHER_VIM = 'local_RegionTwo'
    TASK_VIM = OTHER_VIM
    EXTRA_VIMS = (OTHER_VIM,)

    @classmethod
    def setUpClass(cls):
        cls.task_data = os.urandom(2 * MIB + 11)
        cls.web = web.HTTPSourceFixture({'/disk.img': cls.task_data})
        cls.web.setUp()
        cls.addClassCleanup(cls.web.cleanUp)
        cls.EXTRA_CONF = cls.web.task_conf()
        super().setUpClass()


class TestNoAuthStaged(StagedCommands, NoAuthTestCase):
    """One VIM in stage mode."""

    EXTRA_CONF = STAGE_CONF


class TestKeystone(ImageCommands, StagedCommands, CLITestCase):
    """K1's user member1 on project p1, found by the CLI in the catalog."""

    # K1's Glance, with the caller's token.
    VIM = 'k1_RegionOne'
    # A Glance without Keystone: mcimage asserts the caller's identity.
    OTHER_VIM = 'trusted_RegionOne'
    TASK_VIM = OTHER_VIM

    @classmethod
    def setUpClass(cls):
        require_openstack()
        # Not FunctionalTestCase's servers: these run behind Keystone.
        cls.task_data = os.urandom(2 * MIB + 11)
        cls._servers = fixtures.Fixture()
        cls._servers.setUp()
        try:
            cls.web = cls._servers.useFixture(
                web.HTTPSourceFixture({'/disk.img': cls.task_data}))
            cls.keystone = cls._servers.useFixture(
                keystone_fixtures.KeystoneFixture()).server
            cls.glance = cls._servers.useFixture(
                glance_fixtures.GlanceFixture(
                    server=cls.GLANCE_SERVER,
                    keystone=cls.keystone)).server
            trusted = cls._servers.useFixture(
                glance_fixtures.GlanceFixture(
                    server=cls.GLANCE_SERVER)).server
            cls.glances = {cls.VIM: cls.glance, cls.OTHER_VIM: trusted}
            cls.mcimage = cls._servers.useFixture(
                mcimage_fixtures.MCImageFixture(
                    {cls.VIM: {'auth_mode': 'token',
                               'endpoint_override': cls.glance.endpoint},
                     # A plain endpoint: auth_mode = trusted.
                     cls.OTHER_VIM: trusted.endpoint},
                    keystone=cls.keystone,
                    extra_conf=STAGE_CONF + cls.web.task_conf())).server
            cls.keystone.add_multicloud_image_endpoint(
                cls.mcimage.endpoint + '/v1')
        except BaseException:
            cls._servers.cleanUp()
            raise

    def setUp(self):
        super().setUp()
        # Every test acts in p1, the project of member1's token.
        self.tenant = self.keystone.projects['p1']
        self.addCleanup(self.delete_images)

    def delete_images(self):
        for vim, glance in self.glances.items():
            for image in self.glance_images(vim=vim):
                glance.delete_image(image['id'], self.tenant)

    def auth_args(self):
        # No --os-endpoint: mcimage is found in the token's catalog.
        return ['--os-auth-type', 'password',
                '--os-auth-url', self.keystone.auth_url,
                '--os-identity-api-version', '3',
                '--os-username', 'member1',
                '--os-user-domain-id', 'default',
                '--os-project-id', self.keystone.projects['p1'],
                '--os-region-name', keystone_fixtures.REGION]

    def auth_env(self):
        # Not on the command line, which every user of the host can read.
        return {'OS_PASSWORD': self.keystone.users['member1'].password}
