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

"""A recording TCP relay between mcimage and a real Glance.

mcimage's VIM endpoint points at the relay, which passes every byte on
unchanged, both ways, and records the request line of each HTTP request
it sees going to Glance: the method and the request target exactly as
they were sent (no decoding, no normalisation). Tests then assert which
calls a hostile request caused on the VIM side.

The client-to-Glance stream is followed as HTTP/1.1 (keep-alive, bodies
by Content-Length or chunked framing) only to find where each request
starts; it is never altered. Bytes that cannot be parsed are recorded as
a call with the method ``'?'`` and passed on all the same.
"""

import socket
import threading
import time

import fixtures

# A request head larger than this is recorded as unparseable.
MAX_HEAD = 256 * 1024


class _RequestSniffer(object):
    """Finds request lines in one client-to-server byte stream."""

    def __init__(self, record):
        self._record = record
        self._buf = b''
        # 'head', 'body' (self._left bytes), 'size' (a chunk-size line),
        # 'data' (self._left bytes of chunk data + CRLF), 'trailer', 'lost'.
        self._state = 'head'
        self._left = 0

    def feed(self, data):
        self._buf += data
        while self._buf and self._state != 'lost':
            if self._state in ('body', 'data'):
                taken = min(self._left, len(self._buf))
                self._buf = self._buf[taken:]
                self._left -= taken
                if self._left:
                    return
                self._state = 'size' if self._state == 'data' else 'head'
                continue
            if self._state == 'head':
                end = self._buf.find(b'\r\n\r\n')
                if end < 0:
                    if len(self._buf) > MAX_HEAD:
                        self._lost(self._buf[:200])
                    return
                head, self._buf = self._buf[:end], self._buf[end + 4:]
                self._head(head)
                continue
            end = self._buf.find(b'\r\n')
            if end < 0:
                if len(self._buf) > MAX_HEAD:
                    self._lost(self._buf[:200])
                return
            line, self._buf = self._buf[:end], self._buf[end + 2:]
            if self._state == 'trailer':
                if not line:
                    self._state = 'head'
                continue
            try:
                size = int(line.split(b';', 1)[0].strip(), 16)
            except ValueError:
                self._lost(line[:200])
                return
            if size:
                self._state, self._left = 'data', size + 2
            else:
                self._state = 'trailer'

    def _lost(self, sample):
        self._state = 'lost'
        self._record('?', sample.decode('latin-1'), None)

    def _head(self, head):
        lines = head.split(b'\r\n')
        # Stray CRLFs between requests are allowed (RFC 9112, 2.2).
        while lines and not lines[0]:
            lines.pop(0)
        words = lines[0].split(b' ') if lines else []
        if len(words) != 3 or not words[2].startswith(b'HTTP/'):
            self._lost(head[:200])
            return
        method = words[0].decode('latin-1')
        target = words[1].decode('latin-1')
        length = 0
        chunked = False
        project = None
        for line in lines[1:]:
            name, _sep, value = line.partition(b':')
            name = name.strip().lower()
            if name == b'x-project-id':
                project = value.strip().decode('latin-1')
            elif name == b'content-length':
                try:
                    length = int(value.strip())
                except ValueError:
                    self._lost(line[:200])
                    return
            elif name == b'transfer-encoding':
                chunked = b'chunked' in value.lower()
        self._record(method, target, project)
        if chunked:
            self._state = 'size'
        elif length:
            self._state, self._left = 'body', length


class RecordingRelay(fixtures.Fixture):
    """A relay on 127.0.0.1 to ``upstream`` ((host, port), may be set late).

    ``calls`` lists (method, raw request target, X-Project-Id or None) in
    the order the requests were sent; ``mark()`` and ``since(mark)`` cut
    out one test's calls.
    """

    def __init__(self, upstream=None):
        super().__init__()
        self.upstream = upstream
        self.calls = []
        self._lock = threading.Lock()
        self._closing = False
        self._sockets = set()

    def _setUp(self):
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(('127.0.0.1', 0))
        self._server.listen(64)
        self.port = self._server.getsockname()[1]
        self.endpoint = 'http://127.0.0.1:%d' % self.port
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 10)
        self.addCleanup(self._close)

    def _close(self):
        self._closing = True
        # shutdown() wakes the accept() of the listening socket.
        with self._lock:
            sockets = list(self._sockets) + [self._server]
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _record(self, method, target, project):
        with self._lock:
            self.calls.append((method, target, project))

    def _track(self, sock):
        with self._lock:
            self._sockets.add(sock)

    def _accept(self):
        while not self._closing:
            try:
                client, _peer = self._server.accept()
            except OSError:
                return
            self._track(client)
            try:
                upstream = socket.create_connection(self.upstream, timeout=10)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            self._track(upstream)
            sniffer = _RequestSniffer(self._record)
            for source, sink, sniff in ((client, upstream, sniffer.feed),
                                        (upstream, client, None)):
                threading.Thread(target=self._pump,
                                 args=(source, sink, sniff),
                                 daemon=True).start()

    def _pump(self, source, sink, sniff):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if sniff is not None:
                    sniff(data)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            with self._lock:
                self._sockets.discard(source)
            source.close()

    def mark(self):
        with self._lock:
            return len(self.calls)

    def since(self, mark, settle=0.0):
        """The calls recorded after ``mark``.

        ``settle``: first wait until no new call came for that long (for
        calls a request causes after its answer, e.g. a cleanup).
        """
        if settle:
            count = -1
            while count != len(self.calls):
                count = len(self.calls)
                time.sleep(settle)
        with self._lock:
            return list(self.calls[mark:])
