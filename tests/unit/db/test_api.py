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

"""mcimage.db.api against a real database, sqlite here.

``DBAPITestsMixin`` holds the tests; a backend's TestCase mixes it in
(tests/functional/test_db_postgresql.py runs them on PostgreSQL).  Every
test starts from an empty database synced to head.
"""

import datetime
import os
import threading

from oslo_db import exception as db_exc
from oslo_utils import timeutils
from oslo_utils import uuidutils

from mcimage.common import exception
from mcimage.db import api as db_api
from mcimage.db import models
from tests import base

VIM = 'vim_RegionOne'
OTHER_VIM = 'vim_RegionTwo'
TENANT = 'a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5'
IMAGE = '6f1d7e2a-0c4b-4d0e-9a55-1b2c3d4e5f60'
OTHER_IMAGE = '0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d'


class DBAPITestsMixin(object):
    """Behaviour of mcimage.db.api on [database] connection.

    Mixed in before a TestCase that points [database] connection at an
    empty database; setUp syncs it to head.  Add a group of tests for each
    table the API serves (uploads, below).
    """

    def setUp(self):
        super().setUp()
        self.sync_db()

    def assertRecent(self, when, before, after):
        # Naive UTC, as written (timeutils.utcnow()), to the microsecond.
        self.assertIsInstance(when, datetime.datetime)
        self.assertIsNone(when.tzinfo)
        self.assertTrue(before <= when <= after,
                        '%s not within [%s, %s]' % (when, before, after))

    # -- uploads ----------------------------------------------------------

    def _start_upload(self, image_id=IMAGE, vim_id=VIM, tenant_id=TENANT,
                      **kwargs):
        return db_api.upload_start(vim_id, tenant_id, image_id, **kwargs)

    def _uploads_by_image(self, **filters):
        return {r['image_id']: r for r in db_api.upload_get_all(**filters)}

    def test_upload_start_round_trip(self):
        before = timeutils.utcnow()
        upload_id = self._start_upload(user_id='user-1', host='host-a',
                                       image_created=False)
        after = timeutils.utcnow()
        self.assertIsInstance(upload_id, int)
        [row] = db_api.upload_get_all()
        self.assertEqual(set(models.Upload.__table__.columns.keys()),
                         set(row))
        created_at = row.pop('created_at')
        self.assertRecent(created_at, before, after)
        self.assertEqual({'id': upload_id, 'vim_id': VIM,
                          'tenant_id': TENANT, 'image_id': IMAGE,
                          'user_id': 'user-1', 'host': 'host-a',
                          'pid': os.getpid(), 'state': 'uploading',
                          'image_created': False, 'marker': None},
                         row)
        self.assertIs(False, row['image_created'])

    def test_upload_start_defaults(self):
        self._start_upload()
        [row] = db_api.upload_get_all()
        self.assertIsNone(row['user_id'])
        self.assertIsNone(row['host'])
        self.assertEqual('uploading', row['state'])
        self.assertIs(True, row['image_created'])

    def test_upload_values_round_trip_unchanged(self):
        # Non-ASCII and the longest values the columns hold.
        tenant = 'projet-\u00e9t\u00e9-\u4e91-' + 'x' * 200
        user = 'u' * 255
        host = 'h\u00f6st-' + 'y' * 250
        self._start_upload(tenant_id=tenant, user_id=user, host=host,
                           vim_id='v' * 255)
        [row] = db_api.upload_get_all()
        self.assertEqual((tenant, user, host, 'v' * 255),
                         (row['tenant_id'], row['user_id'], row['host'],
                          row['vim_id']))

    def test_upload_get_all_empty(self):
        self.assertEqual([], db_api.upload_get_all())
        self.assertEqual([], db_api.upload_get_all(host='host-a',
                                                   state='uploading'))

    def test_upload_get_all_ordered_by_id(self):
        # Image ids, hosts and tenants in no particular order.
        images = ['%08x-0000-4000-8000-000000000000' % n
                  for n in (5, 1, 9, 3, 7)]
        ids = [self._start_upload(image_id=image, tenant_id='t%d' % (n % 2),
                                  host='host-%d' % (n % 3))
               for n, image in enumerate(images)]
        self.assertEqual(sorted(ids), ids)
        self.assertEqual(len(ids), len(set(ids)))
        rows = db_api.upload_get_all()
        self.assertEqual(ids, [r['id'] for r in rows])
        self.assertEqual(images, [r['image_id'] for r in rows])
        self.assertEqual([ids[0], ids[3]],
                         [r['id'] for r in db_api.upload_get_all(
                             host='host-0')])

    def test_upload_get_all_filters(self):
        a = self._start_upload(image_id='a', host='host-a')
        b = self._start_upload(image_id='b', host='host-b')
        c = self._start_upload(image_id='c', host='host-a')
        d = self._start_upload(image_id='d')
        db_api.upload_set_state(c, 'failed')

        def ids(**filters):
            return [r['id'] for r in db_api.upload_get_all(**filters)]

        self.assertEqual([a, b, c, d], ids())
        self.assertEqual([a, c], ids(host='host-a'))
        self.assertEqual([b], ids(host='host-b'))
        self.assertEqual([], ids(host='host-c'))
        self.assertEqual([a, b, d], ids(state='uploading'))
        self.assertEqual([c], ids(state='failed'))
        self.assertEqual([a], ids(host='host-a', state='uploading'))
        self.assertEqual([c], ids(host='host-a', state='failed'))
        self.assertEqual([], ids(host='host-b', state='failed'))
        # Filters match exactly: no prefix, no case folding.
        self.assertEqual([], ids(host='host'))
        self.assertEqual([], ids(host='HOST-A'))
        self.assertEqual([], ids(state='Failed'))

    def test_upload_set_state_changes_that_row_only(self):
        first = self._start_upload(image_id=IMAGE, host='host-a')
        second = self._start_upload(image_id=OTHER_IMAGE, host='host-a')
        before = self._uploads_by_image()
        db_api.upload_set_state(first, 'cleaning')
        after = self._uploads_by_image()
        self.assertEqual(dict(before[IMAGE], state='cleaning'),
                         after[IMAGE])
        self.assertEqual(before[OTHER_IMAGE], after[OTHER_IMAGE])
        db_api.upload_set_state(first, 'failed')
        self.assertEqual(
            [(first, 'failed'), (second, 'uploading')],
            [(r['id'], r['state']) for r in db_api.upload_get_all()])

    def test_upload_set_state_of_unknown_id_changes_nothing(self):
        upload_id = self._start_upload()
        rows = db_api.upload_get_all()
        db_api.upload_set_state(upload_id + 1000, 'failed')
        self.assertEqual(rows, db_api.upload_get_all())

    def test_upload_end_deletes_that_row_only(self):
        first = self._start_upload(image_id=IMAGE)
        second = self._start_upload(image_id=OTHER_IMAGE)
        db_api.upload_end(first)
        self.assertEqual([second],
                         [r['id'] for r in db_api.upload_get_all()])
        # Ending it again, or an id never used, is not an error.
        db_api.upload_end(first)
        db_api.upload_end(second + 1000)
        self.assertEqual([second],
                         [r['id'] for r in db_api.upload_get_all()])
        db_api.upload_end(second)
        self.assertEqual([], db_api.upload_get_all())

    def test_upload_same_image_in_one_vim_is_a_duplicate(self):
        first = self._start_upload(user_id='first', host='host-a')
        e = self.assertRaises(db_exc.DBDuplicateEntry, self._start_upload,
                              tenant_id='other-tenant', user_id='second',
                              host='host-b')
        self.assertEqual(['vim_id', 'image_id'], e.columns)
        # The failed insert left nothing behind, the first row is intact.
        [row] = db_api.upload_get_all()
        self.assertEqual((first, TENANT, 'first', 'host-a'),
                         (row['id'], row['tenant_id'], row['user_id'],
                          row['host']))
        # The failure ended its own transaction only: writing goes on.
        other = self._start_upload(image_id=OTHER_IMAGE)
        self.assertEqual([first, other],
                         [r['id'] for r in db_api.upload_get_all()])

    def test_upload_intent_rows_without_image_id(self):
        # Written before the VIM makes the image: no id yet, a marker.
        first = self._start_upload(image_id=None, marker='marker-1')
        second = self._start_upload(image_id=None, marker='marker-2')
        rows = db_api.upload_get_all()
        self.assertEqual([(first, None, 'marker-1'),
                          (second, None, 'marker-2')],
                         [(r['id'], r['image_id'], r['marker'])
                          for r in rows])
        db_api.upload_set_image(first, IMAGE)
        self.assertEqual({IMAGE: 'marker-1'},
                         {r['image_id']: r['marker']
                          for r in db_api.upload_get_all(image_id=IMAGE)})
        # The image of another row is never given twice in a VIM.
        self.assertRaises(db_exc.DBDuplicateEntry, db_api.upload_set_image,
                          second, IMAGE)
        [row] = [r for r in db_api.upload_get_all() if r['id'] == second]
        self.assertIsNone(row['image_id'])

    def test_upload_same_image_in_another_vim_is_not_a_duplicate(self):
        first = self._start_upload(vim_id=VIM)
        second = self._start_upload(vim_id=OTHER_VIM)
        self.assertEqual([(first, VIM), (second, OTHER_VIM)],
                         [(r['id'], r['vim_id'])
                          for r in db_api.upload_get_all()])

    def test_upload_again_after_end(self):
        first = self._start_upload()
        db_api.upload_end(first)
        second = self._start_upload(host='host-b')
        # (sqlite may hand out the id of the row just deleted again.)
        self.assertEqual([(second, 'host-b', 'uploading')],
                         [(r['id'], r['host'], r['state'])
                          for r in db_api.upload_get_all()])

    def test_upload_rows_are_copies(self):
        self._start_upload(host='host-a')
        [row] = db_api.upload_get_all()
        row['state'] = 'changed'
        row['host'] = 'host-b'
        [again] = db_api.upload_get_all()
        self.assertEqual(('uploading', 'host-a'),
                         (again['state'], again['host']))

    # -- staged uploads ---------------------------------------------------

    def _stage(self, upload_id, owner=TENANT, status='active', created=None,
               expires_in=3600, **values):
        created = created or timeutils.utcnow()
        values.update(id=upload_id, owner=owner, status=status,
                      store='local', created_at=created,
                      expires_at=created + datetime.timedelta(
                          seconds=expires_in))
        return db_api.staged_upload_create(values)

    def test_staged_upload_round_trip(self):
        row = self._stage(IMAGE, status='saving', name='disk', size=None,
                          disk_format='qcow2', host='node-1')
        self.assertEqual(row, db_api.staged_upload_get(IMAGE))
        big = 5 * 1024 ** 4
        done = db_api.staged_upload_update(IMAGE, {
            'status': 'active', 'size': big, 'checksum': 'a' * 32,
            'os_hash_algo': 'sha512', 'os_hash_value': 'b' * 128,
            'location': 'file:///x/%s' % IMAGE}, status='saving')
        # BigInteger: sizes past 4 GiB survive.
        self.assertEqual(big, done['size'])
        self.assertEqual('active', done['status'])
        self.assertIsNotNone(done['updated_at'])
        self.assertEqual(done, db_api.staged_upload_get(IMAGE))

    def test_staged_upload_update_guarded_by_status(self):
        self._stage(IMAGE, status='active')
        self.assertRaises(exception.StagedUploadNotFound,
                          db_api.staged_upload_update, IMAGE,
                          {'size': 1}, status='saving')
        self.assertIsNone(db_api.staged_upload_get(IMAGE)['size'])
        self.assertRaises(exception.StagedUploadNotFound,
                          db_api.staged_upload_update, OTHER_IMAGE,
                          {'size': 1})

    def test_staged_upload_get_unknown(self):
        self.assertRaises(exception.StagedUploadNotFound,
                          db_api.staged_upload_get, IMAGE)

    def test_staged_upload_get_all_newest_first_paged(self):
        start = timeutils.utcnow()
        ids = ['%08d-0000-4000-8000-000000000000' % i for i in range(5)]
        for i, upload_id in enumerate(ids):
            self._stage(upload_id,
                        created=start + datetime.timedelta(seconds=i))
        newest_first = ids[::-1]
        self.assertEqual(newest_first, [
            r['id'] for r in db_api.staged_upload_get_all()])
        page = db_api.staged_upload_get_all(limit=2)
        self.assertEqual(newest_first[:2], [r['id'] for r in page])
        page = db_api.staged_upload_get_all(limit=2, marker=page[-1]['id'])
        self.assertEqual(newest_first[2:4], [r['id'] for r in page])
        self.assertRaises(exception.StagedUploadNotFound,
                          db_api.staged_upload_get_all,
                          marker='99999999-0000-4000-8000-000000000000')

    def test_staged_upload_get_all_filters(self):
        now = timeutils.utcnow()
        self._stage(IMAGE, owner='p1', status='saving', host='h1')
        self._stage(OTHER_IMAGE, owner='p2', expires_in=-1, host='h2')
        ids = lambda **kw: [r['id'] for r in  # noqa: E731
                            db_api.staged_upload_get_all(**kw)]
        self.assertEqual([IMAGE], ids(owner='p1'))
        self.assertEqual([OTHER_IMAGE], ids(status='active'))
        self.assertEqual([IMAGE], ids(host='h1'))
        self.assertEqual([OTHER_IMAGE], ids(expired_at=now))
        self.assertEqual([], ids(owner='p1', status='active'))

    def test_staged_upload_delete(self):
        self._stage(IMAGE)
        self._stage(OTHER_IMAGE)
        self.assertTrue(db_api.staged_upload_delete(IMAGE))
        self.assertFalse(db_api.staged_upload_delete(IMAGE))
        self.assertEqual([OTHER_IMAGE], [
            r['id'] for r in db_api.staged_upload_get_all()])

    def test_staged_upload_usage_counts_what_is_kept_or_coming(self):
        ids = ['%08d-0000-4000-8000-000000000000' % i for i in range(6)]
        self._stage(ids[0], size=5 * 1024 ** 4)
        # A reservation: the size of data still arriving.
        self._stage(ids[1], status='saving', size=7)
        self._stage(ids[2], status='saving')
        # Expired (the sweep deletes it), another owner's: not counted.
        self._stage(ids[3], size=100, expires_in=-1)
        self._stage(ids[4], size=1000, owner='other')
        self._stage(ids[5], status='killed', size=10000)
        self.assertEqual(5 * 1024 ** 4 + 7,
                         db_api.staged_upload_usage(TENANT))
        self.assertEqual(1000, db_api.staged_upload_usage('other'))
        self.assertEqual(0, db_api.staged_upload_usage('nobody'))

    def test_staged_upload_same_id_is_a_duplicate(self):
        self._stage(IMAGE)
        self.assertRaises(db_exc.DBDuplicateEntry, self._stage, IMAGE)

    # -- tasks ------------------------------------------------------------

    def _task(self, **values):
        row = {'id': uuidutils.generate_uuid(), 'type': 'import',
               'status': 'processing', 'input': '{}', 'owner': TENANT,
               'host': 'h1', 'pid': 4242}
        row.update(values)
        return db_api.task_create(row)['id']

    def test_task_claim_has_one_winner_among_concurrent_claimers(self):
        # Processes of one host that all found the task of a dead one:
        # exactly one may take it over.
        task_id = self._task()
        claimers = 4
        barrier = threading.Barrier(claimers)
        won, errors = [], []

        def claim(pid):
            try:
                barrier.wait(timeout=10)
                if db_api.task_claim(task_id, 'h1', 4242, 'h1', pid):
                    won.append(pid)
            except Exception as e:
                errors.append(e)

        threads = [threading.Thread(target=claim, args=(5000 + n,))
                   for n in range(claimers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        self.assertEqual([], errors)
        self.assertEqual(1, len(won), won)
        row = db_api.task_get(task_id)
        self.assertEqual(('h1', won[0], 'processing'),
                         (row['host'], row['pid'], row['status']))

    def test_task_claim_only_as_seen_and_unfinished(self):
        task_id = self._task()
        # Someone else took it since it was read.
        self.assertFalse(db_api.task_claim(task_id, 'h1', 1, 'h1', 2))
        self.assertFalse(db_api.task_claim(task_id, 'h2', 4242, 'h1', 2))
        self.assertEqual(4242, db_api.task_get(task_id)['pid'])
        self.assertTrue(db_api.task_claim(task_id, 'h1', 4242, 'h1', 2))
        self.assertEqual(2, db_api.task_get(task_id)['pid'])
        # Rows written before pids were recorded.
        legacy = self._task(pid=None, status='pending')
        self.assertTrue(db_api.task_claim(legacy, 'h1', None, 'h1', 3))
        self.assertEqual(3, db_api.task_get(legacy)['pid'])
        # A finished task is never taken.
        done = self._task(status='success')
        self.assertFalse(db_api.task_claim(done, 'h1', 4242, 'h1', 2))
        self.assertRaises(exception.TaskNotFound, db_api.task_claim,
                          uuidutils.generate_uuid(), 'h1', 4242, 'h1', 2)

    def test_task_update_owner_guard(self):
        task_id = self._task(status='pending')
        self.assertIsNone(db_api.task_update(
            task_id, {'status': 'processing'}, owner=('h1', 1)))
        self.assertEqual('pending', db_api.task_get(task_id)['status'])
        row = db_api.task_update(task_id, {'status': 'processing'},
                                 statuses=('pending',), owner=('h1', 4242))
        self.assertEqual('processing', row['status'])


class TestDBAPISqlite(DBAPITestsMixin, base.TestCase):
    """On the sqlite file tests.base.TestCase configures."""
