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

"""The byte path: the verifying reader, upload records, fan-out, recovery."""

import hashlib
import logging
import threading
from unittest import mock

import fixtures

from mcimage import backends
from mcimage.common import context as mc_context
from mcimage.common import exception
from mcimage.conf import vims as vims_conf
from mcimage.db import api as db_api
from mcimage.images import fanout
from mcimage.images import reader as verifying
from mcimage.images import recovery
from mcimage.images import uploads
from tests import base

VIM = 'owner_RegionOne'
PIECES = [b'first piece ', b'\x00' * 1000, b'\xff' * 7, b'last']
BLOB = b''.join(PIECES)


class Source(object):
    """Gives its pieces one read() at a time, then b''."""

    def __init__(self, pieces, error=None):
        self._pieces = list(pieces)
        self._error = error

    def read(self, size=None):
        if self._pieces:
            return self._pieces.pop(0)
        if self._error is not None:
            raise self._error
        return b''


def stream_into_image(context, vim, tenant_id, image_id, reader,
                      created=True):
    """One image of uploads.stream_into_images."""
    [image] = uploads.stream_into_images(
        context, [(vim, tenant_id, image_id)], reader, created=created)
    return image


def drain(reader):
    out = []
    while True:
        piece = reader.read(65536)
        if not piece:
            return b''.join(out)
        out.append(piece)


