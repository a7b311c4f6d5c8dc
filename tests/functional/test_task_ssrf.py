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

"""URL-import safety (the SSRF guard) through a real mcimage-api.

Every refused URL points at a trap listening on this machine, and each
test proves the trap saw no connection at all, not merely no request:

* ``trap``: a web server on 127.0.0.1 serving /f, its port allow-listed,
  so that localhost and the other spellings of 127.0.0.1 can only be
  refused by the host check; a wrong acceptance would show up on it.
* ``trap2``: the same on 127.0.0.2 (not allow-listed), port allow-listed.
* ``closed``: a web server on 127.0.0.1 whose port is NOT allow-listed.
* ``trap6``: a bare listening socket on ::1, port allow-listed (on the
  port of ``trap`` when it is free there, so that localhost is trapped on
  both of its addresses).

mcimage-api runs with ``[task] allowed_hosts = 127.0.0.1``,
``allowed_networks = 127.0.0.1/32`` and the allow-listed ports; ``web``
(127.0.0.1) is the allowed source, with its ``/redirect?to=``.
"""

import hashlib
import os
import socket
import time
import urllib.parse

import ddt
import fixtures
import requests

from tests.functional import base
from tests.functional.fixtures import web

DATA = os.urandom(256 * 1024)
TIMEOUT = 30
# How long a bare socket trap waits for a connection that should not come.
TRAP_WAIT = 0.5


class TrapServer(web.HTTPSourceFixture):
    """An HTTPSourceFixture that also records every TCP connection.

    ``connections`` lists the peers that connected, whatever they sent
    (or did not send); ``requests`` the paths asked for.
    """

    def _setUp(self):
        self.connections = []
        super()._setUp()
        process = self.server.process_request

        def record(request, client_address):
            self.connections.append(client_address)
            return process(request, client_address)

        self.server.process_request = record

    def reset(self):
        del self.connections[:]
        del self.requests[:]

    def seen(self):
        return {'connections': list(self.connections),
                'requests': list(self.requests)}


class SocketTrap(fixtures.Fixture):
    """A bare listening TCP socket that never answers anything."""

    def __init__(self, host, port=0):
        super().__init__()
        self.host = host
        self.port = port

    def _setUp(self):
        family = socket.AF_INET6 if ':' in self.host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.addCleanup(self.sock.close)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((self.host, self.port))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]

    def accepted(self, timeout=TRAP_WAIT):
        """The peers that connected (each connection closed at once).

        Waits up to ``timeout`` for each further connection; 0 drains.
        """
        self.sock.settimeout(timeout)
        peers = []
        while True:
            try:
                conn, peer = self.sock.accept()
            except (TimeoutError, BlockingIOError):
                return peers
            conn.close()
            peers.append(peer)

    def reset(self):
        self.accepted(0)

    def seen(self):
        return {'connections': self.accepted()}


def class_fixture(cls, fixture):
    """Set fixture up, cleaned up with the class (itself if setUp fails)."""
    fixture.setUp()
    cls.addClassCleanup(fixture.cleanUp)
    return fixture


