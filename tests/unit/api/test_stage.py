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

"""[upload] mode = stage: staged first, then pushed; GET /v1/uploads."""

import datetime
import hashlib
import io
import json
import logging
import os
import threading

import fixtures
from oslo_utils import timeutils

from mcimage.common import context
from mcimage.common import exception
from mcimage.db import api as db_api
from mcimage.images import reader as verifying
from mcimage.images import recovery
from mcimage.images import staging
from mcimage import store as staging_store
from mcimage.store import local
from tests.unit.api import base
from tests.unit import fakes

DATA = fakes.QCOW2_HEADER + bytes(range(256)) * 2000
HEADER = 'OpenStack-Staged-Upload-Id'


class StageTestCase(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.MockPatchObject(recovery, 'SETTLE_QUIET', 0))
        self.config(mode='stage', group='upload')
        self.staging_dir = os.path.join(self.state_path, 'staging')
        self.addCleanup(staging_store.reset)
        staging_store.reset()

    def staged_files(self):
        if not os.path.isdir(self.staging_dir):
            return []
        return sorted(os.listdir(self.staging_dir))

    def onap_upload(self, status=201, persona='member', extra=(),
                    payload=DATA):
        fields = [('imageType', 'qcow2'), ('name', 'staged')] + list(extra)
        resp = self.app.post('/v1/%s/p1/images/file' % base.VIM,
                             params=fields,
                             upload_files=[('file', 'disk.qcow2', payload)],
                             headers=self.headers(persona),
                             expect_errors=status >= 400)
        self.assertEqual(status, resp.status_int, resp.text)
        # Nothing left in flight, whatever happened.
        self.assertEqual([], db_api.upload_get_all())
        return resp


