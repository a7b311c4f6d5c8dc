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

"""Import tasks against two real Glance servers, on PostgreSQL.

The URL source is a local web server on 127.0.0.1, allow-listed for the
class's mcimage-api ([task] allowed_hosts, allowed_networks,
allowed_ports).
"""

import hashlib
import os
import time

import requests

from tests.functional import base
from tests.functional.fixtures import web
from tests.functional import test_onap_upload

OTHER_VIM = 'local_RegionTwo'
SIZE = 24 * 1024 * 1024


class TaskTestCase(base.FunctionalTestCase):
    """A web server for URL sources, started before mcimage-api."""

    EXTRA_VIMS = (OTHER_VIM,)
    DATABASE = 'postgresql'
    TASK_CONF = ''

    @classmethod
    def setUpClass(cls):
        cls.data = os.urandom(SIZE)
        cls.web = web.HTTPSourceFixture(
            {'/disk.img': cls.data}, slow=0.25)
        cls.web.setUp()
        cls.addClassCleanup(cls.web.cleanUp)
        cls.EXTRA_CONF = (
            '[upload]\nmode = stage\ncleanup_interval = 1\n'
            + cls.web.task_conf() + cls.TASK_CONF)
        super().setUpClass()

    def both(self):
        return [{'vim_id': self.VIM, 'tenant_id': self.tenant},
                {'vim_id': OTHER_VIM, 'tenant_id': self.tenant}]

    def create(self, task_input, status=201):
        resp = requests.post(self.mcimage.url('/v1/tasks'),
                             json={'type': 'import', 'input': task_input},
                             headers=self.headers(), timeout=60)
        self.assertEqual(status, resp.status_code, resp.text)
        return resp

    def get(self, task_id):
        resp = requests.get(self.mcimage.url('/v1/tasks/' + task_id),
                            headers=self.headers(), timeout=30)
        self.assertEqual(200, resp.status_code, resp.text)
        return resp.json()

    def wait(self, task_id, timeout=180, until=('success', 'failure')):
        deadline = time.monotonic() + timeout
        while True:
            task = self.get(task_id)
            if task['status'] in until:
                return task
            if time.monotonic() > deadline:
                self.fail('task %s still %s:\n%s' % (
                    task_id, task['status'], self.mcimage.log_tail(5000)))
            time.sleep(0.2)

    def wait_progress(self, task_id, at_least=1, timeout=60):
        deadline = time.monotonic() + timeout
        while self.get(task_id)['progress']['bytes_done'] < at_least:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.1)

    def assertNoImages(self, vim, timeout=30):
        """Nothing of the tenant in that VIM, within ``timeout``."""
        deadline = time.monotonic() + timeout
        while self.glance_images(vim=vim) and time.monotonic() < deadline:
            time.sleep(0.5)
        self.assertEqual([], self.glance_images(vim=vim))

    def assertHolds(self, vim, image_id, data):
        image = self.glances[vim].get_image(image_id, self.tenant)
        self.assertEqual('active', image['status'])
        self.assertEqual(hashlib.md5(data).hexdigest(), image['checksum'])
        self.assertEqual(hashlib.sha512(data).hexdigest(),
                         image['os_hash_value'])