class TestHashingReader(base.TestCase):

    def test_hashes_and_size(self):
        reader = verifying.VerifyingReader(Source(PIECES), size_cap=len(BLOB),
                                           want_md5=True)
        self.assertFalse(reader.complete)
        self.assertEqual(BLOB, drain(reader))
        self.assertTrue(reader.complete)
        self.assertEqual(len(BLOB), reader.size)
        self.assertEqual(hashlib.md5(BLOB).hexdigest(),
                         reader.md5.hexdigest())
        self.assertEqual(hashlib.sha512(BLOB).hexdigest(),
                         reader.sha512.hexdigest())
        self.assertIsNone(reader.error)
        reader.raise_error()

    def test_empty(self):
        reader = verifying.VerifyingReader(Source([]), size_cap=1,
                                           want_md5=True)
        self.assertEqual(b'', drain(reader))
        self.assertEqual(0, reader.size)
        self.assertEqual(hashlib.md5(b'').hexdigest(),
                         reader.md5.hexdigest())

    def test_md5_only_when_declared_or_wanted(self):
        # md5 costs CPU and buys nothing sha512 does not: left out unless
        # someone declared one (or it is to be recorded).
        reader = verifying.VerifyingReader(Source(PIECES), 10 ** 6)
        self.assertEqual(BLOB, drain(reader))
        self.assertIsNone(reader.md5)
        self.assertIsNone(reader.checksum)
        self.assertEqual(hashlib.sha512(BLOB).hexdigest(),
                         reader.sha512.hexdigest())
        declared = verifying.VerifyingReader(
            Source(PIECES), 10 ** 6,
            declared_checksum=hashlib.md5(BLOB).hexdigest())
        drain(declared)
        self.assertEqual(hashlib.md5(BLOB).hexdigest(), declared.checksum)

    def _hash_threads(self):
        return [t for t in threading.enumerate()
                if t.name == 'hash-sha512']

    def test_sha512_alone_is_hashed_in_the_reading_thread(self):
        before = self._hash_threads()
        reader = verifying.VerifyingReader(Source(PIECES), 10 ** 6)
        self.assertEqual(PIECES[0], reader.read())
        self.assertEqual(before, self._hash_threads())
        self.assertEqual(BLOB[len(PIECES[0]):], drain(reader))
        reader.close()
        self.assertEqual(hashlib.sha512(BLOB).hexdigest(),
                         reader.sha512.hexdigest())

    def test_sha512_next_to_md5_runs_in_a_thread(self):
        # The two hashes run at once on two cores.
        reader = verifying.VerifyingReader(Source(PIECES), 10 ** 6,
                                           want_md5=True)
        self.assertEqual(PIECES[0], reader.read())
        self.assertIn(reader.sha512, self._hash_threads())
        self.assertEqual(BLOB[len(PIECES[0]):], drain(reader))
        self.assertEqual(hashlib.sha512(BLOB).hexdigest(),
                         reader.sha512.hexdigest())
        self.assertNotIn(reader.sha512, self._hash_threads())
        self.assertEqual(hashlib.md5(BLOB).hexdigest(), reader.checksum)

    def test_declared_sha512_mismatch_at_the_end(self):
        reader = verifying.VerifyingReader(
            Source(PIECES), 10 ** 6, declared_os_hash_value='f' * 128)
        for piece in PIECES:
            self.assertEqual(piece, reader.read())
        e = self.assertRaises(exception.ChecksumMismatch, reader.read)
        self.assertIn("'os_hash_value'", str(e))
        self.assertIn(hashlib.sha512(BLOB).hexdigest(), str(e))

    def test_size_cap(self):
        reader = verifying.VerifyingReader(Source(PIECES),
                                           size_cap=len(BLOB) - 1)
        e = self.assertRaises(exception.RequestTooLarge, drain, reader)
        self.assertEqual(413, e.code)
        self.assertIn('%d bytes' % (len(BLOB) - 1), str(e))
        self.assertIn('image_size_cap', str(e))
        self.assertIs(e, reader.error)
        self.assertFalse(reader.complete)
        self.assertRaises(exception.RequestTooLarge, reader.raise_error)

    def test_size_cap_stops_at_the_piece_over_it(self):
        reader = verifying.VerifyingReader(Source(PIECES),
                                           size_cap=len(PIECES[0]))
        self.assertEqual(PIECES[0], reader.read())
        self.assertRaises(exception.RequestTooLarge, reader.read)

    def test_declared_checksum_match(self):
        for declared in (hashlib.md5(BLOB).hexdigest(),
                         hashlib.md5(BLOB).hexdigest().upper()):
            reader = verifying.VerifyingReader(Source(PIECES), 10 ** 6,
                                               declared_checksum=declared,
                                               declared_size=len(BLOB))
            self.assertEqual(BLOB, drain(reader))
            self.assertIsNone(reader.error)

    def test_declared_checksum_mismatch_at_the_end(self):
        declared = hashlib.md5(b'other').hexdigest()
        reader = verifying.VerifyingReader(Source(PIECES), 10 ** 6,
                                           declared_checksum=declared)
        # Every piece of data passes; the last, empty read raises, so the
        # VIM never sees the end of the data and never activates it.
        for piece in PIECES:
            self.assertEqual(piece, reader.read())
        e = self.assertRaises(exception.ChecksumMismatch, reader.read)
        self.assertEqual(400, e.code)
        self.assertIn("'checksum'", str(e))
        self.assertIn(declared, str(e))
        self.assertIn(hashlib.md5(BLOB).hexdigest(), str(e))
        self.assertIs(e, reader.error)
        self.assertFalse(reader.complete)
        self.assertRaises(exception.ChecksumMismatch, reader.raise_error)

    def test_declared_size_mismatch_at_the_end(self):
        for declared in (len(BLOB) + 1, len(BLOB) - 1, 0):
            reader = verifying.VerifyingReader(Source(PIECES), 10 ** 6,
                                               declared_size=declared)
            for piece in PIECES:
                self.assertEqual(piece, reader.read())
            e = self.assertRaises(exception.ChecksumMismatch, reader.read)
            self.assertIn("'size'", str(e))
            self.assertIn('declared %d' % declared, str(e))
            self.assertIn('%d bytes' % len(BLOB), str(e))
            self.assertIs(e, reader.error)

    def test_broken_source_kept_as_invalid(self):
        reader = verifying.VerifyingReader(
            Source(PIECES[:1], error=ConnectionResetError('gone')), 10 ** 6)
        self.assertEqual(PIECES[0], reader.read())
        e = self.assertRaises(exception.Invalid, reader.read)
        self.assertIs(e, reader.error)
        self.assertIn('could not be read to its end', str(e))
        self.assertNotIn('gone', str(e))

    def test_source_error_of_ours_kept(self):
        error = exception.InvalidMultipart(reason='bad')
        reader = verifying.VerifyingReader(Source([], error=error), 10 ** 6)
        self.assertRaises(exception.InvalidMultipart, reader.read)
        self.assertIs(error, reader.error)

    def test_raise_error_after_wrapping(self):
        # What a VIM client might do: swallow our error into its own.
        reader = verifying.VerifyingReader(Source(PIECES), size_cap=3)
        try:
            drain(reader)
        except exception.RequestTooLarge:
            pass
        self.assertRaises(exception.RequestTooLarge, reader.raise_error)


class FakeVim(object):
    id = VIM


def recorded(blob, **changes):
    image = {'id': 'img', 'status': 'active', 'size': len(blob),
             'checksum': hashlib.md5(blob).hexdigest(),
             'os_hash_algo': 'sha512',
             'os_hash_value': hashlib.sha512(blob).hexdigest()}
    image.update(changes)
    return image