class TestStageUpload(StageTestCase):

    def test_multipart_staged_then_pushed(self):
        resp = self.onap_upload()
        upload_id = resp.headers[HEADER]
        image = resp.json
        self.assertEqual(DATA, self.fake.data[image['id']])
        self.assertEqual('active', self.fake.images[image['id']]['status'])
        # The staged copy is kept, whole, named by its id.
        self.assertEqual([upload_id], self.staged_files())
        with open(os.path.join(self.staging_dir, upload_id), 'rb') as f:
            self.assertEqual(DATA, f.read())
        self.assertEqual(0o600, os.stat(os.path.join(
            self.staging_dir, upload_id)).st_mode & 0o777)
        row = db_api.staged_upload_get(upload_id)
        self.assertEqual('active', row['status'])
        self.assertEqual('p1', row['owner'])
        self.assertEqual(len(DATA), row['size'])
        self.assertEqual(hashlib.md5(DATA).hexdigest(), row['checksum'])
        self.assertEqual(hashlib.sha512(DATA).hexdigest(),
                         row['os_hash_value'])
        self.assertEqual('qcow2', row['disk_format'])

    def test_refused_data_leaves_no_staged_file_and_no_image(self):
        for extra, payload, detail in (
                ([('checksum', '0' * 32)], DATA, "'checksum'"),
                ([], b'not qcow2' * 100, 'not the disk_format qcow2'),
                ([('size', '12')], DATA, "'size'")):
            resp = self.onap_upload(status=400, extra=extra, payload=payload)
            self.assertError(resp, 400, detail)
            self.assertEqual([], self.staged_files())
            self.assertEqual([], db_api.staged_upload_get_all())
            self.assertEqual({}, self.fake.images)

    def test_part_after_the_file_leaves_nothing_staged(self):
        # The whole file is staged before the rest of the body is read: a
        # part after it refuses the upload, and must not leave the staged
        # copy (row and file) behind.
        boundary = 'b0undary'
        body = b''.join(
            b'--%s\r\nContent-Disposition: form-data; name="%s"%s\r\n\r\n'
            b'%s\r\n' % (boundary.encode(), name, filename, value)
            for name, filename, value in (
                (b'imageType', b'', b'qcow2'),
                (b'file', b'; filename="a.qcow2"', DATA),
                (b'file', b'; filename="b.qcow2"', b'more'))) + (
            b'--%s--\r\n' % boundary.encode())
        resp = self.app.post(
            '/v1/%s/p1/images/file' % base.VIM, body,
            headers=dict(self.headers('member'), **{
                'Content-Type': 'multipart/form-data; boundary=' +
                                boundary}),
            expect_errors=True)
        self.assertError(resp, 400, 'after the file part')
        self.assertEqual([], self.staged_files())
        self.assertEqual([], db_api.staged_upload_get_all())
        self.assertEqual({}, self.fake.images)

    def test_over_size_cap_413_nothing_kept(self):
        self.config(image_size_cap=len(DATA) - 1, group='upload')
        resp = self.onap_upload(status=413)
        self.assertError(resp, 413, 'image_size_cap')
        self.assertEqual([], self.staged_files())
        self.assertEqual([], db_api.staged_upload_get_all())
        self.assertEqual({}, self.fake.images)

    def test_vim_failing_keeps_staged_copy_and_says_so(self):
        self.fake.fail_upload = exception.BackendUnavailable(
            vim_id=base.VIM)
        resp = self.onap_upload(status=503)
        [row] = db_api.staged_upload_get_all()
        error = self.assertError(resp, 503, 'staged upload %s' % row['id'])
        self.assertIn(base.VIM, error['detail'])
        # The image made for it is gone; the checked data is kept.
        self.assertEqual({}, self.fake.images)
        self.assertEqual([row['id']], self.staged_files())
        self.assertEqual('active', row['status'])

    def test_staged_data_changed_in_store_is_not_pushed(self):
        original = staging.stage

        def stage_then_corrupt(context, hashing, fields, size=None):
            row = original(context, hashing, fields, size=size)
            with open(os.path.join(self.staging_dir, row['id']), 'r+b') as f:
                f.seek(len(DATA) - 1)
                f.write(b'X')
            return row

        self.useFixture(fixtures.MockPatchObject(staging, 'stage',
                                                 stage_then_corrupt))
        resp = self.onap_upload(status=503)
        self.assertError(resp, 503, 'no longer holds the data')
        self.assertEqual({}, self.fake.images)

    def test_put_staged_then_pushed_into_the_record(self):
        image = self.fake.add_image('p1', disk_format='qcow2',
                                    container_format='bare', name='mine')
        url = '/v1/%s/p1/images/%s/file' % (base.VIM, image['id'])
        resp = self.app.put(url, params=DATA,
                            content_type='application/octet-stream',
                            headers=self.headers())
        self.assertEqual(204, resp.status_int)
        row = db_api.staged_upload_get(resp.headers[HEADER])
        self.assertEqual('mine', row['name'])
        self.assertEqual(DATA, self.fake.data[image['id']])

    def test_put_vim_failing_record_queued_staged_kept(self):
        image = self.fake.add_image('p1', disk_format='qcow2',
                                    container_format='bare')
        self.fake.fail_upload = exception.BackendError(
            vim_id=base.VIM, reason='store broken')
        url = '/v1/%s/p1/images/%s/file' % (base.VIM, image['id'])
        resp = self.app.put(url, params=DATA,
                            content_type='application/octet-stream',
                            headers=self.headers(), expect_errors=True)
        self.assertError(resp, 502, 'kept as staged upload')
        self.assertEqual('queued', self.fake.images[image['id']]['status'])
        self.assertEqual(1, len(self.staged_files()))

    def test_fan_out_staged_once_pushed_to_both(self):
        targets = [{'vim_id': base.VIM, 'tenant_id': 'p1'},
                   {'vim_id': base.OTHER_VIM, 'tenant_id': 'p1'}]
        resp = self.app.post('/v1/images/file',
                             params=[('imageType', 'qcow2'),
                                     ('targets', json.dumps(targets))],
                             upload_files=[('file', 'd.qcow2', DATA)],
                             headers=self.headers())
        self.assertEqual(201, resp.status_int)
        staged = resp.json['staged_upload']
        self.assertEqual(resp.headers[HEADER], staged['id'])
        self.assertEqual('/v1/uploads/%s' % staged['id'], staged['self'])
        self.assertNotIn('location', staged)
        self.assertEqual([staged['id']], self.staged_files())
        for image in resp.json['images']:
            self.assertEqual(DATA, self.glance[image['vimId']].data[
                image['id']])

    def test_stream_mode_stages_nothing(self):
        self.config(mode='stream', group='upload')
        resp = self.onap_upload()
        self.assertNotIn(HEADER, resp.headers)
        self.assertEqual([], self.staged_files())
        self.assertEqual([], db_api.staged_upload_get_all())


