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

"""vims, image members, staged uploads and tasks."""

from mcimageclient import exceptions
from mcimageclient.tests.unit import base

TASK_ID = '5f0b0b8e-2c1f-4c55-9b63-2d6e8a7e9c10'
TASK_URL = base.V1 + '/tasks/' + TASK_ID


def task(status='processing', done=0, total=100, **fields):
    body = {'id': TASK_ID, 'type': 'import', 'status': status,
            'input': {'import_from': 'upload:u1',
                      'targets': [{'vim_id': 'v1', 'tenant_id': 't1'}]},
            'result': None, 'message': '',
            'progress': {'bytes_done': done, 'bytes_total': total},
            'owner': 'p1', 'created_at': '2026-01-01T00:00:00Z',
            'updated_at': '2026-01-01T00:00:00Z', 'expires_at': None,
            'self': '/v1/tasks/' + TASK_ID}
    body.update(fields)
    return body


class TestVims(base.TestCase):

    def test_list_and_get(self):
        self.requests.get(base.V1 + '/vims', json={'vims': [{'id': 'a'}]})
        self.requests.get(base.V1 + '/vims/a%2Fb', json={'id': 'a/b',
                                                         'reachable': True})
        self.assertEqual([{'id': 'a'}], self.client.vims.list())
        self.assertTrue(self.client.vims.get('a/b')['reachable'])
        self.assertMicroversion()


class TestImageMembers(base.TestCase):

    def test_every_call(self):
        members = base.IMAGE_URL + '/members'
        member = {'member_id': 'p2', 'image_id': base.IMAGE_ID,
                  'status': 'pending'}
        self.requests.get(members, json={'members': [member]})
        self.requests.post(members, json=member)
        self.requests.get(members + '/p2', json=member)
        self.requests.put(members + '/p2', json=dict(member,
                                                     status='accepted'))
        self.requests.delete(members + '/p2', status_code=204)
        mgr = self.client.image_members
        args = (base.VIM, base.TENANT, base.IMAGE_ID)
        self.assertEqual([member], mgr.list(*args))
        self.assertEqual(member, mgr.create(*args, 'p2'))
        self.assertJsonBody({'member': 'p2'})
        self.assertEqual(member, mgr.get(*args, 'p2'))
        self.assertEqual('accepted', mgr.update(*args, 'p2',
                                                'accepted')['status'])
        self.assertJsonBody({'status': 'accepted'})
        mgr.delete(*args, 'p2')
        self.assertEqual(['GET', 'POST', 'GET', 'PUT', 'DELETE'],
                         [m for m, _u in self.history()])
        self.assertMicroversion()


class TestUploads(base.TestCase):

    def test_list_get_delete(self):
        url = base.V1 + '/uploads'
        self.requests.get(url + '?status=active&limit=1', complete_qs=True,
                          json={'uploads': [{'id': 'u1'}],
                                'next': '/v1/uploads?limit=1&marker=u1&'
                                        'status=active'})
        self.requests.get(url + '?limit=1&marker=u1&status=active',
                          complete_qs=True, json={'uploads': []})
        self.requests.get(url + '/u1', json={'id': 'u1'})
        self.requests.delete(url + '/u1', status_code=204)
        self.assertEqual([{'id': 'u1'}], list(self.client.uploads.list(
            status='active', page_size=1)))
        self.assertEqual({'id': 'u1'}, self.client.uploads.get('u1'))
        self.client.uploads.delete('u1')
        self.assertEqual(4, len(self.api_requests()))
        self.assertMicroversion()

    def test_gone(self):
        self.requests.get(base.V1 + '/uploads/u1', status_code=404,
                          json=base.api_error(
                              404, 'mcimage.staged_upload_not_found', 'no'))
        e = self.assertRaises(exceptions.NotFound, self.client.uploads.get,
                              'u1')
        self.assertEqual('mcimage.staged_upload_not_found', e.code)


class TestTasks(base.TestCase):

    def test_create_sends_only_what_is_given(self):
        self.requests.post(base.V1 + '/tasks', status_code=201, json=task())
        self.client.tasks.create('upload:u1', [('v1', 't1')])
        self.assertJsonBody({'type': 'import', 'input': {
            'import_from': 'upload:u1',
            'targets': [{'vim_id': 'v1', 'tenant_id': 't1'}]}})
        self.client.tasks.create(
            'https://h/d.qcow2',
            [{'vim_id': 'v1', 'tenant_id': 't1'}, ('v2', 't2')],
            import_from_format='qcow2', image_properties={'name': 'd'},
            all_targets_must_succeed=False, force=True, match_name=False,
            os_hash_value='ab' * 64)
        self.assertJsonBody({'type': 'import', 'input': {
            'import_from': 'https://h/d.qcow2',
            'targets': [{'vim_id': 'v1', 'tenant_id': 't1'},
                        {'vim_id': 'v2', 'tenant_id': 't2'}],
            'import_from_format': 'qcow2', 'image_properties': {'name': 'd'},
            'all_targets_must_succeed': False, 'force': True,
            'match_name': False, 'os_hash_value': 'ab' * 64}})
        self.assertMicroversion()

    def test_list(self):
        self.requests.get(
            base.V1 + '/tasks?status=failure&type=import&sort_key=status&'
            'sort_dir=asc&limit=5&marker=m', complete_qs=True,
            json={'tasks': [task()]})
        self.assertEqual([TASK_ID], [t['id'] for t in self.client.tasks.list(
            status='failure', type='import', sort_key='status',
            sort_dir='asc', page_size=5, marker='m')])

    def test_delete_cancels_or_deletes(self):
        self.requests.delete(TASK_URL, [{'status_code': 202},
                                        {'status_code': 204}])
        self.assertTrue(self.client.tasks.delete(TASK_ID))
        self.assertFalse(self.client.tasks.delete(TASK_ID))

    def test_wait_reports_progress_until_done(self):
        self.requests.get(TASK_URL, [
            {'json': task('pending', 0, None)},
            {'json': task('processing', 50, 100)},
            {'json': task('success', 100, 100)}])
        calls, sleeps = [], []
        done = self.client.tasks.wait(
            TASK_ID, poll_interval=3,
            progress_callback=lambda d, t: calls.append((d, t)),
            sleep=sleeps.append)
        self.assertEqual('success', done['status'])
        self.assertEqual([(0, None), (50, 100), (100, 100)], calls)
        self.assertEqual([3, 3], sleeps)

    def test_wait_returns_a_failure(self):
        self.requests.get(TASK_URL, json=task('failure', message='boom'))
        self.assertEqual('boom', self.client.tasks.wait(TASK_ID)['message'])

    def test_wait_times_out(self):
        self.requests.get(TASK_URL, json=task('processing'))
        e = self.assertRaises(exceptions.WaitTimeout, self.client.tasks.wait,
                              TASK_ID, timeout=0, sleep=self.fail)
        self.assertIn('still processing', str(e))
