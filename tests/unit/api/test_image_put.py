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

"""PUT .../images/{id}/file: raw data into a queued image."""

import base64
import hashlib

import fixtures

from mcimage.common import exception
from mcimage.db import api as db_api
from mcimage.images import recovery
from tests.unit.api import base
from tests.unit import fakes

DATA = fakes.QCOW2_HEADER + b'\x01' * 300000


class PutTestCase(base.APITestCase):

    def setUp(self):
        super().setUp()
        # FakeGlance puts a failed upload back to queued at once.
        self.useFixture(fixtures.MockPatchObject(recovery, 'SETTLE_QUIET', 0))
        self.image = self.fake.add_image('p1', disk_format='qcow2',
                                         container_format='bare')

    def put(self, data=DATA, status=204, persona='member', image_id=None,
            content_type='application/octet-stream', **headers):
        resp = self.app.put(
            '/v1/%s/p1/images/%s/file' % (base.VIM,
                                          image_id or self.image['id']),
            params=data, content_type=content_type,
            headers=self.headers(persona, **headers),
            expect_errors=status >= 400)
        self.assertEqual(status, resp.status_int, resp.text)
        self.assertEqual([], db_api.upload_get_all())
        return resp


class TestPutData(PutTestCase):

    def test_put_204_data_stored(self):
        sizes = []
        upload = self.fake.upload

        def sized_upload(context, tenant_id, image_id, reader, size=None):
            sizes.append(size)
            return upload(context, tenant_id, image_id, reader)

        self.fake.upload = sized_upload
        self.put()
        # Told to the VIM (x-openstack-image-size) since it is known.
        self.assertEqual([len(DATA)], sizes)
        stored = self.fake.images[self.image['id']]
        self.assertEqual('active', stored['status'])
        self.assertEqual(DATA, self.fake.data[self.image['id']])

    def test_content_md5_hex_and_base64(self):
        for value in (hashlib.md5(DATA).hexdigest(),
                      base64.b64encode(hashlib.md5(DATA).digest()).decode()):
            image = self.fake.add_image('p1', disk_format='qcow2',
                                        container_format='bare')
            self.put(image_id=image['id'], **{'Content-MD5': value})

    def test_content_md5_mismatch_400_record_kept_queued(self):
        resp = self.put(status=400, **{'Content-MD5': '0' * 32})
        self.assertError(resp, 400, "'checksum'")
        # The user's record stays, queued, without data.
        self.assertEqual('queued',
                         self.fake.images[self.image['id']]['status'])

    def test_bad_content_md5_400(self):
        resp = self.put(status=400, **{'Content-MD5': 'not-md5'})
        self.assertError(resp, 400, 'Content-MD5')

    def test_format_mismatch_400_record_kept(self):
        resp = self.put(data=b'raw bytes' * 1000, status=400)
        error = self.assertError(resp, 400, 'not the disk_format qcow2')
        self.assertEqual('mcimage.invalid_image_data', error['code'])
        self.assertIn(self.image['id'], self.fake.images)

    def test_not_octet_stream_415(self):
        resp = self.put(status=415, content_type='text/plain')
        self.assertError(resp, 415, 'application/octet-stream')

    def test_active_image_409_and_untouched(self):
        self.put()
        before = dict(self.fake.images[self.image['id']])
        resp = self.put(data=b'other', status=409)
        self.assertError(resp, 409, 'queued')
        self.assertEqual(before, self.fake.images[self.image['id']])
        self.assertEqual(DATA, self.fake.data[self.image['id']])

    def test_over_size_cap_413_before_any_byte(self):
        self.config(image_size_cap=1000, group='upload')
        resp = self.put(status=413)
        self.assertError(resp, 413, 'image_size_cap')
        self.assertNotIn(self.image['id'], self.fake.data)
        self.assertEqual('queued',
                         self.fake.images[self.image['id']]['status'])

    def test_vim_failure_503_record_kept(self):
        self.fake.fail_upload = exception.BackendUnavailable(vim_id=base.VIM)
        self.fake.images[self.image['id']]['status'] = 'queued'
        resp = self.put(status=503)
        self.assertError(resp, 503)
        self.assertIn(self.image['id'], self.fake.images)

    def test_reader_403_other_project_404(self):
        resp = self.put(status=403, persona='reader')
        self.assertError(resp, 403)
        resp = self.app.put(
            '/v1/%s/p2/images/%s/file' % (base.VIM, self.image['id']),
            params=DATA, content_type='application/octet-stream',
            headers=self.headers('other_member'), expect_errors=True)
        self.assertError(resp, 404)
        self.assertNotIn(self.image['id'], self.fake.data)


