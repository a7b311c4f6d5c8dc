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
chunked ones and answers Expect: 100-continue (waitress spools bodies and
wsgiref hangs on chunked input). Production runs
mcimage.wsgi.api:application under gunicorn -k gthread instead.
"""

import signal
import sys
import threading

from cheroot import wsgi as cheroot_wsgi
from oslo_config import cfg
from oslo_log import log as logging

from mcimage.api import app as api_app
from mcimage.common import exception
from mcimage.common import service
from mcimage.common import utils
from mcimage import wsgi

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

# How long a client may stall in the middle of a request, in seconds.
SOCKET_TIMEOUT = 60
# cheroot's socket writer copies all it still has to send after every
# partial send (cheroot.makefile.BufferedWriter._flush_unlocked), which is
# quadratic in the size of one write: a download of 1 MiB pieces ran at a
# tenth of Glance's speed. Pieces this small go out in a send or two; they
# are views of the application's pieces, not copies.
WRITE_SIZE = 120 * 1024
# Pieces of a request body the application did not read, thrown away,
# and how much of it is read out to keep the connection.
DISCARD_SIZE = 64 * 1024
DISCARD_LIMIT = 1024 * 1024


class _SmallWrites(object):
    """A response body handed to cheroot in WRITE_SIZE pieces."""

    def __init__(self, body):
        self._body = body

    def __iter__(self):
        return utils.at_most(self._body, WRITE_SIZE)

    def close(self):
        close = getattr(self._body, 'close', None)
        if close is not None:
            close()


class Gateway(cheroot_wsgi.Gateway_10):
    """cheroot's WSGI gateway, answering a refused body at once.

    ``get_environ`` adds the client's socket (for downloads relayed by
    splice). ``respond`` is the method cheroot's gateways exist to provide;
    this one reads out or drops what the application left of the request body
    before it answers (_discard_unread_body), then writes the response as
    cheroot's own does.
    """

    def get_environ(self):
        environ = super().get_environ()
        # For a download relayed from the VIM's socket to this one
        # (mcimage.api.app.SplicedBody).
        environ[api_app.CLIENT_SOCKET] = self.req.conn.socket
        return environ

    def respond(self):
        response = self.req.server.wsgi_app(self.env, self.start_response)
        try:
            self._discard_unread_body()
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