# Refused at creation: (name, URL, what the detail says, needs).
# {trap}, {trap2}, {closed} and {trap6} are the ports of the traps.
CANONICAL = 'is not a canonical address'
REFUSED_AT_CREATION = [
    ['host_127_0_0_2', 'http://127.0.0.2:{trap2}/f',
     ['http://127.0.0.2:{trap2}/f',
      'the host 127.0.0.2 is not in [task] allowed_hosts (127.0.0.1)'],
     None],
    ['localhost', 'http://localhost:{trap}/f',
     ['http://localhost:{trap}/f',
      'the host localhost is not in [task] allowed_hosts'], None],
    ['ipv6_loopback', 'http://[::1]:{trap6}/f',
     ['http://[::1]:{trap6}/f',
      'the host ::1 is not in [task] allowed_hosts'], 'ipv6'],
    ['ipv4_mapped_ipv6', 'http://[::ffff:127.0.0.1]:{trap}/f',
     ['the host ::ffff:127.0.0.1 is not in [task] allowed_hosts'], None],
    ['decimal', 'http://2130706433:{trap}/f',
     ["the host '2130706433' " + CANONICAL], None],
    ['hex', 'http://0x7f000001:{trap}/f',
     ["the host '0x7f000001' " + CANONICAL], None],
    ['octal', 'http://0177.0.0.1:{trap}/f',
     ["the host '0177.0.0.1' " + CANONICAL], None],
    ['short', 'http://127.1:{trap}/f',
     ["the host '127.1' " + CANONICAL], None],
    ['mixed_hex_short', 'http://0x7f.1:{trap}/f',
     ["the host '0x7f.1' " + CANONICAL], None],
    ['trailing_dot', 'http://127.0.0.1.:{trap}/f',
     ["the host '127.0.0.1.' " + CANONICAL], None],
    ['fullwidth_digits',
     'http://\uff11\uff12\uff17\uff0e\uff10\uff0e\uff10\uff0e\uff11:'
     '{trap}/f', [CANONICAL], None],
    ['ftp_allowed_port', 'ftp://127.0.0.1:{trap}/f',
     ["the scheme 'ftp' is not allowed"], None],
    ['ftp_default_port', 'ftp://127.0.0.1/f',
     ['ftp://127.0.0.1/f', "the scheme 'ftp' is not allowed"], 'port21'],
    ['file', 'file:///etc/passwd',
     ['file:///etc/passwd', "the scheme 'file' is not allowed"], None],
    ['port_not_allowed', 'http://127.0.0.1:{closed}/f',
     ['http://127.0.0.1:{closed}/f', 'the port {closed} is not allowed'],
     None],
    ['credentials', 'http://user:s3cret@127.0.0.1:{trap}/f',
     ['http://127.0.0.1:{trap}/f', 'carries credentials'], None],
    ['credentials_like_allowed_host',
     'http://127.0.0.1:{trap}@127.0.0.2:{trap2}/f',
     ['http://127.0.0.2:{trap2}/f', 'carries credentials'], None],
]

# Refused when the allowed web server redirects: (name, redirect target,
# what the task's message says after "the redirect to <target>", needs).
REFUSED_REDIRECTS = [
    ['to_127_0_0_2', 'http://127.0.0.2:{trap2}/f',
     'http://127.0.0.2:{trap2}/f',
     'the host 127.0.0.2 is not in [task] allowed_hosts', None],
    ['to_localhost', 'http://localhost:{trap}/f', 'http://localhost:{trap}/f',
     'the host localhost is not in [task] allowed_hosts', None],
    ['to_ipv6_loopback', 'http://[::1]:{trap6}/f', 'http://[::1]:{trap6}/f',
     'the host ::1 is not in [task] allowed_hosts', 'ipv6'],
    ['to_decimal', 'http://2130706433:{trap}/f',
     'http://2130706433:{trap}/f', CANONICAL, None],
    ['to_port_not_allowed', 'http://127.0.0.1:{closed}/f',
     'http://127.0.0.1:{closed}/f', 'the port {closed} is not allowed',
     None],
    ['to_credentials', 'http://user:s3cret@127.0.0.1:{trap}/f',
     'http://127.0.0.1:{trap}/f', 'carries credentials', None],
    ['to_ftp', 'ftp://127.0.0.1:{trap}/f', 'ftp://127.0.0.1:{trap}/f',
     "the scheme 'ftp' is not allowed", None],
]