def corrupt_recorded(fake, **changes):
    """Make ``fake`` record other values than the data it received."""
    upload = fake.upload

    def corrupting(context, tenant_id, image_id, reader, size=None):
        upload(context, tenant_id, image_id, reader, size=size)
        fake.images[image_id].update(changes or {'checksum': '0' * 32})

    fake.upload = corrupting


class TestPutUnverified(PutTestCase):
    """Data the VIM recorded wrongly never stays usable."""

    def test_502_record_deactivated_and_said_so(self):
        corrupt_recorded(self.fake)
        # A declared md5 is computed, and the VIM's md5 checked against it.
        resp = self.put(status=502,
                        **{'Content-MD5': hashlib.md5(DATA).hexdigest()})
        error = self.assertError(resp, 502, 'The image was deactivated')
        self.assertIn('did not record the data sent into image %s'
                      % self.image['id'], error['detail'])
        self.assertIn('checksum 00000000', error['detail'])
        self.assertEqual('deactivated',
                         self.fake.images[self.image['id']]['status'])
        # Its data cannot be downloaded.
        resp = self.app.get('/v1/%s/p1/images/%s/file' % (
            base.VIM, self.image['id']), headers=self.headers(),
            expect_errors=True)
        self.assertEqual(403, resp.status_int)

    def test_502_sha512_checked_without_a_declared_md5(self):
        corrupt_recorded(self.fake, os_hash_value='0' * 128)
        resp = self.put(status=502)
        error = self.assertError(resp, 502, 'The image was deactivated')
        self.assertIn('sha512 checksum 00000000', error['detail'])
        self.assertEqual('deactivated',
                         self.fake.images[self.image['id']]['status'])

    def test_vim_md5_not_compared_without_a_declared_md5(self):
        # No md5 is computed then: the VIM is verified by sha512.
        corrupt_recorded(self.fake)
        self.put()
        self.assertEqual('active',
                         self.fake.images[self.image['id']]['status'])

    def test_stage_mode_502_record_deactivated(self):
        self.config(mode='stage', group='upload')
        corrupt_recorded(self.fake, size=1)
        resp = self.put(status=502)
        self.assertError(resp, 502, 'The image was deactivated')
        self.assertEqual('deactivated',
                         self.fake.images[self.image['id']]['status'])


class TestConcurrentPut(PutTestCase):
    """The losing one of two PUTs never discards the winner's image."""

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.MockPatchObject(recovery, 'SETTLE_TIMEOUT',
                                                 0.5))

    def test_vim_409_loser_leaves_the_winners_upload_alone(self):
        def winner_is_uploading(context, tenant_id, image_id, reader,
                                size=None):
            self.fake.images[image_id]['status'] = 'saving'
            raise exception.Conflict(
                'VIM %s refused the request: Image status transition from '
                'saving to saving is not allowed' % base.VIM)

        self.fake.upload = winner_is_uploading
        resp = self.put(status=409)
        self.assertError(resp, 409, 'saving')
        self.assertEqual('saving',
                         self.fake.images[self.image['id']]['status'])
        self.assertEqual([], [c for c in self.fake.calls
                              if c[0] == 'delete_image'])

    def test_second_put_through_mcimage_409_before_a_byte(self):
        # The first PUT is still sending (its row is there).
        first = db_api.upload_start(base.VIM, 'p1', self.image['id'],
                                    user_id='p1-member', host='host-a',
                                    image_created=False)
        resp = self.app.put(
            '/v1/%s/p1/images/%s/file' % (base.VIM, self.image['id']),
            params=DATA, content_type='application/octet-stream',
            headers=self.headers(), expect_errors=True)
        self.assertError(resp, 409, 'receiving data from another upload')
        self.assertEqual([first], [r['id'] for r in db_api.upload_get_all()])
        self.assertEqual([], [c for c in self.fake.calls
                              if c[0] in ('upload', 'delete_image')])
        self.assertEqual('queued',
                         self.fake.images[self.image['id']]['status'])
