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

"""The production example: mcimage.wsgi.api:application under gunicorn.

etc/mcimage/mcimage-api-gunicorn.conf.py, gthread workers: a 1 GiB chunked
upload streams through (no spooling), and a multipart upload and a
download round-trip.
"""

import hashlib
import os

import requests

from tests.functional import base
from tests.functional import test_onap_upload

GIB = 1024 ** 3
PIECE = 1024 * 1024


class TestGunicorn(base.FunctionalTestCase):

    MCIMAGE_SERVER = 'gunicorn'

    def test_one_gib_chunked_put(self):
        block = os.urandom(PIECE)
        md5 = hashlib.md5()

        def body():
            for i in range(GIB // PIECE):
                # A different piece each time, cheaply.
                piece = i.to_bytes(8, 'big') + block[8:]
                md5.update(piece)
                yield piece

        created = requests.post(self.images_url(), timeout=30,
                                json={'disk_format': 'raw',
                                      'container_format': 'bare'},
                                headers=self.headers())
        self.assertEqual(201, created.status_code, created.text)
        image_id = created.json()['id']
        resp = requests.put(
            self.images_url() + '/%s/file' % image_id, data=body(),
            headers=self.headers(**{
                'Content-Type': 'application/octet-stream'}),
            timeout=600)
        self.assertEqual(204, resp.status_code, resp.text)
        recorded = self.glance.get_image(image_id, self.tenant)
        self.assertEqual('active', recorded['status'])
        self.assertEqual(GIB, recorded['size'])
        self.assertEqual(md5.hexdigest(), recorded['checksum'])

    def test_multipart_and_download(self):
        data = os.urandom(8 * PIECE)
        body, ctype = test_onap_upload.multipart_body(
            [('imageType', 'raw')], 'g.img', data)
        resp = requests.post(self.images_url() + '/file', data=body,
                             headers=self.headers(**{'Content-Type': ctype}),
                             timeout=120)
        self.assertEqual(201, resp.status_code, resp.text)
        got = requests.get(self.images_url() + '/file/' + resp.json()['id'],
                           headers=self.headers(), timeout=120)
        self.assertEqual(200, got.status_code)
        self.assertEqual(str(len(data)), got.headers['Content-Length'])
        self.assertEqual(hashlib.sha256(data).hexdigest(),
                         hashlib.sha256(got.content).hexdigest())
