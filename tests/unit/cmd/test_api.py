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

"""mcimage-api's start-up checks."""

import io
import socket
import threading
from unittest import mock

from cheroot import wsgi as cheroot_wsgi
import fixtures
import requests

from mcimage.backends import glance

from mcimage.cmd import api
from mcimage.common import exception
from tests import base


def serve(test, app, numthreads):
    """cheroot with mcimage-api's gateway on a free port, stopped later."""
    server = cheroot_wsgi.Server(('127.0.0.1', 0), app,
                                 numthreads=numthreads, timeout=10)
    server.gateway = api.Gateway
    server.prepare()
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    test.addCleanup(thread.join, 10)
    test.addCleanup(server.stop)
    return server


class TestCheckNoauth(base.TestCase):

    def setUp(self):
        super().setUp()
        self.stderr = io.StringIO()
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', self.stderr))

    def test_noauth_refused_off_loopback(self):
        self.config(auth_strategy='noauth')
        for host in ('0.0.0.0', '::', '192.0.2.10', '10.0.0.1',
                     'api.example.com'):
            self.config(bind_host=host, group='api')
            e = self.assertRaises(exception.ConfigInvalid,
                                  api._check_noauth)
            self.assertIn('[DEFAULT] auth_strategy', str(e))
            self.assertIn(host, str(e))
        self.assertEqual('', self.stderr.getvalue())

    def test_noauth_on_loopback_warns(self):
        self.config(auth_strategy='noauth')
        for host in ('127.0.0.1', '::1', 'localhost', '127.1.2.3'):
            self.config(bind_host=host, group='api')
            api._check_noauth()
        self.assertIn('NO AUTHENTICATION', self.stderr.getvalue())

    def test_keystone_any_host(self):
        self.config(auth_strategy='keystone')
        self.config(bind_host='0.0.0.0', group='api')
        api._check_noauth()
        self.assertEqual('', self.stderr.getvalue())

    def test_main_refuses_noauth_off_loopback(self):
        self.config(auth_strategy='noauth')
        self.config(bind_host='0.0.0.0', group='api')
        with mock.patch.object(api.service, 'prepare_service',
                               autospec=True) as prepare, \
                mock.patch.object(api.wsgi, 'init_application',
                                  autospec=True) as init_app:
            self.assertEqual(1, api.main(['--config-file', 'x.conf']))
        prepare.assert_called_once_with(['--config-file', 'x.conf'])
        init_app.assert_not_called()
        self.assertIn('auth_strategy', self.stderr.getvalue())
        self.assertIn('0.0.0.0', self.stderr.getvalue())

    def test_main_runs_the_background_jobs_while_it_serves(self):
        calls = []
        server = mock.Mock()
        server.safe_start.side_effect = lambda: calls.append('serve')
        background = mock.Mock()
        background.start.side_effect = lambda: calls.append('start')
        background.stop.side_effect = lambda: calls.append('stop')
        with mock.patch.object(api.service, 'prepare_service',
                               autospec=True), \
                mock.patch.object(api.wsgi, 'init_application',
                                  autospec=True), \
                mock.patch.object(api.cheroot_wsgi, 'Server', autospec=True,
                                  return_value=server), \
                mock.patch.object(api.service, 'BackgroundService',
                                  autospec=True, return_value=background), \
                mock.patch('signal.signal', autospec=True):
            self.assertEqual(0, api.main([]))
        # Recovery reads its rows before a request is served.
        self.assertEqual(['start', 'serve', 'stop'], calls)


class TestRefusedBodies(base.TestCase):
    """What mcimage-api's server does with a body the app did not read.

    A real cheroot server with mcimage-api's Gateway on 127.0.0.1, and
    an app that answers at once without reading the body.
    """

    def setUp(self):
        super().setUp()
        self.read_by_app = []

        def app(environ, start_response):
            if environ.get('HTTP_X_READ'):
                while environ['wsgi.input'].read(65536):
                    pass
            status = environ.get('HTTP_X_STATUS', '415 Unsupported')
            start_response(status, [('Content-Type', 'text/plain'),
                                    ('Content-Length', '7')])
            return [b'refused']

        self.server = serve(self, app, numthreads=2)
        self.port = self.server.bind_addr[1]

    def send(self, head, body=b'', timeout=5):
        """The response to ``head`` + ``body``, the socket kept open."""
        sock = socket.create_connection(('127.0.0.1', self.port))
        self.addCleanup(sock.close)
        sock.settimeout(timeout)
        sock.sendall(head + body)
        response = b''
        try:
            while b'refused' not in response:
                piece = sock.recv(65536)
                if not piece:
                    break
                response += piece
        except socket.timeout:
            self.fail('no answer in %d s; so far: %r' % (timeout, response))
        return response

    def test_huge_declared_body_answered_at_once_and_closed(self):
        # 10 GiB declared, a few bytes sent: the answer does not wait for
        # the rest, and the connection is not kept for it.
        for status in ('415 Unsupported', '413 Too Large', '403 No'):
            response = self.send(
                b'PUT /x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Status: ' +
                status.encode() + b'\r\nContent-Length: 10737418240\r\n'
                b'\r\n', b'abc')
            self.assertIn(status.encode(), response.split(b'\r\n')[0])
            self.assertIn(b'Connection: close', response)

    def test_endless_chunked_body_answered_at_once_and_closed(self):
        response = self.send(
            b'PUT /x HTTP/1.1\r\nHost: 127.0.0.1\r\n'
            b'Transfer-Encoding: chunked\r\n\r\n',
            b'10000\r\n' + b'x' * 0x10000 + b'\r\n')
        self.assertIn(b'415', response.split(b'\r\n')[0])
        self.assertIn(b'Connection: close', response)

    def test_malformed_chunk_not_a_server_error(self):
        for size in (b'zz', b'f' * 21):
            response = self.send(
                b'PUT /x HTTP/1.1\r\nHost: 127.0.0.1\r\n'
                b'Transfer-Encoding: chunked\r\n\r\n',
                size + b'\r\nabc\r\n0\r\n\r\n')
            self.assertIn(b'415', response.split(b'\r\n')[0])
            self.assertIn(b'Connection: close', response)

    def test_negative_content_length_answered_and_closed(self):
        # cheroot passes Content-Length: -1 on; the API refuses it.
        response = self.send(
            b'PUT /x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Status: 400 Bad\r\n'
            b'Content-Length: -1\r\n\r\n', b'abc')
        self.assertIn(b'400', response.split(b'\r\n')[0])
        self.assertIn(b'Connection: close', response)

    def test_small_refused_body_keeps_the_connection(self):
        response = self.send(
            b'PUT /x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000'
            b'\r\n\r\n', b'x' * 1000)
        self.assertIn(b'415', response.split(b'\r\n')[0])
        self.assertNotIn(b'Connection: close', response)

    def test_chunked_body_read_whole_keeps_the_connection(self):
        response = self.send(
            b'PUT /x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Read: 1\r\n'
            b'X-Status: 200 Done\r\nTransfer-Encoding: chunked\r\n\r\n',
            b'3\r\nabc\r\n0\r\n\r\n')
        self.assertIn(b'200', response.split(b'\r\n')[0])
        self.assertNotIn(b'Connection: close', response)


