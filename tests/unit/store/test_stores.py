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

"""The staging store drivers: local directory and glance_store."""

import errno
import io
import logging
import os
import shutil

import fixtures
import glance_store
from glance_store import exceptions as gs_exceptions

from mcimage.common import exception
from mcimage import store as staging_store
from mcimage.store import glance_store as gs_driver
from mcimage.store import local
from tests import base

UPLOAD_ID = '0b5c9d43-0fcd-4c1b-8e0c-2f3c1c0e7d11'
DATA = os.urandom(300000)


class _Pieces(object):
    """A reader giving DATA in pieces, or failing after the first."""

    def __init__(self, data=DATA, fail_with=None):
        self._source = io.BytesIO(data)
        self._fail_with = fail_with

    def read(self, size=None):
        piece = self._source.read(65536)
        if self._fail_with is not None and self._source.tell() > 65536:
            raise self._fail_with
        return piece


def _read_all(reader):
    pieces = []
    while True:
        piece = reader.read()
        if not piece:
            reader.close()
            return b''.join(pieces)
        pieces.append(piece)


class StoreContract(object):
    """What every driver must do; a subclass makes ``self.store``."""

    def files(self):
        return sorted(os.listdir(self.directory))

    def test_add_open_delete(self):
        location = self.store.add(UPLOAD_ID, _Pieces(), size=len(DATA))
        self.assertEqual(DATA, _read_all(self.store.open(UPLOAD_ID,
                                                         location)))
        self.store.delete(UPLOAD_ID, location)
        self.assertEqual([], self.files())
        # Deleting what is gone is not an error.
        self.store.delete(UPLOAD_ID, location)

    def assertConcealed(self, error, log):
        """A generic detail, no path; the log has the store's words."""
        self.assertNotIn(self.directory, str(error))
        self.assertNotIn(self.state_path, str(error))
        self.assertIn(self.directory, log.output)

    def test_store_gone_is_a_generic_staging_store_error(self):
        log = self.useFixture(fixtures.FakeLogger(level=logging.INFO))
        shutil.rmtree(self.directory)
        error = self.assertRaises(exception.StagingStoreError,
                                  self.store.add, UPLOAD_ID, _Pieces())
        self.assertConcealed(error, log)
        self.assertEqual(503, error.code)

    def test_data_gone_is_a_generic_staging_store_error(self):
        location = self.store.add(UPLOAD_ID, _Pieces())
        os.unlink(os.path.join(self.directory, UPLOAD_ID))
        log = self.useFixture(fixtures.FakeLogger(level=logging.INFO))
        error = self.assertRaises(exception.StagingStoreError,
                                  self.store.open, UPLOAD_ID, location)
        self.assertConcealed(error, log)

    def test_written_twice_is_a_generic_staging_store_error(self):
        self.store.add(UPLOAD_ID, _Pieces())
        log = self.useFixture(fixtures.FakeLogger(level=logging.INFO))
        error = self.assertRaises(exception.StagingStoreError,
                                  self.store.add, UPLOAD_ID, _Pieces(b'x'))
        self.assertConcealed(error, log)

    def test_reader_error_goes_on_unchanged_nothing_kept(self):
        error = exception.ChecksumMismatch(name='checksum', declared='a',
                                           actual='b')
        raised = self.assertRaises(
            exception.ChecksumMismatch, self.store.add, UPLOAD_ID,
            _Pieces(fail_with=error))
        self.assertIs(error, raised)
        self.assertEqual([], self.files())


