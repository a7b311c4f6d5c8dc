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

"""A taskflow Redis jobboard on a real Redis (the redis fixture).

One server per test class, started in setUpClass and stopped by a class
cleanup, so also when a test fails; a key namespace of its own per test.

Claims expire only if the claimant asks for it: taskflow's Redis jobboard
has no configuration key for that.  ``claim(job, who, expiry=SECONDS)``
puts a time to live (PEXPIRE, in milliseconds) on the job's owner key, and
``job.extend_expiry(SECONDS)`` renews it; once the owner key has expired
the job is unclaimed again.  Without ``expiry`` (taskflow's conductors
claim so) the claim lasts until it is consumed or abandoned.
"""

import json
import os
import subprocess
import sys
import time
import uuid

import fixtures
from redis import exceptions as redis_exceptions
from taskflow import exceptions as tf_exc
from taskflow.jobs import backends as job_backends
from taskflow import states
from taskflow.utils import redis_utils
import testtools

from tests.functional.fixtures import redis as redis_fixtures

BOARD_NAME = 'mcimage-test'
# Seconds a claim lives unless renewed, in these tests.
CLAIM_EXPIRY = 1.0
# How long to wait for anything that should happen within a second.
WAIT = 10.0

# A worker that claims a job, says so, and waits to be killed.
CLAIMING_WORKER = """\
import json
import sys
import time

from taskflow.jobs import backends

conf, job_uuid, who, expiry = json.loads(sys.argv[1])
board = backends.fetch('%s', conf)
board.connect()
job = [j for j in board.iterjobs() if j.uuid == job_uuid][0]
board.claim(job, who, expiry=expiry)
print('claimed', flush=True)
time.sleep(600)
""" % BOARD_NAME


class RedisJobboardTestCase(testtools.TestCase):
    """A Redis server per class; ``board()`` connects a jobboard to it."""

    PASSWORD = None
    redis = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        fixture = redis_fixtures.RedisFixture(password=cls.PASSWORD)
        # setUp() stops the server itself if its start fails.
        fixture.setUp()
        cls.addClassCleanup(fixture.cleanUp)
        cls.redis = fixture.server

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.Timeout(60, gentle=True))
        self.namespace = 'mcimage-test-%s' % uuid.uuid4().hex[:12]

    def board_conf(self, **overrides):
        conf = {
            'board': 'redis',
            'host': self.redis.host,
            'port': self.redis.port,
            # Every key of the board starts with "<namespace>:".
            'namespace': self.namespace,
            'socket_timeout': 5.0,
            'socket_connect_timeout': 5.0,
        }
        if self.redis.password:
            conf['password'] = self.redis.password
        conf.update(overrides)
        return {k: v for k, v in conf.items() if v is not None}

    def board(self, **overrides):
        """A connected jobboard (one Redis connection pool: one owner)."""
        board = job_backends.fetch(BOARD_NAME, self.board_conf(**overrides))
        board.connect()
        self.addCleanup(board.close)
        return board

    @staticmethod
    def jobs(board, only_unclaimed=False):
        return list(board.iterjobs(only_unclaimed=only_unclaimed,
                                   ensure_fresh=True))

    def wait_unclaimed(self, job):
        """Seconds until ``job`` has no owner any more.

        Not with board.find_owner(): on an unclaimed job it raises
        TypeError (taskflow 6.5 decodes the None that GET returned).
        """
        start = time.monotonic()
        while job.state != states.UNCLAIMED:
            if time.monotonic() - start > WAIT:
                self.fail('job %s still claimed after %s s'
                          % (job.uuid, WAIT))
            time.sleep(0.02)
        return time.monotonic() - start