class TestVerifyRecorded(base.TestCase):

    def setUp(self):
        super().setUp()
        self.reader = verifying.VerifyingReader(Source(PIECES), 10 ** 6,
                                                want_md5=True)
        drain(self.reader)

    def test_match(self):
        self.reader.verify_recorded(FakeVim(), recorded(BLOB))

    def test_match_without_hashes(self):
        # A VIM that records no hashes is checked on size and status.
        self.reader.verify_recorded(
            FakeVim(), recorded(BLOB, checksum=None, os_hash_algo=None,
                                os_hash_value=None))

    def test_vim_md5_not_compared_without_one_computed(self):
        # Verified by sha512: the VIM's md5 is compared only when mcimage
        # computed one (someone declared it).
        reader = verifying.VerifyingReader(Source(PIECES), 10 ** 6)
        drain(reader)
        reader.verify_recorded(
            FakeVim(), recorded(BLOB, checksum=hashlib.md5(b'x').hexdigest()))
        self.assertRaises(exception.BackendError, reader.verify_recorded,
                          FakeVim(), recorded(BLOB, os_hash_value='f' * 128))

    def test_mismatch(self):
        for changes, text in (
                ({'size': len(BLOB) - 1}, 'size'),
                ({'size': None}, 'size'),
                ({'checksum': hashlib.md5(b'x').hexdigest()}, 'checksum'),
                ({'os_hash_value': 'f' * 128}, 'sha512'),
                ({'status': 'saving'}, 'status saving'),
                ({'status': 'killed'}, 'status killed')):
            e = self.assertRaises(exception.BackendError,
                                  self.reader.verify_recorded, FakeVim(),
                                  recorded(BLOB, **changes))
            self.assertEqual(502, e.code)
            self.assertIn(VIM, str(e))
            self.assertIn('img', str(e))
            self.assertIn(text, str(e))


class DataTestCase(base.TestCase):
    """A VIM backed by FakeGlance and a synced database."""

    def setUp(self):
        super().setUp()
        self.config(enabled_vims=[VIM])
        vims_conf.register_vim_opts(base.CONF, VIM)
        self.config(driver='fake', auth_mode='trusted',
                    endpoint_override='http://127.0.0.1:9292',
                    group='vim:%s' % VIM)
        self.registry = backends.init()
        self.vim = self.registry.vims[VIM]
        self.fake = self.vim.backend
        self.sync_db()
        self.context = mc_context.RequestContext(
            user_id='u1', project_id='p1', roles=['member'])


