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

"""A task's CreateImage and Transfer: intent rows, verification, cancel."""

import time

import fixtures

from mcimage.db import api as db_api
from mcimage.tasks import status
from tests.unit.api import base
from tests.unit.api import test_tasks
from tests.unit.images import test_data

MARKER = 'mcimage_upload_id'
TO_OTHER = [{'vim_id': base.OTHER_VIM, 'tenant_id': 'p1'}]


class TestTaskImages(test_tasks.TaskTestCase):

    def test_row_before_the_image(self):
        upload_id = self.staged()
        other = self.glance[base.OTHER_VIM]
        seen = []
        create = other.create_image

        def watching(context, tenant_id, fields):
            seen.append((db_api.upload_get_all(vim_id=base.OTHER_VIM),
                         dict(fields)))
            return create(context, tenant_id, fields)

        other.create_image = watching
        task = self.wait(self.create({'import_from': 'upload:' + upload_id,
                                      'targets': TO_OTHER}).json['id'])
        self.assertEqual('success', task['status'], task['message'])
        [(rows, fields)] = seen
        [row] = rows
        self.assertIsNone(row['image_id'])
        self.assertEqual(row['marker'], fields[MARKER])
        [image] = self.images_of(base.OTHER_VIM)
        self.assertEqual(row['marker'], image[MARKER])
        self.assertEqual([], db_api.upload_get_all())

    def test_unverified_target_fails_its_image_deleted(self):
        upload_id = self.staged()
        test_data.corrupt_recorded(self.glance[base.OTHER_VIM])
        task = self.wait(self.create({'import_from': 'upload:' + upload_id,
                                      'targets': TO_OTHER}).json['id'])
        self.assertEqual('failure', task['status'])
        [target] = task['result']['targets']
        self.assertEqual('failed', target['status'])
        self.assertIn('did not record the data sent', target['message'])
        self.assertEqual(1, target['message'].count('deleted'),
                         target['message'])
        self.assertEqual([], self.images_of(base.OTHER_VIM))
        self.assertEqual([], db_api.upload_get_all())

    def test_cancel_seen_while_the_vim_stopped_reading(self):
        upload_id = self.staged()
        self.useFixture(fixtures.MockPatchObject(status, 'PROGRESS_INTERVAL',
                                                 0.1))
        stalled = test_data.StalledVim(self.glance[base.OTHER_VIM])
        self.addCleanup(stalled.release.set)
        task_id = self.create({'import_from': 'upload:' + upload_id,
                               'targets': TO_OTHER}).json['id']
        self.assertTrue(stalled.reading_stopped.wait(10))
        resp = self.app.delete('/v1/tasks/%s' % task_id,
                               headers=self.headers())
        self.assertEqual(202, resp.status_int)
        cancelled = time.monotonic()
        task = self.wait(task_id, timeout=10)
        self.assertLess(time.monotonic() - cancelled, 5)
        self.assertEqual('failure', task['status'])
        self.assertIn('Cancelled', task['message'])
        self.assertEqual([], self.images_of(base.OTHER_VIM))
        # The upload thread ends once the VIM lets go, its row with it.
        stalled.release.set()
        deadline = time.monotonic() + 10
        while db_api.upload_get_all():
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
