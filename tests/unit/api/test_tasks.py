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

"""POST/GET/DELETE /v1/tasks, run by the embedded engine on FakeGlance."""

import contextlib
import datetime
import hashlib
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time

import fixtures
from oslo_utils import timeutils

from mcimage import backends
from mcimage.db import api as db_api
from mcimage.images import recovery
from mcimage.tasks import api as tasks_api
from mcimage.tasks import engine
from mcimage.tasks import flows
from mcimage.tasks import status
from mcimage.tasks import targets
from mcimage.tasks import upkeep
from tests.unit.api import base
from tests.unit.api import test_stage
from tests.unit import fakes

DATA = fakes.QCOW2_HEADER + bytes(range(256)) * 4000
BOTH = [{'vim_id': base.VIM, 'tenant_id': 'p1'},
        {'vim_id': base.OTHER_VIM, 'tenant_id': 'p1'}]


class TaskTestCase(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.MockPatchObject(recovery, 'SETTLE_QUIET', 0))
        self.config(persistence_connection='sqlite:///%s/tf.sqlite' %
                    self.state_path, group='task')
        self.addCleanup(engine.reset)
        engine.reset()
        engine.upgrade_persistence()

    def staged(self):
        """A staged upload of DATA (qcow2) owned by p1."""
        self.config(mode='stage', group='upload')
        resp = self.app.put(
            '/v1/%s/p1/images/%s/file' % (
                base.VIM, self.fake.add_image(
                    'p1', disk_format='qcow2', container_format='bare',
                    name='seed')['id']),
            params=DATA, content_type='application/octet-stream',
            headers=self.headers())
        self.config(mode='stream', group='upload')
        return resp.headers[test_stage.HEADER]

    def create(self, task_input, status=201, persona='member'):
        resp = self.app.post_json('/v1/tasks',
                                  {'type': 'import', 'input': task_input},
                                  headers=self.headers(persona),
                                  expect_errors=status >= 400)
        self.assertEqual(status, resp.status_int, resp.text)
        return resp

    def wait(self, task_id, persona='member', timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            task = self.app.get('/v1/tasks/%s' % task_id,
                                headers=self.headers(persona)).json
            if task['status'] in ('success', 'failure'):
                return task
            if time.monotonic() > deadline:
                self.fail('task %s still %s' % (task_id, task['status']))
            time.sleep(0.05)

    @staticmethod
    def drain():
        """Wait for every flow handed to this process's runner."""
        engine.runner()._executor.shutdown(wait=True)

    def images_of(self, vim_id, tenant='p1', name=None):
        return [i for i in self.glance[vim_id].images.values()
                if i['owner'] == tenant and (name is None
                                             or i.get('name') == name)]


class TestImportTasks(TaskTestCase):

    def test_staged_upload_to_two_vims(self):
        upload_id = self.staged()
        resp = self.create({'import_from': 'upload:' + upload_id,
                            'image_properties': {'name': 'copied'},
                            'targets': BOTH})
        task = resp.json
        self.assertEqual('/v1/tasks/%s' % task['id'],
                         resp.headers['Location'].split('localhost')[-1])
        self.assertIn(task['status'], ('pending', 'processing', 'success'))
        task = self.wait(task['id'])
        self.assertEqual('success', task['status'], task['message'])
        self.assertEqual({'bytes_done': len(DATA), 'bytes_total': len(DATA)},
                         task['progress'])
        self.assertIsNotNone(task['expires_at'])
        for target, vim_id in zip(task['result']['targets'],
                                  (base.VIM, base.OTHER_VIM)):
            self.assertEqual('created', target['status'])
            self.assertEqual(vim_id, target['vim_id'])
            image = self.glance[vim_id].images[target['image_id']]
            self.assertEqual('active', image['status'])
            self.assertEqual('copied', image['name'])
            self.assertEqual('qcow2', image['disk_format'])
            self.assertEqual(DATA, self.glance[vim_id].data[image['id']])

    def test_flow_state_database_unusable_503_nothing_left(self):
        # The API starts without the task engine; the first task finds the
        # flow state database broken and is refused, not half-accepted.
        upload_id = self.staged()
        engine.reset()
        self.config(persistence_connection='sqlite:///%s/no/such/dir/tf' %
                    self.state_path, group='task')
        resp = self.create({'import_from': 'upload:' + upload_id,
                            'targets': BOTH}, status=503)
        self.assertIn('task flow state database', resp.text)
        self.assertEqual([], db_api.task_get_all())
        self.assertEqual(['seed'], [i['name']
                                    for i in self.images_of(base.VIM)])
        self.assertEqual([], self.images_of(base.OTHER_VIM))

    def test_vim_to_vim_copy_and_idempotent_second_run(self):
        source = self.fake.add_image('p1', disk_format='qcow2',
                                     container_format='bare', name='src')
        self.fake.upload(None, 'p1', source['id'], fakes._Once(DATA))
        source_ref = 'vim:%s/p1/%s' % (base.VIM, source['id'])
        task_input = {'import_from': source_ref,
                      'image_properties': {'name': 'src'},
                      'targets': [{'vim_id': base.OTHER_VIM,
                                   'tenant_id': 'p1'}]}
        task = self.wait(self.create(task_input).json['id'])
        self.assertEqual('success', task['status'], task['message'])
        [copy] = self.images_of(base.OTHER_VIM)
        self.assertEqual(hashlib.sha512(DATA).hexdigest(),
                         copy['os_hash_value'])
        uploads = len([c for c in self.glance[base.OTHER_VIM].calls
                       if c[0] == 'upload'])
        # Again: the target holds that data under that name already.
        task = self.wait(self.create(task_input).json['id'])
        self.assertEqual('success', task['status'], task['message'])
        [target] = task['result']['targets']
        self.assertEqual(('exists', copy['id']),
                         (target['status'], target['image_id']))
        self.assertEqual(1, len(self.images_of(base.OTHER_VIM)))
        self.assertEqual(0, task['progress']['bytes_done'])
        self.assertEqual(uploads, len([
            c for c in self.glance[base.OTHER_VIM].calls
            if c[0] == 'upload']))
        # force sends anyway; another name is another image.
        for extra in ({'force': True},
                      {'image_properties': {'name': 'other'}}):
            task = self.wait(self.create(dict(task_input, **extra)).json[
                'id'])
            self.assertEqual('created',
                             task['result']['targets'][0]['status'])
        self.assertEqual(3, len(self.images_of(base.OTHER_VIM)))

    def test_one_target_failing_all_must_succeed_reverts_all(self):
        upload_id = self.staged()
        self.glance[base.OTHER_VIM].fail_upload = (
            fakes.exception.BackendUnavailable(vim_id=base.OTHER_VIM))
        task = self.wait(self.create({'import_from': 'upload:' + upload_id,
                                      'targets': BOTH}).json['id'])
        self.assertEqual('failure', task['status'])
        self.assertIn(base.OTHER_VIM, task['message'])
        statuses = {t['vim_id']: t['status']
                    for t in task['result']['targets']}
        self.assertEqual({base.VIM: 'reverted', base.OTHER_VIM: 'failed'},
                         statuses)
        self.assertEqual([], self.images_of(base.VIM, name=None)[1:])
        self.assertEqual(['seed'], [i['name']
                                    for i in self.images_of(base.VIM)])
        self.assertEqual([], self.images_of(base.OTHER_VIM))
        self.assertEqual([], db_api.upload_get_all())

    def test_one_target_failing_others_kept_when_allowed(self):
        upload_id = self.staged()
        self.glance[base.OTHER_VIM].fail_upload = (
            fakes.exception.BackendUnavailable(vim_id=base.OTHER_VIM))
        task = self.wait(self.create({'import_from': 'upload:' + upload_id,
                                      'targets': BOTH,
                                      'all_targets_must_succeed': False,
                                      'image_properties': {'name': 'out'}}
                                     ).json['id'])
        self.assertEqual('success', task['status'])
        self.assertIn('1 of 2 targets failed', task['message'])
        kept, failed = task['result']['targets']
        self.assertEqual('created', kept['status'])
        self.assertEqual('failed', failed['status'])
        self.assertIn(base.OTHER_VIM, failed['message'])
        self.assertEqual([kept['image_id']], [
            i['id'] for i in self.images_of(base.VIM, name='out')])
        self.assertEqual([], self.images_of(base.OTHER_VIM))

    def test_bad_data_fails_every_target(self):
        source = self.fake.add_image('p1', disk_format='raw',
                                     container_format='bare')
        self.fake.upload(None, 'p1', source['id'], fakes._Once(DATA))
        # Declared qcow2 data that is raw: the inspector refuses it.
        self.fake.images[source['id']]['disk_format'] = 'qcow2'
        self.fake.data[source['id']] = b'not a qcow2 at all' * 1000
        task = self.wait(self.create({
            'import_from': 'vim:%s/p1/%s' % (base.VIM, source['id']),
            'targets': [{'vim_id': base.OTHER_VIM, 'tenant_id': 'p1'}],
            'force': True}).json['id'])
        self.assertEqual('failure', task['status'])
        self.assertEqual([], self.images_of(base.OTHER_VIM))

    def test_unexpected_error_message_generic_cause_logged(self):
        # An OS, database or library error names paths and hosts: the
        # task's reader gets a generic message, the log the cause.
        logged = self.useFixture(fixtures.FakeLogger())
        source = self.fake.add_image('p1', disk_format='raw',
                                     container_format='bare')
        self.fake.upload(None, 'p1', source['id'], fakes._Once(DATA))

        def broken(*args, **kwargs):
            raise OSError('/srv/mcimage/secret-dir: Permission denied')

        self.useFixture(fixtures.MockPatchObject(targets, 'tee', broken))
        task = self.wait(self.create({
            'import_from': 'vim:%s/p1/%s' % (base.VIM, source['id']),
            'targets': [{'vim_id': base.OTHER_VIM, 'tenant_id': 'p1'}],
            'force': True}).json['id'])
        self.assertEqual('failure', task['status'])
        self.assertNotIn('secret-dir', task['message'])
        self.assertIn('unexpected error', task['message'])
        self.assertIn(task['id'], task['message'])
        self.assertIn('/srv/mcimage/secret-dir', logged.output)
        self.assertEqual([], self.images_of(base.OTHER_VIM))

    def test_cancel_reverts(self):
        # Pieces small enough that the slow target is still sending when
        # the cancel comes.
        self.config(chunk_size=4096, group='upload')
        upload_id = self.staged()
        self.useFixture(fixtures.MockPatchObject(status, 'PROGRESS_INTERVAL',
                                                 0))
        upload = self.glance[base.OTHER_VIM].upload

        def slow(context, tenant_id, image_id, reader, size=None):
            class Slow(object):
                def read(self, n=None):
                    time.sleep(0.05)
                    return reader.read(n)
            return upload(context, tenant_id, image_id, Slow(), size)

        self.glance[base.OTHER_VIM].upload = slow
        task_id = self.create({'import_from': 'upload:' + upload_id,
                               'targets': BOTH}).json['id']
        deadline = time.monotonic() + 10
        while db_api.task_get(task_id)['progress_done'] == 0:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.02)
        resp = self.app.delete('/v1/tasks/%s' % task_id,
                               headers=self.headers())
        self.assertEqual(202, resp.status_int)
        self.assertEqual(b'', resp.body)
        task = self.wait(task_id)
        self.assertEqual('failure', task['status'])
        self.assertIn('Cancelled', task['message'])
        self.assertEqual([], self.images_of(base.OTHER_VIM))
        self.assertEqual(['seed'], [i['name']
                                    for i in self.images_of(base.VIM)])
        # A finished task is deleted.
        resp = self.app.delete('/v1/tasks/%s' % task_id,
                               headers=self.headers())
        self.assertEqual(204, resp.status_int)
        self.assertEqual(b'', resp.body)
        resp = self.app.get('/v1/tasks/%s' % task_id,
                            headers=self.headers(), expect_errors=True)
        self.assertError(resp, 404, task_id)

    def test_resumed_after_a_stop(self):
        upload_id = self.staged()
        # Accepted, its flow saved, then the process "stopped".
        self.useFixture(fixtures.MockPatchObject(
            engine.EmbeddedRunner, 'submit',
            lambda self, task_id, count: engine.save_flow(task_id, count)))
        task_id = self.create({'import_from': 'upload:' + upload_id,
                               'targets': BOTH}).json['id']
        dead = subprocess.Popen([sys.executable, '-c', 'pass'])
        dead.wait()
        db_api.task_update(task_id, {'pid': dead.pid})
        self.useFixture(fixtures.MockPatchObject(
            engine.EmbeddedRunner, 'submit', engine.EmbeddedRunner.submit))
        upkeep.resume_tasks()
        task = self.wait(task_id)
        self.assertEqual('success', task['status'], task['message'])

    def test_source_checked_again_when_the_flow_runs(self):
        upload_id = self.staged()
        # Accepted and saved; the staged upload goes before it runs.
        self.useFixture(fixtures.MockPatchObject(
            engine.EmbeddedRunner, 'submit',
            lambda self, task_id, count: engine.save_flow(task_id, count)))
        task_id = self.create({'import_from': 'upload:' + upload_id,
                               'targets': BOTH}).json['id']
        self.app.delete('/v1/uploads/%s' % upload_id,
                        headers=self.headers())
        dead = subprocess.Popen([sys.executable, '-c', 'pass'])
        dead.wait()
        db_api.task_update(task_id, {'pid': dead.pid})
        upkeep.resume_tasks()
        task = self.wait(task_id)
        self.assertEqual('failure', task['status'])
        self.assertIn('no staged upload %s' % upload_id, task['message'])
        self.assertEqual(['seed'], [i['name']
                                    for i in self.images_of(base.VIM)])
        self.assertEqual([], self.images_of(base.OTHER_VIM))

    def test_expired_tasks_purged_with_their_flow_state(self):
        upload_id = self.staged()
        old, fresh = (self.create({'import_from': 'upload:' + upload_id,
                                   'targets': BOTH[:1]}).json['id']
                      for _ in range(2))
        for task_id in (old, fresh):
            self.wait(task_id)
        db_api.task_update(old, {'expires_at': timeutils.utcnow()})
        upkeep.purge_expired()
        self.assertEqual([fresh], [r['id'] for r in db_api.task_get_all()])
        with contextlib.closing(
                engine.persistence().get_connection()) as conn:
            self.assertEqual([fresh], [b.uuid for b in conn.get_logbooks()])

    def test_list_and_visibility(self):
        upload_id = self.staged()
        first = self.create({'import_from': 'upload:' + upload_id,
                             'targets': BOTH[:1]}).json['id']
        second = self.create({'import_from': 'upload:' + upload_id,
                              'targets': BOTH[1:]}).json['id']
        for task_id in (first, second):
            self.wait(task_id)
        tasks = self.app.get('/v1/tasks', headers=self.headers(
            'reader')).json['tasks']
        self.assertEqual([second, first], [t['id'] for t in tasks])
        tasks = self.app.get('/v1/tasks?sort_dir=asc&limit=1',
                             headers=self.headers()).json
        self.assertEqual([first], [t['id'] for t in tasks['tasks']])
        self.assertIn('marker=%s' % first, tasks['next'])
        self.assertEqual([], self.app.get(
            '/v1/tasks', headers=self.headers('other_member')).json['tasks'])
        resp = self.app.get('/v1/tasks/%s' % first,
                            headers=self.headers('other_member'),
                            expect_errors=True)
        self.assertError(resp, 404, first)
        self.assertEqual(first, self.app.get(
            '/v1/tasks/%s' % first, headers=self.headers('admin')).json['id'])
        resp = self.app.delete('/v1/tasks/%s' % first,
                               headers=self.headers('reader'),
                               expect_errors=True)
        self.assertError(resp, 403, 'mcimage:task:delete')


