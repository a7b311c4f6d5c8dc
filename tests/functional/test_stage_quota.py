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

"""Staging limits against real Glance: the project quota, the free space.

[staging_store] project_quota (413) with mcimage's rows on a real
PostgreSQL, and [staging_store] min_free_space (507) of the local store.
"""

import os
import threading

import requests

from tests.functional import base
from tests.functional import test_onap_upload

HEADER = 'OpenStack-Staged-Upload-Id'
MIB = 1024 * 1024
QUOTA = 12 * MIB


class StagingTestCase(base.FunctionalTestCase):

    def staging_dir(self):
        return os.path.join(self.mcimage.workdir, 'staging')

    def _listing(self):
        directory = self.staging_dir()
        return set(os.listdir(directory) if os.path.isdir(directory)
                   else [])

    def setUp(self):
        super().setUp()
        # What earlier tests of the class staged is not this test's.
        self._before = self._listing()

    def staged_files(self):
        """What this test left in the staging directory."""
        return sorted(self._listing() - self._before)

    def uploads(self):
        resp = requests.get(self.mcimage.url('/v1/uploads'),
                            headers=self.headers(), timeout=30)
        self.assertEqual(200, resp.status_code, resp.text)
        return resp.json()['uploads']

    def upload(self, data, fields=()):
        body, ctype = test_onap_upload.multipart_body(
            [('imageType', 'raw')] + list(fields), 'disk.img', data)
        return requests.post(self.images_url() + '/file', data=body,
                             headers=self.headers(**{'Content-Type': ctype}),
                             timeout=120)

    def create(self):
        resp = requests.post(self.images_url(), json={
            'name': 'put', 'disk_format': 'raw', 'container_format': 'bare'},
            headers=self.headers(), timeout=30)
        self.assertEqual(201, resp.status_code, resp.text)
        return resp.json()['id']

    def put(self, image_id, body):
        return requests.put(
            self.images_url() + '/%s/file' % image_id, data=body,
            headers=self.headers(**{
                'Content-Type': 'application/octet-stream'}), timeout=120)

    def status(self, image_id):
        return self.glance.get_image(image_id, self.tenant)['status']

    def assertNothingStaged(self):
        self.assertEqual([], self.uploads())
        self.assertEqual([], self.staged_files())


def _chunks(size, piece=MIB):
    for _ in range(size // piece):
        yield os.urandom(piece)


class TestProjectQuota(StagingTestCase):

    DATABASE = 'postgresql'
    EXTRA_CONF = ('[upload]\nmode = stage\nimage_size_cap = %d\n'
                  '[staging_store]\nproject_quota = %d\n' % (64 * MIB, QUOTA))

    def assertQuotaError(self, resp, usage):
        error = self.assertError(resp, 413, '[staging_store] project_quota')
        self.assertEqual('mcimage.staging_quota_exceeded', error['code'])
        self.assertIn('%d bytes' % usage, error['detail'])
        self.assertIn('%d bytes' % QUOTA, error['detail'])

    def test_declared_size_over_quota_413_nothing_staged(self):
        data = os.urandom(QUOTA + 1)
        resp = self.upload(data, [('size', str(len(data)))])
        self.assertQuotaError(resp, 0)
        self.assertNothingStaged()
        self.assertEqual([], self.glance_images())
        # Content-Length of a PUT: the image stays the user's, queued.
        image_id = self.create()
        self.assertQuotaError(self.put(image_id, data), 0)
        self.assertEqual('queued', self.status(image_id))
        self.assertNothingStaged()

    def test_chunked_over_quota_stopped_while_streaming(self):
        image_id = self.create()
        resp = self.put(image_id, _chunks(QUOTA + 4 * MIB))
        self.assertQuotaError(resp, 0)
        self.assertEqual('queued', self.status(image_id))
        self.assertNothingStaged()
        # The record takes data within the quota afterwards.
        resp = self.put(image_id, _chunks(2 * MIB))
        self.assertEqual(204, resp.status_code, resp.text)

    def test_uploads_within_the_quota_pass_then_413_naming_usage(self):
        first = self.upload(os.urandom(5 * MIB))
        self.assertEqual(201, first.status_code, first.text)
        image_id = self.create()
        second = self.put(image_id, _chunks(5 * MIB))
        self.assertEqual(204, second.status_code, second.text)
        self.assertEqual(
            sorted([first.headers[HEADER], second.headers[HEADER]]),
            self.staged_files())
        resp = self.upload(os.urandom(3 * MIB))
        self.assertQuotaError(resp, 10 * MIB)
        self.assertEqual(2, len(self.uploads()))
        # Its staged copy deleted, the room is there again.
        resp = requests.delete(
            self.mcimage.url('/v1/uploads/' + first.headers[HEADER]),
            headers=self.headers(), timeout=30)
        self.assertEqual(204, resp.status_code, resp.text)
        resp = self.upload(os.urandom(3 * MIB))
        self.assertEqual(201, resp.status_code, resp.text)

    def test_concurrent_uploads_never_exceed_it_together(self):
        answers = []
        started = threading.Barrier(2)

        def send():
            image_id = self.create()

            def slow():
                started.wait(30)
                yield from _chunks(8 * MIB)

            answers.append(self.put(image_id, slow()))

        threads = [threading.Thread(target=send) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        statuses = sorted(resp.status_code for resp in answers)
        # Together 16 MiB: at most one fits (both may be refused when they
        # reserve at the very same moment, never both let through).
        self.assertIn(statuses, ([204, 413], [413, 413]), [
            resp.text for resp in answers])
        self.assertLessEqual(
            sum(u['size'] for u in self.uploads()), QUOTA)
        self.assertEqual(statuses.count(204), len(self.staged_files()))


class TestFreeSpaceFloor(StagingTestCase):

    # More than any disk has free: every upload meets the floor.
    EXTRA_CONF = ('[upload]\nmode = stage\n'
                  '[staging_store]\nmin_free_space = %d\n' % 2 ** 60)

    def test_507_nothing_staged(self):
        resp = self.upload(os.urandom(MIB), [('size', str(MIB))])
        error = self.assertError(resp, 507, '[staging_store] min_free_space')
        self.assertEqual('mcimage.staging_store_full', error['code'])
        self.assertNotIn(self.staging_dir(), resp.text)
        image_id = self.create()
        resp = self.put(image_id, _chunks(2 * MIB))
        self.assertError(resp, 507, '[staging_store] min_free_space')
        self.assertEqual('queued', self.status(image_id))
        self.assertNothingStaged()
        self.assertEqual([image_id],
                         [i['id'] for i in self.glance_images()])
