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

"""Functional tests: a real mcimage-api process in front of real Glance.

Every server is a child process started here on 127.0.0.1 and stopped by
its PID at cleanup, also when a test or a start fails.  A test class may
run several Glance servers, one per VIM of its mcimage-api (``VIM`` and
``EXTRA_VIMS``).
"""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid

import fixtures
import requests
import testtools
from testtools import content
from testtools import content_type

from tests.functional import fixtures as server_fixtures

START_TIMEOUT = 60


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class MCImageServer(fixtures.Fixture):
    """mcimage-api (noauth, trusted VIMs) as a child process.

    ``vims`` maps a VIM id to its Glance endpoint. The configuration,
    sqlite database and log live in a temp dir that outlives restarts.
    """

    def __init__(self, vims, extra_conf=''):
        super().__init__()
        self.vims = vims
        self.extra_conf = extra_conf
        self.proc = None

    def _setUp(self):
        self.workdir = self.useFixture(fixtures.TempDir()).path
        self.port = free_port()
        self.endpoint = 'http://127.0.0.1:%d' % self.port
        self.conf_file = os.path.join(self.workdir, 'mcimage.conf')
        self.log_file = os.path.join(self.workdir, 'mcimage-api.log')
        lines = ['[DEFAULT]',
                 'auth_strategy = noauth',
                 'state_path = %s' % self.workdir,
                 'enabled_vims = %s' % ','.join(self.vims),
                 'log_file = %s' % self.log_file,
                 'debug = true',
                 '[api]',
                 'bind_host = 127.0.0.1',
                 'bind_port = %d' % self.port]
        for vim_id, endpoint in self.vims.items():
            lines += ['[vim:%s]' % vim_id,
                      'auth_mode = trusted',
                      'endpoint_override = %s' % endpoint,
                      'description = Glance at %s' % endpoint]
        with open(self.conf_file, 'w') as f:
            f.write('\n'.join(lines) + '\n' + self.extra_conf)
        subprocess.run([sys.executable, '-m', 'mcimage.cmd.manage',
                        '--config-file', self.conf_file, 'db', 'sync'],
                       check=True, capture_output=True, timeout=120)
        self.addCleanup(self.stop)
        self.start()

    def start(self):
        out = open(os.path.join(self.workdir, 'mcimage-api.out'), 'ab')
        self.proc = subprocess.Popen(
            [sys.executable, '-m', 'mcimage.cmd.api',
             '--config-file', self.conf_file],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        out.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError('mcimage-api exited with %s:\n%s' %
                                   (self.proc.returncode, self.log_tail()))
            try:
                if requests.get(self.endpoint + '/healthcheck',
                                timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError('mcimage-api did not start:\n%s' % self.log_tail())

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=15)

    def log_tail(self, chars=4000):
        text = ''
        for name in ('mcimage-api.out', 'mcimage-api.log'):
            try:
                with open(os.path.join(self.workdir, name)) as f:
                    text += f.read()[-chars:]
            except OSError:
                pass
        return text

    def url(self, path):
        return self.endpoint + path


class ConfiguredGlanceFixture(server_fixtures.GlanceFixture):
    """A GlanceFixture whose glance-api.conf ends with ``extra_conf``.

    oslo.config merges a section given twice, so ``extra_conf`` may name
    [DEFAULT] again (e.g. ``show_image_direct_url = true``).
    """

    def __init__(self, extra_conf, port=None, python=None):
        super().__init__(port=port, python=python)
        self._extra_conf = extra_conf

    def _setUp(self):
        workdir = self.useFixture(fixtures.TempDir()).path
        glance_server = server_fixtures.load_glance_server_module()
        extra_conf = self._extra_conf

        class Server(glance_server.GlanceServer):

            def _write_config(self):
                # Written again at every start: appended every time.
                super()._write_config()
                with open(self.config_file, 'a') as f:
                    f.write('\n' + extra_conf + '\n')

        self.server = Server(workdir, port=self._port, python=self._python)
        self.addCleanup(self.server.stop)
        self.server.start()
        self.endpoint = self.server.endpoint


class FunctionalTestCase(testtools.TestCase):
    """Glance and one mcimage per test class; a new tenant per test.

    ``VIM`` is the first VIM of the class's mcimage-api, served by
    ``glance``; each of ``EXTRA_VIMS`` is one more VIM with a Glance of its
    own. ``glances`` maps every VIM id to its Glance (GlanceServer).
    """

    VIM = 'local_RegionOne'
    # More VIM ids, each with its own Glance, e.g. ('local_RegionTwo',).
    EXTRA_VIMS = ()
    # More mcimage.conf lines for the class's mcimage-api.
    EXTRA_CONF = ''
    # More glance-api.conf lines for every Glance of the class.
    GLANCE_CONF = ''
    _servers = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._servers = fixtures.Fixture()
        cls._servers.setUp()
        try:
            cls.glances = {}
            for vim_id in (cls.VIM,) + tuple(cls.EXTRA_VIMS):
                if cls.GLANCE_CONF:
                    fixture = ConfiguredGlanceFixture(cls.GLANCE_CONF)
                else:
                    fixture = server_fixtures.GlanceFixture()
                cls.glances[vim_id] = cls._servers.useFixture(
                    fixture).server
            cls.glance = cls.glances[cls.VIM]
            cls.mcimage = cls._servers.useFixture(
                MCImageServer({vim_id: glance.endpoint
                               for vim_id, glance in cls.glances.items()},
                              extra_conf=cls.EXTRA_CONF))
        except BaseException:
            cls._servers.cleanUp()
            raise

    @classmethod
    def tearDownClass(cls):
        cls._servers.cleanUp()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.Timeout(300, gentle=True))
        self.tenant = 'p-%s' % uuid.uuid4().hex[:12]
        self.addDetail('mcimage-log', content.Content(
            content_type.UTF8_TEXT,
            lambda: [self.mcimage.log_tail(20000).encode()]))

    def headers(self, roles='member,reader', tenant=None, **extra):
        headers = {'X-Project-Id': tenant or self.tenant,
                   'X-User-Id': 'u-%s' % (tenant or self.tenant),
                   'X-Roles': roles}
        headers.update(extra)
        return headers

    def glance_headers(self, roles='member,reader', tenant=None, **extra):
        """The identity of headers() as Glance's trusted flavor takes it.

        mcimage (auth_mode = trusted) asserts the same to the VIM.
        """
        tenant = tenant or self.tenant
        headers = self.glance.headers(tenant, user_id='u-%s' % tenant,
                                      roles=roles)
        headers.update(extra)
        return headers

    def images_url(self, tenant=None, vim=None):
        return self.mcimage.url('/v1/%s/%s/images' % (
            vim or self.VIM, tenant or self.tenant))

    def glance_images(self, tenant=None, vim=None):
        """What Glance itself holds for the tenant (all statuses)."""
        tenant = tenant or self.tenant
        glance = self.glances[vim] if vim else self.glance
        return [i for i in glance.list_images(tenant)
                if i.get("owner") == tenant]

    def assertError(self, resp, status, detail_contains=None):
        self.assertEqual(status, resp.status_code, resp.text)
        self.assertEqual('application/json',
                         resp.headers['Content-Type'].split(';')[0])
        [error] = resp.json()['errors']
        self.assertEqual(status, error['status'])
        self.assertEqual(
            {'request_id', 'code', 'status', 'title', 'detail'}, set(error))
        self.assertNotIn('Traceback', resp.text)
        if detail_contains:
            self.assertIn(detail_contains, error['detail'])
        return error
