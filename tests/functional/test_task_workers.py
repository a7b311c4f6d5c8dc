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

"""Tasks on a Redis jobboard, run by mcimage-worker processes.

A real Redis (the redis fixture), two real Glance servers, the
database and the flow state on PostgreSQL, shared by mcimage-api and
the workers.
"""

import time

import sqlalchemy

from tests.functional.fixtures import redis as redis_fixtures
from tests.functional import test_tasks

EXPIRY = 3


class TestWorkers(test_tasks.TaskTestCase):

    @classmethod
    def setUpClass(cls):
        cls.redis = redis_fixtures.RedisFixture()
        cls.redis.setUp()
        cls.addClassCleanup(cls.redis.cleanUp)
        cls.TASK_CONF = (
            'jobboard_backend = redis\njobboard_backend_port = %d\n'
            'jobboard_expiration_time = %d\n'
            % (cls.redis.server.port, EXPIRY))
        super().setUpClass()

    def setUp(self):
        super().setUp()
        self.addCleanup(self.mcimage._stop_workers)
        self.started = []

    def start_worker(self, name):
        self.mcimage.start_worker(name)
        self.started.append(name)
        self.addDetail('worker-%s-log' % name, test_tasks.base.content.Content(
            test_tasks.base.content_type.UTF8_TEXT,
            lambda: [self.mcimage.worker_log(name, 8000).encode()]))

    def task_pid(self, task_id):
        engine = sqlalchemy.create_engine(self.postgres.url('mcimage'))
        try:
            with engine.connect() as connection:
                return connection.execute(sqlalchemy.text(
                    'SELECT pid FROM tasks WHERE id = :id'),
                    {'id': task_id}).scalar()
        finally:
            engine.dispose()

    def test_a_worker_runs_a_task(self):
        self.start_worker('a')
        task = self.wait(self.create({
            'import_from': self.web.url('/disk.img'),
            'import_from_format': 'raw',
            'targets': self.both()}).json()['id'])
        self.assertEqual('success', task['status'], task['message'])
        self.assertEqual(self.mcimage.workers['a'].pid,
                         self.task_pid(task['id']))
        for target in task['result']['targets']:
            self.assertHolds(target['vim_id'], target['image_id'],
                             self.data)

    def test_a_task_waits_for_a_worker(self):
        task_id = self.create({
            'import_from': self.web.url('/disk.img'),
            'import_from_format': 'raw',
            'targets': self.both()[:1]}).json()['id']
        time.sleep(1)
        self.assertEqual('pending', self.get(task_id)['status'])
        self.start_worker('late')
        task = self.wait(task_id)
        self.assertEqual('success', task['status'], task['message'])

    def test_a_worker_killed_mid_task_another_takes_over(self):
        self.start_worker('one')
        self.start_worker('two')
        task_id = self.create({
            'import_from': self.web.url('/slow/disk.img'),
            'import_from_format': 'raw',
            'targets': self.both()}).json()['id']
        self.wait_progress(task_id, at_least=2 * 1024 * 1024)
        pid = self.task_pid(task_id)
        [victim] = [name for name, proc in self.mcimage.workers.items()
                    if proc.pid == pid]
        self.mcimage.kill_worker(victim)
        task = self.wait(task_id, timeout=240)
        [survivor] = list(self.mcimage.workers)
        # The other worker claimed the job once the claim expired.
        self.assertEqual(self.mcimage.workers[survivor].pid,
                         self.task_pid(task_id))
        if task['status'] == 'success':
            for target in task['result']['targets']:
                self.assertHolds(target['vim_id'], target['image_id'],
                                 self.data)
        else:
            self.assertTrue(task['message'])
        for vim in (self.VIM, test_tasks.OTHER_VIM):
            # Only what the task reports created is left: no half image.
            wanted = [t['image_id'] for t in task['result']['targets']
                      if t['vim_id'] == vim and t['status'] == 'created']
            deadline = time.monotonic() + 30
            while (sorted(i['id'] for i in self.glance_images(vim=vim))
                   != sorted(wanted) and time.monotonic() < deadline):
                time.sleep(0.5)
            self.assertEqual(sorted(wanted), sorted(
                i['id'] for i in self.glance_images(vim=vim)))
        self.addDetail('outcome', test_tasks.base.content.text_content(
            '%s: %s' % (task['status'], task['message'])))
