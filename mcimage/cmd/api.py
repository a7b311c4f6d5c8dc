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

"""mcimage-api: the embedded API server (threads, not eventlet).

cheroot streams request bodies to the app as they arrive, de-chunks
chunked ones and answers Expect: 100-continue (NOTES-servers §8: 274 MiB/s
md5+sha512 PUT at 47 MiB peak RSS for 1 GiB, where waitress spools bodies
and wsgiref hangs on chunked input). Production runs
mcimage.wsgi.api:application under gunicorn -k gthread instead.
"""

import signal
import sys
import threading

from cheroot import wsgi as cheroot_wsgi
from oslo_config import cfg
from oslo_log import log as logging

from mcimage.api import hooks
from mcimage.common import exception
from mcimage.common import service
from mcimage.common import splice
from mcimage import wsgi

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

# How long a client may stall in the middle of a request, in seconds.
SOCKET_TIMEOUT = 60
# cheroot's socket writer copies all it still has to send after every
# partial send (cheroot.makefile.BufferedWriter._flush_unlocked), which is
# quadratic in the size of one write: a download of 1 MiB pieces ran at a
# tenth of Glance's speed. Pieces this small go out in a send or two.
WRITE_SIZE = 120 * 1024
# Pieces of a request body the application did not read, thrown away,
# and how much of it is read out to keep the connection.
DISCARD_SIZE = 64 * 1024
DISCARD_LIMIT = 1024 * 1024


class _SmallWrites(object):
    """A response body handed to cheroot in WRITE_SIZE pieces."""

    def __init__(self, body):
        self._body = body
        self.body = body

    def __iter__(self):
        for chunk in self._body:
            if len(chunk) <= WRITE_SIZE:
                yield chunk
                continue
            view = memoryview(chunk)
            for start in range(0, len(view), WRITE_SIZE):
                yield bytes(view[start:start + WRITE_SIZE])

    def close(self):
        close = getattr(self._body, 'close', None)
        if close is not None:
            close()


class Gateway(cheroot_wsgi.Gateway_10):
    """cheroot's WSGI gateway, splicing downloads socket to socket.

    When the body the application returns is the very download it put in
    the environ (hooks.SPLICE_BODY_ENV) and that body can give its VIM
    socket, the bytes move in the kernel (mcimage.common.splice) instead
    of through Python; otherwise, cheroot's own loop.
    """

    def respond(self):
        response = self.req.server.wsgi_app(self.env, self.start_response)
        try:
            self._discard_unread_body()
            source = self._splice_source(response)
            if source is not None:
                sock, prefix, count = source
                if prefix:
                    self.write(prefix)
                # The whole rest; closing the body then drops the VIM
                # connection, whose reader never saw these bytes.
                self._splice(sock, count)
                return
            for chunk in filter(None, response):
                self.write(chunk)
        finally:
            self.req.ensure_headers_sent()
            if hasattr(response, 'close'):
                response.close()

    def _discard_unread_body(self):
        """Read out, piece by piece, what the application left of the body.

        To keep the connection, cheroot reads the rest of a body a route
        refused in one read() before it answers: memory the size of the
        body. A chunked body it leaves on the socket, for the next request
        to trip on. Only a rest of at most DISCARD_LIMIT declared bytes is
        read out; for a larger or a chunked one, or a body that cannot be
        read (a malformed chunk), the connection is closed after the answer
        instead: a 413 or 415 must not wait for gigabytes the route never
        wanted, nor a thread be held while a client sends them.
        """
        rfile = self.req.rfile
        if self.req.chunked_read:
            # Read to its last chunk, or not: how much is left is unknown.
            if not (rfile.closed and not rfile.buffer):
                self.req.close_connection = True
            return
        remaining = getattr(rfile, 'remaining', 0)
        if not remaining:
            return
        if remaining < 0 or remaining > DISCARD_LIMIT:
            # cheroot passes a negative Content-Length on (refused by the
            # API); no body can be found on this socket after it.
            self.req.close_connection = True
            return
        try:
            while rfile.read(DISCARD_SIZE):
                pass
        except (OSError, ValueError) as e:
            LOG.info('Unread request body not discarded: %(err)r',
                     {'err': e})
            self.req.close_connection = True

    def _splice_source(self, response):
        body = getattr(response, 'body', None)
        if (body is None or body is not self.env.get(hooks.SPLICE_BODY_ENV)
                or not splice.available() or self.req.server.ssl_adapter
                or self.remaining_bytes_out is None):
            return None
        # Only a body of exactly the length the response declares.
        return body.splice_source(self.remaining_bytes_out)

    def _splice(self, sock, count):
        self.req.ensure_headers_sent()
        self.req.conn.wfile.flush()
        try:
            splice.move(sock.fileno(), self.req.conn.socket.fileno(), count,
                        SOCKET_TIMEOUT)
        except (splice.SourceEnded, OSError) as e:
            # The status line is gone: cutting the connection short is all
            # that is left, so the client sees a truncated body.
            LOG.warning('Download relay broke off: %(err)s', {'err': e})
            self.req.close_connection = True
            raise
        LOG.debug('Spliced %d bytes from the VIM to the client', count)


def small_writes(app):
    def wrapped(environ, start_response):
        return _SmallWrites(app(environ, start_response))
    return wrapped


def _check_noauth():
    wsgi.check_noauth(bind_host=CONF.api.bind_host)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    service.prepare_service(argv)
    try:
        _check_noauth()
        app = wsgi.init_application()
    except exception.ConfigInvalid as e:
        LOG.error('%(err)s', {'err': e})
        print('mcimage-api: %s' % e, file=sys.stderr)
        return 1
    CONF.log_opt_values(LOG, logging.DEBUG)

    server = cheroot_wsgi.Server(
        (CONF.api.bind_host, CONF.api.bind_port), small_writes(app),
        numthreads=CONF.api.server_threads,
        server_name='mcimage-api',
        request_queue_size=64,
        timeout=SOCKET_TIMEOUT,
        shutdown_timeout=5)
    server.gateway = Gateway
    background = service.BackgroundService()
    background.start()

    def _stop(signum, frame):
        LOG.info('Signal %(sig)d: stopping', {'sig': signum})
        threading.Thread(target=server.stop, daemon=True).start()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    LOG.info('mcimage-api serving on http://%(host)s:%(port)s',
             {'host': CONF.api.bind_host, 'port': CONF.api.bind_port})
    try:
        server.safe_start()
    finally:
        server.stop()
        background.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