class TestUploadsAPI(StageTestCase):

    def staged(self, persona='member'):
        return self.onap_upload(persona=persona).headers[HEADER]

    def test_list_show_delete(self):
        first, second = self.staged(), self.staged()
        resp = self.app.get('/v1/uploads', headers=self.headers('reader'))
        self.assertEqual([second, first],
                         [u['id'] for u in resp.json['uploads']])
        upload = resp.json['uploads'][0]
        self.assertEqual(
            {'id', 'status', 'name', 'disk_format', 'container_format',
             'size', 'checksum', 'os_hash_algo', 'os_hash_value', 'owner',
             'created_at', 'updated_at', 'expires_at', 'self'}, set(upload))
        self.assertEqual(hashlib.sha512(DATA).hexdigest(),
                         upload['os_hash_value'])
        self.assertEqual('sha512', upload['os_hash_algo'])
        self.assertTrue(upload['expires_at'].endswith('Z'))
        resp = self.app.get('/v1/uploads/%s' % first,
                            headers=self.headers('reader'))
        self.assertEqual(first, resp.json['id'])
        # A reader may look, not delete.
        resp = self.app.delete('/v1/uploads/%s' % first,
                               headers=self.headers('reader'),
                               expect_errors=True)
        self.assertError(resp, 403, 'mcimage:upload:delete')
        resp = self.app.delete('/v1/uploads/%s' % first,
                               headers=self.headers())
        self.assertEqual(204, resp.status_int)
        self.assertEqual([second], self.staged_files())
        resp = self.app.get('/v1/uploads/%s' % first,
                            headers=self.headers(), expect_errors=True)
        self.assertError(resp, 404, first)

    def test_other_project_sees_nothing(self):
        mine = self.staged()
        resp = self.app.get('/v1/uploads',
                            headers=self.headers('other_member'))
        self.assertEqual([], resp.json['uploads'])
        for method in (self.app.get, self.app.delete):
            resp = method('/v1/uploads/%s' % mine,
                          headers=self.headers('other_member'),
                          expect_errors=True)
            # Concealed: the same answer as for an id that never was.
            self.assertError(resp, 404, mine)
        self.assertEqual([mine], self.staged_files())
        resp = self.app.get('/v1/uploads/%s' % mine,
                            headers=self.headers('admin'))
        self.assertEqual('p1', resp.json['owner'])

    def test_paging(self):
        ids = [self.staged() for _ in range(3)]
        resp = self.app.get('/v1/uploads?limit=2', headers=self.headers())
        self.assertEqual(ids[:0:-1], [u['id'] for u in resp.json['uploads']])
        resp = self.app.get(resp.json['next'], headers=self.headers())
        self.assertEqual([ids[0]], [u['id'] for u in resp.json['uploads']])
        self.assertNotIn('next', resp.json)

    def test_bad_query_400(self):
        for query, name in (('limit=0', 'limit'), ('limit=x', 'limit'),
                            ('marker=nope', 'marker'),
                            ('status=killed', 'status'),
                            ('owner=p2', 'owner')):
            resp = self.app.get('/v1/uploads?' + query,
                                headers=self.headers(), expect_errors=True)
            self.assertError(resp, 400, name)
        unknown = '11111111-1111-1111-1111-111111111111'
        resp = self.app.get('/v1/uploads?marker=%s' % unknown,
                            headers=self.headers(), expect_errors=True)
        self.assertError(resp, 400, 'marker')