class TestUploadRecord(DataTestCase):

    def test_row_while_uploading_gone_after(self):
        image = self.fake.create_image(None, 'p1', {})
        with recovery.UploadRecord(self.context, self.vim, 'p1', image['id']):
            [row] = db_api.upload_get_all()
            self.assertEqual(VIM, row['vim_id'])
            self.assertEqual('p1', row['tenant_id'])
            self.assertEqual(image['id'], row['image_id'])
            self.assertEqual('u1', row['user_id'])
            self.assertEqual(base.CONF.host, row['host'])
            self.assertEqual('uploading', row['state'])
        self.assertEqual([], db_api.upload_get_all())
        self.assertIn(image['id'], self.fake.images)

    def test_failure_deletes_the_image(self):
        image = self.fake.create_image(None, 'p1', {})

        def fail():
            with recovery.UploadRecord(self.context, self.vim, 'p1',
                                       image['id']):
                raise exception.Invalid(reason='boom')

        self.assertRaises(exception.Invalid, fail)
        self.assertEqual({}, self.fake.images)
        self.assertEqual([], db_api.upload_get_all())

    def test_failure_deletes_a_protected_image_it_made(self):
        # Glance keeps a protected image even from an admin.
        image = self.fake.create_image(None, 'p1', {'protected': True})

        def fail():
            with recovery.UploadRecord(self.context, self.vim, 'p1',
                                       image['id']):
                raise exception.Invalid(reason='boom')

        self.assertRaises(exception.Invalid, fail)
        self.assertEqual({}, self.fake.images)
        self.assertEqual([], db_api.upload_get_all())

    def test_a_protected_users_record_keeps_its_protection(self):
        # Stuck mid-upload, the user's record would be deleted; protected,
        # it stays, and the row says it is left to a later try.
        image = self.fake.create_image(None, 'p1', {'protected': True})
        self.fake.images[image['id']]['status'] = 'saving'

        def fail():
            with recovery.UploadRecord(self.context, self.vim, 'p1',
                                       image['id'], created=False):
                raise exception.Invalid(reason='boom')

        self.useFixture(fixtures.MockPatchObject(recovery, 'SETTLE_TIMEOUT',
                                                 0))
        self.assertRaises(exception.Invalid, fail)
        self.assertTrue(self.fake.images[image['id']]['protected'])
        self.assertNotIn('update_image', [c[0] for c in self.fake.calls])

    def test_failure_image_already_gone(self):
        image = self.fake.create_image(None, 'p1', {})

        def fail():
            with recovery.UploadRecord(self.context, self.vim, 'p1',
                                       image['id']):
                del self.fake.images[image['id']]
                raise exception.Invalid(reason='boom')

        self.assertRaises(exception.Invalid, fail)
        self.assertEqual([], db_api.upload_get_all())

    def test_failure_delete_fails_row_orphaned(self):
        image = self.fake.create_image(None, 'p1', {})

        def fail():
            with recovery.UploadRecord(self.context, self.vim, 'p1',
                                       image['id']):
                raise exception.BackendUnavailable(vim_id=VIM)

        with mock.patch.object(
                self.fake, 'delete_image', autospec=True,
                side_effect=exception.BackendUnavailable(vim_id=VIM)) as d:
            self.assertRaises(exception.BackendUnavailable, fail)
        # As the caller, then as mcimage itself (trusted mode).
        self.assertEqual([False, True],
                         [c.kwargs['as_service'] for c in d.call_args_list])
        [row] = db_api.upload_get_all()
        self.assertEqual('orphaned', row['state'])
        self.assertEqual(image['id'], row['image_id'])
        self.assertIn(image['id'], self.fake.images)

    def test_failure_deleted_as_mcimage(self):
        # The caller may not delete it (it was never theirs to see, say);
        # mcimage's own identity does.
        image = self.fake.create_image(None, 'p1', {})
        delete = self.fake.delete_image

        def delete_as_service_only(context, tenant_id, image_id,
                                   as_service=False):
            if not as_service:
                raise exception.Forbidden(action='delete')
            return delete(context, tenant_id, image_id,
                          as_service=as_service)

        self.fake.delete_image = delete_as_service_only

        def fail():
            with recovery.UploadRecord(self.context, self.vim, 'p1',
                                       image['id']):
                raise exception.Invalid(reason='boom')

        self.assertRaises(exception.Invalid, fail)
        self.assertEqual({}, self.fake.images)
        self.assertEqual([], db_api.upload_get_all())


