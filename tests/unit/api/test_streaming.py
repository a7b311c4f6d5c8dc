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

from webob import request as webob_request

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
        # pieces, none larger than the configured chunk size.
        self.config(chunk_size=64 * 1024, group='upload')
        pieces = []
        upload = self.fake.upload

        def recording_upload(context, tenant_id, image_id, reader):
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
        self.assertLessEqual(max(pieces), 64 * 1024)
        self.assertEqual(len(data), sum(pieces))