class _FakeVim(object):
    """An HTTP server answering every GET with ``size`` bytes.

    It sends ``cut_after`` bytes and closes if given; ``hung_up`` is set
    when its client (mcimage) drops the connection while it sends.
    """

    def __init__(self, test, size, cut_after=None):
        self.size = size
        self.cut_after = cut_after
        self.hung_up = threading.Event()
        self.listener = socket.create_server(('127.0.0.1', 0))
        test.addCleanup(self.listener.close)
        thread = threading.Thread(target=self._serve, daemon=True)
        thread.start()
        self.url = 'http://127.0.0.1:%d/file' % self.listener.getsockname()[1]

    def _serve(self):
        try:
            conn, _addr = self.listener.accept()
        except OSError:
            return
        with conn:
            request = b''
            while b'\r\n\r\n' not in request:
                request += conn.recv(65536)
            conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n'
                         b'Content-Type: application/octet-stream\r\n\r\n'
                         % self.size)
            block = b'x' * 65536
            left = self.size if self.cut_after is None else self.cut_after
            try:
                while left > 0:
                    left -= conn.send(block[:left])
            except OSError:
                self.hung_up.set()
                return
            if self.cut_after is not None:
                return
            # The whole body: wait for mcimage to close, like a VIM.
            conn.settimeout(10)
            try:
                conn.recv(1)
            except OSError:
                pass


class TestDownloadRelay(base.TestCase):
    """A VIM's download relayed by mcimage-api's server, sockets real."""

    def setUp(self):
        super().setUp()
        self.bodies = []

        def app(environ, start_response):
            resp = requests.get(self.vim.url, stream=True, timeout=10)
            body = glance.DownloadBody(resp, 'img', 'vim')
            self.bodies.append(resp)
            start_response('200 OK', [
                ('Content-Length', resp.headers['Content-Length'])])
            return body

        # One thread: a download that left it stuck blocks the next.
        self.server = serve(self, api.small_writes(app), numthreads=1)
        self.url = 'http://127.0.0.1:%d/' % self.server.bind_addr[1]

    def test_whole_body(self):
        size = 5 * 1024 * 1024 + 7
        self.vim = _FakeVim(self, size)
        resp = requests.get(self.url, timeout=10)
        self.assertEqual(200, resp.status_code)
        self.assertEqual(b'x' * size, resp.content)

    def test_vim_dies_mid_body_client_sees_a_cut(self):
        self.vim = _FakeVim(self, 4 * 1024 * 1024, cut_after=1024 * 1024)
        with requests.get(self.url, stream=True, timeout=10) as resp:
            self.assertEqual(200, resp.status_code)
            received = 0
            e = None
            try:
                for piece in resp.iter_content(65536):
                    received += len(piece)
            except requests.exceptions.ChunkedEncodingError as exc:
                e = exc
        # Not a silently short 200: the connection is cut.
        self.assertIsNotNone(e)
        self.assertLess(received, 4 * 1024 * 1024)
        self.assertTrue(self.bodies[0].raw.closed)

    def test_client_gone_mid_body_drops_the_vim(self):
        self.vim = _FakeVim(self, 1024 ** 3)
        with requests.get(self.url, stream=True, timeout=10) as resp:
            self.assertEqual(200, resp.status_code)
            resp.raw.read(1024 * 1024)
        # The VIM connection is closed, not left to drain a GiB...
        self.assertTrue(self.vim.hung_up.wait(10))
        # ...and the server's one thread serves the next download.
        self.vim = _FakeVim(self, 1000)
        self.assertEqual(b'x' * 1000,
                         requests.get(self.url, timeout=10).content)