class TestLocalStore(StoreContract, base.TestCase):

    def setUp(self):
        super().setUp()
        self.directory = os.path.join(self.state_path, 'staging')
        self.store = local.LocalStore(base.CONF)

    def test_directory_made_private_files_private(self):
        self.assertEqual(0o700, os.stat(self.directory).st_mode & 0o777)
        self.store.add(UPLOAD_ID, _Pieces())
        self.assertEqual(0o600, os.stat(os.path.join(
            self.directory, UPLOAD_ID)).st_mode & 0o777)
        self.assertEqual([UPLOAD_ID], self.store.stored_ids())

    def test_no_path_from_anything_but_an_id(self):
        for bad in ('../etc/passwd', '/tmp/x', ''):
            self.assertRaises(ValueError, self.store.add, bad, _Pieces())
        self.assertEqual([], self.files())

    def test_an_id_is_written_once(self):
        self.store.add(UPLOAD_ID, _Pieces())
        self.assertRaises(exception.StagingStoreError, self.store.add,
                          UPLOAD_ID, _Pieces(b'other'))
        self.assertEqual(DATA, _read_all(self.store.open(UPLOAD_ID, None)))

    def test_full_disk_is_507_nothing_kept(self):
        real_fdopen = os.fdopen

        class Full(object):

            def __init__(self, f):
                self._f = f

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self._f.close()

            def write(self, piece):
                raise OSError(errno.ENOSPC, 'No space left on device')

        self.useFixture(fixtures.MonkeyPatch(
            'os.fdopen', lambda fd, mode: Full(real_fdopen(fd, mode))))
        error = self.assertRaises(exception.StagingStoreFull,
                                  self.store.add, UPLOAD_ID, _Pieces())
        self.assertEqual(507, error.code)
        self.assertEqual([], self.files())

    def test_unwritable_directory_stops_the_start(self):
        path = os.path.join(self.state_path, 'file')
        open(path, 'w').close()
        self.config(local_path=os.path.join(path, 'sub'),
                    group='staging_store')
        error = self.assertRaises(exception.ConfigInvalid, local.LocalStore,
                                  base.CONF)
        self.assertIn('[staging_store] local_path', str(error))

    def test_chosen_by_stevedore(self):
        self.addCleanup(staging_store.reset)
        staging_store.reset()
        self.assertIsInstance(staging_store.get_store(), local.LocalStore)

    def test_unknown_driver_names_the_option(self):
        self.addCleanup(staging_store.reset)
        staging_store.reset()
        self.config(driver='nope', group='staging_store')
        error = self.assertRaises(exception.ConfigInvalid,
                                  staging_store.get_store)
        self.assertIn('[staging_store] driver', str(error))


class TestGlanceStore(StoreContract, base.TestCase):
    """glance_store's own filesystem driver, configured in [glance_store]."""

    def setUp(self):
        super().setUp()
        self.directory = os.path.join(self.state_path, 'gs')
        glance_store.register_opts(base.CONF)
        self.config(stores=['file'], default_store='file',
                    filesystem_store_datadir=self.directory,
                    group='glance_store')
        self.config(driver='glance_store', group='staging_store')
        self.addCleanup(staging_store.reset)
        staging_store.reset()
        self.store = staging_store.get_store()

    def test_loaded_by_name(self):
        self.assertIsInstance(self.store, gs_driver.GlanceStore)
        self.assertIsNone(self.store.stored_ids())

    def test_full_store_is_507(self):
        self.useFixture(fixtures.MockPatchObject(
            glance_store, 'add_to_backend_with_multihash',
            side_effect=gs_exceptions.StorageFull()))
        error = self.assertRaises(exception.StagingStoreFull,
                                  self.store.add, UPLOAD_ID, _Pieces())
        self.assertEqual(507, error.code)

    def test_driver_errors_of_any_kind_are_staging_store_errors(self):
        # Drivers raise their client library's errors too (botocore,
        # swiftclient...), worded with their endpoints.
        log = self.useFixture(fixtures.FakeLogger(level=logging.INFO))
        self.useFixture(fixtures.MockPatchObject(
            glance_store, 'add_to_backend_with_multihash',
            side_effect=RuntimeError('https://s3.internal:8080/bucket')))
        error = self.assertRaises(exception.StagingStoreError,
                                  self.store.add, UPLOAD_ID, _Pieces())
        self.assertNotIn('s3.internal', str(error))
        self.assertIn('https://s3.internal:8080/bucket', log.output)

    def test_location_is_the_stores(self):
        location = self.store.add(UPLOAD_ID, _Pieces())
        self.assertEqual('file://%s/%s' % (self.directory, UPLOAD_ID),
                         location)
