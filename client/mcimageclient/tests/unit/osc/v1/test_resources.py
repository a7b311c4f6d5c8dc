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

"""vim, upload and task commands."""

from osc_lib import exceptions as osc_exceptions

from mcimageclient.osc.v1 import tasks
from mcimageclient.osc.v1 import uploads
from mcimageclient.osc.v1 import vims
from mcimageclient.tests.unit import base
from mcimageclient.tests.unit.osc import base as osc_base
from mcimageclient.tests.unit.v1 import test_resources

TASK_ID = test_resources.TASK_ID
TASK_URL = test_resources.TASK_URL
task = test_resources.task


class TestVims(osc_base.CommandTestCase):

    def test_list_and_show(self):
        self.requests.get(base.V1 + '/vims', json={'vims': [
            {'id': 'a', 'description': 'A', 'links': []}]})
        self.requests.get(base.V1 + '/vims/a', json={
            'id': 'a', 'description': 'A', 'reachable': True,
            'api_versions': ['v2.16', 'v2.17'],
            'import_methods': ['glance-direct'], 'links': []})
        self.assertEqual((['ID', 'Description'], [['a', 'A']]),
                         self.listing(vims.ListVim, []))
        self.assertEqual({'api_versions': 'v2.16, v2.17', 'description': 'A',
                          'id': 'a', 'import_methods': 'glance-direct',
                          'reachable': True},
                         self.show(vims.ShowVim, ['a']))


class TestUploads(osc_base.CommandTestCase):

    UPLOAD = {'id': 'u1', 'name': 'disk', 'status': 'active', 'size': 4,
              'disk_format': 'raw', 'expires_at': 'e', 'self': '/v1/x'}

    def test_list_show_delete(self):
        self.requests.get(base.V1 + '/uploads?status=saving&limit=1',
                          complete_qs=True,
                          json={'uploads': [self.UPLOAD]})
        self.requests.get(base.V1 + '/uploads/u1', json=self.UPLOAD)
        self.requests.delete(base.V1 + '/uploads/u1', status_code=204)
        self.requests.delete(base.V1 + '/uploads/u2', status_code=404,
                             json=base.api_error(404, 'x', 'gone'))
        self.assertEqual(
            (['ID', 'Name', 'Status', 'Size', 'Disk Format', 'Expires At'],
             [['u1', 'disk', 'active', 4, 'raw', 'e']]),
            self.listing(uploads.ListUpload, ['--status', 'saving',
                                              '--limit', '1']))
        shown = self.show(uploads.ShowUpload, ['u1'])
        self.assertEqual('u1', shown['id'])
        self.assertNotIn('self', shown)
        e = self.assertRaises(osc_exceptions.CommandError, self.take,
                              uploads.DeleteUpload, ['u1', 'u2'])
        self.assertEqual('Failed to delete 1 of 2 staged uploads', str(e))


class TestTasks(osc_base.CommandTestCase):

    def test_create(self):
        self.with_token('p9')
        self.requests.post(base.V1 + '/tasks', status_code=201, json=task())
        shown = self.show(tasks.CreateTask, [
            '--import-from', 'https://h/d.qcow2', '--target', 'v1:t1',
            '--target', 'v2', '--disk-format', 'qcow2', '--name', 'd',
            '--property', 'os_distro=x', '--tag', 't', '--public',
            '--min-ram', '512', '--best-effort', '--force', '--any-name',
            '--sha512', 'ab' * 64])
        self.assertJsonBody({'type': 'import', 'input': {
            'import_from': 'https://h/d.qcow2',
            'targets': [{'vim_id': 'v1', 'tenant_id': 't1'},
                        {'vim_id': 'v2', 'tenant_id': 'p9'}],
            'import_from_format': 'qcow2',
            'image_properties': {'name': 'd', 'os_distro': 'x',
                                 'tags': ['t'], 'visibility': 'public',
                                 'min_ram': 512},
            'all_targets_must_succeed': False, 'force': True,
            'match_name': False, 'os_hash_value': 'ab' * 64}})
        self.assertEqual('0 B of 100 B (0%)', shown['progress'])
        self.assertEqual('import_from: upload:u1\ntargets: v1/t1',
                         shown['input'])
        self.assertNotIn('self', shown)

    def test_create_and_wait(self):
        self.requests.post(base.V1 + '/tasks', status_code=201,
                           json=task('pending'))
        result = {'targets': [{'vim_id': 'v1', 'tenant_id': 't1',
                               'image_id': 'i1', 'status': 'created'}]}
        self.requests.get(TASK_URL, [
            {'json': task('processing', 50, 100)},
            {'json': task('success', 100, 100, result=result)}])
        self.app.stderr = osc_base.TTY()
        cmd, parsed = self.command(tasks.CreateTask, [
            '--import-from', 'upload:u1', '--target', 'v1:t1', '--wait',
            '--poll-interval', '0', '--progress'])
        self.assertEqual(0, cmd.run(parsed))
        self.assertIn('Task %s [###' % TASK_ID, self.app.stderr.getvalue())
        self.assertIn('100 B of 100 B (100%)', self._stdout_text())
        self.assertIn('v1/t1 i1 created', self._stdout_text())

    def _stdout_text(self):
        self.app.stdout.flush()
        return self.app.stdout.buffer.getvalue().decode()

    def test_a_failed_task_fails_the_command(self):
        self.requests.get(TASK_URL, json=task('failure', message='VIM down'))
        cmd, parsed = self.command(tasks.ShowTask, [TASK_ID, '--wait'])
        self.assertEqual(1, cmd.run(parsed))
        self.assertEqual('Task %s failed: VIM down\n' % TASK_ID,
                         self.app.stderr.getvalue())
        self.assertIn('failure', self._stdout_text())

    def test_show_without_wait_is_one_look(self):
        self.requests.get(TASK_URL, json=task('failure'))
        cmd, parsed = self.command(tasks.ShowTask, [TASK_ID])
        self.assertEqual(0, cmd.run(parsed))
        self.assertEqual(1, len(self.api_requests()))

    def test_list(self):
        self.requests.get(base.V1 + '/tasks?status=processing&sort_key=id&'
                          'sort_dir=asc', complete_qs=True,
                          json={'tasks': [task(done=1024 ** 3,
                                               total=2 * 1024 ** 3)]})
        self.assertEqual(
            (['ID', 'Type', 'Status', 'Progress', 'Source', 'Created At'],
             [[TASK_ID, 'import', 'processing',
               '1.0 GiB of 2.0 GiB (50%)', 'upload:u1',
               '2026-01-01T00:00:00Z']]),
            self.listing(tasks.ListTask, ['--status', 'processing',
                                          '--sort-key', 'id', '--sort-dir',
                                          'asc']))

    def test_delete_cancels(self):
        self.requests.delete(TASK_URL, status_code=202)
        self.take(tasks.DeleteTask, [TASK_ID])
        self.assertIn('Task %s is being cancelled' % TASK_ID,
                      self._stdout_text())
