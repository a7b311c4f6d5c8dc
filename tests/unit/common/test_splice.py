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

"""The splice relay between two sockets."""

import os
import socket
import ssl
import threading
import time

from mcimage.common import splice
from tests import base

MIB = 1024 * 1024


def tcp_pair():
    """(a, b): two ends of one TCP connection on 127.0.0.1."""
    listener = socket.create_server(('127.0.0.1', 0))
    with listener:
        a = socket.create_connection(listener.getsockname())
        b, _addr = listener.accept()
    return a, b


class RelayTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        # VIM -> (vim_out, vim_in) -> relay -> (client_out, client_in)
        self.vim_out, self.vim_in = tcp_pair()
        self.client_out, self.client_in = tcp_pair()
        for sock in (self.vim_out, self.vim_in, self.client_out,
                     self.client_in):
            self.addCleanup(sock.close)

    def send(self, data, close=False):
        def run():
            try:
                self.vim_out.sendall(data)
                if close:
                    self.vim_out.shutdown(socket.SHUT_WR)
            except OSError:
                pass  # the test closed the other end
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 10)

    def receive(self, received):
        def run():
            try:
                while True:
                    piece = self.client_in.recv(MIB)
                    if not piece:
                        return
                    received.append(piece)
            except OSError:
                pass  # the test closed this end
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    def relay(self, length, **kwargs):
        splice.relay(self.vim_in.fileno(), self.client_out.fileno(), length,
                     **kwargs)

    def test_moves_exactly_the_length_asked(self):
        data = os.urandom(5 * MIB + 3)
        self.send(data + b'next response')
        received = []
        reader = self.receive(received)
        self.relay(len(data))
        self.client_out.shutdown(socket.SHUT_WR)
        reader.join(10)
        self.assertEqual(data, b''.join(received))
        # What follows the body stays on the VIM's socket.
        self.assertEqual(b'next response', self.vim_in.recv(100))

    def test_non_blocking_sockets_wait_for_the_other_side(self):
        # Sockets with a timeout (cheroot's, urllib3's) are non-blocking
        # underneath: the relay polls them instead of failing.
        self.vim_in.settimeout(5)
        self.client_out.settimeout(5)
        data = os.urandom(3 * MIB)
        received = []

        def slowly():
            time.sleep(0.2)
            self.send(data)
            time.sleep(0.2)
            self.receive(received)
        threading.Thread(target=slowly, daemon=True).start()
        self.relay(len(data))
        self.client_out.shutdown(socket.SHUT_WR)
        deadline = time.monotonic() + 10
        while sum(map(len, received)) < len(data):
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        self.assertEqual(data, b''.join(received))

    def test_source_ending_early_is_an_error(self):
        self.send(b'x' * 1000, close=True)
        received = []
        self.receive(received)
        e = self.assertRaises(splice.ShortSource, self.relay, 5000)
        self.assertIn('4000 of 5000 bytes', str(e))

    def test_silent_source_stalls(self):
        self.vim_in.setblocking(False)
        start = time.monotonic()
        self.assertRaises(splice.Stalled, self.relay, 10, timeout=0.3)
        self.assertLess(time.monotonic() - start, 5)

    def test_client_that_stops_reading_stalls(self):
        self.client_out.setblocking(False)
        self.vim_in.setblocking(False)
        data = os.urandom(64 * MIB)
        self.send(data)
        self.assertRaises(splice.Stalled, self.relay, len(data),
                          timeout=0.5)
        # Let the sender finish so its thread ends.
        self.vim_in.close()

    def test_blocking_client_that_stops_reading_stalls(self):
        # gunicorn hands the application blocking client sockets: a client
        # that stops reading must not hold the relay beyond its timeout.
        self.assertTrue(self.client_out.getblocking())
        data = os.urandom(64 * MIB)
        self.send(data)
        start = time.monotonic()
        self.assertRaises(splice.Stalled, self.relay, len(data),
                          timeout=0.5)
        self.assertLess(time.monotonic() - start, 5)
        self.vim_in.close()

    def test_blocking_silent_source_stalls(self):
        self.assertTrue(self.vim_in.getblocking())
        self.assertRaises(splice.Stalled, self.relay, 10, timeout=0.3)

    def test_sockets_keep_their_blocking_mode(self):
        self.client_out.setblocking(False)
        self.send(b'z' * 10, close=True)
        received = []
        reader = self.receive(received)
        self.relay(10)
        self.assertTrue(self.vim_in.getblocking())
        self.assertFalse(os.get_blocking(self.client_out.fileno()))
        self.client_out.shutdown(socket.SHUT_WR)
        reader.join(10)
        self.assertEqual(b'z' * 10, b''.join(received))

    def test_client_gone_is_an_os_error(self):
        data = os.urandom(8 * MIB)
        self.send(data)
        self.client_in.close()
        self.assertRaises(OSError, self.relay, len(data))
        self.vim_in.close()

    def test_no_file_descriptor_leaks(self):
        before = len(os.listdir('/proc/self/fd'))
        self.send(b'y' * 10, close=True)
        self.assertRaises(splice.ShortSource, self.relay, 20)
        self.assertEqual(before, len(os.listdir('/proc/self/fd')))


class UsableTestCase(base.TestCase):

    def test_plain_tcp_socket(self):
        a, b = tcp_pair()
        self.addCleanup(a.close)
        self.addCleanup(b.close)
        self.assertTrue(splice.usable(a))

    def test_not_a_socket_or_tls(self):
        self.assertFalse(splice.usable(None))
        self.assertFalse(splice.usable(object()))
        a, b = tcp_pair()
        self.addCleanup(b.close)
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).wrap_socket(
            a, do_handshake_on_connect=False, server_hostname='x')
        self.addCleanup(tls.close)
        self.assertFalse(splice.usable(tls))

    def test_datagram_socket(self):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(sock.close)
        self.assertFalse(splice.usable(sock))