def _dead_pid():
    dead = subprocess.Popen([sys.executable, '-c', 'pass'])
    dead.wait()
    return dead.pid


class TestTaskOwnership(TaskTestCase):
    """One process runs a task at a time, however many find it left."""

    def saved_only(self):
        """Tasks accepted and their flows saved, but never run here."""
        self.useFixture(fixtures.MockPatchObject(
            engine.EmbeddedRunner, 'submit',
            lambda self, task_id, count: engine.save_flow(task_id, count)))

    def count_runs(self, run=True):
        runs = []
        real = engine._run_flow

        def counted(task_id, flow_detail):
            runs.append(task_id)
            if run:
                real(task_id, flow_detail)

        self.useFixture(fixtures.MockPatchObject(engine, '_run_flow',
                                                 counted))
        return runs

    def test_left_task_resumed_once_by_concurrent_resumers(self):
        # gunicorn workers of one host each resume what a dead process
        # left, at about the same time: both read the row, one runs it.
        upload_id = self.staged()
        with fixtures.MockPatchObject(
                engine.EmbeddedRunner, 'submit',
                lambda self, task_id, count: engine.save_flow(task_id,
                                                              count)):
            task_id = self.create({'import_from': 'upload:' + upload_id,
                                   'targets': BOTH}).json['id']
        db_api.task_update(task_id, {'pid': _dead_pid(),
                                     'status': 'processing'})
        runs = self.count_runs()
        resumers = 2
        barrier = threading.Barrier(resumers)
        real_get_all = db_api.task_get_all

        def read_together(**kwargs):
            rows = real_get_all(**kwargs)
            barrier.wait(timeout=10)
            return rows

        errors = []

        def resume():
            try:
                upkeep.resume_tasks()
            except Exception as e:
                errors.append(e)

        with fixtures.MockPatchObject(db_api, 'task_get_all',
                                      read_together):
            threads = [threading.Thread(target=resume)
                       for _ in range(resumers)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
        self.assertEqual([], errors)
        task = self.wait(task_id)
        self.drain()
        self.assertEqual([task_id], runs)
        self.assertEqual('success', task['status'], task['message'])
        self.assertEqual(['seed', None], [i.get('name')
                                          for i in self.images_of(base.VIM)])
        self.assertEqual(1, len(self.images_of(base.OTHER_VIM)))
        row = db_api.task_get(task_id)
        self.assertEqual(os.getpid(), row['pid'])

    def test_own_running_task_not_resumed(self):
        # A task this process accepted is its own, not a trace, even
        # though the row carries this process's pid.
        runs = self.count_runs(run=False)
        upload_id = self.staged()
        task_id = self.create({'import_from': 'upload:' + upload_id,
                               'targets': BOTH}).json['id']
        upkeep.resume_tasks()
        self.drain()
        self.assertEqual([task_id], runs)

    def test_predecessor_with_our_pid_is_resumed(self):
        # In a container every start may get the same pid: a row of our
        # pid written before this process started is a trace.
        upload_id = self.staged()
        self.saved_only()
        task_id = self.create({'import_from': 'upload:' + upload_id,
                               'targets': BOTH[:1]}).json['id']
        self.useFixture(fixtures.MockPatchObject(
            upkeep, '_started_at', timeutils.utcnow() +
            datetime.timedelta(seconds=1)))
        self.useFixture(fixtures.MockPatchObject(
            engine.EmbeddedRunner, 'submit', engine.EmbeddedRunner.submit))
        runs = self.count_runs()
        upkeep.resume_tasks()
        task = self.wait(task_id)
        self.assertEqual([task_id], runs)
        self.assertEqual('success', task['status'], task['message'])

    def test_begin_refuses_a_task_another_process_holds(self):
        upload_id = self.staged()
        self.saved_only()
        task_id = self.create({'import_from': 'upload:' + upload_id,
                               'targets': BOTH}).json['id']
        # Claimed by another live process (our parent) since.
        db_api.task_update(task_id, {'pid': os.getppid()})
        self.assertRaises(flows.TaskGone, flows.Begin().execute, task_id)
        self.assertEqual('pending', db_api.task_get(task_id)['status'])

    def test_cancel_of_a_task_that_finished_meanwhile(self):
        upload_id = self.staged()
        self.saved_only()
        task_id = self.create({'import_from': 'upload:' + upload_id,
                               'targets': BOTH}).json['id']
        read = tasks_api._get_visible

        def finished_after_read(context, task_id):
            row = read(context, task_id)
            db_api.task_update(task_id, {'status': 'success'})
            return row

        self.useFixture(fixtures.MockPatchObject(
            tasks_api, '_get_visible', finished_after_read))
        resp = self.app.delete('/v1/tasks/%s' % task_id,
                               headers=self.headers(), expect_errors=True)
        self.assertError(resp, 409, 'success')
        row = db_api.task_get(task_id)
        self.assertFalse(row['cancel_requested'])


SECRET = 's3cr3t-SIGNATURE'
CREDENTIAL = 'AKIAEXAMPLE-cred'


class TestTaskURLRedaction(TaskTestCase):
    """A signed URL is used by the flow, never shown."""

    def setUp(self):
        super().setUp()
        self.logger = self.useFixture(fixtures.FakeLogger(
            level=logging.DEBUG, format='%(message)s'))
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            # Nothing listens there once closed: the flow's GET fails.
            self.port = s.getsockname()[1]
        self.config(allowed_networks=['127.0.0.1/32'],
                    allowed_ports=[self.port], group='task')
        self.url = ('http://127.0.0.1:%d/d.img?X-Amz-Credential=%s&'
                    'X-Amz-Signature=%s&flag#%s' % (
                        self.port, CREDENTIAL, SECRET, SECRET))
        self.shown = ('http://127.0.0.1:%d/d.img?X-Amz-Credential=***&'
                      'X-Amz-Signature=***&***' % self.port)

    def assertHidden(self, text):
        self.assertNotIn(SECRET, text)
        self.assertNotIn(CREDENTIAL, text)

    def test_api_shows_the_url_redacted(self):
        self.useFixture(fixtures.MockPatchObject(
            engine.EmbeddedRunner, 'submit',
            lambda self, task_id, count: engine.save_flow(task_id, count)))
        resp = self.create({'import_from': self.url,
                            'import_from_format': 'raw',
                            'targets': BOTH[:1]})
        self.assertHidden(resp.text)
        self.assertEqual(self.shown, resp.json['input']['import_from'])
        task_id = resp.json['id']
        resp = self.app.get('/v1/tasks/%s' % task_id, headers=self.headers())
        self.assertHidden(resp.text)
        self.assertEqual(self.shown, resp.json['input']['import_from'])
        resp = self.app.get('/v1/tasks', headers=self.headers())
        self.assertHidden(resp.text)
        self.assertEqual([self.shown], [t['input']['import_from']
                                        for t in resp.json['tasks']])
        self.assertHidden(self.logger.output)
        # The flow has the URL whole.
        self.assertEqual(self.url, json.loads(
            db_api.task_get(task_id)['input'])['import_from'])

    def test_failure_message_and_logs_redacted(self):
        task_id = self.create({'import_from': self.url,
                               'import_from_format': 'raw',
                               'targets': BOTH[:1]}).json['id']
        task = self.wait(task_id)
        self.drain()
        self.assertEqual('failure', task['status'])
        self.assertIn('cannot connect to 127.0.0.1 port %d' % self.port,
                      task['message'])
        self.assertIn(self.shown, task['message'])
        self.assertHidden(str(task))
        self.assertHidden(self.logger.output)

    def test_refusals_do_not_echo_secrets(self):
        for url, detail in (
                ('http://user:%s@127.0.0.1:%d/x' % (SECRET, self.port),
                 'credentials'),
                ('http://127.0.0.1:1/x?X-Amz-Signature=' + SECRET,
                 'X-Amz-Signature=***'),
                ('http://127.0.0.1:%d/x?sig=%s%s' % (
                    self.port, SECRET, 'a' * 2048), 'input.import_from')):
            resp = self.create({'import_from': url,
                                'import_from_format': 'raw',
                                'targets': BOTH[:1]}, status=400)
            self.assertError(resp, 400, detail)
            self.assertHidden(resp.text)
        self.assertHidden(self.logger.output)
        self.assertEqual([], db_api.task_get_all())


class TestTaskRefusals(TaskTestCase):

    def test_bad_bodies_400_naming_the_field(self):
        upload_id = self.staged()
        good = {'import_from': 'upload:' + upload_id, 'targets': BOTH}
        for task_input, detail in (
                (dict(good, extra=1), "unknown field 'input.extra'"),
                ({'import_from': good['import_from']}, 'input.targets'),
                (dict(good, targets=[]), 'input.targets'),
                (dict(good, targets=[{'vim_id': 'nope', 'tenant_id': 'p1'}]),
                 'input.targets.0.vim_id'),
                (dict(good, targets=BOTH + BOTH[:1]), 'named twice'),
                (dict(good, import_from='upload:nope'), 'input.import_from'),
                (dict(good, import_from='vim:%s/p1/%s' % (
                    base.VIM, '0' * 8 + '-0000-0000-0000-' + '0' * 12)),
                 'was not found'),
                (dict(good, import_from='vim:x'), 'vim:<vim_id>'),
                (dict(good, import_from_format='raw'), 'does not convert'),
                (dict(good, os_hash_value='abc'), 'input.os_hash_value')):
            resp = self.create(task_input, status=400)
            self.assertError(resp, 400, detail)
        resp = self.app.post_json('/v1/tasks', {'type': 'export',
                                                'input': good},
                                  headers=self.headers(), expect_errors=True)
        self.assertError(resp, 400, 'type')
        self.assertEqual([], db_api.task_get_all())

    def test_token_vim_refused(self):
        upload_id = self.staged()
        backends.get(base.OTHER_VIM).auth_mode = 'token'
        resp = self.create({'import_from': 'upload:' + upload_id,
                            'targets': BOTH}, status=400)
        self.assertError(resp, 400, 'auth_mode')

    def test_token_vim_refused_as_source(self):
        # Read by the flow later, without the caller's token.
        backends.get(base.VIM).auth_mode = 'token'
        resp = self.create({'import_from': 'vim:%s/p1/%s' % (
            base.VIM, '0' * 8 + '-0000-0000-0000-' + '0' * 12),
            'targets': BOTH[1:]}, status=400)
        detail = self.assertError(resp, 400, 'input.import_from')['detail']
        self.assertIn('auth_mode = token', detail)
        self.assertEqual([], db_api.task_get_all())

    def test_policy(self):
        upload_id = self.staged()
        task_input = {'import_from': 'upload:' + upload_id,
                      'targets': BOTH}
        resp = self.create(task_input, status=403, persona='reader')
        self.assertError(resp, 403, 'mcimage:task:create')
        # Another project may not read p1's staged upload...
        resp = self.create(task_input, status=400, persona='other_member')
        self.assertError(resp, 400, 'input.import_from')
        # ...nor write into p1's tenant.
        mine = self.staged()
        db_api.staged_upload_update(mine, {'owner': 'p2'})
        resp = self.create({'import_from': 'upload:' + mine,
                            'targets': BOTH}, status=403,
                           persona='other_member')
        self.assertError(resp, 403, 'mcimage:image:upload')
        self.assertEqual([], db_api.task_get_all())
