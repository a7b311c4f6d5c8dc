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

"""A task left by a dead process, resumed once by several gunicorn workers.

mcimage.wsgi.api:application under gunicorn (2 gthread workers, the
production example), on PostgreSQL, two real Glance servers. Each worker
resumes its host's dead processes' tasks on its first request; the task
must be claimed by exactly one of them.
"""

import os
import re
import signal
import threading
import time

import requests

from tests.functional import test_tasks

WORKERS = 4


class TestResumeUnderGunicorn(test_tasks.TaskTestCase):

    MCIMAGE_SERVER = 'gunicorn'

    def crash(self):
        """SIGKILL gunicorn's master and workers at once."""
        # start_new_session: its process group id is the master's pid.
        os.killpg(self.mcimage.pid, signal.SIGKILL)
        self.mcimage.kill()

    def start_under_load(self):
        """Start, with requests waiting: every worker starts at once."""
        stop = threading.Event()

        def knock():
            while not stop.is_set():
                try:
                    requests.get(self.mcimage.url('/v1/tasks'),
                                 headers=self.headers(), timeout=30)
                except requests.RequestException:
                    time.sleep(0.01)

        knockers = [threading.Thread(target=knock, daemon=True)
                    for _ in range(8)]
        for knocker in knockers:
            knocker.start()
        try:
            self.mcimage.start()
            deadline = time.monotonic() + 60
            while len(self.serving_pids()) < WORKERS:
                self.assertLess(time.monotonic(), deadline,
                                'not every gunicorn worker served')
                time.sleep(0.1)
        finally:
            stop.set()
            for knocker in knockers:
                knocker.join(timeout=60)

    def pause_vims(self):
        for glance in self.glances.values():
            # Each Glance runs in its own session: its group is its pid.
            self.addCleanup(os.killpg, glance.pid, signal.SIGCONT)
            os.killpg(glance.pid, signal.SIGSTOP)

    def resume_vims(self):
        for glance in self.glances.values():
            os.killpg(glance.pid, signal.SIGCONT)

    def log(self):
        with open(self.mcimage.log_file, errors='replace') as f:
            return f.read()

    def serving_pids(self):
        """The pids of the workers that started since the crash."""
        return set(re.findall(r'^\S+ \S+ (\d+) INFO mcimage.backends '
                              r'\S+ VIMs enabled', self.log()[self.log_mark:],
                              re.M))

    def test_left_task_resumed_exactly_once(self):
        task_id = self.create({
            'import_from': self.web.url('/slow/disk.img'),
            'import_from_format': 'raw',
            'targets': self.both()}).json()['id']
        self.wait_progress(task_id, at_least=2 * 1024 * 1024)
        self.crash()
        self.log_mark = len(self.log())
        # More workers than the example's two: more of them racing.
        self.mcimage.env['GUNICORN_CMD_ARGS'] = '--workers %d' % WORKERS
        # The VIMs answer no one until every worker has started: all of
        # them then clean up and resume at the same moment.
        self.pause_vims()
        self.start_under_load()
        self.resume_vims()
        task = self.wait(task_id)
        self.assertEqual('success', task['status'], task['message'])
        after = self.log()[self.log_mark:]
        self.assertEqual(1, after.count('Resuming task %s' % task_id),
                         after[-5000:])
        # One image per target, whole; no second run left one behind.
        for target in task['result']['targets']:
            self.assertEqual('created', target['status'])
            self.assertHolds(target['vim_id'], target['image_id'],
                             self.data)
            images = self.glance_images(vim=target['vim_id'])
            self.assertEqual([target['image_id']],
                             [i['id'] for i in images], images)
        # The task is run by a live worker, and was read once more.
        self.assertEqual(2, self.web.requests.count('/slow/disk.img'))