class TestRedisJobboard(RedisJobboardTestCase):

    def test_post_list_claim_consume(self):
        board_a = self.board()
        board_b = self.board()
        self.assertEqual(0, board_b.job_count)

        posted = board_a.post('mcimage-task', details={'task_id': 't-1'})

        listed = self.jobs(board_b)
        self.assertEqual([posted.uuid], [job.uuid for job in listed])
        job_b = listed[0]
        self.assertEqual('mcimage-task', job_b.name)
        self.assertEqual({'task_id': 't-1'}, job_b.details)
        self.assertEqual(states.UNCLAIMED, job_b.state)
        self.assertEqual(1, board_b.job_count)

        board_a.claim(posted, 'worker-a')
        self.assertEqual(states.CLAIMED, job_b.state)
        self.assertEqual('worker-a', board_b.find_owner(job_b))
        self.assertEqual([], self.jobs(board_b, only_unclaimed=True))
        self.assertRaises(tf_exc.UnclaimableJob,
                          board_b.claim, job_b, 'worker-b')
        # Only the owner consumes (or abandons) it.
        self.assertRaises(tf_exc.JobFailure,
                          board_b.consume, job_b, 'worker-b')
        self.assertEqual('worker-a', board_b.find_owner(job_b))

        board_a.consume(posted, 'worker-a')
        self.assertEqual([], self.jobs(board_b))
        self.assertEqual(0, board_b.job_count)
        self.assertRaises(tf_exc.NotFound,
                          board_b.claim, job_b, 'worker-b')

    def test_abandoned_job_is_claimed_by_another(self):
        board_a = self.board()
        board_b = self.board()
        job = board_a.post('mcimage-task')
        board_a.claim(job, 'worker-a')
        board_a.abandon(job, 'worker-a')
        board_b.claim(job, 'worker-b')
        self.assertEqual('worker-b', board_a.find_owner(job))

    def test_claim_of_dead_owner_expires(self):
        board_a = self.board()
        board_b = self.board()
        job = board_b.post('mcimage-task')
        board_a.claim(job, 'worker-a', expiry=CLAIM_EXPIRY)
        # worker-a "dies": its connections go, its claim stays.
        board_a.close()

        job_b = self.jobs(board_b)[0]
        self.assertEqual('worker-a', board_b.find_owner(job_b))
        self.assertRaises(tf_exc.UnclaimableJob,
                          board_b.claim, job_b, 'worker-b')
        left = job_b.expires_in()
        self.assertGreater(left, 0)
        self.assertLessEqual(left, CLAIM_EXPIRY)

        waited = self.wait_unclaimed(job_b)
        self.assertGreater(waited, left - 0.2)
        self.assertEqual(redis_utils.UnknownExpire.KEY_NOT_FOUND,
                         job_b.expires_in())
        self.assertEqual([job.uuid], [j.uuid for j in
                                      self.jobs(board_b,
                                                only_unclaimed=True)])
        board_b.claim(job_b, 'worker-b', expiry=CLAIM_EXPIRY)
        self.assertEqual('worker-b', board_b.find_owner(job_b))

        # worker-a comes back: the job is not its own any more.  (Job
        # objects keep the Redis client of the board that made them: the
        # ones of a board that was closed fail with "Connection has been
        # closed", even after it connects again.)
        board_a.connect()
        self.assertRaises(tf_exc.JobFailure,
                          board_a.consume, job, 'worker-a')
        self.assertRaises(tf_exc.JobFailure,
                          board_a.abandon, job, 'worker-a')
        board_b.consume(job_b, 'worker-b')
        self.assertEqual(0, board_a.job_count)

    def test_claim_of_killed_worker_process_expires(self):
        board = self.board()
        job = board.post('mcimage-task')
        worker = subprocess.Popen(
            [sys.executable, '-c', CLAIMING_WORKER,
             json.dumps([self.board_conf(), job.uuid, 'worker-dead',
                         CLAIM_EXPIRY])],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, start_new_session=True)
        self.addCleanup(self._reap, worker)
        line = worker.stdout.readline()
        if line != b'claimed\n':
            worker.kill()
            self.fail('the worker did not claim the job: %r\n%s'
                      % (line, worker.stderr.read().decode()))
        self.assertEqual('worker-dead', board.find_owner(job))

        worker.kill()
        worker.wait()
        self.assertRaises(tf_exc.UnclaimableJob,
                          board.claim, job, 'worker-b')
        self.assertLessEqual(job.expires_in(), CLAIM_EXPIRY)

        self.wait_unclaimed(job)
        board.claim(job, 'worker-b')
        board.consume(job, 'worker-b')
        self.assertEqual(0, board.job_count)

    def test_renewed_claim_does_not_expire(self):
        board_a = self.board()
        board_b = self.board()
        job = board_a.post('mcimage-task')
        board_a.claim(job, 'worker-a', expiry=CLAIM_EXPIRY)
        # A living owner renews its claim, as a heartbeat would.
        end = time.monotonic() + 2 * CLAIM_EXPIRY
        while time.monotonic() < end:
            self.assertTrue(job.extend_expiry(CLAIM_EXPIRY))
            time.sleep(CLAIM_EXPIRY / 4)
        self.assertEqual('worker-a', board_b.find_owner(job))
        self.assertRaises(tf_exc.UnclaimableJob,
                          board_b.claim, job, 'worker-b')
        board_a.consume(job, 'worker-a')

    def test_claim_without_expiry_never_expires(self):
        board_a = self.board()
        board_b = self.board()
        board_a.post('mcimage-task')
        job = self.jobs(board_b)[0]
        board_a.claim(job, 'worker-a')
        board_a.close()
        # No time to live on the owner key: Redis never drops it.
        self.assertEqual(redis_utils.UnknownExpire.DOES_NOT_EXPIRE,
                         job.expires_in())
        self.assertRaises(tf_exc.UnclaimableJob,
                          board_b.claim, job, 'worker-b')
        # Whoever knows the owner's name may abandon it, though.
        board_b.abandon(job, 'worker-a')
        board_b.claim(job, 'worker-b')

    def test_namespace_holds_every_key(self):
        board = self.board()
        job = board.post('mcimage-task')
        board.claim(job, 'worker-a', expiry=60)
        prefix = (self.namespace + ':').encode()
        # The other tests of the class use namespaces of their own.
        self.assertEqual([], [k for k in self.redis.command('KEYS', '*')
                              if not k.startswith(b'mcimage-test-')])
        self.assertEqual(
            sorted([prefix + b'listings', prefix + b'sequence',
                    prefix + job.uuid.encode() + b'.owned',
                    prefix + job.uuid.encode() + b'.last_modified']),
            sorted(self.redis.command('KEYS', prefix.decode() + '*')))

    @staticmethod
    def _reap(proc):
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()


