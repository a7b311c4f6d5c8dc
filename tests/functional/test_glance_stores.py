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

"""A VIM of two stores through the Glance endpoint, real Glance.

An import into chosen stores or all of them is written by mcimage into
the first store and copied by the VIM's Glance into the others; the
copy-image import and DELETE /v2/stores/{store_id}/{image_id} are
Glance's, relayed. The data is read back from each store's files and
through mcimage.
"""

import hashlib
import os
import shutil
import tempfile
import time

import requests

from tests.functional import base

SIZE = 2 * 1024 * 1024 + 5
ADMIN = 'admin,member,reader'
MISSING = '1' * 8 + '-1111-1111-1111-' + '1' * 12


class TestGlanceStores(base.FunctionalTestCase):

    @classmethod
    def setUpClass(cls):
        cls.backup_dir = tempfile.mkdtemp(prefix='mcimage-backup-store-')
        cls.addClassCleanup(shutil.rmtree, cls.backup_dir, True)
        # Listed alphabetically, the default one last: an image's stores
        # then read in the order they were written.
        cls.GLANCE_CONF = (
            '[DEFAULT]\nenabled_backends = backup:file,local:file\n'
            'enabled_import_methods = '
            '[glance-direct,web-download,copy-image]\n'
            '[backup]\nfilesystem_store_datadir = %s\n' % cls.backup_dir)
        super().setUpClass()

    def setUp(self):
        super().setUp()
        self.expect_no_mcimage_errors()
        self.data = os.urandom(SIZE)
        self.root = self.mcimage.url('/glance/%s/v2' % self.VIM)
        self.images = self.root + '/images'

    def call(self, method, path, roles='member,reader', **kwargs):
        headers = self.headers(roles=roles, Accept='application/json')
        headers.update(kwargs.pop('headers', {}))
        return requests.request(method, self.root + path, headers=headers,
                                timeout=60, **kwargs)

    def create(self):
        resp = self.call('POST', '/images', json={
            'name': 'stores', 'disk_format': 'raw',
            'container_format': 'bare'})
        self.assertEqual(201, resp.status_code, resp.text)
        return resp.json()['id']

    def show(self, image_id):
        resp = self.call('GET', '/images/' + image_id)
        self.assertEqual(200, resp.status_code, resp.text)
        return resp.json()

    def stage(self, image_id):
        resp = self.call('PUT', '/images/%s/stage' % image_id,
                         data=self.data, headers={
                             'Content-Type': 'application/octet-stream'})
        self.assertEqual(204, resp.status_code, resp.text)

    def do_import(self, image_id, body, status=202, roles='member,reader'):
        resp = self.call('POST', '/images/%s/import' % image_id, json=body,
                         roles=roles)
        self.assertEqual(status, resp.status_code, resp.text)
        return resp

    def wait_stores(self, image_id, stores, timeout=120):
        """Tempest's waiter: active, in these stores, none failed."""
        deadline = time.monotonic() + timeout
        while True:
            shown = self.show(image_id)
            if shown['status'] == 'active' and shown.get('stores') == stores:
                return shown
            if (shown.get('os_glance_failed_import')
                    or time.monotonic() > deadline):
                self.fail('image %s: %s\n%s' % (image_id, shown,
                                                self.mcimage.log_tail(5000)))
            time.sleep(0.2)

    def store_file(self, store, image_id):
        directory = (self.backup_dir if store == 'backup'
                     else os.path.join(self.glance.workdir, 'images'))
        return os.path.join(directory, image_id)

    def assertInStores(self, image_id, stores):
        digest = hashlib.sha512(self.data).hexdigest()
        for store in ('backup', 'local'):
            path = self.store_file(store, image_id)
            if store not in stores:
                self.assertFalse(os.path.exists(path), path)
                continue
            with open(path, 'rb') as f:
                self.assertEqual(digest, hashlib.sha512(f.read()).hexdigest(),
                                 store)
        got = self.call('GET', '/images/%s/file' % image_id)
        self.assertEqual(200, got.status_code)
        self.assertEqual(digest, hashlib.sha512(got.content).hexdigest())
        image = self.glance.get_image(image_id, self.tenant)
        self.assertEqual(','.join(stores), image['stores'])
        self.assertEqual(digest, image['os_hash_value'])

    def test_info_stores_lists_every_store(self):
        resp = self.call('GET', '/info/stores')
        self.assertEqual(200, resp.status_code, resp.text)
        straight = requests.get(self.glance.endpoint + '/v2/info/stores',
                                headers=self.glance.headers(self.tenant),
                                timeout=30).json()
        self.assertEqual(straight, resp.json())
        self.assertEqual(['backup', 'local'],
                         [s['id'] for s in resp.json()['stores']])
        methods = self.call('GET', '/info/import').json()
        self.assertEqual(['glance-direct', 'web-download', 'copy-image'],
                         methods['import-methods']['value'])

    def test_import_into_all_stores_then_delete_from_one(self):
        image_id = self.create()
        self.stage(image_id)
        self.do_import(image_id, {'method': {'name': 'glance-direct'},
                                  'all_stores': True})
        shown = self.wait_stores(image_id, 'backup,local')
        self.assertEqual('', shown['os_glance_failed_import'])
        self.assertEqual('', shown['os_glance_importing_to_stores'])
        self.assertInStores(image_id, ['backup', 'local'])
        # Deleting from a store is the admin's, as Glance's.
        resp = self.call('DELETE', '/stores/backup/%s' % image_id)
        self.assertEqual(403, resp.status_code, resp.text)
        self.assertInStores(image_id, ['backup', 'local'])
        resp = self.call('DELETE', '/stores/backup/%s' % image_id,
                         roles=ADMIN)
        self.assertEqual(204, resp.status_code, resp.text)
        self.assertEqual('local', self.show(image_id)['stores'])
        self.assertInStores(image_id, ['local'])
        # Glance's answers: its last store (a 403 before "not in that
        # store"), no such store.
        for store, status in (('backup', 403), ('local', 403),
                              ('nowhere', 409)):
            resp = self.call('DELETE', '/stores/%s/%s' % (store, image_id),
                             roles=ADMIN)
            self.assertEqual(status, resp.status_code, resp.text)
        resp = self.call('DELETE', '/stores/local/' + MISSING, roles=ADMIN)
        self.assertEqual(404, resp.status_code, resp.text)
        self.assertInStores(image_id, ['local'])

    def test_import_into_a_chosen_store(self):
        image_id = self.create()
        self.stage(image_id)
        self.do_import(image_id, {'method': {'name': 'glance-direct'},
                                  'stores': ['backup']})
        self.wait_stores(image_id, 'backup')
        self.assertInStores(image_id, ['backup'])

    def test_unknown_store_refused_before_anything_is_written(self):
        image_id = self.create()
        self.stage(image_id)
        resp = self.do_import(image_id, {
            'method': {'name': 'glance-direct'},
            'stores': ['local', 'nowhere']}, status=409)
        self.assertIn('nowhere', resp.json()['message'])
        self.assertEqual('uploading', self.show(image_id)['status'])
        self.assertEqual('queued', self.glance.get_image(
            image_id, self.tenant)['status'])
        resp = self.call('GET', '/images/%s/tasks' % image_id)
        self.assertEqual([], resp.json()['tasks'])
        # The staged data still imports.
        self.do_import(image_id, {'method': {'name': 'glance-direct'}})
        self.wait_stores(image_id, 'local')
        self.assertInStores(image_id, ['local'])

    def test_copy_image(self):
        image_id = self.create()
        resp = self.call('PUT', '/images/%s/file' % image_id,
                         data=self.data, headers={
                             'Content-Type': 'application/octet-stream'})
        self.assertEqual(204, resp.status_code, resp.text)
        self.assertInStores(image_id, ['local'])
        body = {'method': {'name': 'copy-image'}, 'all_stores': True,
                'all_stores_must_succeed': False}
        # The admin's, as Glance's copy_image.
        self.do_import(image_id, body, status=403)
        self.do_import(image_id, body, roles=ADMIN)
        shown = self.wait_stores(image_id, 'local,backup')
        self.assertEqual('', shown['os_glance_failed_import'])
        self.assertInStores(image_id, ['local', 'backup'])
        # Into a store that holds it: Glance's 400; of a queued image: 409.
        self.do_import(image_id, {'method': {'name': 'copy-image'},
                                  'stores': ['backup']}, status=400,
                       roles=ADMIN)
        self.do_import(self.create(), body, status=409, roles=ADMIN)
