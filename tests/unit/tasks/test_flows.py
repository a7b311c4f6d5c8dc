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

"""A task's chains: what a failure undoes, and how often an image goes."""

import fixtures
from taskflow import retry
from taskflow.types import failure as tf_failure

from mcimage.common import exception
from mcimage.db import api as db_api
from mcimage.tasks import flows
from mcimage.tasks import targets
from tests import base as tests_base
from tests.unit.api import base
from tests.unit.api import test_tasks
from tests.unit import fakes


def _failed(error):
    try:
        raise error
    except Exception:
        return tf_failure.Failure()


class TestTargetRetry(tests_base.TestCase):
    """The retry of target 1's chain."""

    def decide(self, failures, all_or_nothing=True, attempts=1):
        history = retry.History([(n, {}) for n in range(attempts - 1)]
                                + [(attempts - 1, failures)])
        return flows.TargetRetry(1).on_failure(
            history, 'no-such-task', {'all_or_nothing': all_or_nothing})

    def test_interrupted_push_starts_over_once(self):
        interrupted = {'push-1': _failed(targets.Interrupted(
            image_id='i', vim_id='v'))}
        self.assertEqual(retry.RETRY, self.decide(interrupted))
        self.assertEqual(retry.REVERT_ALL,
                         self.decide(interrupted, attempts=2))

    def test_own_failure_undoes_its_chain_when_allowed(self):
        for name in ('push-1', 'confirm-1'):
            own = {name: _failed(exception.BackendError(vim_id='v',
                                                        reason='x'))}
            self.assertEqual(retry.REVERT_ALL, self.decide(own))
            self.assertEqual(retry.REVERT,
                             self.decide(own, all_or_nothing=False))

    def test_anything_else_undoes_everything(self):
        error = exception.BackendError(vim_id='v', reason='x')
        for failures in ({'create-image-1': _failed(error)},
                         {'push-1': _failed(flows.Cancelled())},
                         {'push-1': _failed(targets.StoppedByAnother())}):
            self.assertEqual(retry.REVERT_ALL,
                             self.decide(failures, all_or_nothing=False))


class TestChains(test_tasks.TaskTestCase):

    def deletes(self, vim_id):
        return [c for c in self.glance[vim_id].calls
                if c[0] == 'delete_image']

    def test_failed_target_image_deleted_once(self):
        upload_id = self.staged()
        self.glance[base.OTHER_VIM].fail_upload = (
            fakes.exception.BackendUnavailable(vim_id=base.OTHER_VIM))
        for allowed in (False, True):
            task = self.wait(self.create({
                'import_from': 'upload:' + upload_id,
                'targets': test_tasks.BOTH,
                'all_targets_must_succeed': not allowed}).json['id'])
            self.assertEqual('success' if allowed else 'failure',
                             task['status'], task['message'])
            failed = task['result']['targets'][1]
            self.assertEqual('failed', failed['status'])
            self.assertIn('(its image was deleted)', failed['message'])
            self.assertEqual([], self.images_of(base.OTHER_VIM))
        # One delete per failed image, whoever undid it.
        self.assertEqual(2, len(self.deletes(base.OTHER_VIM)))
        self.assertEqual([], db_api.upload_get_all())

    def test_every_target_failing_fails_the_task_when_allowed(self):
        upload_id = self.staged()
        self.glance[base.OTHER_VIM].fail_upload = (
            fakes.exception.BackendUnavailable(vim_id=base.OTHER_VIM))
        task = self.wait(self.create({
            'import_from': 'upload:' + upload_id,
            'targets': test_tasks.BOTH[1:],
            'all_targets_must_succeed': False}).json['id'])
        self.assertEqual('failure', task['status'])
        self.assertIn(base.OTHER_VIM, task['message'])
        self.assertEqual([], self.images_of(base.OTHER_VIM))

    def test_interrupted_push_starts_over_in_a_new_image(self):
        upload_id = self.staged()
        check = targets.check_unused
        broken = []

        def once_broken(context, vim, tenant_id, image_id):
            if vim.id == base.OTHER_VIM and not broken:
                broken.append(image_id)
                raise targets.Interrupted(image_id=image_id, vim_id=vim.id)
            return check(context, vim, tenant_id, image_id)

        self.useFixture(fixtures.MockPatchObject(targets, 'check_unused',
                                                 once_broken))
        task = self.wait(self.create({'import_from': 'upload:' + upload_id,
                                      'targets': test_tasks.BOTH}
                                     ).json['id'])
        self.assertEqual('success', task['status'], task['message'])
        [image] = self.images_of(base.OTHER_VIM)
        self.assertNotEqual(broken, [image['id']])
        self.assertEqual(task['result']['targets'][1]['image_id'],
                         image['id'])
        self.assertEqual([broken[0]], [c[1] for c in
                                       self.deletes(base.OTHER_VIM)])
        self.assertEqual(['created', 'created'], [
            t['status'] for t in task['result']['targets']])

    def test_source_breaking_off_fails_every_target(self):
        # An OS error of the source mid-read: the task says so in general
        # terms (the log has it), every image goes.
        upload_id = self.staged()
        real = flows.open_source

        def breaking(task_id, plan):
            reader, hashing, size = real(task_id, plan)
            read = hashing.read
            count = []

            def read_then_break(size=None):
                count.append(1)
                if len(count) > 2:
                    raise OSError('/srv/secret: I/O error')
                return read(size)

            hashing.read = read_then_break
            return reader, hashing, size

        self.useFixture(fixtures.MockPatchObject(flows, 'open_source',
                                                 breaking))
        task = self.wait(self.create({'import_from': 'upload:' + upload_id,
                                      'targets': test_tasks.BOTH,
                                      'all_targets_must_succeed': False}
                                     ).json['id'])
        self.assertEqual('failure', task['status'])
        self.assertIn('unexpected error', task['message'])
        self.assertNotIn('/srv/secret', task['message'])
        self.assertEqual([], self.images_of(base.OTHER_VIM))
        self.assertEqual(['seed'], [i['name']
                                    for i in self.images_of(base.VIM)])
        self.assertEqual([], db_api.upload_get_all())

    def test_more_targets_than_cpus(self):
        # Every chain pushes at once (one thread each): four targets
        # share one read.
        self.config(max_workers=1, group='task')
        upload_id = self.staged()
        tenants = ['p1', 'p2']
        wanted = [{'vim_id': vim, 'tenant_id': tenant}
                  for vim in (base.VIM, base.OTHER_VIM)
                  for tenant in tenants]
        task = self.wait(self.create({'import_from': 'upload:' + upload_id,
                                      'targets': wanted},
                                     persona='admin').json['id'],
                         persona='admin')
        self.assertEqual('success', task['status'], task['message'])
        self.assertEqual(4, len(task['result']['targets']))
        self.assertEqual(len(test_tasks.DATA),
                         task['progress']['bytes_done'])
