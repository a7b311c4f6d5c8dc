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


"""Glance's tasks API (POST/GET /v2/tasks) through the Glance endpoint.

Real Glance behind mcimage: a task imports from a local web server
(allow-listed for the class's mcimage-api) into an image it makes in the
caller's project; the bytes are read back from mcimage and from Glance.
"""

import hashlib
import os
import time

import requests

from tests.functional import base
from tests.functional.fixtures import web

SIZE = 2 * 1024 * 1024 + 5
ADMIN = 'admin,member,reader'


class TestGlanceTasks(base.FunctionalTestCase):

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
        self.root = self.mcimage.url('/glance/%s/v2' % self.VIM)

    def create(self, import_from, status=201, roles=ADMIN, **properties):
        props = {'name': 'from-task', 'disk_format': 'raw',
                 'container_format': 'bare'}
        props.update(properties)
        resp = requests.post(self.root + '/tasks', json={
            'type': 'import',
            'input': {'import_from': import_from,
                      'import_from_format': 'raw',
                      'image_properties': props}},
            headers=self.headers(roles, Accept='application/json'),
            timeout=30)
        self.assertEqual(status, resp.status_code, resp.text)
        return resp

    def get(self, path, status=200, roles=ADMIN):
        resp = requests.get(self.root + path, headers=self.headers(
            roles, Accept='application/json'), timeout=30)
        self.assertEqual(status, resp.status_code, resp.text)
        return resp.json()

    def wait(self, task_id, timeout=120):
        deadline = time.monotonic() + timeout
        while True:
            task = self.get('/tasks/' + task_id)
            if task['status'] in ('success', 'failure'):
                return task
            if time.monotonic() > deadline:
                self.fail('task %s: %s\n%s' % (
                    task_id, task, self.mcimage.log_tail(5000)))
            time.sleep(0.2)

    def test_import_from_url(self):
        url = self.web.url('/disk.img') + '?sig=SECRET'
        resp = self.create(url, visibility='public')
        task = resp.json()
        self.assertEqual('/v2/tasks/' + task['id'], task['self'])
        self.assertNotIn('SECRET', resp.text)
        task = self.wait(task['id'])
        self.assertEqual('success', task['status'], task['message'])
        image_id = task['result']['image_id']
        self.addCleanup(requests.delete, self.root + '/images/' + image_id,
                        headers=self.headers(ADMIN), timeout=30)
        self.assertEqual(self.tenant, task['owner'])
        got = requests.get(self.root + '/images/%s/file' % image_id,
                           headers=self.headers(), timeout=60)
        self.assertEqual(200, got.status_code)
        self.assertEqual(hashlib.sha512(self.data).hexdigest(),
                         hashlib.sha512(got.content).hexdigest())
        image = self.glance.get_image(image_id, self.tenant)
        self.assertEqual('active', image['status'])
        self.assertEqual('public', image['visibility'])
        self.assertEqual('raw', image['disk_format'])
        self.assertEqual('from-task', image['name'])
        self.assertEqual(hashlib.sha512(self.data).hexdigest(),
                         image['os_hash_value'])
        self.assertEqual(hashlib.md5(self.data).hexdigest(),
                         image['checksum'])
        # Listed by this endpoint, as Glance lists (no input).
        body = self.get('/tasks?type=import&status=success')
        self.assertEqual('/v2/schemas/tasks', body['schema'])
        [listed] = [t for t in body['tasks'] if t['id'] == task['id']]
        self.assertNotIn('input', listed)
        self.assertNotIn('SECRET', str(body))
        self.assertEqual('task', self.get('/schemas/task')['name'])

    def test_refused_url_is_400_nothing_made(self):
        for url in ('http://169.254.169.254/latest/meta-data',
                    'http://mcimage-dummy-img-file.invalid.qcow2',
                    'file:///etc/passwd'):
            resp = self.create(url, status=400)
            self.assertIn('input.import_from', resp.json()['message'])
        self.assertEqual([], self.glance_images())
        # An admin sees every project's tasks: none is this one's.
        self.assertEqual([], [t for t in self.get('/tasks')['tasks']
                              if t['owner'] == self.tenant])

    def test_url_that_404s_fails_and_leaves_no_image(self):
        # Protected or not: the image the task made goes.
        task = self.create(self.web.url('/gone.img'), protected=True).json()
        self.assertEqual(1, len(self.glance_images()))
        task = self.wait(task['id'])
        self.assertEqual('failure', task['status'])
        self.assertIn('404', task['message'])
        self.assertIsNone(task['result'])
        self.assertEqual([], self.glance_images())

    def test_admin_only_by_default(self):
        self.create(self.web.url('/disk.img'), status=403,
                    roles='member,reader')
        self.get('/tasks', status=403, roles='member,reader')
        self.assertEqual([], self.glance_images())
