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

"""splice.move between real sockets."""

import os
import socket
import threading

from mcimage.common import splice
from tests import base


class TestMove(base.TestCase):

    def setUp(self):
        super().setUp()
        if not splice.available():
            self.skipTest('no os.splice on this platform')
        self.src_out, self.src_in = self.pair()
        self.dst_out, self.dst_in = self.pair()
        # Like Python sockets with a timeout: non-blocking descriptors.
        self.src_in.settimeout(5)
        self.dst_out.settimeout(5)

    def pair(self):
        a, b = socket.socketpair()
        self.addCleanup(a.close)
        self.addCleanup(b.close)
        return a, b

    def feed(self, data, close=False):
        def send():
            self.src_out.sendall(data)
            if close:
                self.src_out.shutdown(socket.SHUT_WR)
        thread = threading.Thread(target=send)
        thread.start()
        self.addCleanup(thread.join)

    def drain(self, size):
        got = []

        def receive():
            left = size
            while left:
                piece = self.dst_in.recv(min(left, 1 << 20))
                if not piece:
                    break
                got.append(piece)
                left -= len(piece)
        thread = threading.Thread(target=receive)
        thread.start()
        return thread, got

    def test_moves_exactly_count_bytes(self):
        data = os.urandom(5 * 1024 * 1024 + 17)
        self.feed(data + b'not this')
        thread, got = self.drain(len(data))
        moved = splice.move(self.src_in.fileno(), self.dst_out.fileno(),
                            len(data), timeout=5)
        thread.join(10)
        self.assertEqual(len(data), moved)
        self.assertEqual(data, b''.join(got))
        # What follows the count stays in the source.
        self.assertEqual(b'not this', self.src_in.recv(100))

    def test_source_ending_early(self):
        self.feed(b'x' * 1000, close=True)
        thread, got = self.drain(1000)
        self.assertRaises(splice.SourceEnded, splice.move,
                          self.src_in.fileno(), self.dst_out.fileno(), 2000,
                          timeout=5)
        thread.join(10)
        self.assertEqual(b'x' * 1000, b''.join(got))

    def test_a_silent_source_times_out(self):
        self.assertRaises(TimeoutError, splice.move, self.src_in.fileno(),
                          self.dst_out.fileno(), 10, timeout=0.2)