class TestSweep(StageTestCase):

    def test_expired_deleted_fresh_kept(self):
        old = self.onap_upload().headers[HEADER]
        fresh = self.onap_upload().headers[HEADER]
        db_api.staged_upload_update(old, {
            'expires_at': timeutils.utcnow() - datetime.timedelta(seconds=1)})
        staging.sweep()
        self.assertEqual([fresh], self.staged_files())
        self.assertEqual([fresh],
                         [r['id'] for r in db_api.staged_upload_get_all()])

    def test_broken_off_and_orphans_deleted(self):
        kept = self.onap_upload().headers[HEADER]
        broken = db_api.staged_upload_create({
            'id': '11111111-2222-3333-4444-555555555555', 'owner': 'p1',
            'status': 'saving', 'store': 'local', 'host': 'here',
            'expires_at': timeutils.utcnow() + datetime.timedelta(hours=1)})
        orphan = '66666666-7777-8888-9999-000000000000'
        for name in (broken['id'], orphan, 'not-an-upload'):
            with open(os.path.join(self.staging_dir, name), 'wb') as f:
                f.write(b'partial')
        staging.sweep(broken_off=[broken])
        self.assertEqual(sorted([kept, 'not-an-upload']),
                         self.staged_files())
        self.assertEqual([kept],
                         [r['id'] for r in db_api.staged_upload_get_all()])

    def test_stream_mode_without_rows_loads_no_store(self):
        self.config(mode='stream', group='upload')
        staging.sweep()
        self.assertFalse(os.path.exists(self.staging_dir))


class _Pause(object):
    """A piece source that gives one piece, then waits to be let go."""

    def __init__(self, data):
        self._pieces = [data[:65536], data[65536:]]
        self.started = threading.Event()
        self.go_on = threading.Event()

    def read(self, size=None):
        if len(self._pieces) == 1:
            self.started.set()
            self.go_on.wait(30)
        return self._pieces.pop(0) if self._pieces else b''