class TestRecoverUploads(DataTestCase):

    def start(self, image_id, vim_id=VIM, host=None):
        return db_api.upload_start(vim_id, 'p1', image_id, user_id='u1',
                                   host=host or base.CONF.host)

    def rows(self):
        return {r['image_id'] for r in db_api.upload_get_all()}

    def recover(self):
        # What mcimage-api does at start-up: every row of this host.
        recovery.recover_uploads(self.registry,
                                 db_api.upload_get_all(host=base.CONF.host))

    def test_unfinished_images_deleted(self):
        ids = []
        for status in ('queued', 'saving', 'uploading', 'importing',
                       'killed'):
            image = self.fake.add_image('p1', status=status)
            ids.append(image['id'])
            self.start(image['id'])
        self.recover()
        self.assertEqual({}, self.fake.images)
        self.assertEqual(set(), self.rows())
        deletes = [c for c in self.fake.calls if c[0] == 'delete_image']
        self.assertEqual(sorted(ids), sorted(c[1] for c in deletes))
        # As mcimage itself: there is no caller at start-up.
        self.assertTrue(all(c[2] for c in deletes))

    def test_active_image_kept(self):
        image = self.fake.add_image('p1', data=b'whole')
        self.assertEqual('active', image['status'])
        self.start(image['id'])
        self.recover()
        self.assertIn(image['id'], self.fake.images)
        self.assertEqual(b'whole', self.fake.data[image['id']])
        self.assertEqual(set(), self.rows())

    def test_missing_image_row_gone(self):
        self.start('00000000-0000-0000-0000-000000000000')
        self.recover()
        self.assertEqual(set(), self.rows())

    def test_vim_no_longer_enabled_row_gone(self):
        image = self.fake.add_image('p1', status='queued')
        self.start(image['id'], vim_id='gone_RegionX')
        self.recover()
        self.assertEqual(set(), self.rows())
        # The image of the VIM that is enabled was never its concern.
        self.assertIn(image['id'], self.fake.images)

    def test_backend_unavailable_row_kept(self):
        image = self.fake.add_image('p1', status='queued')
        self.start(image['id'])
        with mock.patch.object(
                self.fake, 'get_image', autospec=True,
                side_effect=exception.BackendUnavailable(vim_id=VIM)):
            self.recover()
        self.assertEqual({image['id']}, self.rows())
        self.assertIn(image['id'], self.fake.images)
        # At the next start the VIM answers.
        self.recover()
        self.assertEqual(set(), self.rows())
        self.assertEqual({}, self.fake.images)

    def test_token_vim_without_credentials_row_forgotten(self):
        # Nothing can check the image without a caller's token: said once,
        # and the row is not retried at every round.
        self.vim.auth_mode = 'token'
        logger = self.useFixture(fixtures.FakeLogger(level=logging.ERROR))
        image = self.fake.add_image('p1', status='saving')
        self.start(image['id'])
        self.recover()
        self.assertEqual(set(), self.rows())
        self.assertEqual([], [c for c in self.fake.calls
                              if c[0] == 'delete_image'])
        self.assertIn(image['id'], self.fake.images)
        self.assertIn('upload of image %s into tenant p1 of VIM %s was '
                      'interrupted and mcimage has no credentials of its '
                      'own there' % (image['id'], VIM), logger.output)

    def test_delete_fails_row_kept(self):
        image = self.fake.add_image('p1', status='saving')
        self.start(image['id'])
        with mock.patch.object(
                self.fake, 'delete_image', autospec=True,
                side_effect=exception.BackendError(vim_id=VIM,
                                                   reason='busy')):
            self.recover()
        self.assertEqual({image['id']}, self.rows())
        self.assertIn(image['id'], self.fake.images)

    def test_delete_finds_it_gone_row_gone(self):
        image = self.fake.add_image('p1', status='saving')
        self.start(image['id'])
        with mock.patch.object(
                self.fake, 'delete_image', autospec=True,
                side_effect=exception.ImageNotFound(vim_id=VIM,
                                                    image_id=image['id'])):
            self.recover()
        self.assertEqual(set(), self.rows())

    def test_protected_image_it_made_deleted(self):
        image = self.fake.add_image('p1', status='queued', protected=True)
        self.start(image['id'])
        self.recover()
        self.assertEqual({}, self.fake.images)
        self.assertEqual(set(), self.rows())

    def test_orphaned_rows_recovered(self):
        image = self.fake.add_image('p1', status='queued')
        row_id = self.start(image['id'])
        db_api.upload_set_state(row_id, 'orphaned')
        self.recover()
        self.assertEqual(set(), self.rows())
        self.assertEqual({}, self.fake.images)

    def test_only_the_rows_given(self):
        first = self.fake.add_image('p1', status='queued')
        second = self.fake.add_image('p1', status='queued')
        self.start(first['id'])
        self.start(second['id'], host='another-api-node')
        recovery.recover_uploads(self.registry,
                                 db_api.upload_get_all(host=base.CONF.host))
        self.assertEqual({second['id']}, self.rows())
        self.assertEqual([second['id']], list(self.fake.images))

    def test_orphaned_rows_only(self):
        orphan = self.fake.add_image('p1', status='queued')
        in_flight = self.fake.add_image('p1', status='saving')
        db_api.upload_set_state(self.start(orphan['id']), 'orphaned')
        self.start(in_flight['id'])
        recovery.recover_uploads(self.registry, db_api.upload_get_all(
            host=base.CONF.host, state='orphaned'))
        self.assertEqual({in_flight['id']}, self.rows())
        self.assertEqual([in_flight['id']], list(self.fake.images))

    def test_one_failure_does_not_stop_the_others(self):
        down = self.fake.add_image('p1', status='queued')
        fine = self.fake.add_image('p1', status='queued')
        self.start(down['id'])
        self.start(fine['id'])
        get_image = self.fake.get_image

        def get(context, tenant_id, image_id, as_service=False):
            if image_id == down['id']:
                raise exception.BackendUnavailable(vim_id=VIM)
            return get_image(context, tenant_id, image_id,
                             as_service=as_service)

        self.fake.get_image = get
        self.recover()
        self.assertEqual({down['id']}, self.rows())
        self.assertEqual([down['id']], list(self.fake.images))


def corrupt_recorded(fake, **changes):
    """Make ``fake`` record other values than the data it received."""
    upload = fake.upload

    def corrupting(context, tenant_id, image_id, reader, size=None):
        upload(context, tenant_id, image_id, reader, size=size)
        fake.images[image_id].update(changes or {'os_hash_value': '0' * 128})

    fake.upload = corrupting


