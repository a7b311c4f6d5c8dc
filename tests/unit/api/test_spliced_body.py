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

"""Downloads relayed from the VIM's socket to the client's."""

import os
import socket
import threading

from mcimage.api import app
from mcimage.common import splice
from tests import base
from tests.unit.common import test_splice


class _Body(object):
    """A download body; ``source`` is what splice_source() gives."""

    def __init__(self, pieces, source=None):
        self.pieces = pieces
        self.source = source
        self.closed = False

    def __iter__(self):
        return iter(self.pieces)

    def splice_source(self):
        return self.source

    def close(self):
        self.closed = True


class SplicedTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.client_out, self.client_in = test_splice.tcp_pair()
        self.addCleanup(self.client_out.close)
        self.addCleanup(self.client_in.close)

    def test_chosen_only_with_a_socket_and_a_source(self):
        body = _Body([b'a'])
        for key in (app.CLIENT_SOCKET, 'gunicorn.socket'):
            self.assertIsInstance(
                app.spliced(body, {key: self.client_out}), app.SplicedBody)
        self.assertIs(body, app.spliced(body, {}))
        self.assertIs(body, app.spliced(body, {
            app.CLIENT_SOCKET: object()}))
        plain = iter([b'a'])
        self.assertIs(plain, app.spliced(plain, {
            app.CLIENT_SOCKET: self.client_out}))

    def test_head_through_the_server_rest_by_splice(self):
        vim_out, vim_in = test_splice.tcp_pair()
        self.addCleanup(vim_out.close)
        self.addCleanup(vim_in.close)
        rest = os.urandom(3 * test_splice.MIB)
        threading.Thread(target=vim_out.sendall, args=(rest,),
                         daemon=True).start()
        body = _Body([], source=(b'head', vim_in.fileno(), len(rest)))
        spliced = app.spliced(body, {'gunicorn.socket': self.client_out})
        received = []

        def read():
            while True:
                piece = self.client_in.recv(test_splice.MIB)
                if not piece:
                    return
                received.append(piece)
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        # What the server writes itself: only the head.
        self.assertEqual([b'head'], list(spliced))
        spliced.close()
        self.assertTrue(body.closed)
        self.client_out.shutdown(socket.SHUT_WR)
        reader.join(10)
        self.assertEqual(rest, b''.join(received))

    def test_no_source_iterates_the_body(self):
        body = _Body([b'a', b'b'], source=None)
        spliced = app.SplicedBody(body, self.client_out)
        self.assertEqual([b'a', b'b'], list(spliced))

    def test_whole_body_in_the_head(self):
        body = _Body([], source=(b'all of it', None, 0))
        self.assertEqual([b'all of it'],
                         list(app.SplicedBody(body, self.client_out)))

    def test_relay_broken_off_is_raised(self):
        vim_out, vim_in = test_splice.tcp_pair()
        self.addCleanup(vim_in.close)
        vim_out.sendall(b'x' * 10)
        vim_out.close()
        body = _Body([], source=(b'h', vim_in.fileno(), 100))
        pieces = iter(app.SplicedBody(body, self.client_out))
        self.assertEqual(b'h', next(pieces))
        self.assertRaises(splice.ShortSource, next, pieces)
