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

"""Uploads of known size, sent to a real Glance under a Content-Length.

A body that ends short, a declared size that is wrong or a check that
fails at the last byte must leave Glance's record as it was and Glance's
connections usable.
"""

import hashlib
import http.server
import os
import socket
import threading
import time
import urllib.parse

import requests

from tests.functional import base
from tests.functional import test_image_put
from tests.functional import test_onap_upload
from tests.functional import test_tasks


def send_short(url, headers, declared, body):
    """A PUT or POST of ``declared`` bytes, but only ``body``, then closed.

    The method is PUT unless ``headers`` name a multipart Content-Type.
    """
    url = urllib.parse.urlsplit(url)
    method = ('POST' if headers.get('Content-Type', '').startswith(
        'multipart/') else 'PUT')
    sock = socket.create_connection((url.hostname, url.port), timeout=30)
    try:
        head = ['%s %s HTTP/1.1' % (method, url.path),
                'Host: %s' % url.netloc,
                'Content-Length: %d' % declared,
                'Connection: close']
        head += ['%s: %s' % item for item in headers.items()]
        sock.sendall(('\r\n'.join(head) + '\r\n\r\n').encode())
        sock.sendall(body)
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(60)
        answer = b''
        try:
            while True:
                piece = sock.recv(65536)
                if not piece:
                    break
                answer += piece
        except ConnectionResetError:
            pass
        return answer
    finally:
        sock.close()


class TestSizedUploads(test_image_put.ImageCalls, base.FunctionalTestCase):

    EXTRA_CONF = '[upload]\nimage_size_cap = 33554432\n'

    def assertPromptGood(self, image_id, data):
        """A correct PUT after a refused one is taken, and promptly."""
        start = time.monotonic()
        resp = self.put(image_id, data)
        self.assertEqual(204, resp.status_code, resp.text)
        self.assertLess(time.monotonic() - start, 20)
        image = self.glance.get_image(image_id, self.tenant)
        self.assertEqual('active', image['status'])
        self.assertEqual(hashlib.md5(data).hexdigest(), image['checksum'])

    def test_short_body_leaves_record_queued(self):
        self.expect_no_mcimage_errors()
        image_id = self.create()
        answer = send_short(
            self.images_url() + '/%s/file' % image_id, self.headers(**{
                'Content-Type': 'application/octet-stream'}),
            declared=4 * 1024 * 1024, body=b'\0' * 3 * 1024 * 1024)
        self.assertTrue(answer.startswith(b'HTTP/1.1 400 '), answer[:300])
        self.assertIn(b'could not be read to its end', answer)
        self.assertEqual('queued', self.status(image_id))
        # The same through the Glance endpoint.
        answer = send_short(
            self.mcimage.url('/glance/%s/v2/images/%s/file'
                             % (self.VIM, image_id)),
            self.headers(**{'Content-Type': 'application/octet-stream'}),
            declared=4 * 1024 * 1024, body=b'\0' * (1024 * 1024 + 1))
        self.assertTrue(answer.startswith(b'HTTP/1.1 400 '), answer[:300])
        self.assertIn(b'could not be read to its end', answer)
        self.assertEqual('queued', self.status(image_id))
        self.assertPromptGood(image_id, os.urandom(4 * 1024 * 1024))

    def test_end_check_failures_keep_glance_connection_sound(self):
        # Two refused PUTs on one keep-alive connection of the client's,
        # each failing only at its end, then good data.
        image_id = self.create()
        data = os.urandom(3 * 1024 * 1024 + 5)
        with requests.Session() as session:
            for _ in range(2):
                resp = self.put(image_id, data, session=session,
                                **{'Content-MD5': 'A' * 22 + '=='})
                self.assertError(resp, 400, 'checksum')
                self.assertEqual('queued', self.status(image_id))
        self.assertPromptGood(image_id, data)

    def test_zero_length_put(self):
        image_id = self.create()
        resp = self.put(image_id, b'')
        # No body to hold back: it goes chunked, as Glance takes it.
        self.assertEqual(204, resp.status_code, resp.text)
        image = self.glance.get_image(image_id, self.tenant)
        self.assertEqual('active', image['status'])
        self.assertEqual(0, image['size'])

    def test_onap_declared_size_wrong(self):
        self.expect_no_mcimage_errors()
        data = os.urandom(2 * 1024 * 1024 + 7)
        with requests.Session() as session:
            for declared in (len(data) - 1, len(data) + 1, len(data) - 1,
                             len(data) + 4096):
                body, ctype = test_onap_upload.multipart_body(
                    [('imageType', 'raw'), ('containerFormat', 'bare'),
                     ('size', str(declared))], 'x.img', data)
                resp = session.post(
                    self.images_url() + '/file', data=body, timeout=60,
                    headers=self.headers(**{'Content-Type': ctype}))
                self.assertEqual(400, resp.status_code, resp.text)
                self.assertIn('size', resp.json()['errors'][0]['detail'])
                self.assertEqual([], self.glance_images())
        body, ctype = test_onap_upload.multipart_body(
            [('imageType', 'raw'), ('containerFormat', 'bare'),
             ('size', str(len(data)))], 'x.img', data)
        resp = requests.post(self.images_url() + '/file', data=body,
                             timeout=60,
                             headers=self.headers(**{'Content-Type': ctype}))
        self.assertEqual(201, resp.status_code, resp.text)
        self.assertEqual(hashlib.md5(data).hexdigest(),
                         resp.json()['checksum'])
        [image] = self.glance_images()
        self.assertEqual('active', image['status'])
        self.assertEqual(len(data), image['size'])


