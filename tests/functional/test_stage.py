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

"""[upload] mode = stage against real Glance servers.

The main class keeps mcimage's database on a real PostgreSQL; the
glance_store class stages through glance_store's own filesystem driver.
"""

import hashlib
import json
import os
import shutil
import tempfile
import time

import fixtures
import requests
import sqlalchemy

from mcimage.db import migration
from tests.functional import base
from tests.functional import test_image_safety
from tests.functional import test_onap_upload

OTHER_VIM = 'local_RegionTwo'
HEADER = 'OpenStack-Staged-Upload-Id'
CAP = 48 * 1024 * 1024


class StageTests(object):
    """Shared by both stores: ``staging_dir()`` is where files land."""

    EXTRA_VIMS = (OTHER_VIM,)
    STAGE_CONF = ('[upload]\nmode = stage\ncleanup_interval = 1\n'
                  'image_size_cap = %d\n' % CAP)

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path
        # A class's tests run one after the other: what earlier tests left
        # staged is not this test's.
        self._before = set(self._listing())

    def _listing(self):
        directory = self.staging_dir()
        return os.listdir(directory) if os.path.isdir(directory) else []

    def staged_files(self):
        """What this test left in the staging store."""
        return sorted(set(self._listing()) - self._before)

    def staged_data(self, upload_id):
        with open(os.path.join(self.staging_dir(), upload_id), 'rb') as f:
            return f.read()

    def upload(self, data, fields=None, name='disk.img', url=None):
        fields = fields if fields is not None else [
            ('imageType', 'raw'), ('containerFormat', 'bare')]
        body, ctype = test_onap_upload.multipart_body(fields, name, data)
        return requests.post(url or self.images_url() + '/file', data=body,
                             headers=self.headers(**{'Content-Type': ctype}),
                             timeout=300)

    def uploads(self):
        resp = requests.get(self.mcimage.url('/v1/uploads'),
                            headers=self.headers(), timeout=30)
        self.assertEqual(200, resp.status_code, resp.text)
        return resp.json()['uploads']

    def download(self, image_id, vim=None):
        return requests.get(self.images_url(vim=vim) + '/%s/file' % image_id,
                            headers=self.headers(), timeout=120)

    def assertNothingLeft(self, vims=None):
        """No image of the tenant in any VIM, nothing staged for it."""
        for vim in vims or self.glances:
            self.assertEqual([], self.glance_images(vim=vim))
        self.assertEqual([], self.uploads())
        self.assertEqual([], self.staged_files())

    def test_round_trip(self):
        test_image_safety.qemu_img('create', '-f', 'qcow2',
                                   os.path.join(self.dir, 'a.qcow2'), '64M')
        with open(os.path.join(self.dir, 'a.qcow2'), 'rb') as f:
            data = f.read()
        resp = self.upload(data, [('imageType', 'qcow2'),
                                  ('name', 'staged-disk')], 'a.qcow2')
        self.assertEqual(201, resp.status_code, resp.text)
        upload_id = resp.headers[HEADER]
        image = resp.json()
        recorded = self.glance.get_image(image['id'], self.tenant)
        self.assertEqual('active', recorded['status'])
        self.assertEqual(hashlib.md5(data).hexdigest(), recorded['checksum'])
        self.assertEqual(hashlib.sha512(data).hexdigest(),
                         recorded['os_hash_value'])
        self.assertEqual(data, self.download(image['id']).content)
        # The staged copy: listed, whole, deletable.
        [listed] = self.uploads()
        self.assertEqual(upload_id, listed['id'])
        self.assertEqual(
            {'status': 'active', 'size': len(data), 'owner': self.tenant,
             'name': 'staged-disk', 'disk_format': 'qcow2',
             'checksum': recorded['checksum'],
             'os_hash_value': recorded['os_hash_value']},
            {k: listed[k] for k in ('status', 'size', 'owner', 'name',
                                    'disk_format', 'checksum',
                                    'os_hash_value')})
        self.assertEqual([upload_id], self.staged_files())
        self.assertEqual(data, self.staged_data(upload_id))
        resp = requests.delete(self.mcimage.url('/v1/uploads/' + upload_id),
                               headers=self.headers(), timeout=30)
        self.assertEqual(204, resp.status_code, resp.text)
        self.assertEqual([], self.uploads())
        self.assertEqual([], self.staged_files())
        # The image in the VIM is the user's, untouched.
        self.assertEqual(data, self.download(image['id']).content)

    def test_put_chunked_round_trip(self):
        data = os.urandom(20 * 1024 * 1024 + 3)
        resp = requests.post(self.images_url(), json={
            'name': 'put', 'disk_format': 'raw', 'container_format': 'bare'},
            headers=self.headers(), timeout=30)
        self.assertEqual(201, resp.status_code, resp.text)
        image_id = resp.json()['id']

        def chunks():
            for start in range(0, len(data), 1024 * 1024):
                yield data[start:start + 1024 * 1024]

        resp = requests.put(self.images_url() + '/%s/file' % image_id,
                            data=chunks(), headers=self.headers(**{
                                'Content-Type': 'application/octet-stream'}),
                            timeout=120)
        self.assertEqual(204, resp.status_code, resp.text)
        self.assertEqual([resp.headers[HEADER]], self.staged_files())
        self.assertEqual(data, self.download(image_id).content)

    def test_refused_uploads_leave_nothing(self):
        test_image_safety.qemu_img('create', '-f', 'qcow2',
                                   os.path.join(self.dir, 'base.qcow2'), '1M')
        test_image_safety.qemu_img(
            'create', '-f', 'qcow2', '-F', 'qcow2', '-b',
            os.path.join(self.dir, 'base.qcow2'),
            os.path.join(self.dir, 'backed.qcow2'))
        with open(os.path.join(self.dir, 'backed.qcow2'), 'rb') as f:
            backed = f.read()
        raw = os.urandom(1024 * 1024)
        for data, fields, status, detail in (
                (backed, [('imageType', 'qcow2')], 400, 'backing file'),
                (raw, [('imageType', 'raw'), ('checksum', '0' * 32)], 400,
                 "'checksum'"),
                (os.urandom(CAP + 1), [('imageType', 'raw')], 413,
                 'image_size_cap')):
            resp = self.upload(data, fields)
            self.assertError(resp, status, detail)
            self.assertNothingLeft()

    def test_a_stopped_vim_keeps_the_staged_copy(self):
        data = os.urandom(8 * 1024 * 1024)
        body, ctype = test_onap_upload.multipart_body(
            [('imageType', 'raw'),
             ('targets', json.dumps([{'vim_id': v, 'tenant_id': self.tenant}
                                     for v in (self.VIM, OTHER_VIM)]))],
            'fan.img', data)
        other = self.glances[OTHER_VIM]
        other.stop()
        self.addCleanup(other.restart)
        resp = requests.post(self.mcimage.url('/v1/images/file'), data=body,
                             headers=self.headers(**{'Content-Type': ctype}),
                             timeout=300)
        error = self.assertError(resp, 503, OTHER_VIM)
        [staged] = self.uploads()
        self.assertIn('kept as staged upload %s' % staged['id'],
                      error['detail'])
        self.assertEqual(hashlib.md5(data).hexdigest(), staged['checksum'])
        self.assertEqual([staged['id']], self.staged_files())
        self.assertEqual(data, self.staged_data(staged['id']))
        # All or nothing in the VIMs.
        self.assertEqual([], self.glance_images())
        other.restart()
        deadline = time.monotonic() + 30
        while (self.glance_images(vim=OTHER_VIM)
               and time.monotonic() < deadline):
            time.sleep(0.5)
        self.assertEqual([], self.glance_images(vim=OTHER_VIM))