class TestRedisJobboardPassword(RedisJobboardTestCase):

    PASSWORD = 'mcimage "test" \\ p%ssword'

    def test_with_password(self):
        board = self.board()
        job = board.post('mcimage-task')
        board.claim(job, 'worker-a', expiry=CLAIM_EXPIRY)
        self.assertEqual('worker-a', board.find_owner(job))
        board.consume(job, 'worker-a')
        self.assertEqual(0, board.job_count)

    def test_without_password(self):
        board = job_backends.fetch(BOARD_NAME,
                                   self.board_conf(password=None))
        self.addCleanup(board.close)
        error = self.assertRaises(tf_exc.JobFailure, board.connect)
        # redis-py 8 opens with HELLO 3, which Redis refuses before AUTH.
        self.assertIsInstance(error.__cause__,
                              redis_exceptions.AuthenticationError)
        self.assertFalse(board.connected)

    def test_wrong_password(self):
        board = job_backends.fetch(BOARD_NAME,
                                   self.board_conf(password='wrong'))
        self.addCleanup(board.close)
        error = self.assertRaises(tf_exc.JobFailure, board.connect)
        self.assertIsInstance(error.__cause__,
                              redis_exceptions.AuthenticationError)
        self.assertFalse(board.connected)


class TestRedisServer(testtools.TestCase):
    """The redis fixture itself."""

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.Timeout(60, gentle=True))

    def test_settings_kill_start_stop(self):
        fixture = self.useFixture(redis_fixtures.RedisFixture())
        server = fixture.server
        self.assertTrue(server.ping())

        def config(name):
            return server.command('CONFIG', 'GET', name)[1]

        self.assertEqual(b'127.0.0.1', config('bind'))
        self.assertEqual(b'yes', config('protected-mode'))
        self.assertEqual(b'', config('save'))
        self.assertEqual(b'no', config('appendonly'))
        self.assertEqual(server.workdir.encode(), config('dir'))
        self.assertEqual(str(server.pid), server.info()['process_id'])
        self.assertEqual(server.pid, os.getpgid(server.pid))

        server.command('SET', 'k', 'v')
        port, pid, workdir = server.port, server.pid, server.workdir
        server.kill()
        self.assertFalse(server.running)
        self.assertFalse(server.ping())
        self.assertTrue(os.path.isdir(workdir))

        server.start()
        self.assertEqual(port, server.port)
        self.assertNotEqual(pid, server.pid)
        # Nothing survives a restart.
        self.assertIsNone(server.command('GET', 'k'))

        pid = server.pid
        server.stop()
        self.assertFalse(os.path.exists('/proc/%d' % pid))
        self.assertFalse(os.path.exists(workdir))
        server.stop()

    def test_board_after_server_restart(self):
        server = self.useFixture(redis_fixtures.RedisFixture()).server
        board = job_backends.fetch(BOARD_NAME, {
            'board': 'redis', 'host': server.host, 'port': server.port,
            'namespace': 'mcimage-restart', 'socket_timeout': 5.0})
        board.connect()
        self.addCleanup(board.close)
        board.post('mcimage-task')
        server.kill()
        self.assertRaises(tf_exc.JobFailure, lambda: board.job_count)
        server.start()
        # The client reconnects; the server lost every job (no
        # persistence).
        board.connect()
        self.assertEqual(0, board.job_count)
        board.post('mcimage-task')
        self.assertEqual(1, board.job_count)