class TestUnverifiedData(DataTestCase):
    """Data a VIM recorded otherwise than sent never stays usable."""

    def test_created_image_deleted_and_said_so(self):
        corrupt_recorded(self.fake)
        image = self.fake.create_image(None, 'p1', {})
        hashing = verifying.VerifyingReader(Source(PIECES), 10 ** 6)
        e = self.assertRaises(exception.BackendError,
                              stream_into_image, self.context,
                              self.vim, 'p1', image['id'], hashing)
        self.assertEqual(502, e.code)
        self.assertIn('did not record the data sent into image %s'
                      % image['id'], str(e))
        self.assertIn('The image was deleted.', str(e))
        self.assertEqual({}, self.fake.images)
        self.assertEqual([], db_api.upload_get_all())

    def test_users_record_deactivated_as_mcimage(self):
        corrupt_recorded(self.fake, size=3)
        image = self.fake.create_image(None, 'p1', {})
        hashing = verifying.VerifyingReader(Source(PIECES), 10 ** 6)
        e = self.assertRaises(exception.BackendError,
                              stream_into_image, self.context,
                              self.vim, 'p1', image['id'], hashing,
                              created=False)
        self.assertIn('The image was deactivated', str(e))
        self.assertEqual('deactivated',
                         self.fake.images[image['id']]['status'])
        self.assertIn(('image_action', image['id'], 'deactivate', True),
                      self.fake.calls)
        self.assertEqual([], db_api.upload_get_all())

    def test_users_record_deleted_when_it_cannot_be_deactivated(self):
        # Token mode without service credentials: only the caller acts,
        # and Glance lets only an admin deactivate.
        self.vim.auth_mode = 'token'
        corrupt_recorded(self.fake, os_hash_value='f' * 128)
        image = self.fake.create_image(None, 'p1', {})
        action = self.fake.image_action

        def member_only(context, tenant_id, image_id, name,
                        as_service=False):
            self.fake.calls.append(('refused', name, as_service))
            raise exception.Forbidden('VIM refused the request: 403')

        self.fake.image_action = member_only
        self.addCleanup(setattr, self.fake, 'image_action', action)
        hashing = verifying.VerifyingReader(Source(PIECES), 10 ** 6)
        e = self.assertRaises(exception.BackendError,
                              stream_into_image, self.context,
                              self.vim, 'p1', image['id'], hashing,
                              created=False)
        self.assertIn('The image was deleted.', str(e))
        self.assertEqual({}, self.fake.images)
        # Tried as the caller only: there is no identity of mcimage's own.
        self.assertEqual([('refused', 'deactivate', False)],
                         [c for c in self.fake.calls if c[0] == 'refused'])
        self.assertEqual([('delete_image', image['id'], False)],
                         [c for c in self.fake.calls
                          if c[0] == 'delete_image'])

    def test_neither_possible_said_so_and_retried_later(self):
        corrupt_recorded(self.fake)
        image = self.fake.create_image(None, 'p1', {})
        down = exception.BackendUnavailable(vim_id=VIM)
        hashing = verifying.VerifyingReader(Source(PIECES), 10 ** 6)
        with mock.patch.object(self.fake, 'delete_image', autospec=True,
                               side_effect=down), \
                mock.patch.object(self.fake, 'image_action', autospec=True,
                                  side_effect=down):
            e = self.assertRaises(exception.BackendError,
                                  stream_into_image, self.context,
                                  self.vim, 'p1', image['id'], hashing)
        self.assertIn('could not delete or deactivate the image: do not '
                      'use it', str(e))
        [row] = db_api.upload_get_all()
        self.assertEqual('orphaned', row['state'])
        # The clean-up that follows deletes it, active as it is.
        recovery.recover_uploads(self.registry, [row])
        self.assertEqual({}, self.fake.images)
        self.assertEqual([], db_api.upload_get_all())

    def test_fan_out_every_image_deleted_the_culprit_named(self):
        image = self.fake.create_image(None, 'p1', {})
        second = self.fake.create_image(None, 'p2', {})
        corrupt_recorded(self.fake)
        targets = [(self.vim, 'p1', image['id']),
                   (self.vim, 'p2', second['id'])]
        hashing = verifying.VerifyingReader(Source(PIECES), 10 ** 6)
        e = self.assertRaises(exception.BackendError,
                              uploads.stream_into_images, self.context,
                              targets, hashing)
        self.assertIn('tenant p1', str(e))
        self.assertIn('The image was deleted.', str(e))
        self.assertEqual({}, self.fake.images)
        self.assertEqual([], db_api.upload_get_all())