class TestImportTasks(TaskTestCase):

    def test_url_import_to_two_vims(self):
        resp = self.create({'import_from': self.web.url('/disk.img'),
                            'import_from_format': 'raw',
                            'image_properties': {'name': 'from-url'},
                            'targets': self.both()})
        self.assertTrue(resp.headers['Location'].endswith(
            '/v1/tasks/' + resp.json()['id']))
        task = self.wait(resp.json()['id'])
        self.assertEqual('success', task['status'], task['message'])
        self.assertEqual({'bytes_done': SIZE, 'bytes_total': SIZE},
                         task['progress'])
        # One download for both targets.
        self.assertEqual(1, self.web.requests.count('/disk.img'))
        for target in task['result']['targets']:
            self.assertEqual('created', target['status'])
            self.assertHolds(target['vim_id'], target['image_id'],
                             self.data)
            got = requests.get(self.images_url(vim=target['vim_id'])
                               + '/%s/file' % target['image_id'],
                               headers=self.headers(), timeout=60)
            self.assertEqual(self.data, got.content)

    def test_url_with_declared_hash_is_idempotent(self):
        sha512 = hashlib.sha512(self.data).hexdigest()
        task_input = {'import_from': self.web.url('/disk.img'),
                      'import_from_format': 'raw',
                      'os_hash_value': sha512,
                      'image_properties': {'name': 'declared'},
                      'targets': self.both()[1:]}
        task = self.wait(self.create(task_input).json()['id'])
        self.assertEqual('success', task['status'], task['message'])
        [created] = task['result']['targets']
        fetched = self.web.requests.count('/disk.img')
        # Again: the target holds that sha512 under that name.
        task = self.wait(self.create(task_input).json()['id'])
        [target] = task['result']['targets']
        self.assertEqual(('exists', created['image_id']),
                         (target['status'], target['image_id']))
        self.assertEqual(fetched, self.web.requests.count('/disk.img'))
        self.assertEqual(1, len(self.glance_images(vim=OTHER_VIM)))
        # A declared hash the data does not have fails, leaving nothing.
        task = self.wait(self.create(dict(
            task_input, os_hash_value='0' * 128, force=True,
            targets=self.both()[:1])).json()['id'])
        self.assertEqual('failure', task['status'])
        self.assertIn('os_hash_value', task['message'])
        self.assertNoImages(self.VIM)

    def test_staged_upload_pushed_to_two_vims_then_exists(self):
        data = os.urandom(4 * 1024 * 1024)
        body, ctype = test_onap_upload.multipart_body(
            [('imageType', 'raw'), ('name', 'staged')], 's.img', data)
        resp = requests.post(self.images_url() + '/file', data=body,
                             headers=self.headers(**{'Content-Type': ctype}),
                             timeout=60)
        self.assertEqual(201, resp.status_code, resp.text)
        upload_id = resp.headers['OpenStack-Staged-Upload-Id']
        first = resp.json()['id']
        task_input = {'import_from': 'upload:' + upload_id,
                      'image_properties': {'name': 'staged'},
                      'targets': self.both()}
        task = self.wait(self.create(task_input).json()['id'])
        self.assertEqual('success', task['status'], task['message'])
        here, there = task['result']['targets']
        # The upload's own image holds it already, by hash and name.
        self.assertEqual(('exists', first), (here['status'],
                                             here['image_id']))
        self.assertEqual('created', there['status'])
        self.assertHolds(OTHER_VIM, there['image_id'], data)
        # Run again: nothing is sent anywhere.
        task = self.wait(self.create(task_input).json()['id'])
        self.assertEqual(['exists', 'exists'],
                         [t['status'] for t in task['result']['targets']])
        self.assertEqual(0, task['progress']['bytes_done'])
        self.assertEqual(1, len(self.glance_images(vim=OTHER_VIM)))

    def test_vim_to_vim_copy(self):
        data = os.urandom(3 * 1024 * 1024)
        body, ctype = test_onap_upload.multipart_body(
            [('imageType', 'raw'), ('name', 'orig')], 'o.img', data)
        resp = requests.post(self.images_url() + '/file', data=body,
                             headers=self.headers(**{'Content-Type': ctype}),
                             timeout=60)
        self.assertEqual(201, resp.status_code, resp.text)
        source = 'vim:%s/%s/%s' % (self.VIM, self.tenant, resp.json()['id'])
        task = self.wait(self.create({
            'import_from': source,
            'image_properties': {'name': 'copy'},
            'targets': [{'vim_id': OTHER_VIM,
                         'tenant_id': self.tenant}]}).json()['id'])
        self.assertEqual('success', task['status'], task['message'])
        [target] = task['result']['targets']
        self.assertHolds(OTHER_VIM, target['image_id'], data)
        self.assertEqual('copy', self.glances[OTHER_VIM].get_image(
            target['image_id'], self.tenant)['name'])

    def test_404_url_fails_and_leaves_nothing(self):
        task = self.wait(self.create({
            'import_from': self.web.url('/missing.img'),
            'import_from_format': 'raw',
            'targets': self.both()}).json()['id'])
        self.assertEqual('failure', task['status'])
        self.assertIn('404', task['message'])
        for vim in (self.VIM, OTHER_VIM):
            self.assertNoImages(vim)

    def test_a_target_stopped_mid_transfer_reverts_all(self):
        task_id = self.create({
            'import_from': self.web.url('/slow/disk.img'),
            'import_from_format': 'raw',
            'targets': self.both()}).json()['id']
        other = self.glances[OTHER_VIM]
        self.addCleanup(other.restart)
        self.wait_progress(task_id, at_least=2 * 1024 * 1024)
        other.kill()
        task = self.wait(task_id)
        self.assertEqual('failure', task['status'])
        self.assertIn(OTHER_VIM, task['message'])
        statuses = {t['vim_id']: t['status']
                    for t in task['result']['targets']}
        self.assertEqual({self.VIM: 'reverted', OTHER_VIM: 'failed'},
                         statuses)
        self.assertNoImages(self.VIM)
        other.restart()
        # What could not be deleted while it was down goes once it is back.
        self.assertNoImages(OTHER_VIM)

    def test_a_target_stopped_mid_transfer_others_kept(self):
        task_id = self.create({
            'import_from': self.web.url('/slow/disk.img'),
            'import_from_format': 'raw',
            'all_targets_must_succeed': False,
            'targets': self.both()}).json()['id']
        other = self.glances[OTHER_VIM]
        self.addCleanup(other.restart)
        self.wait_progress(task_id, at_least=2 * 1024 * 1024)
        other.kill()
        task = self.wait(task_id)
        self.assertEqual('success', task['status'], task['message'])
        kept, failed = task['result']['targets']
        self.assertEqual(('created', 'failed'),
                         (kept['status'], failed['status']))
        self.assertIn(OTHER_VIM, task['message'])
        self.assertHolds(self.VIM, kept['image_id'], self.data)
        other.restart()
        self.assertNoImages(OTHER_VIM)

    def test_cancel(self):
        task_id = self.create({
            'import_from': self.web.url('/slow/disk.img'),
            'import_from_format': 'raw',
            'targets': self.both()}).json()['id']
        self.wait_progress(task_id)
        resp = requests.delete(self.mcimage.url('/v1/tasks/' + task_id),
                               headers=self.headers(), timeout=30)
        self.assertEqual(202, resp.status_code, resp.text)
        task = self.wait(task_id)
        self.assertEqual('failure', task['status'])
        self.assertIn('Cancelled', task['message'])
        for vim in (self.VIM, OTHER_VIM):
            self.assertNoImages(vim)
        resp = requests.delete(self.mcimage.url('/v1/tasks/' + task_id),
                               headers=self.headers(), timeout=30)
        self.assertEqual(204, resp.status_code, resp.text)
        resp = requests.get(self.mcimage.url('/v1/tasks/' + task_id),
                            headers=self.headers(), timeout=30)
        self.assertError(resp, 404, task_id)

    def test_api_killed_mid_task_then_restarted(self):
        task_id = self.create({
            'import_from': self.web.url('/slow/disk.img'),
            'import_from_format': 'raw',
            'targets': self.both()}).json()['id']
        self.wait_progress(task_id, at_least=2 * 1024 * 1024)
        self.mcimage.kill()
        self.mcimage.start()
        task = self.wait(task_id)
        # Resumed to the end, or rolled back; never left processing.
        if task['status'] == 'success':
            for target in task['result']['targets']:
                self.assertHolds(target['vim_id'], target['image_id'],
                                 self.data)
                self.assertEqual(1, len(self.glance_images(
                    vim=target['vim_id'])))
        else:
            self.assertTrue(task['message'])
            for vim in (self.VIM, OTHER_VIM):
                self.assertNoImages(vim)