class TestStagingQuota(StageTestCase):
    """[staging_store] project_quota: bytes a project may have staged."""

    def setUp(self):
        super().setUp()
        self.store_add = self.useFixture(fixtures.MockPatchObject(
            local.LocalStore, 'add', autospec=True,
            side_effect=local.LocalStore.add)).mock

    def put_image(self, status, payload=DATA, headers=None):
        image = self.fake.add_image('p1', disk_format='qcow2',
                                    container_format='bare')
        url = '/v1/%s/p1/images/%s/file' % (base.VIM, image['id'])
        resp = self.app.put(url, params=payload, headers=dict(
            self.headers(), **{'Content-Type': 'application/octet-stream'},
            **(headers or {})), expect_errors=status >= 400)
        self.assertEqual(status, resp.status_int, resp.text)
        return image, resp

    def assertQuotaError(self, resp, usage, limit):
        error = self.assertError(resp, 413, '[staging_store] project_quota')
        self.assertEqual('mcimage.staging_quota_exceeded', error['code'])
        self.assertIn('%d bytes' % usage, error['detail'])
        self.assertIn('%d bytes' % limit, error['detail'])
        return error

    def test_declared_size_over_quota_refused_before_a_byte_is_stored(self):
        limit = len(DATA) + 10
        self.config(project_quota=limit, group='staging_store')
        kept = self.onap_upload().headers[HEADER]
        self.store_add.reset_mock()
        resp = self.onap_upload(status=413,
                                extra=[('size', str(len(DATA)))])
        self.assertQuotaError(resp, len(DATA), limit)
        self.assertEqual([], self.store_add.call_args_list)
        self.assertEqual([kept], self.staged_files())
        self.assertEqual([kept], [r['id'] for r in
                                  db_api.staged_upload_get_all()])
        self.assertEqual(1, len(self.fake.images))

    def test_content_length_over_quota_refused_before_a_byte_is_stored(self):
        self.config(project_quota=len(DATA) - 1, group='staging_store')
        image, resp = self.put_image(413)
        self.assertQuotaError(resp, 0, len(DATA) - 1)
        self.assertEqual([], self.store_add.call_args_list)
        self.assertEqual([], self.staged_files())
        self.assertEqual([], db_api.staged_upload_get_all())
        self.assertEqual('queued', self.fake.images[image['id']]['status'])

    def test_size_unknown_stopped_while_streaming(self):
        self.config(project_quota=len(DATA) - 1, group='staging_store')
        resp = self.onap_upload(status=413)
        self.assertQuotaError(resp, 0, len(DATA) - 1)
        # Refused on the way: the store was writing it.
        self.assertEqual(1, len(self.store_add.call_args_list))
        self.assertEqual([], self.staged_files())
        self.assertEqual([], db_api.staged_upload_get_all())
        self.assertEqual({}, self.fake.images)

    def test_uploads_within_the_quota_pass_the_next_one_is_refused(self):
        limit = 2 * len(DATA)
        self.config(project_quota=limit, group='staging_store')
        first = self.onap_upload(extra=[('size', str(len(DATA)))])
        second = self.onap_upload()
        self.assertEqual(sorted([first.headers[HEADER],
                                 second.headers[HEADER]]),
                         self.staged_files())
        resp = self.onap_upload(status=413, payload=DATA[:100000])
        self.assertQuotaError(resp, limit, limit)
        self.assertEqual(2, len(self.staged_files()))
        # Another project has a quota of its own.
        resp = self.app.post('/v1/%s/p2/images/file' % base.VIM,
                             params=[('imageType', 'qcow2')],
                             upload_files=[('file', 'd.qcow2', DATA)],
                             headers=self.headers('other_member'))
        self.assertEqual(201, resp.status_int)
        # Deleting a staged upload gives its room back.
        self.app.delete('/v1/uploads/%s' % first.headers[HEADER],
                        headers=self.headers())
        self.onap_upload()

    def test_expired_uploads_do_not_count(self):
        self.config(project_quota=len(DATA), group='staging_store')
        old = self.onap_upload().headers[HEADER]
        db_api.staged_upload_update(old, {
            'expires_at': timeutils.utcnow() - datetime.timedelta(seconds=1)})
        self.onap_upload()

    def test_an_upload_in_flight_counts(self):
        limit = len(DATA) + len(DATA) // 2
        self.config(project_quota=limit, group='staging_store')
        ctx = context.RequestContext(project_id='p1', user_id='u1')
        fields = {'name': 'x', 'disk_format': 'raw',
                  'container_format': 'bare'}
        pause = _Pause(DATA)
        result = {}

        def first():
            hashing = verifying.VerifyingReader(pause, 10 * len(DATA))
            result['row'] = staging.stage(ctx, hashing, fields,
                                          size=len(DATA))

        thread = threading.Thread(target=first)
        thread.start()
        self.addCleanup(thread.join, 30)
        self.addCleanup(pause.go_on.set)
        self.assertTrue(pause.started.wait(30))
        # The first one's declared size is reserved while its data flows.
        error = self.assertRaises(
            exception.StagingQuotaExceeded, staging.stage, ctx,
            verifying.VerifyingReader(io.BytesIO(DATA), 10 * len(DATA)),
            fields,
            size=len(DATA))
        self.assertIn('%d bytes' % len(DATA), str(error))
        pause.go_on.set()
        thread.join(30)
        self.assertEqual('active', result['row']['status'])
        self.assertEqual([result['row']['id']], self.staged_files())

    def test_a_saving_upload_shows_no_size(self):
        # The reservation is bookkeeping, not the size of the data.
        self.config(project_quota=10 * len(DATA), group='staging_store')
        row = db_api.staged_upload_create({
            'id': '11111111-2222-3333-4444-555555555555', 'owner': 'p1',
            'status': 'saving', 'store': 'local', 'size': len(DATA),
            'expires_at': timeutils.utcnow() + datetime.timedelta(hours=1)})
        resp = self.app.get('/v1/uploads/%s' % row['id'],
                            headers=self.headers())
        self.assertIsNone(resp.json['size'])