class TestGlanceRefusesEarly(test_image_put.ImageCalls,
                             base.FunctionalTestCase):
    """Glance answers before it has read the body (its own size cap)."""

    GLANCE_CONF = '[DEFAULT]\nimage_size_cap = 1048576\n'
    EXTRA_CONF = '[upload]\nimage_size_cap = 33554432\n'

    def test_glance_cap_answered_and_record_queued(self):
        image_id = self.create()
        for _ in range(2):
            resp = self.put(image_id, os.urandom(8 * 1024 * 1024))
            self.assertEqual(413, resp.status_code, resp.text)
            self.assertEqual('queued', self.status(image_id))
        resp = self.put(image_id, b'small' * 1000)
        self.assertEqual(204, resp.status_code, resp.text)


class _LyingSource(object):
    """A web server whose Content-Length is wrong.

    GET /disk/<lie> declares ``lie`` bytes more than the ``data`` it sends
    (fewer if negative), then closes.
    """

    def __init__(self, data):
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, *args):
                pass

            def do_GET(self):
                lie = int(self.path.rsplit('/', 1)[1])
                self.send_response(200)
                self.send_header('Content-Length', str(len(data) + lie))
                self.send_header('Content-Type', 'application/octet-stream')
                self.send_header('Connection', 'close')
                self.end_headers()
                try:
                    self.wfile.write(data)
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                      Handler)
        self.server.daemon_threads = True
        self.server.socket.settimeout(1)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)

    def url(self, lie):
        return 'http://127.0.0.1:%d/disk/%d' % (self.port, lie)


class TestLyingURLSource(test_tasks.TaskTestCase):
    """A URL source whose Content-Length is wrong."""

    EXTRA_VIMS = ()

    @classmethod
    def setUpClass(cls):
        cls.lying_data = os.urandom(3 * 1024 * 1024 + 1)
        cls.lying = _LyingSource(cls.lying_data)
        cls.addClassCleanup(cls.lying.stop)
        # After the fixture's own [task] allowed_ports: the last one counts.
        cls.TASK_CONF = 'allowed_ports = %d\n' % cls.lying.port
        super().setUpClass()

    def import_from(self, lie):
        return self.wait(self.create({
            'import_from': self.lying.url(lie),
            'import_from_format': 'raw',
            'targets': [{'vim_id': self.VIM,
                         'tenant_id': self.tenant}]}).json()['id'])

    def test_source_sends_less_than_it_declares(self):
        task = self.import_from(4096)
        self.assertEqual('failure', task['status'], task)
        self.assertIn('the body broke off after %d of its %d bytes' % (
            len(self.lying_data), len(self.lying_data) + 4096),
            task['message'])
        self.assertNoImages(self.VIM)

    def test_source_sends_more_than_it_declares(self):
        # HTTP ends the body at its Content-Length: what is past it is
        # not the body, and the declared length is what is imported.
        task = self.import_from(-4096)
        self.assertEqual('success', task['status'], task)
        [target] = task['result']['targets']
        self.assertHolds(self.VIM, target['image_id'],
                         self.lying_data[:-4096])
