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

"""Uploads of unknown size, sent chunked to a real Glance.

An ONAP upload that declares no size goes to Glance chunked, in chunks of
at most the VIM's upload_chunk_size: every size round-trips, and one
refused at its end or by Glance mid-way leaves nothing in Glance. So
does a URL import whose source sends no Content-Length.
"""

import hashlib
import os

import requests

from tests.functional import base
from tests.functional.fixtures import forms
from tests.functional import test_image_put
from tests.functional import test_onap_upload
from tests.functional import test_sized_uploads
from tests.functional import test_tasks


def in_pieces(data, size):
    """``data`` in pieces of ``size``, which requests sends chunked."""
    return (data[i:i + size] for i in range(0, len(data), size))


class ChunkedUploads(test_image_put.ImageCalls):

    def upload(self, data, fields=(), pieces=None):
        """An ONAP upload of ``data`` without a size, sent in ``pieces``."""
        fields = dict([('imageType', 'raw'), ('containerFormat', 'bare')],
                      **dict(fields))
        form, ctype = test_onap_upload.multipart_body(
            list(fields.items()), 'c.img', data)
        body = form
        if pieces:
            body = in_pieces(form, pieces)
        return requests.post(self.images_url() + '/file', data=body,
                             timeout=120,
                             headers=self.headers(**{'Content-Type': ctype}))

    def assertRoundTrip(self, data, **kw):
        resp = self.upload(data, **kw)
        self.assertEqual(201, resp.status_code, resp.text)
        image = resp.json()
        recorded = self.glance.get_image(image['id'], self.tenant)
        self.assertEqual('active', recorded['status'])
        self.assertEqual(len(data), recorded['size'])
        self.assertEqual(hashlib.md5(data).hexdigest(), recorded['checksum'])
        got = requests.get(self.images_url() + '/%s/file' % image['id'],
                           headers=self.headers(), timeout=120)
        self.assertEqual(200, got.status_code)
        self.assertEqual(hashlib.sha256(data).hexdigest(),
                         hashlib.sha256(got.content).hexdigest())


class TestChunkedUploads(ChunkedUploads, base.FunctionalTestCase):

    EXTRA_CONF = '[upload]\nimage_size_cap = 33554432\n'

    def test_sizes_round_trip(self):
        head = len(forms.head([('imageType', 'raw'),
                               ('containerFormat', 'bare')], 'c.img',
                              'mcimage-boundary'))
        piece = 256 * 1024
        for size in (0, 1, 65535, 65536, 65537, 3 * 65536 + 1,
                     # The file's end and the closing boundary astride
                     # the reads of the body ([upload] chunk_size).
                     piece - head - 3, piece - head + 3, 2 * piece - head):
            self.assertRoundTrip(os.urandom(size))
        # Sent in pieces that fall anywhere in a chunk.
        self.assertRoundTrip(os.urandom(2 * 1024 * 1024 + 13), pieces=70001)

    def test_refused_at_end_leaves_nothing(self):
        self.expect_no_mcimage_errors()
        data = os.urandom(1024 * 1024 + 1)
        resp = self.upload(data, fields=[('checksum', '0' * 32)])
        self.assertError(resp, 400, 'checksum')
        self.assertEqual([], self.glance_images())
        # Declared qcow2, raw bytes: found out at the end.
        resp = self.upload(data, fields=[('imageType', 'qcow2')])
        self.assertError(resp, 400, 'not the disk_format qcow2')
        self.assertEqual([], self.glance_images())
        # Cut short in the file part.
        body, ctype = test_onap_upload.multipart_body(
            [('imageType', 'raw')], 'c.img', data)
        resp = requests.post(self.images_url() + '/file',
                             data=body[:len(body) // 2], timeout=60,
                             headers=self.headers(**{'Content-Type': ctype}))
        self.assertError(resp, 400)
        self.assertEqual([], self.glance_images())
        # The client gone mid-file, its Content-Length not reached.
        answer = test_sized_uploads.send_short(
            self.images_url() + '/file', self.headers(**{
                'Content-Type': ctype}), len(body), body[:len(body) // 2])
        self.assertTrue(answer.startswith(b'HTTP/1.1 400 '), answer[:300])
        self.assertIn(b'could not be read to its end', answer)
        self.assertEqual([], self.glance_images())
        resp = self.upload(os.urandom(33554432 + 1))
        self.assertError(resp, 413, 'image_size_cap')
        self.assertEqual([], self.glance_images())
        self.assertRoundTrip(data)

    def test_glance_endpoint_put_chunked(self):
        data = os.urandom(3 * 1024 * 1024 + 9)
        image_id = self.create()
        resp = requests.put(
            self.mcimage.url('/glance/%s/v2/images/%s/file'
                             % (self.VIM, image_id)),
            data=in_pieces(data, 100003), timeout=120,
            headers=self.headers(**{
                'Content-Type': 'application/octet-stream'}))
        self.assertEqual(204, resp.status_code, resp.text)
        recorded = self.glance.get_image(image_id, self.tenant)
        self.assertEqual('active', recorded['status'])
        self.assertEqual(hashlib.md5(data).hexdigest(), recorded['checksum'])


class TestSmallChunks(ChunkedUploads, base.FunctionalTestCase):
    """The VIM's upload_chunk_size at its least."""

    EXTRA_CONF = ('[upload]\nimage_size_cap = 33554432\n'
                  '[vim:%s]\nupload_chunk_size = 4096\n'
                  % base.FunctionalTestCase.VIM)

    def test_round_trip(self):
        for size in (1, 4095, 4096, 4097, 5 * 1024 * 1024 + 3):
            self.assertRoundTrip(os.urandom(size))
        self.assertRoundTrip(os.urandom(1024 * 1024 + 7), pieces=5000)


class TestGlanceCapMidStream(ChunkedUploads, base.FunctionalTestCase):
    """Glance stops reading a chunked body at its own image_size_cap."""

    GLANCE_CONF = '[DEFAULT]\nimage_size_cap = 1048576\n'
    EXTRA_CONF = '[upload]\nimage_size_cap = 33554432\n'

    def test_glance_cap_answered_and_nothing_left(self):
        self.expect_no_mcimage_errors()
        for size in (1048576 + 1, 8 * 1024 * 1024):
            resp = self.upload(os.urandom(size))
            self.assertError(resp, 413, 'image is too large')
            self.assertEqual([], self.glance_images())
        self.assertRoundTrip(os.urandom(1048576))
        # A PUT of a record's data: the record stays queued.
        image_id = self.create()
        resp = self.put(image_id, in_pieces(os.urandom(4 * 1048576), 65536))
        self.assertError(resp, 413, 'image is too large')
        self.assertEqual('queued', self.status(image_id))
        resp = self.put(image_id, in_pieces(b'small' * 1000, 999))
        self.assertEqual(204, resp.status_code, resp.text)


class TestUnsizedURLImport(test_tasks.TaskTestCase):
    """A URL source without a Content-Length, imported to two Glances."""

    def test_import_round_trips(self):
        task = self.wait(self.create({
            'import_from': self.web.url('/unsized/disk.img'),
            'import_from_format': 'raw', 'targets': self.both()}
        ).json()['id'])
        self.assertEqual('success', task['status'], task)
        for target in task['result']['targets']:
            self.assertHolds(target['vim_id'], target['image_id'],
                             self.data)
