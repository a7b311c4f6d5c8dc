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
download round-trip. Downloads, under gunicorn and mcimage-api alike: a
Range, a client gone mid-body (the VIM connection is dropped), a VIM gone
mid-body (the client sees the connection cut, not a short 200). A body
whose chunked framing is broken is a 400, one in another transfer coding
a 501, under either server.
"""

import hashlib
import os
import socket
import time
import urllib.parse

import psutil
import requests
import testtools

from tests.functional import base
from tests.functional import test_onap_upload

GIB = 1024 ** 3
PIECE = 1024 * 1024


class DownloadTests(object):
    """Downloads relayed from the VIM, as every server must relay them."""

    def _image(self, size):
        """(data, download URL) of a new image of ``size`` random bytes."""
        data = os.urandom(size)
        body, ctype = test_onap_upload.multipart_body(
            [('imageType', 'raw')], 'g.img', data)
        resp = requests.post(self.images_url() + '/file', data=body,
                             headers=self.headers(**{'Content-Type': ctype}),
                             timeout=300)
        self.assertEqual(201, resp.status_code, resp.text)
        return data, self.images_url() + '/file/' + resp.json()['id']

    def _vim_connections(self):
        """Connections of mcimage's processes to the Glance, established."""
        port = urllib.parse.urlsplit(self.glance.endpoint).port
        master = psutil.Process(self.mcimage.pid)
        count = 0
        for proc in [master] + master.children(recursive=True):
            count += sum(1 for c in proc.net_connections('tcp')
                         if c.raddr and c.raddr.port == port
                         and c.status == psutil.CONN_ESTABLISHED)
        return count

    def test_range_download(self):
        data, url = self._image(PIECE + 5)
        got = requests.get(url, timeout=30,
                           headers=self.headers(Range='bytes=1000-'))
        self.assertEqual(206, got.status_code, got.text)
        self.assertEqual(data[1000:], got.content)
        self.assertEqual('bytes 1000-%d/%d' % (len(data) - 1, len(data)),
                         got.headers['Content-Range'])

    def test_client_gone_mid_download_drops_the_vim_connection(self):
        data, url = self._image(64 * PIECE)
        with requests.get(url, stream=True, timeout=30,
                          headers=self.headers()) as resp:
            self.assertEqual(200, resp.status_code)
            resp.raw.read(PIECE)
            during = self._vim_connections()
        deadline = time.monotonic() + 15
        while self._vim_connections() >= during:
            self.assertLess(time.monotonic(), deadline,
                            'the VIM connection outlived its client')
            time.sleep(0.1)
        # No thread stuck on it: the image still downloads whole.
        got = requests.get(url, timeout=60, headers=self.headers())
        self.assertEqual(data, got.content)

    def test_vim_dies_mid_download_client_sees_a_cut(self):
        data, url = self._image(256 * PIECE)
        received = 0
        with requests.get(url, stream=True, timeout=30,
                          headers=self.headers()) as resp:
            self.assertEqual(200, resp.status_code)
            received += len(resp.raw.read(PIECE))
            self.glance.kill()
            self.addCleanup(self.glance.start)
            # Not a silently short 200: the connection is cut.
            with testtools.ExpectedException(
                    requests.exceptions.ChunkedEncodingError):
                for piece in resp.iter_content(PIECE):
                    received += len(piece)
        self.assertLess(received, len(data))

    def _post_raw(self, coding, body):
        """The status line and headers answered to a POST of ``body``."""
        url = urllib.parse.urlsplit(self.images_url())
        head = ['POST %s HTTP/1.1' % url.path, 'Host: %s' % url.netloc,
                'Content-Type: application/json',
                'Transfer-Encoding: %s' % coding, 'Connection: close']
        head += ['%s: %s' % item for item in self.headers().items()
                 if item[0].lower() != 'content-type']
        with socket.create_connection((url.hostname, url.port),
                                      timeout=30) as sock:
            sock.sendall('\r\n'.join(head).encode() + b'\r\n\r\n' + body)
            answer = b''
            while b'\r\n\r\n' not in answer:
                piece = sock.recv(65536)
                if not piece:
                    break
                answer += piece
        return answer

    def test_broken_chunked_json_body_is_400(self):
        before = self.glance.list_images(self.tenant)
        broken = (('chunk size not hex', b'zz\r\nabc\r\n'),
                  ('no CRLF after a chunk', b'3\r\nabcXX'))
        for label, body in broken:
            answer = self._post_raw('chunked', body + b'0\r\n\r\n')
            self.assertTrue(answer.startswith(b'HTTP/1.1 400 '),
                            (label, answer[:300]))
        self.assertEqual(before, self.glance.list_images(self.tenant))

    def test_transfer_coding_other_than_chunked_is_501(self):
        before = self.glance.list_images(self.tenant)
        doc = b'{"name": "x"}'
        answer = self._post_raw('gzip, chunked',
                                b'%x\r\n%s\r\n0\r\n\r\n' % (len(doc), doc))
        self.assertTrue(answer.startswith(b'HTTP/1.1 501 '), answer[:300])
        self.assertEqual(before, self.glance.list_images(self.tenant))


class TestEmbeddedDownloads(DownloadTests, base.FunctionalTestCase):

    MCIMAGE_SERVER = 'embedded'


class TestGunicorn(DownloadTests, base.FunctionalTestCase):

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
