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

"""PUT .../images/{id}/file against a real Glance."""

import base64
import hashlib
import os

import requests

from tests.functional import base
from tests.functional import test_image_safety


class ImageCalls(object):
    """A record without data, a PUT of its data, its status in Glance."""

    def create(self, disk_format='raw'):
        resp = requests.post(self.images_url(), timeout=30,
                             json={'name': 'put', 'disk_format': disk_format,
                                   'container_format': 'bare'},
                             headers=self.headers())
        self.assertEqual(201, resp.status_code, resp.text)
        return resp.json()['id']

    def put(self, image_id, data, session=requests, **headers):
        headers.setdefault('Content-Type', 'application/octet-stream')
        return session.put(self.images_url() + '/%s/file' % image_id,
                           data=data, headers=self.headers(**headers),
                           timeout=120)

    def status(self, image_id):
        return self.glance.get_image(image_id, self.tenant)['status']


class TestPutData(ImageCalls, base.FunctionalTestCase):

    EXTRA_CONF = '[upload]\nimage_size_cap = 33554432\n'

    def test_put_round_trip_with_content_md5(self):
        data = os.urandom(8 * 1024 * 1024 + 3)
        image_id = self.create()
        resp = self.put(image_id, data, **{
            'Content-MD5': base64.b64encode(
                hashlib.md5(data).digest()).decode()})
        self.assertEqual(204, resp.status_code, resp.text)
        recorded = self.glance.get_image(image_id, self.tenant)
        self.assertEqual('active', recorded['status'])
        self.assertEqual(hashlib.md5(data).hexdigest(), recorded['checksum'])
        got = requests.get(self.images_url() + '/%s/file' % image_id,
                           headers=self.headers(), timeout=60)
        self.assertEqual(hashlib.sha256(data).hexdigest(),
                         hashlib.sha256(got.content).hexdigest())

    def test_chunked_put(self):
        data = os.urandom(3 * 1024 * 1024)
        image_id = self.create()
        resp = self.put(image_id, (data[i:i + 70000]
                                   for i in range(0, len(data), 70000)))
        self.assertEqual(204, resp.status_code, resp.text)
        self.assertEqual(hashlib.md5(data).hexdigest(),
                         self.glance.get_image(image_id,
                                               self.tenant)['checksum'])

    def test_refused_put_leaves_record_queued(self):
        image_id = self.create()
        resp = self.put(image_id, os.urandom(1024 * 1024),
                        **{'Content-MD5': '0' * 32})
        self.assertError(resp, 400, 'checksum')
        self.assertEqual('queued', self.status(image_id))
        # Declared qcow2, sent raw bytes.
        qcow2_id = self.create('qcow2')
        resp = self.put(qcow2_id, os.urandom(1024 * 1024))
        self.assertError(resp, 400, 'not the disk_format qcow2')
        self.assertEqual('queued', self.status(qcow2_id))
        # And the record takes good data afterwards.
        data = b'good data' * 1000
        self.assertEqual(204, self.put(image_id, data).status_code)
        self.assertEqual('active', self.status(image_id))

    def test_unsafe_qcow2_refused(self):
        tmp = self.useFixture(base.fixtures.TempDir()).path
        test_image_safety.qemu_img('create', '-f', 'qcow2',
                                   os.path.join(tmp, 'b.qcow2'), '16M')
        test_image_safety.qemu_img(
            'create', '-f', 'qcow2', '-b', os.path.join(tmp, 'b.qcow2'),
            '-F', 'qcow2', os.path.join(tmp, 'o.qcow2'))
        with open(os.path.join(tmp, 'o.qcow2'), 'rb') as f:
            data = f.read()
        image_id = self.create('qcow2')
        resp = self.put(image_id, data)
        self.assertError(resp, 400, 'backing_file')
        self.assertEqual('queued', self.status(image_id))

    def test_size_cap_413_and_active_409(self):
        image_id = self.create()
        resp = self.put(image_id, b'x' * (33554432 + 1))
        self.assertError(resp, 413, 'image_size_cap')
        self.assertEqual('queued', self.status(image_id))
        # Chunked: stopped at the cap.
        resp = self.put(image_id, (b'y' * 1048576 for _ in range(40)))
        self.assertError(resp, 413, 'image_size_cap')
        self.assertEqual('queued', self.status(image_id))
        self.assertEqual(204, self.put(image_id, b'z' * 100).status_code)
        resp = self.put(image_id, b'again')
        self.assertError(resp, 409, 'queued')
        self.assertEqual('active', self.status(image_id))