@ddt.ddt
class TestURLImportSafety(base.FunctionalTestCase):

    trap6 = None
    no_ipv6 = None

    @classmethod
    def setUpClass(cls):
        cls.web = class_fixture(cls, web.HTTPSourceFixture(
            {'/disk.img': DATA}))
        cls.trap = class_fixture(cls, TrapServer({'/f': DATA}))
        cls.trap2 = class_fixture(cls, TrapServer({'/f': DATA},
                                                  host='127.0.0.2'))
        cls.closed = class_fixture(cls, TrapServer({'/f': DATA}))
        for port in (cls.trap.port, 0):
            try:
                cls.trap6 = class_fixture(cls, SocketTrap('::1', port))
                break
            except Exception as e:
                cls.no_ipv6 = '%s: %s' % (type(e).__name__, e)
        ports = [cls.web.port, cls.trap.port, cls.trap2.port]
        if cls.trap6 is not None and cls.trap6.port not in ports:
            ports.append(cls.trap6.port)
        assert cls.closed.port not in ports
        cls.EXTRA_CONF = (
            '[task]\nallowed_hosts = 127.0.0.1\n'
            'allowed_networks = 127.0.0.1/32\nallowed_ports = %s\n'
            # Bounds what a wrong acceptance of a bare trap would cost.
            'url_connect_timeout = 5\nurl_read_timeout = 5\n'
            % ','.join(str(p) for p in ports))
        super().setUpClass()

    def setUp(self):
        super().setUp()
        self.web.requests[:] = []
        self.traps = {'trap': self.trap, 'trap2': self.trap2,
                      'closed': self.closed}
        if self.trap6 is not None:
            self.traps['trap6'] = self.trap6
        for trap in self.traps.values():
            trap.reset()
        self.ports = {name: trap.port for name, trap in self.traps.items()}
        self.ports['web'] = self.web.port

    # -- helpers --------------------------------------------------------------

    def needs(self, need):
        if need == 'ipv6' and self.trap6 is None:
            self.skipTest('no IPv6 loopback to bind a trap on ::1 (%s)'
                          % self.no_ipv6)
        if need == 'port21':
            # The trap on the port the URL means (ftp's default, 21).
            try:
                self.traps['ftp21'] = self.useFixture(
                    SocketTrap('127.0.0.1', 21))
            except Exception as e:
                self.skipTest('cannot bind a trap on 127.0.0.1 port 21 '
                              '(%s: %s)' % (type(e).__name__, e))

    def fill(self, text):
        return text.format(**self.ports)

    def create(self, url, **extra):
        task_input = {'import_from': url, 'import_from_format': 'raw',
                      'targets': [{'vim_id': self.VIM,
                                   'tenant_id': self.tenant}]}
        task_input.update(extra)
        return requests.post(self.mcimage.url('/v1/tasks'),
                             json={'type': 'import', 'input': task_input},
                             headers=self.headers(), timeout=TIMEOUT)

    def tasks(self):
        resp = requests.get(self.mcimage.url('/v1/tasks'),
                            headers=self.headers(), timeout=TIMEOUT)
        self.assertEqual(200, resp.status_code, resp.text)
        return resp.json()['tasks']

    def wait(self, task_id):
        deadline = time.monotonic() + TIMEOUT
        while True:
            resp = requests.get(self.mcimage.url('/v1/tasks/' + task_id),
                                headers=self.headers(), timeout=TIMEOUT)
            self.assertEqual(200, resp.status_code, resp.text)
            task = resp.json()
            if task['status'] in ('success', 'failure'):
                return task
            if time.monotonic() > deadline:
                self.fail('task %s still %s' % (task_id, task['status']))
            time.sleep(0.1)

    def assertNoImages(self, timeout=10):
        deadline = time.monotonic() + timeout
        while self.glance_images() and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertEqual([], self.glance_images())

    def assertNotReached(self):
        """No trap saw as much as a TCP connection."""
        seen = {name: trap.seen() for name, trap in self.traps.items()}
        self.assertEqual(
            {name: {key: [] for key in value}
             for name, value in seen.items()}, seen)

    def assertRefused(self, resp, *detail_parts):
        """The API-SIG 400 of the guard, and nothing was created."""
        error = self.assertError(resp, 400)
        self.assertEqual('mcimage.url_refused', error['code'])
        for part in detail_parts:
            self.assertIn(self.fill(part), error['detail'])
        self.assertEqual([], self.tasks())
        self.assertEqual([], self.glance_images())
        return error

    # -- the traps themselves -------------------------------------------------

    def test_traps_detect_a_connection(self):
        """Control: each kind of trap does see what reaches it."""
        resp = requests.get(self.trap2.url('/f'), timeout=TIMEOUT)
        self.assertEqual(DATA, resp.content)
        self.assertEqual(['/f'], self.trap2.requests)
        self.assertEqual(1, len(self.trap2.connections))
        with socket.create_connection(('127.0.0.1', self.closed.port),
                                      timeout=TIMEOUT):
            pass
        deadline = time.monotonic() + TIMEOUT
        while not self.closed.connections:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        self.assertEqual([], self.closed.requests)
        if self.trap6 is None:
            self.skipTest('no IPv6 loopback to bind a trap on ::1 (%s)'
                          % self.no_ipv6)
        with socket.create_connection(('::1', self.trap6.port),
                                      timeout=TIMEOUT):
            self.assertEqual(1, len(self.trap6.accepted()))
        self.assertEqual([], self.trap6.accepted())

    def test_allowed_trap_is_reached(self):
        """Control: an allow-listed trap gets mcimage's request."""
        resp = self.create(self.trap.url('/f'))
        self.assertEqual(201, resp.status_code, resp.text)
        task = self.wait(resp.json()['id'])
        self.assertEqual('success', task['status'], task['message'])
        self.assertEqual(['/f'], self.trap.requests)
        self.assertEqual(1, len(self.trap.connections))
        [target] = task['result']['targets']
        image = self.glance.get_image(target['image_id'], self.tenant)
        self.assertEqual(hashlib.md5(DATA).hexdigest(), image['checksum'])

    # -- refused when the task is created -------------------------------------

    @ddt.named_data(*REFUSED_AT_CREATION)
    def test_refused_at_creation(self, url, detail_parts, need):
        self.needs(need)
        resp = self.create(self.fill(url))
        self.assertRefused(resp, *detail_parts)
        self.assertNotIn('s3cret', resp.text)
        self.assertNotIn('root:', resp.text)
        self.assertNotReached()
        self.assertEqual([], self.web.requests)

    # -- refused at a redirect, while the task runs ---------------------------

    def redirect_url(self, to):
        return self.web.url('/redirect?' + urllib.parse.urlencode(
            {'to': to}))

    @ddt.named_data(*REFUSED_REDIRECTS)
    def test_refused_redirect(self, to, named, reason, need):
        self.needs(need)
        to = self.fill(to)
        resp = self.create(self.redirect_url(to))
        self.assertEqual(201, resp.status_code, resp.text)
        task = self.wait(resp.json()['id'])
        self.assertEqual('failure', task['status'], task['message'])
        message = task['message']
        self.assertIn('the redirect to %s (from %s) is refused: '
                      % (self.fill(named), self.web.url('/redirect?to=***')),
                      message)
        self.assertIn(self.fill(reason), message)
        self.assertNotIn('s3cret', message)
        # The only request anywhere: the allowed one that redirected.
        self.assertEqual(['/redirect?' + urllib.parse.urlencode({'to': to})],
                         self.web.requests)
        self.assertNotReached()
        [target] = task['result']['targets']
        self.assertNotEqual('created', target['status'])
        self.assertNoImages()

    def test_redirect_location_with_a_tab_is_refused(self):
        """A redirect is checked like a first URL, tabs included.

        A first URL holding a tab is refused (the unit tests'
        test_bad_characters: urlsplit would silently drop it, so what is
        checked would differ from what was written). The allowed server
        redirects to an allowed place whose path holds a tab: the task
        must fail the same way, and the trap see nothing.
        """
        to = self.trap.url('/\tf')
        resp = self.create(self.redirect_url(to))
        self.assertEqual(201, resp.status_code, resp.text)
        task = self.wait(resp.json()['id'])
        seen = self.trap.seen()
        self.assertEqual('failure', task['status'],
                         'the redirect to %r was followed to %s' % (
                             to, seen['requests']))
        self.assertIn('(from %s) is refused: the URL contains spaces or '
                      'control characters'
                      % self.web.url('/redirect?to=***'), task['message'])
        self.assertNotReached()
        self.assertNoImages()

    def test_redirect_to_allowed_url_succeeds(self):
        """Control: the redirects refused above are refused for where."""
        to = self.web.url('/disk.img')
        resp = self.create(self.redirect_url(to))
        self.assertEqual(201, resp.status_code, resp.text)
        task = self.wait(resp.json()['id'])
        self.assertEqual('success', task['status'], task['message'])
        self.assertEqual(['/redirect?' + urllib.parse.urlencode({'to': to}),
                          '/disk.img'], self.web.requests)
        self.assertEqual({'bytes_done': len(DATA),
                          'bytes_total': len(DATA)}, task['progress'])
        [target] = task['result']['targets']
        self.assertEqual('created', target['status'])
        image = self.glance.get_image(target['image_id'], self.tenant)
        self.assertEqual('active', image['status'])
        self.assertEqual(hashlib.sha512(DATA).hexdigest(),
                         image['os_hash_value'])
        self.assertNotReached()