class TestStageLocalPostgres(StageTests, base.FunctionalTestCase):
    """The default local staging directory; the database on PostgreSQL."""

    DATABASE = 'postgresql'
    EXTRA_CONF = StageTests.STAGE_CONF

    def staging_dir(self):
        return os.path.join(self.mcimage.workdir, 'staging')

    def test_the_rows_live_in_postgresql(self):
        resp = self.upload(os.urandom(1024 * 1024))
        self.assertEqual(201, resp.status_code, resp.text)
        engine = sqlalchemy.create_engine(self.postgres.url('mcimage'))
        self.addCleanup(engine.dispose)
        with engine.connect() as connection:
            rows = connection.execute(sqlalchemy.text(
                'SELECT id, status, owner FROM staged_uploads WHERE '
                'owner = :owner'), {'owner': self.tenant}).all()
            revision = connection.execute(sqlalchemy.text(
                'SELECT version_num FROM alembic_version')).scalar()
        self.assertEqual([(resp.headers[HEADER], 'active', self.tenant)],
                         [tuple(r) for r in rows])
        self.assertEqual(migration.head(), revision)


class TestStageGlanceStore(StageTests, base.FunctionalTestCase):
    """Staged through glance_store's filesystem driver ([glance_store])."""

    @classmethod
    def setUpClass(cls):
        cls.store_dir = tempfile.mkdtemp(prefix='mcimage-gs-')
        cls.addClassCleanup(shutil.rmtree, cls.store_dir, True)
        cls.EXTRA_CONF = StageTests.STAGE_CONF + (
            '[staging_store]\ndriver = glance_store\n'
            '[glance_store]\nstores = file\ndefault_store = file\n'
            'filesystem_store_datadir = %s\n' % cls.store_dir)
        super().setUpClass()

    def staging_dir(self):
        return self.store_dir

    def test_store_failure_answers_a_generic_503(self):
        # The datadir gone under the running service: glance_store's
        # driver fails with its path in the error.
        gone = self.store_dir + '.gone'
        os.rename(self.store_dir, gone)

        def put_back():
            if os.path.isdir(gone):
                os.rename(gone, self.store_dir)

        self.addCleanup(put_back)
        resp = self.upload(os.urandom(1024 * 1024))
        error = self.assertError(resp, 503)
        self.assertEqual('mcimage.staging_store_error', error['code'])
        self.assertNotIn(self.store_dir, resp.text)
        self.assertNotIn('No such file', resp.text)
        # The log has the cause, under the request id the user got.
        log = self.mcimage.log_tail(50000)
        self.assertIn(self.store_dir, log)
        self.assertIn(error['request_id'], log)
        put_back()
        self.assertNothingLeft()

    def test_staged_data_gone_task_message_is_generic(self):
        data = os.urandom(1024 * 1024)
        resp = self.upload(data)
        self.assertEqual(201, resp.status_code, resp.text)
        upload_id = resp.headers[HEADER]
        os.unlink(os.path.join(self.store_dir, upload_id))
        resp = requests.post(self.mcimage.url('/v1/tasks'), json={
            'type': 'import', 'input': {
                'import_from': 'upload:' + upload_id,
                'targets': [{'vim_id': OTHER_VIM,
                             'tenant_id': self.tenant}]}},
            headers=self.headers(), timeout=60)
        self.assertEqual(201, resp.status_code, resp.text)
        task_url = self.mcimage.url('/v1/tasks/' + resp.json()['id'])
        deadline = time.monotonic() + 120
        while True:
            task = requests.get(task_url, headers=self.headers(),
                                timeout=30).json()
            if task['status'] in ('success', 'failure'):
                break
            self.assertLess(time.monotonic(), deadline, task)
            time.sleep(0.2)
        self.assertEqual('failure', task['status'])
        self.assertIn('staging store', json.dumps(task))
        self.assertNotIn(self.store_dir, json.dumps(task))
        self.assertIn(os.path.join(self.store_dir, upload_id),
                      self.mcimage.log_tail(50000))
        self.assertEqual([], self.glance_images(vim=OTHER_VIM))
