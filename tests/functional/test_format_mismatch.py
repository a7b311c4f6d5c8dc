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

"""The declared disk_format must be the real one, on every upload path.

Glance 33 takes a qcow2 image declared raw; nova refuses to boot it. So
mcimage refuses it when the data arrives: multipart, PUT, fan-out, stage
mode, and tasks from a URL or from an image already in a VIM. Real images
made by qemu-img, real Glance servers.
"""

import json
import os
import tempfile

import requests

from tests.functional import base
from tests.functional import test_image_safety
from tests.functional import test_onap_upload
from tests.functional import test_tasks
from tests.unit.images import test_inspection

OTHER_VIM = test_tasks.OTHER_VIM


def real_qcow2():
    """A 64 MiB (virtual) qcow2 image made by qemu-img, as bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'disk.qcow2')
        test_image_safety.qemu_img('create', '-f', 'qcow2', path, '64M')
        with open(path, 'rb') as f:
            return f.read()


class MismatchAssertions(object):

    def assertMismatch(self, resp, declared='raw', detected='qcow2'):
        error = self.assertError(
            resp, 400, 'the data is %s, not the disk_format %s declared'
            % (detected, declared))
        self.assertEqual('mcimage.invalid_image_data', error['code'])
        return error

    def upload(self, data, disk_format='raw', url=None, extra_fields=()):
        body, ctype = test_onap_upload.multipart_body(
            [('imageType', disk_format), ('containerFormat', 'bare')]
            + list(extra_fields), 'disk.img', data)
        return requests.post(url or self.images_url() + '/file', data=body,
                             headers=self.headers(**{'Content-Type': ctype}),
                             timeout=120)


class TestDeclaredFormat(MismatchAssertions, base.FunctionalTestCase):
    """Stream mode: multipart, PUT and fan-out."""

    EXTRA_VIMS = (OTHER_VIM,)

    @classmethod
    def setUpClass(cls):
        cls.qcow2 = real_qcow2()
        super().setUpClass()

    def test_multipart_qcow2_declared_raw_refused(self):
        self.assertMismatch(self.upload(self.qcow2))
        self.assertEqual([], self.glance_images())

    def test_refused_protected_upload_leaves_nothing(self):
        # Glance refuses to delete a protected image, even to an admin.
        resp = self.upload(self.qcow2, extra_fields=[('protected', 'true')])
        self.assertMismatch(resp)
        self.assertEqual([], self.glance_images())

    def test_put_qcow2_declared_raw_refused(self):
        resp = requests.post(self.images_url(),
                             json={'disk_format': 'raw',
                                   'container_format': 'bare'},
                             headers=self.headers(), timeout=30)
        self.assertEqual(201, resp.status_code, resp.text)
        image_id = resp.json()['id']
        resp = requests.put(
            self.images_url() + '/%s/file' % image_id, data=self.qcow2,
            headers=self.headers(
                **{'Content-Type': 'application/octet-stream'}),
            timeout=120)
        self.assertMismatch(resp)
        # The user's record is kept, and without data.
        [image] = self.glance_images()
        self.assertEqual(image_id, image['id'])
        self.assertEqual('queued', image['status'])

    def test_fanout_qcow2_declared_raw_refused(self):
        targets = [{'vim_id': self.VIM, 'tenant_id': self.tenant},
                   {'vim_id': OTHER_VIM, 'tenant_id': self.tenant}]
        resp = self.upload(self.qcow2,
                           url=self.mcimage.url('/v1/images/file'),
                           extra_fields=[('targets', json.dumps(targets))])
        self.assertMismatch(resp)
        self.assertEqual([], self.glance_images())
        self.assertEqual([], self.glance_images(vim=OTHER_VIM))

    def test_whole_disks_and_isos_by_nova_rules(self):
        # A disk with a partition table is raw; an ISO is not.
        for data in (test_inspection.gpt(), test_inspection.mbr()):
            resp = self.upload(data)
            self.assertEqual(201, resp.status_code, resp.text)
            self.assertEqual('active', resp.json()['status'])
        self.assertMismatch(self.upload(test_inspection.iso()),
                            detected='iso')
        resp = self.upload(test_inspection.hybrid_iso(), disk_format='iso')
        self.assertEqual(201, resp.status_code, resp.text)
        self.assertEqual(['active'] * 3,
                         [i['status'] for i in self.glance_images()])


class TestDeclaredFormatTasks(MismatchAssertions, test_tasks.TaskTestCase):
    """Stage mode and tasks (URL, another VIM): refused the same way."""

    @classmethod
    def setUpClass(cls):
        cls.qcow2 = real_qcow2()
        super().setUpClass()
        cls.web.files['/disk.qcow2'] = cls.qcow2

    def assertTaskRefused(self, task_input):
        task = self.wait(self.create(task_input).json()['id'])
        self.assertEqual('failure', task['status'])
        self.assertIn('the data is qcow2, not the disk_format raw declared',
                      task['message'])
        self.assertNoImages(self.VIM)
        self.assertNoImages(OTHER_VIM)

    def staged_uploads(self):
        resp = requests.get(self.mcimage.url('/v1/uploads'),
                            headers=self.headers(), timeout=30)
        self.assertEqual(200, resp.status_code, resp.text)
        return resp.json()['uploads']

    def test_stage_mode_upload_refused_and_nothing_kept(self):
        self.assertMismatch(self.upload(self.qcow2))
        self.assertEqual([], self.glance_images())
        self.assertEqual([], self.staged_uploads())

    def test_url_task_refused(self):
        self.assertTaskRefused({'import_from': self.web.url('/disk.qcow2'),
                                'import_from_format': 'raw',
                                'targets': self.both()})

    def test_copy_of_a_mislabelled_vim_image_refused(self):
        # Made straight in Glance, which takes it: mcimage copies it
        # nowhere.
        glance = self.glance.endpoint
        headers = self.glance_headers()
        resp = requests.post(glance + '/v2/images', headers=headers,
                             json={'disk_format': 'raw',
                                   'container_format': 'bare'}, timeout=30)
        self.assertEqual(201, resp.status_code, resp.text)
        source = resp.json()['id']
        self.addCleanup(self.glance.delete_image, source, self.tenant)
        resp = requests.put(
            glance + '/v2/images/%s/file' % source, data=self.qcow2,
            headers=dict(headers,
                         **{'Content-Type': 'application/octet-stream'}),
            timeout=60)
        self.assertEqual(204, resp.status_code, resp.text)
        task = self.wait(self.create({
            'import_from': 'vim:%s/%s/%s' % (self.VIM, self.tenant, source),
            'targets': [{'vim_id': OTHER_VIM,
                         'tenant_id': self.tenant}]}).json()['id'])
        self.assertEqual('failure', task['status'])
        self.assertIn('the data is qcow2, not the disk_format raw declared',
                      task['message'])
        self.assertNoImages(OTHER_VIM)
        self.assertEqual([source], [i['id'] for i in self.glance_images()])
