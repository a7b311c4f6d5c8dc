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

"""Glance's interoperable import through the Glance endpoint, real Glance.

Staged data goes to mcimage's staging store (never Glance's); the import
is an mcimage task into the image, read back byte for byte with GET
.../file and from Glance itself. The web-download source is a local web
server, allow-listed for the class's mcimage-api.
"""

import hashlib
import json
import os
import subprocess
import sys
import time

import fixtures
import requests

from tests.functional import base
from tests.functional.fixtures import web

OPENSTACK = os.path.join(os.path.dirname(sys.executable), 'openstack')
SIZE = 3 * 1024 * 1024 + 17
TASK_FIELDS = {'id', 'type', 'status', 'input', 'result', 'message', 'owner',
               'image_id', 'request_id', 'user_id', 'created_at',
               'updated_at', 'expires_at'}


class TestGlanceImport(base.FunctionalTestCase):

    @classmethod
    def setUpClass(cls):
        cls.data = os.urandom(SIZE)
        cls.web = web.HTTPSourceFixture({'/disk.img': cls.data})
        cls.web.setUp()
        cls.addClassCleanup(cls.web.cleanUp)
        cls.EXTRA_CONF = cls.web.task_conf()
        super().setUpClass()

    def setUp(self):
        super().setUp()
        self.expect_no_mcimage_errors()
        self.images = self.mcimage.url('/glance/%s/v2/images' % self.VIM)

    def create(self, disk_format='raw'):
        resp = requests.post(self.images, json={
            'name': 'imp', 'disk_format': disk_format,
            'container_format': 'bare'}, headers=self.headers(), timeout=30)
        self.assertEqual(201, resp.status_code, resp.text)
        return resp.json()['id']

    def show(self, image_id):
        resp = requests.get('%s/%s' % (self.images, image_id),
                            headers=self.headers(), timeout=30)
        self.assertEqual(200, resp.status_code, resp.text)
        return resp.json()

    def stage(self, image_id, data, status=204):
        # Chunked, as Tempest and glanceclient send it.
        resp = requests.put(
            '%s/%s/stage' % (self.images, image_id),
            data=iter([data[i:i + 65536]
                       for i in range(0, len(data), 65536)]),
            headers=self.headers(**{
                'Content-Type': 'application/octet-stream',
                'Accept': 'application/json'}), timeout=60)
        self.assertEqual(status, resp.status_code, resp.text)
        return resp

    def do_import(self, image_id, body, status=202):
        resp = requests.post('%s/%s/import' % (self.images, image_id),
                             json=body, headers=self.headers(
                                 Accept='application/json'), timeout=30)
        self.assertEqual(status, resp.status_code, resp.text)
        return resp

    def tasks(self, image_id):
        resp = requests.get('%s/%s/tasks' % (self.images, image_id),
                            headers=self.headers(), timeout=30)
        self.assertEqual(200, resp.status_code, resp.text)
        return resp.json()['tasks']

    def wait(self, image_id, timeout=120):
        deadline = time.monotonic() + timeout
        while True:
            tasks = self.tasks(image_id)
            if tasks and all(t['status'] in ('success', 'failure')
                             for t in tasks):
                return tasks
            if time.monotonic() > deadline:
                self.fail('tasks of %s: %s\n%s' % (
                    image_id, tasks, self.mcimage.log_tail(5000)))
            time.sleep(0.2)

    def staged_files(self):
        path = os.path.join(self.mcimage.workdir, 'staging')
        return sorted(os.listdir(path)) if os.path.isdir(path) else []

    def assertHolds(self, image_id, data):
        got = requests.get('%s/%s/file' % (self.images, image_id),
                           headers=self.headers(), timeout=60)
        self.assertEqual(200, got.status_code)
        self.assertEqual(hashlib.sha512(data).hexdigest(),
                         hashlib.sha512(got.content).hexdigest())
        image = self.glance.get_image(image_id, self.tenant)
        self.assertEqual('active', image['status'])
        self.assertEqual(hashlib.sha512(data).hexdigest(),
                         image['os_hash_value'])
        self.assertEqual(hashlib.md5(data).hexdigest(), image['checksum'])
        shown = self.show(image_id)
        self.assertEqual('active', shown['status'])
        self.assertEqual(image['os_hash_value'], shown['os_hash_value'])
        # Tempest's waiter: the stores info/stores lists, sorted.
        stores = requests.get(
            self.mcimage.url('/glance/%s/v2/info/stores' % self.VIM),
            headers=self.headers(), timeout=30).json()['stores']
        self.assertEqual(','.join(sorted(s['id'] for s in stores)),
                         shown['stores'])

    def test_glance_direct(self):
        info = requests.get(
            self.mcimage.url('/glance/%s/v2/info/import' % self.VIM),
            headers=self.headers(), timeout=30).json()
        self.assertEqual(['glance-direct', 'web-download'],
                         info['import-methods']['value'])
        image_id = self.create()
        self.stage(image_id, self.data)
        self.assertEqual('uploading', self.show(image_id)['status'])
        # Glance itself has no data: it is in mcimage's staging store.
        self.assertEqual('queued',
                         self.glance.get_image(image_id,
                                               self.tenant)['status'])
        self.assertEqual(1, len(self.staged_files()))
        self.stage(image_id, b'again', status=409)
        resp = self.do_import(image_id, {'method': {'name': 'glance-direct'},
                                         'all_stores': True})
        self.assertEqual(b'', resp.content)
        [task] = self.wait(image_id)
        self.assertEqual('success', task['status'], task['message'])
        self.assertEqual(TASK_FIELDS, set(task))
        self.assertEqual(('api_image_import', image_id, self.tenant),
                         (task['type'], task['image_id'], task['owner']))
        self.assertEqual(resp.headers['X-OpenStack-Request-Id'],
                         task['request_id'])
        self.assertEqual('glance-direct',
                         task['input']['import_req']['method']['name'])
        self.assertHolds(image_id, self.data)
        self.assertEqual([], self.staged_files())
        self.assertNotIn('os_mcimage_staged_upload', self.show(image_id))

    def test_web_download(self):
        image_id = self.create()
        self.assertEqual('queued', self.show(image_id)['status'])
        self.do_import(image_id, {'method': {
            'name': 'web-download', 'uri': self.web.url('/disk.img')}})
        [task] = self.wait(image_id)
        self.assertEqual('success', task['status'], task['message'])
        self.assertHolds(image_id, self.data)

    def test_failed_web_download_leaves_the_image_queued(self):
        image_id = self.create()
        self.do_import(image_id, {'method': {
            'name': 'web-download', 'uri': self.web.url('/missing.img')}})
        [task] = self.wait(image_id)
        self.assertEqual('failure', task['status'])
        self.assertIn('404', task['message'])
        shown = self.show(image_id)
        self.assertEqual('queued', shown['status'])
        self.assertEqual('local', shown['os_glance_failed_import'])
        self.assertEqual('queued', self.glance.get_image(
            image_id, self.tenant)['status'])
        self.assertEqual([], self.staged_files())

    def test_refusals(self):
        image_id = self.create(disk_format='qcow2')
        # Not a qcow2: refused while staged, nothing kept.
        resp = self.stage(image_id, self.data, status=400)
        self.assertIn('qcow2', resp.json()['message'])
        self.assertEqual([], self.staged_files())
        self.assertEqual('queued', self.show(image_id)['status'])
        self.do_import(image_id, {'method': {'name': 'glance-direct'}},
                       status=409)
        resp = self.do_import(image_id, {'method': {
            'name': 'web-download',
            'uri': 'http://does-not.exist/no/possible/way'}}, status=400)
        self.assertIn('does-not.exist', resp.json()['message'])
        # copy-image: the admin's, between the stores of a VIM of several.
        resp = self.do_import(image_id, {'method': {'name': 'copy-image'}},
                              status=403)
        self.assertIn('copy_image', resp.json()['message'])
        resp = requests.post(
            '%s/%s/import' % (self.images, image_id),
            json={'method': {'name': 'copy-image'}}, timeout=30,
            headers=self.headers(roles='admin,member,reader',
                                 Accept='application/json'))
        self.assertEqual(400, resp.status_code, resp.text)
        self.assertIn('one store', resp.json()['message'])
        self.assertEqual([], self.tasks(image_id))
        self.assertEqual('queued', self.show(image_id)['status'])

    def test_delete_after_stage_leaves_nothing(self):
        image_id = self.create()
        self.stage(image_id, self.data)
        self.assertEqual(1, len(self.staged_files()))
        resp = requests.delete('%s/%s' % (self.images, image_id),
                               headers=self.headers(), timeout=30)
        self.assertEqual(204, resp.status_code, resp.text)
        self.assertEqual([], self.staged_files())
        self.assertEqual([], self.glance_images())

    def cli(self, *args):
        """``openstack`` noauth (project admin), the endpoint overridden."""
        command = [OPENSTACK, '--os-auth-type', 'none', '--os-endpoint',
                   self.mcimage.endpoint] + list(args)
        env = dict(os.environ, OS_IMAGE_ENDPOINT_OVERRIDE=self.mcimage.url(
            '/glance/%s' % self.VIM))
        done = subprocess.run(command, capture_output=True, text=True,
                              timeout=120, env=env)
        self.assertEqual(0, done.returncode, '%s\n%s' % (
            ' '.join(args), done.stderr[-2000:]))
        return done.stdout

    def test_openstack_image_stage_and_import(self):
        path = os.path.join(self.useFixture(fixtures.TempDir()).path, 'd')
        with open(path, 'wb') as f:
            f.write(self.data)
        # Created here: ``image create`` would upload its stdin.
        resp = requests.post(self.images, json={
            'name': 'cli-%s' % self.tenant, 'disk_format': 'raw',
            'container_format': 'bare'}, headers=self.headers(
                tenant='admin'), timeout=30)
        self.assertEqual(201, resp.status_code, resp.text)
        image = resp.json()
        self.addCleanup(self.cli, 'image', 'delete', image['id'])
        self.cli('image', 'stage', '--file', path, image['id'])
        self.cli('image', 'import', '--method', 'glance-direct', image['id'])
        deadline = time.monotonic() + 120
        while True:
            shown = json.loads(self.cli('image', 'show', '-f', 'json',
                                        image['id']))
            if shown['status'] == 'active' or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        self.assertEqual('active', shown['status'])
        self.assertEqual(hashlib.md5(self.data).hexdigest(),
                         shown['checksum'])
