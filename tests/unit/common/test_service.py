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

"""The background jobs of a long-running process."""

import datetime
import os
import subprocess
import sys
import threading
from unittest import mock

import fixtures
from oslo_concurrency import lockutils
from oslo_utils import timeutils

from mcimage.common import service
from mcimage.db import api as db_api
from tests import base


def _dead_pid():
    proc = subprocess.Popen([sys.executable, '-c', ''])
    proc.wait()
    return proc.pid


class TestBackgroundService(base.TestCase):

    def setUp(self):
        super().setUp()
        self.sync_db()
        self.config(enabled_vims=[])
        self.recovered = []
        self.swept = []
        self.calls = []
        self.ran = threading.Event()
        for name in ('recover_uploads', 'resume_tasks', 'sweep_staging',
                     'purge_tasks'):
            self.useFixture(mock_fixture(service, name, self._record(name)))

    def _record(self, name):
        def job(*args):
            self.calls.append(name)
            if name == 'recover_uploads':
                self.recovered.append(sorted(r['id'] for r in args[1]))
            elif name == 'sweep_staging':
                self.swept.append(sorted(r['id'] for r in args[0]))
            if name == 'purge_tasks':
                self.ran.set()
        return job

    def upload(self, pid, state='uploading', host=None):
        with mock.patch('os.getpid', autospec=True, return_value=pid):
            row_id = db_api.upload_start('vim', 'p1', None,
                                         host=host or base.CONF.host)
        db_api.upload_set_state(row_id, state)
        return row_id

    def staged(self, pid, name):
        return db_api.staged_upload_create({
            'id': name, 'owner': 'p1', 'status': 'saving', 'store': 'local',
            'host': base.CONF.host, 'pid': pid,
            'expires_at': timeutils.utcnow() + datetime.timedelta(hours=1)})[
                'id']

    def run_once(self):
        background = service.BackgroundService()
        background.start()
        self.addCleanup(background.stop)
        self.assertTrue(self.ran.wait(30))
        deadline = threading.Event()
        while 'resume_tasks' not in self.calls and not deadline.wait(0.01):
            pass
        return background

    def test_rows_left_behind_and_orphaned(self):
        dead, alive, mine = _dead_pid(), os.getppid(), os.getpid()
        gone = self.upload(dead)
        orphaned = self.upload(alive, state='orphaned')
        self.upload(alive)
        self.upload(dead, host='another-host')
        # Our pid at start: a dead process's, reused.
        reused = self.upload(mine)
        staged_gone = self.staged(dead, '1' * 32)
        self.staged(alive, '2' * 32)
        staged_reused = self.staged(mine, '3' * 32)
        background = self.run_once()
        self.assertEqual([sorted([gone, orphaned, reused])], self.recovered)
        self.assertEqual([sorted([staged_gone, staged_reused])], self.swept)
        # Recovery first, then the tasks it made safe to resume.
        self.assertLess(self.calls.index('recover_uploads'),
                        self.calls.index('resume_tasks'))
        # A row of ours written after the start is in flight: kept.
        in_flight = self.upload(mine)
        self.staged(mine, '4' * 32)
        del self.recovered[:], self.swept[:]
        background._recover()
        background._sweep()
        self.assertNotIn(in_flight, self.recovered[0])
        self.assertEqual([sorted([gone, orphaned, reused])], self.recovered)
        self.assertEqual([sorted([staged_gone, staged_reused])], self.swept)

    def test_every_process_gives_free_memory_back(self):
        released = threading.Event()
        self.useFixture(fixtures.MockPatchObject(service.malloc,
                                                 'RELEASE_INTERVAL', 0.01))
        self.useFixture(fixtures.MockPatchObject(
            service.malloc, 'release_free_memory',
            side_effect=released.set))
        # With no lock: another process running the other jobs does not
        # hold it back.
        held = mock.Mock()
        held.acquire.return_value = False
        with mock.patch.object(lockutils, 'external_lock', autospec=True,
                               return_value=held):
            background = service.BackgroundService()
            background.start()
            self.addCleanup(background.stop)
            self.assertTrue(released.wait(30))

    def test_one_process_of_the_host_at_a_time(self):
        background = service.BackgroundService()
        held = mock.Mock()
        held.acquire.return_value = False
        with mock.patch.object(lockutils, 'external_lock',
                               autospec=True, return_value=held) as lock:
            background.recover()
            background.sweep()
        self.assertEqual([], self.calls)
        lock.assert_any_call('recover', lock_file_prefix='mcimage-',
                             lock_path=self.state_path)
        held.release.assert_not_called()

    def test_lock_is_a_file_of_the_host(self):
        # Another process holds it: this one skips the round.
        lock_file = os.path.join(self.state_path, 'mcimage-recover')
        holder = subprocess.Popen(
            [sys.executable, '-c',
             'import fcntl, sys, time\n'
             'f = open(sys.argv[1], "a")\n'
             'fcntl.lockf(f, fcntl.LOCK_EX)\n'
             'print("held", flush=True)\n'
             'sys.stdin.read()\n', lock_file],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.addCleanup(holder.wait)
        self.addCleanup(holder.stdin.close)
        self.assertEqual(b'held\n', holder.stdout.readline())
        service.BackgroundService().recover()
        self.assertEqual([], self.calls)
        holder.stdin.close()
        holder.wait()
        service.BackgroundService().recover()
        self.assertEqual(['recover_uploads', 'resume_tasks'], self.calls)

    def test_a_failing_job_does_not_stop_the_next(self):
        def broken(*args):
            raise RuntimeError('boom')
        self.useFixture(mock_fixture(service, 'recover_uploads', broken))
        self.useFixture(mock_fixture(service, 'sweep_staging', broken))
        background = service.BackgroundService()
        background.recover()
        background.sweep()
        self.assertEqual(['resume_tasks', 'purge_tasks'], self.calls)


class TestMallocArenas(base.TestCase):

    def setUp(self):
        super().setUp()
        self.libc = mock.Mock()
        self.useFixture(fixtures.MockPatch('ctypes.CDLL',
                                           return_value=self.libc))

    def test_two_arenas(self):
        self.useFixture(fixtures.EnvironmentVariable('MALLOC_ARENA_MAX'))
        service.limit_malloc_arenas()
        self.libc.mallopt.assert_called_once_with(-8, 2)

    def test_the_environment_wins(self):
        self.useFixture(fixtures.EnvironmentVariable('MALLOC_ARENA_MAX',
                                                     '4'))
        service.limit_malloc_arenas()
        self.libc.mallopt.assert_not_called()

    def test_no_glibc(self):
        self.useFixture(fixtures.EnvironmentVariable('MALLOC_ARENA_MAX'))
        del self.libc.mallopt
        service.limit_malloc_arenas()


class TestProcesses(base.TestCase):

    def _modules_after(self, module):
        out = subprocess.run(
            [sys.executable, '-c',
             'import sys, %s\nprint(" ".join(sorted(sys.modules)))' % module],
            capture_output=True, check=True, text=True)
        return out.stdout.split()

    def _in_an_api_process(self, code):
        """The last line ``code`` prints, run where mcimage.wsgi.api is."""
        conf = os.path.join(self.state_path, 'mcimage.conf')
        with open(conf, 'w') as f:
            f.write('[DEFAULT]\nstate_path = %s\n' % self.state_path)
        subprocess.run([sys.executable, '-m', 'mcimage.cmd.manage',
                        '--config-file', conf, 'db', 'sync'],
                       capture_output=True, check=True)
        out = subprocess.run(
            [sys.executable, '-c', 'from mcimage.wsgi import api\n' + code],
            capture_output=True, check=True, text=True,
            env=dict(os.environ, MCIMAGE_CONFIG_FILES=conf))
        return out.stdout.splitlines()[-1]

    def test_building_the_wsgi_app_starts_nothing(self):
        self.assertEqual('True 1', self._in_an_api_process(
            'import threading\n'
            'from mcimage import wsgi\n'
            'app = wsgi.init_application()\n'
            'print(callable(app), threading.active_count())'))

    def test_only_a_wsgi_servers_process_sets_malloc_up(self):
        # mcimage-api builds its app with init_application and keeps
        # glibc's thresholds; mcimage.wsgi.api sets them once, for the
        # WSGI server's buffers.
        self.assertEqual('0 1', self._in_an_api_process(
            'import webob\n'
            'from mcimage.common import malloc\n'
            'from mcimage import wsgi\n'
            'calls = []\n'
            'malloc.tune_for_streaming = lambda: calls.append(1)\n'
            'wsgi.init_application()\n'
            'built = len(calls)\n'
            'for _ in range(2):\n'
            '    req = webob.Request.blank("/")\n'
            '    resp = req.get_response(api.application)\n'
            '    assert resp.status_int in (200, 300), resp.status\n'
            'print(built, len(calls))'))

    def test_api_loads_the_task_engine_at_its_first_task_only(self):
        # taskflow, its graph library, Redis and alembic: about 25 MiB an
        # API process serving no task does not hold.
        modules = self._in_an_api_process(
            'import sys\n'
            'from mcimage.common import service\n'
            'from mcimage import wsgi\n'
            'app = wsgi.init_application()\n'
            'background = service.BackgroundService()\n'
            'background.recover()\n'
            'background.sweep()\n'
            'print(" ".join(sorted(sys.modules)))').split()
        loaded = {m.split('.')[0] for m in modules}
        loaded.update(m for m in modules if m.startswith('mcimage.tasks.'))
        for heavy in ('taskflow', 'networkx', 'redis', 'alembic',
                      'mcimage.tasks.engine', 'mcimage.tasks.flows'):
            self.assertNotIn(heavy, loaded)

    def test_worker_does_not_import_the_wsgi_package(self):
        modules = self._modules_after('mcimage.cmd.worker')
        self.assertFalse([m for m in modules if m.startswith('mcimage.wsgi')])


def mock_fixture(obj, name, new):
    return fixtures.MockPatchObject(obj, name, new)
