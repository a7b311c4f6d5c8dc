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

"""Format and safety checks on real image files made by qemu-img."""

import hashlib
import os
import shutil
import subprocess

import fixtures
import requests

from tests.functional import base
from tests.functional import test_onap_upload


def qemu_img(*args):
    if shutil.which('qemu-img') is None:
        raise AssertionError('qemu-img is needed (Debian: qemu-utils; '
                             'tools/run-tests.sh installs it)')
    subprocess.run(('qemu-img',) + args, check=True, capture_output=True,
                   timeout=60)


class TestImageSafety(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path

    def path(self, name):
        return os.path.join(self.dir, name)

    def upload(self, name, disk_format):
        with open(self.path(name), 'rb') as f:
            data = f.read()
        body, ctype = test_onap_upload.multipart_body(
            [('imageType', disk_format), ('containerFormat', 'bare')],
            name, data)
        resp = requests.post(self.images_url() + '/file', data=body,
                             headers=self.headers(**{'Content-Type': ctype}),
                             timeout=120)
        return resp, data

    def test_safe_images_pass(self):
        qemu_img('create', '-f', 'qcow2', self.path('a.qcow2'), '64M')
        qemu_img('create', '-f', 'vmdk', '-o',
                 'subformat=streamOptimized', self.path('a.vmdk'), '64M')
        qemu_img('create', '-f', 'vpc', '-o', 'subformat=dynamic',
                 self.path('a.vhd'), '64M')
        for name, disk_format in (('a.qcow2', 'qcow2'), ('a.vmdk', 'vmdk'),
                                  ('a.vhd', 'vhd')):
            resp, data = self.upload(name, disk_format)
            self.assertEqual(201, resp.status_code, resp.text)
            image = self.glance.get_image(resp.json()['id'], self.tenant)
            self.assertEqual('active', image['status'])
            self.assertEqual(hashlib.md5(data).hexdigest(),
                             image['checksum'])

    def test_unsafe_or_mismatched_images_refused(self):
        qemu_img('create', '-f', 'qcow2', self.path('base.qcow2'), '64M')
        qemu_img('create', '-f', 'qcow2', '-b', self.path('base.qcow2'),
                 '-F', 'qcow2', self.path('backed.qcow2'))
        qemu_img('create', '-f', 'qcow2', '-o',
                 'data_file=%s' % self.path('ext.raw'),
                 self.path('datafile.qcow2'), '64M')
        with open(self.path('plain.raw'), 'wb') as f:
            f.write(os.urandom(1024 * 1024))
        for name, disk_format, why in (
                ('backed.qcow2', 'qcow2', 'backing_file'),
                ('backed.qcow2', 'raw', 'backing_file'),
                ('datafile.qcow2', 'qcow2', 'data_file'),
                ('plain.raw', 'qcow2', 'not the disk_format qcow2'),
                ('base.qcow2', 'vmdk', 'not the disk_format vmdk'),
                # Stricter than Glance: nova would not boot it.
                ('base.qcow2', 'raw', 'not the disk_format raw')):
            resp, _data = self.upload(name, disk_format)
            error = self.assertError(resp, 400, why)
            self.assertEqual('mcimage.invalid_image_data', error['code'])
            # Refused before Glance could take the image: nothing left.
            self.assertEqual([], self.glance_images())