class _FreeSpace(object):
    """os.statvfs of the staging directory: START less what it holds."""

    def __init__(self, directory, start):
        self.directory = directory
        self.start = start
        self._real = os.statvfs

    def __call__(self, path):
        result = self._real(path)
        if os.path.abspath(path) != os.path.abspath(self.directory):
            return result
        used = sum(os.path.getsize(os.path.join(self.directory, name))
                   for name in os.listdir(self.directory))
        free = max(self.start - used, 0) // result.f_frsize
        fields = list(result)
        # f_bfree, f_bavail
        fields[3] = fields[4] = free
        return os.statvfs_result(fields)


class TestFreeSpaceFloor(StageTestCase):
    """[staging_store] min_free_space: 507 rather than a full disk."""

    FLOOR = 64 * 1024 * 1024

    def use_free_space(self, start):
        os.makedirs(self.staging_dir, exist_ok=True)
        self.useFixture(fixtures.MonkeyPatch(
            'os.statvfs', _FreeSpace(self.staging_dir, start)))

    def assertFull(self, resp):
        error = self.assertError(resp, 507, '[staging_store] min_free_space')
        self.assertEqual('mcimage.staging_store_full', error['code'])
        self.assertNotIn(self.staging_dir, resp.text)
        self.assertEqual([], self.staged_files())
        self.assertEqual([], db_api.staged_upload_get_all())
        self.assertEqual({}, self.fake.images)

    def test_declared_size_refused_up_front(self):
        self.config(min_free_space=self.FLOOR, group='staging_store')
        self.use_free_space(self.FLOOR + len(DATA) - 1)
        self.assertFull(self.onap_upload(
            status=507, extra=[('size', str(len(DATA)))]))

    def test_refused_while_streaming(self):
        self.config(min_free_space=self.FLOOR, group='staging_store')
        self.use_free_space(self.FLOOR + len(DATA) // 2)
        self.assertFull(self.onap_upload(status=507))

    def test_enough_room_passes(self):
        self.config(min_free_space=self.FLOOR, group='staging_store')
        # Free space is counted in blocks: one spare.
        self.use_free_space(self.FLOOR + len(DATA) + 4096)
        self.onap_upload(extra=[('size', str(len(DATA)))])


class TestStoreErrorsConcealed(StageTestCase):
    """A failing store answers with a generic detail; the log has why."""

    def setUp(self):
        super().setUp()
        self.log = self.useFixture(fixtures.FakeLogger(level=logging.INFO))

    def test_local_directory_gone_503_no_path(self):
        self.onap_upload()
        os.rename(self.staging_dir, self.staging_dir + '.gone')
        resp = self.onap_upload(status=503)
        error = self.assertError(resp, 503)
        self.assertEqual('mcimage.staging_store_error', error['code'])
        self.assertNotIn(self.state_path, resp.text)
        self.assertNotIn('No such file', resp.text)
        self.assertIn(self.staging_dir, self.log.output)
        self.assertIn('No such file', self.log.output)
        self.assertEqual([], db_api.staged_upload_get_all(status='saving'))