class TestConcurrentUpload(DataTestCase):
    """An upload never discards an image it did not start writing."""

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.MockPatchObject(recovery, 'SETTLE_QUIET', 0))
        self.useFixture(fixtures.MockPatchObject(recovery, 'SETTLE_TIMEOUT',
                                                 0.5))

    def test_vim_409_on_the_data_put_leaves_the_image_alone(self):
        image = self.fake.create_image(None, 'p1', {})

        def another_is_uploading(context, tenant_id, image_id, reader,
                                 size=None):
            # Another client won: Glance has it saving, refuses ours.
            self.fake.images[image_id]['status'] = 'saving'
            raise exception.Conflict('VIM %s refused the request: Image '
                                     'status transition from saving to '
                                     'saving is not allowed' % VIM)

        self.fake.upload = another_is_uploading
        hashing = verifying.VerifyingReader(Source(PIECES), 10 ** 6)
        self.assertRaises(exception.Conflict, stream_into_image,
                          self.context, self.vim, 'p1', image['id'],
                          hashing, created=False)
        self.assertEqual('saving', self.fake.images[image['id']]['status'])
        self.assertEqual([], [c for c in self.fake.calls
                              if c[0] in ('delete_image', 'image_action')])
        self.assertEqual([], db_api.upload_get_all())

    def test_second_upload_into_one_image_409_before_any_byte(self):
        image = self.fake.create_image(None, 'p1', {})
        with recovery.UploadRecord(self.context, self.vim, 'p1', image['id'],
                                   created=False):
            hashing = verifying.VerifyingReader(Source(PIECES), 10 ** 6)
            e = self.assertRaises(exception.Conflict,
                                  stream_into_image, self.context,
                                  self.vim, 'p1', image['id'], hashing,
                                  created=False)
            self.assertIn('receiving data from another upload', str(e))
            self.assertEqual(1, len(db_api.upload_get_all()))
        self.assertEqual([], [c for c in self.fake.calls
                              if c[0] in ('upload', 'delete_image')])
        self.assertIn(image['id'], self.fake.images)
        self.assertEqual([], db_api.upload_get_all())


class StalledVim(object):
    """An upload that takes a piece, then stops reading until released."""

    def __init__(self, fake):
        self.fake = fake
        self.release = threading.Event()
        self.reading_stopped = threading.Event()
        self.upload = fake.upload
        fake.upload = self

    def __call__(self, context, tenant_id, image_id, reader, size=None):
        self.fake.images[image_id]['status'] = 'saving'
        reader.read(65536)
        self.reading_stopped.set()
        # Blocked in a send to a VIM that reads nothing more: only the
        # socket timeout ends it.
        self.release.wait(60)
        self.fake.images.get(image_id, {})['status'] = 'queued'
        raise exception.BackendUnavailable(vim_id=VIM)


class TestStopWhileTheVimStalls(DataTestCase):

    def test_stop_seen_while_a_target_stopped_reading(self):
        stalled = StalledVim(self.fake)
        self.addCleanup(stalled.release.set)
        image = self.fake.create_image(None, 'p1', {})
        stopped = threading.Event()

        def stop():
            if stalled.reading_stopped.is_set():
                raise exception.Conflict(reason='cancelled')

        many = Source([b'x' * 65536] * 64)
        hashing = verifying.VerifyingReader(many, 10 ** 9)
        outcomes = []

        def push(reader):
            return self.vim.backend.upload(self.context, 'p1', image['id'],
                                           reader)

        def run():
            done, error = fanout.run(hashing, [push, push], stop=stop)
            outcomes.append(error)
            stopped.set()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        self.assertTrue(stopped.wait(10), 'the fan-out is still blocked')
        [error] = outcomes
        self.assertIsInstance(error, exception.Conflict)
        self.assertIn('cancelled', str(error))
        stalled.release.set()
        thread.join(10)


MARKER = 'mcimage_upload_id'


