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

"""Fixtures that run real servers for the functional tests."""

import http.server
import importlib.util
import os
import sys
import threading
import time
import urllib.parse

import fixtures

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def load_tool(name):
    """Import tools/<name>.py (tools/ is not a package) by its file path."""
    module_name = 'mcimage_tools_%s' % name
    module = sys.modules.get(module_name)
    if module is None:
        spec = importlib.util.spec_from_file_location(
            module_name, os.path.join(REPO_ROOT, 'tools', name + '.py'))
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[module_name]
            raise
    return module


def load_glance_server_module():
    return load_tool('glance_server')


class GlanceFixture(fixtures.Fixture):
    """A Glance API (trusted flavor, sqlite, file store) in a temp dir.

    Exposes ``server`` (a tools/glance_server.py GlanceServer, with
    ``headers()``, ``list_images()``, ``kill()``, ``restart()``...) and
    ``endpoint``.  The server is stopped, and its directory removed, at
    cleanup, also when start() fails.
    """

    def __init__(self, port=None, python=None):
        super().__init__()
        self._port = port
        self._python = python or sys.executable

    def _setUp(self):
        workdir = self.useFixture(fixtures.TempDir()).path
        glance_server = load_glance_server_module()
        self.server = glance_server.GlanceServer(
            workdir, port=self._port, python=self._python)
        # Cleanups run last-in first-out: stop before the dir goes away.
        self.addCleanup(self.server.stop)
        self.server.start()
        self.endpoint = self.server.endpoint


class MCImageFixture(fixtures.Fixture):
    """mcimage-api (tools/mcimage_server.py) in front of ``vims``.

    Exposes ``server`` (with ``url()``, ``kill()``, ``start()``,
    ``log_tail()``...). Its work directory (configuration, sqlite
    database, logs) outlives restarts; the server is stopped at cleanup,
    also when start() fails.
    """

    def __init__(self, vims, extra_conf='', python=None, server='embedded'):
        super().__init__()
        self._vims = vims
        self._extra_conf = extra_conf
        self._python = python or sys.executable
        self._server = server

    def _setUp(self):
        workdir = self.useFixture(fixtures.TempDir()).path
        self.server = load_tool('mcimage_server').MCImageServer(
            workdir, self._vims, python=self._python,
            extra_conf=self._extra_conf, server=self._server)
        self.addCleanup(self.server.stop)
        self.server.start()


class PostgresFixture(fixtures.Fixture):
    """A throwaway PostgreSQL cluster (tools/postgres_server.py).

    Exposes ``server`` (a PostgresServer, with ``create_database()``,
    ``drop_database()``, ``url()``...).  The server is stopped, and its
    directory removed, at cleanup, also when start() fails.
    """

    def __init__(self, port=None):
        super().__init__()
        self._port = port

    def _setUp(self):
        self.server = load_tool('postgres_server').PostgresServer(
            port=self._port)
        self.addCleanup(self.server.stop)
        self.server.start()


class RedisFixture(fixtures.Fixture):
    """A throwaway Redis server (tools/redis_server.py), no persistence.

    Exposes ``server`` (a RedisServer, with ``host``, ``port``,
    ``password``, ``command()``, ``kill()``, ``start()``...).  The server
    is stopped, and its directory removed, at cleanup, also when start()
    fails.
    """

    def __init__(self, port=None, password=None):
        super().__init__()
        self._port = port
        self._password = password

    def _setUp(self):
        self.server = load_tool('redis_server').RedisServer(
            port=self._port, password=self._password)
        self.addCleanup(self.server.stop)
        self.server.start()


class HTTPSourceFixture(fixtures.Fixture):
    """A web server on 127.0.0.1 serving ``files`` (path -> bytes).

    For URL imports: ``/slow/<path>`` sends the same file in 1 MiB pieces,
    ``slow`` seconds apart; ``/redirect?to=<url>`` answers 302 to any URL.
    ``requests`` lists the paths asked for. The server thread is shut down
    at cleanup.
    """

    def __init__(self, files=None, slow=0.1, host='127.0.0.1', port=0):
        super().__init__()
        self.files = dict(files or {})
        self.slow = slow
        self.host = host
        self.port = port
        self.requests = []

    def _setUp(self):
        fixture = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, *args):
                pass

            def do_GET(self):
                fixture.requests.append(self.path)
                url = urllib.parse.urlsplit(self.path)
                if url.path == '/redirect':
                    to = urllib.parse.parse_qs(url.query)['to'][0]
                    self.send_response(302)
                    self.send_header('Location', to)
                    self.send_header('Content-Length', '0')
                    self.end_headers()
                    return
                slow = url.path.startswith('/slow/')
                path = url.path[len('/slow'):] if slow else url.path
                data = fixture.files.get(path)
                if data is None:
                    self.send_response(404)
                    self.send_header('Content-Length', '0')
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header('Content-Length', str(len(data)))
                self.send_header('Content-Type', 'application/octet-stream')
                self.end_headers()
                piece = 1024 * 1024
                try:
                    for start in range(0, len(data), piece):
                        self.wfile.write(data[start:start + piece])
                        if slow:
                            time.sleep(fixture.slow)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = http.server.ThreadingHTTPServer((self.host, self.port),
                                                      Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        thread = threading.Thread(target=self.server.serve_forever,
                                  daemon=True)
        thread.start()
        self.addCleanup(thread.join, 10)
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)

    def url(self, path):
        return 'http://%s:%d%s' % (self.host, self.port, path)
