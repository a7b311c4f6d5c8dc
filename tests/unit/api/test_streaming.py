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

"""The multipart body is parsed by mcimage as it streams, never by WebOb."""

import hashlib
import os
from unittest import mock

import webob
from webob import request as webob_request

from mcimage.api import app as api_app
from tests.unit.api import base


class TestMultipartNeverParsedByWebOb(base.APITestCase):

    def test_webob_does_not_touch_the_body(self):
        data = os.urandom(2 * 1024 * 1024 + 3)
        with mock.patch.object(webob_request, 'cgi_FieldStorage',
                               autospec=True) as field_storage:
            resp = self.app.post(
                '/v1/%s/p1/images/file' % base.VIM, headers=self.headers(),
                params=[('imageType', 'raw'), ('containerFormat', 'bare')],
                upload_files=[('file', 'disk.raw', data)])
        self.assertEqual(201, resp.status_int)
        field_storage.assert_not_called()
        stored = self.fake.data[resp.json['id']]
        self.assertEqual(hashlib.sha256(data).hexdigest(),
                         hashlib.sha256(stored).hexdigest())

    def test_file_reaches_the_vim_in_pieces(self):
        # The VIM is fed while the body is still being read: it sees many
        # pieces, none much larger than the configured chunk size (the
        # parser may carry a boundary-long tail over to the next piece).
        self.config(chunk_size=64 * 1024, group='upload')
        pieces = []
        upload = self.fake.upload

        def recording_upload(context, tenant_id, image_id, reader,
                             size=None):
            class Recorder(object):
                def read(self, size=None):
                    piece = reader.read(size)
                    pieces.append(len(piece))
                    return piece
            return upload(context, tenant_id, image_id, Recorder())

        self.fake.upload = recording_upload
        data = os.urandom(1024 * 1024)
        resp = self.app.post(
            '/v1/%s/p1/images/file' % base.VIM, headers=self.headers(),
            params=[('imageType', 'raw')],
            upload_files=[('file', 'disk.raw', data)])
        self.assertEqual(201, resp.status_int)
        self.assertGreater(len(pieces), 10)
        self.assertLessEqual(max(pieces), 64 * 1024 + 256)
        self.assertEqual(len(data), sum(pieces))


class TestDownloadNotBuffered(base.APITestCase):

    def test_response_starts_before_the_vim_data_is_read(self):
        image = self.fake.add_image('p1', data=b'x', disk_format='raw',
                                    container_format='bare')
        produced = []

        def download(context, tenant_id, image_id, byte_range=None):
            def body():
                for i in range(64):
                    produced.append(i)
                    yield b'%06d' % i * 10000
            return 200, {'Content-Length': str(64 * 60000)}, body()

        self.fake.download = download
        app = api_app.load_app()
        environ = webob.Request.blank(
            '/v1/%s/p1/images/%s/file' % (base.VIM, image['id']),
            headers=self.headers()).environ
        statuses = []
        result = app(environ,
                     lambda status, headers: statuses.append((status,
                                                              headers)))
        # Nothing is read before the client reads.
        [(status, headers)] = statuses
        self.assertEqual('200 OK', status)
        self.assertIn(('Content-Length', str(64 * 60000)), headers)
        self.assertEqual([], produced)
        data = b''.join(result)
        self.assertEqual(64, len(produced))
        self.assertEqual(64 * 60000, len(data))