class TestIntentFirst(DataTestCase):
    """The uploads row is written before the VIM is asked for an image."""

    def test_row_then_image_with_the_marker_then_its_id(self):
        seen = []
        create = self.fake.create_image

        def watching(context, tenant_id, fields):
            seen.append((db_api.upload_get_all(), dict(fields)))
            return create(context, tenant_id, fields)

        self.fake.create_image = watching
        image = recovery.create_image(self.context, self.vim, 'p1',
                                      {'name': 'x', 'disk_format': 'raw'})
        [(rows, fields)] = seen
        [row] = rows
        self.assertIsNone(row['image_id'])
        self.assertEqual('p1', row['tenant_id'])
        self.assertTrue(row['marker'])
        self.assertEqual({'name': 'x', 'disk_format': 'raw',
                          MARKER: row['marker']}, fields)
        [row] = db_api.upload_get_all()
        self.assertEqual(image['id'], row['image_id'])
        self.assertEqual(row['marker'], image[MARKER])
        # The upload that follows takes this row over.
        with recovery.UploadRecord(self.context, self.vim, 'p1', image['id']):
            self.assertEqual([row['id']],
                             [r['id'] for r in db_api.upload_get_all()])
        self.assertEqual([], db_api.upload_get_all())

    def test_every_image_its_own_marker(self):
        first = recovery.create_image(self.context, self.vim, 'p1', {})
        second = recovery.create_image(self.context, self.vim, 'p1', {})
        self.assertNotEqual(first[MARKER], second[MARKER])

    def test_refused_create_leaves_no_row(self):
        with mock.patch.object(
                self.fake, 'create_image', autospec=True,
                side_effect=exception.Invalid(reason='bad field')):
            self.assertRaises(exception.Invalid, recovery.create_image,
                              self.context, self.vim, 'p1', {})
        self.assertEqual([], db_api.upload_get_all())

    def test_answer_lost_row_kept_and_the_image_found_later(self):
        create = self.fake.create_image

        def made_then_lost(context, tenant_id, fields):
            create(context, tenant_id, fields)
            raise exception.BackendUnavailable(vim_id=VIM)

        self.fake.create_image = made_then_lost
        self.assertRaises(exception.BackendUnavailable, recovery.create_image,
                          self.context, self.vim, 'p1', {})
        [row] = db_api.upload_get_all()
        self.assertIsNone(row['image_id'])
        self.assertEqual('orphaned', row['state'])
        self.assertEqual(1, len(self.fake.images))
        recovery.recover_uploads(self.registry, [row])
        self.assertEqual({}, self.fake.images)
        self.assertEqual([], db_api.upload_get_all())


class TestRecoverIntents(DataTestCase):
    """Rows without an image id: the image is found by its marker."""

    def intent(self, marker, tenant_id='p1'):
        return db_api.upload_start(VIM, tenant_id, None, user_id='u1',
                                   host=base.CONF.host, marker=marker)

    def recover(self):
        recovery.recover_uploads(self.registry,
                                 db_api.upload_get_all(host=base.CONF.host))

    def test_image_made_before_the_crash_deleted(self):
        made = self.fake.add_image('p1', status='queued', **{MARKER: 'm-1'})
        hidden = self.fake.add_image('p1', status='queued', os_hidden=True,
                                     **{MARKER: 'm-2'})
        other = self.fake.add_image('p1', status='queued', **{MARKER: 'm-3'})
        plain = self.fake.add_image('p1', status='queued')
        self.intent('m-1')
        self.intent('m-2')
        self.recover()
        self.assertEqual([], db_api.upload_get_all())
        self.assertEqual({other['id'], plain['id']}, set(self.fake.images))
        deletes = [c for c in self.fake.calls if c[0] == 'delete_image']
        self.assertEqual({made['id'], hidden['id']},
                         {c[1] for c in deletes})
        self.assertTrue(all(c[2] for c in deletes))
        # Found through the VIM's list filtered on the marker.
        lists = [c for c in self.fake.calls if c[0] == 'list_images']
        self.assertTrue(lists)
        self.assertTrue(all(c[2].get(MARKER) in ('m-1', 'm-2')
                            for c in lists))

    def test_nothing_made_row_gone(self):
        plain = self.fake.add_image('p1', status='queued')
        self.intent('m-1')
        self.recover()
        self.assertEqual([], db_api.upload_get_all())
        self.assertEqual([plain['id']], list(self.fake.images))

    def test_vim_down_row_kept(self):
        self.fake.add_image('p1', status='queued', **{MARKER: 'm-1'})
        self.intent('m-1')
        with mock.patch.object(
                self.fake, 'list_images', autospec=True,
                side_effect=exception.BackendUnavailable(vim_id=VIM)):
            self.recover()
        self.assertEqual(1, len(db_api.upload_get_all()))
        self.assertEqual(1, len(self.fake.images))
        self.recover()
        self.assertEqual([], db_api.upload_get_all())
        self.assertEqual({}, self.fake.images)
