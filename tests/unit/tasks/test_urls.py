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

"""The URL import source and its SSRF guard.

The classifier tests resolve names through a patched getaddrinfo and make
any connection attempt fail the test: they must never send a packet to the
addresses they name. The traffic tests talk to real servers on 127.0.0.1
only.
"""

import http.server
import json
import logging
import os
import socket
import ssl
import threading
import time
from unittest import mock

import ddt
import fixtures

from mcimage.common import exception
from mcimage.tasks import urls
from mcimage import version
from tests import base

CHUNK = 65536
BIG = os.urandom(5 * 1024 * 1024 + 123)
SECRET = 's3cr3t-pa55'
# Taken before any test patches it.
_real_getaddrinfo = socket.getaddrinfo


def _addrinfo(addresses):
    """A getaddrinfo stand-in answering addresses for any name."""
    def getaddrinfo(host, port, *args, **kwargs):
        infos = []
        for address in addresses:
            if ':' in address:
                infos.append((socket.AF_INET6, socket.SOCK_STREAM, 6, '',
                              (address, port, 0, 0)))
            else:
                infos.append((socket.AF_INET, socket.SOCK_STREAM, 6, '',
                              (address, port)))
        return infos
    return getaddrinfo


class GuardTestCase(base.TestCase):
    """No test of this kind may reach the network."""

    def setUp(self):
        super().setUp()
        self.getaddrinfo = self.useFixture(fixtures.MockPatch(
            'socket.getaddrinfo',
            side_effect=AssertionError('no DNS lookup expected'))).mock
        self.connect = self.useFixture(fixtures.MockPatch(
            'socket.create_connection',
            side_effect=AssertionError('no connection expected'))).mock
        self.addCleanup(self._no_connection)

    def _no_connection(self):
        self.assertFalse(self.connect.called)

    def resolve_to(self, *addresses):
        self.getaddrinfo.side_effect = _addrinfo(addresses)

    def refused(self, url, func=urls.check_url):
        return self.assertRaises(exception.URLRefused, func, url).message


@ddt.ddt
class AddressTestCase(GuardTestCase):

    @ddt.data(
        ('169.254.1.1', 'a link-local address'),
        ('fe80::1', 'a link-local address'),
        ('169.254.169.254', 'the cloud metadata service address'),
        ('fd00:ec2::254', 'the cloud metadata service address'),
        ('10.0.0.1', 'a private address'),
        ('172.16.5.4', 'a private address'),
        ('172.31.255.254', 'a private address'),
        ('192.168.1.1', 'a private address'),
        ('fc00::1', 'a private (unique local) address'),
        ('fd12:3456::1', 'a private (unique local) address'),
        ('100.64.0.1', 'a shared (carrier-grade NAT) address'),
        ('224.0.0.1', 'a multicast address'),
        ('ff02::1', 'a multicast address'),
        ('0.0.0.0', 'an unspecified ("this network") address'),
        ('::', 'the unspecified address'),
        ('127.0.0.1', 'a loopback address'),
        ('::1', 'a loopback address'),
        ('240.0.0.1', 'a reserved address'),
        ('fec0::1', 'a site-local address'),
        ('192.0.2.10', 'a special-purpose address that is not publicly '
         'routable'),
        ('::ffff:10.0.0.1',
         'an IPv4-mapped IPv6 address of 10.0.0.1, which is a private '
         'address'),
        ('::ffff:127.0.0.1',
         'an IPv4-mapped IPv6 address of 127.0.0.1, which is a loopback'),
        ('2002:a00:1::',
         'a 6to4 IPv6 address of 10.0.0.1, which is a private address'),
        ('64:ff9b::a9fe:a9fe',
         'a NAT64 IPv6 address of 169.254.169.254, which is the cloud '
         'metadata service address'),
        ('2001:0:4136:e378:8000:63bf:3fff:fdd2', 'a Teredo tunnel address'),
    )
    @ddt.unpack
    def test_name_resolving_to_refused(self, address, kind):
        self.resolve_to(address)
        message = self.refused('http://images.example.com/disk.qcow2')
        self.assertIn('the host images.example.com resolves to %s, which '
                      'is %s' % (address, kind), message)
        self.assertIn('[task] allowed_networks', message)
        self.getaddrinfo.assert_called_once_with(
            'images.example.com', 80, type=socket.SOCK_STREAM,
            proto=socket.IPPROTO_TCP)

    def test_open_url_refuses_before_connecting(self):
        self.resolve_to('169.254.169.254')
        message = self.refused('http://images.example.com/latest/meta-data',
                               func=urls.open_url)
        self.assertIn('169.254.169.254', message)

    @ddt.data('10.0.0.1', '169.254.169.254', '[fd00:ec2::254]', '[::1]',
              '127.0.0.2', '[::ffff:127.0.0.1]', '0.0.0.0')
    def test_literal_refused_without_dns(self, host):
        message = self.refused('http://%s/x' % host)
        self.assertIn('%s is ' % host.strip('[]'), message)
        self.assertIn('[task] allowed_networks', message)
        self.assertFalse(self.getaddrinfo.called)

    def test_loopback_literal_message(self):
        self.assertIn('127.0.0.2 is a loopback address',
                      self.refused('http://127.0.0.2/'))

    def test_one_public_one_private_refused(self):
        self.resolve_to('93.184.215.14', '10.1.2.3')
        message = self.refused('https://mixed.example.com/disk.img')
        self.assertIn('resolves to 10.1.2.3, which is a private address',
                      message)

    @ddt.data('93.184.215.14', '2606:4700::1', '::ffff:93.184.215.14',
              '64:ff9b::5db8:d70e', '2002:5db8:d70e::1')
    def test_public_accepted(self, address):
        self.resolve_to(address)
        checked = urls.check_url('http://images.example.com/disk.img')
        self.assertEqual([address], checked.addresses)

    def test_public_literals_accepted(self):
        self.assertEqual(['93.184.215.14'],
                         urls.check_url('http://93.184.215.14/').addresses)
        checked = urls.check_url('https://[2606:4700:0::1]/a')
        self.assertEqual('2606:4700::1', checked.host)
        self.assertEqual('https://[2606:4700::1]/a', checked.safe_url)
        self.assertFalse(self.getaddrinfo.called)

    def test_allowed_networks_let_a_range_through(self):
        self.config(allowed_networks=['10.0.0.0/8', 'fd00::/8'],
                    group='task')
        self.resolve_to('10.1.2.3', 'fd00::5')
        checked = urls.check_url('http://mirror.internal/disk.img')
        self.assertEqual(['10.1.2.3', 'fd00::5'], checked.addresses)
        self.resolve_to('10.1.2.3', '192.168.0.1')
        self.assertIn('192.168.0.1',
                      self.refused('http://mirror.internal/disk.img'))
        # The mapped form of an allowed address is the same destination.
        self.resolve_to('::ffff:10.9.9.9')
        urls.check_url('http://mirror.internal/disk.img')

    def test_allowed_networks_invalid(self):
        self.config(allowed_networks=['10.0.0.0/33'], group='task')
        self.assertRaises(exception.ConfigInvalid, urls.check_url,
                          'http://10.0.0.1/')

    def test_unresolvable_host(self):
        self.getaddrinfo.side_effect = socket.gaierror(
            socket.EAI_NONAME, 'Name or service not known')
        message = self.refused('http://nowhere.example.com/')
        self.assertIn('the host nowhere.example.com cannot be resolved',
                      message)

    def test_idna_host(self):
        self.resolve_to('93.184.215.14')
        checked = urls.check_url('http://B\u00fccher.Example/x')
        self.assertEqual('xn--bcher-kva.example', checked.host)
        self.assertEqual('xn--bcher-kva.example',
                         self.getaddrinfo.call_args[0][0])

    def test_checked_url(self):
        self.resolve_to('93.184.215.14')
        url = 'HTTPS://Images.Example.COM.:443/a/b.img?Signature=x#frag'
        checked = urls.check_url(url)
        self.assertEqual(url, checked.url)
        self.assertEqual('https', checked.scheme)
        self.assertEqual('images.example.com', checked.host)
        self.assertEqual(443, checked.port)
        self.assertEqual(['93.184.215.14'], checked.addresses)
        self.assertEqual('https://images.example.com/a/b.img?Signature=***',
                         checked.safe_url)
        self.assertEqual('/a/b.img?Signature=x', checked.target)


@ddt.ddt
class SpellingTestCase(GuardTestCase):

    @ddt.data(
        # 127.0.0.1
        '2130706433', '0x7f000001', '0x7F000001', '0x7f.0.0.1',
        '0177.0.0.1', '017700000001', '127.1', '127.0.1', '127.0.0.1.',
        '127.000.000.001', '0x7f.1', '127.0.0.01',
        '\uff11\uff12\uff17\uff0e\uff10\uff0e\uff10\uff0e\uff11',
        # 93.184.215.14, public: the spelling alone is refused.
        '1572394766', '0x5db8d70e', '93.184.55054', '93.12113678',
        '0135.184.215.14', '93.184.215.14.', '93.184.215.014',
        # Ends in a number: resolvers would read it as an address.
        '1.2.3.4.5', 'example.0x10', 'example.123',
    )
    def test_not_canonical(self, host):
        message = self.refused('http://%s/disk.img' % host)
        self.assertIn('is not a canonical address', message)
        self.assertFalse(self.getaddrinfo.called)

    @ddt.data('ftp://example.com/disk.img', 'file:///etc/passwd',
              'gopher://example.com:70/_stats', 'data:text/plain,hello',
              'FILE://localhost/etc/shadow', 'jar:http://example.com/')
    def test_scheme_refused(self, url):
        scheme = url.split(':')[0].lower()
        self.assertIn("the scheme '%s' is not allowed" % scheme,
                      self.refused(url))

    def test_scheme_allowed_but_unsupported(self):
        self.config(allowed_schemes=['http', 'ftp'], group='task')
        message = self.refused('ftp://example.com/x')
        self.assertIn("'ftp' is not allowed", message)
        self.assertIn('allowed_schemes): http', message)

    def test_https_only(self):
        self.config(allowed_schemes=['https'], group='task')
        self.assertIn("'http' is not allowed",
                      self.refused('http://example.com/x'))

    @ddt.data(22, 8080, 6379)
    def test_port_refused(self, port):
        message = self.refused('http://example.com:%d/x' % port)
        self.assertIn('the port %d is not allowed' % port, message)
        self.assertIn('[task] allowed_ports', message)

    @ddt.data('0', '65536')
    def test_port_out_of_range(self, port):
        self.assertIn('the port %s is not a valid port number' % port,
                      self.refused('http://example.com:%s/x' % port))

    @ddt.data('+80', '8_0', '80a', '\u0668\u0660')
    def test_port_not_a_number(self, port):
        self.assertIn('the port in the URL is not a number',
                      self.refused('http://example.com:%s/x' % port))

    @ddt.data('http://admin:pa/%s@images.example.com/x',
              'http://admin:pa?%s@images.example.com/x',
              'http://admin:pa#%s@images.example.com/x',
              'http://ad!min:pa/%s@images.example.com/x')
    def test_password_with_delimiters_not_leaked(self, url):
        # An unencoded '/', '?' or '#' in the password makes the parser
        # see host "admin" and port "pa..."; still nothing may leak.
        logger = self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        message = self.refused(url % SECRET)
        for text in (message, logger.output):
            self.assertNotIn(SECRET, text)
            self.assertNotIn('admin', text)

    def test_port_allowed(self):
        self.config(allowed_ports=[8080], group='task')
        self.resolve_to('93.184.215.14')
        self.assertEqual(8080,
                         urls.check_url('http://example.com:8080/').port)
        self.assertIn('the port 80 is not allowed',
                      self.refused('http://example.com/'))

    def test_localhost_refused(self):
        # The real resolver: localhost is on this machine.
        self.getaddrinfo.side_effect = _real_getaddrinfo
        for url in ('http://localhost/', 'http://LOCALHOST./x'):
            message = self.refused(url)
            self.assertIn('the host localhost resolves to ', message)
            self.assertIn('a loopback address', message)

    def test_userinfo_refused_and_not_leaked(self):
        logger = self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        url = 'http://admin:%s@images.example.com/x?sig=%s' % (
            SECRET, SECRET)
        message = self.refused(url)
        self.assertIn('credentials', message)
        self.assertIn('http://images.example.com/x', message)
        for text in (message, logger.output):
            self.assertNotIn(SECRET, text)
            self.assertNotIn('admin', text)

    def test_userinfo_tricks(self):
        for url in ('http://images.example.com@169.254.169.254/',
                    'http://images.example.com\\@169.254.169.254/',
                    'http://@169.254.169.254/'):
            self.assertIn('credentials', self.refused(url))

    @ddt.data('http:///x', 'http://:80/', 'http:example.com/x',
              '//example.com/x', 'example.com/x', '')
    def test_no_host_or_scheme(self, url):
        self.refused(url)

    @ddt.data('http://[fe80::1%25eth0]/', 'http://[fe80::1%eth0]/')
    def test_zone_id_refused(self, url):
        self.assertIn('zone id', self.refused(url))

    @ddt.data('http://::1/', 'http://[::1/', 'http://[::1]x/',
              'http://[127.0.0.1]/', 'http://[v1.x]/')
    def test_ipv6_malformed(self, url):
        self.refused(url)

    @ddt.data('http://exa mple.com/', 'http://example.com/a\tb',
              'http://example.com/\r\nX-Injected: 1', '\x00http://x.com/',
              'http://exa\\mple.com/', 'http://example..com/',
              'http://exa%6dple.com/', 'http://-/', 'http://./')
    def test_bad_characters(self, url):
        self.refused(url)

    def test_allowed_hosts(self):
        self.config(allowed_hosts=['Images.Example.COM', '[2606:4700::1]'],
                    group='task')
        self.resolve_to('93.184.215.14')
        urls.check_url('http://images.example.com./x')
        urls.check_url('http://[2606:4700:0:0::1]/x')
        message = self.refused('http://other.example.com/')
        self.assertIn('the host other.example.com is not in [task] '
                      'allowed_hosts', message)
        # Allowed by name still means public addresses only.
        self.resolve_to('10.0.0.1')
        self.assertIn('10.0.0.1',
                      self.refused('http://images.example.com/x'))

    def test_disallowed_hosts(self):
        self.config(disallowed_hosts=['images.example.com', '93.184.215.1'],
                    group='task')
        self.resolve_to('93.184.215.14')
        self.assertIn('the host images.example.com is in [task] '
                      'disallowed_hosts',
                      self.refused('http://IMAGES.example.com./x'))
        self.assertIn('disallowed_hosts',
                      self.refused('http://93.184.215.1/x'))
        self.resolve_to('93.184.215.1')
        self.assertIn('resolves to 93.184.215.1, which is in [task] '
                      'disallowed_hosts',
                      self.refused('http://mirror.example.com/x'))

    def test_redact(self):
        # No userinfo, no fragment; the query's keys stay, not its values.
        self.assertEqual('http://h.example/p?q=***',
                         urls.redact('http://u:p@h.example/p?q=1#f'))
        self.assertEqual('http://h.example/p',
                         urls.redact('http://a@b:c@h.example/p'))
        self.assertEqual('h/x', urls.redact('u:p@h/x'))
        self.assertEqual('http://h.example/p?***',
                         urls.redact('http://u:p/w@h.example/p?q'))
        self.assertEqual('http://h.example:8080/a@b?***',
                         urls.redact('http://h.example:8080/a@b?x'))
        self.assertEqual('http://[::1]:80/a@b',
                         urls.redact('http://[::1]:80/a@b'))
        self.assertEqual(
            'https://s3.example/b/k.img?X-Amz-Algorithm=***&'
            'X-Amz-Credential=***&X-Amz-Signature=***&***',
            urls.redact('https://s3.example/b/k.img?X-Amz-Algorithm=AWS4&'
                        'X-Amz-Credential=AKIA%2F20240101&'
                        'X-Amz-Signature=abc123&&token#sig=abc123'))
        # Empty values and an empty query say nothing either way.
        self.assertEqual('http://h/p?a=***&b=***',
                         urls.redact('http://h/p?a=&b=='))
        self.assertEqual('http://h/p', urls.redact('http://h/p?'))
        self.assertEqual('http://h/p', urls.redact('http://h/p#f?x=1'))

    def test_redact_never_keeps_a_secret(self):
        for url in ('http://u:SECRET@h/p', 'http://h/p?sig=SECRET',
                    'http://h/p?SECRET', 'http://h/p#SECRET',
                    'http://h/p?a=1&sig=SECRET&b', 'http://u:SE/CRET@h/p',
                    'http://h/p?x=1#a?SECRET', 'http://h/p?a=b=SECRET',
                    'http://u:p@h/' + 'x' * 300 + '?sig=SECRET'):
            self.assertNotIn('SECRET', urls.redact(url))
            self.assertNotIn('CRET', urls.redact(url))


class PinnedConnectionTestCase(base.TestCase):

    def test_https_pins_address_and_checks_host_name(self):
        sock = mock.Mock()
        create = self.useFixture(fixtures.MockPatch(
            'socket.create_connection', return_value=sock)).mock
        context = mock.Mock()
        conn = urls._PinnedHTTPSConnection(
            'images.example.com', 443, ['93.184.215.14'], 3.0, 7.0,
            context=context)
        conn.connect()
        create.assert_called_once_with(('93.184.215.14', 443), 3.0)
        context.wrap_socket.assert_called_once_with(
            sock, server_hostname='images.example.com')
        conn.sock.settimeout.assert_called_once_with(7.0)

    def test_https_default_context_verifies(self):
        conn = urls._PinnedHTTPSConnection(
            'images.example.com', 443, ['93.184.215.14'], 3.0, 7.0)
        self.assertEqual(ssl.CERT_REQUIRED, conn._tls_context.verify_mode)
        self.assertTrue(conn._tls_context.check_hostname)

    def test_tries_addresses_in_order(self):
        sock = mock.Mock()
        create = self.useFixture(fixtures.MockPatch(
            'socket.create_connection',
            side_effect=[ConnectionRefusedError(), sock])).mock
        conn = urls._PinnedHTTPConnection(
            'images.example.com', 80, ['2606:4700::1', '93.184.215.14'],
            3.0, 7.0)
        conn.connect()
        self.assertEqual([mock.call(('2606:4700::1', 80), 3.0),
                          mock.call(('93.184.215.14', 80), 3.0)],
                         create.call_args_list)
        self.assertEqual('93.184.215.14', conn.connected_address)
        sock.settimeout.assert_called_once_with(7.0)


class _Server(http.server.ThreadingHTTPServer):

    def handle_error(self, request, client_address):
        # The tests break connections on purpose.
        pass


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def _send(self, status, body=b'', headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if not any(name.lower() in ('content-length', 'transfer-encoding')
                   for name, _value in headers):
            self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _redirect(self, location, status=302):
        self._send(status, headers=[('Location', location)])

    def do_GET(self):
        self.close_connection = True
        server = self.server
        server.hits.append(self.path)
        server.request_headers.append(dict(self.headers))
        port = server.server_address[1]
        path = self.path.split('?')[0]
        if path == '/big':
            self._send(200, BIG)
        elif path == '/small':
            self._send(200, b'small body')
        elif path == '/headers':
            self._send(200, json.dumps(dict(self.headers)).encode())
        elif path == '/notfound':
            self._send(404, b'no such thing')
        elif path == '/redirect':
            self._redirect('/small?next=1', status=301)
        elif path == '/redirect-absolute':
            self._redirect('http://127.0.0.1:%d/small' % port, status=307)
        elif path == '/to-127.0.0.2':
            self._redirect('http://127.0.0.2:%d/small' % port)
        elif path == '/to-localhost':
            self._redirect('http://localhost:%d/small' % port)
        elif path == '/to-userinfo':
            self._redirect('http://admin:%s@127.0.0.1:%d/small'
                           % (SECRET, port))
        elif path == '/to-metadata':
            self._redirect('http://169.254.169.254/latest/meta-data/')
        elif path == '/to-ftp':
            self._redirect('ftp://127.0.0.1/x')
        elif path == '/loop':
            self._redirect('/loop', status=308)
        elif path == '/no-location':
            self._send(302)
        elif path == '/huge':
            self.send_response(200)
            self.send_header('Content-Length', str(2 ** 40))
            self.end_headers()
            self.wfile.flush()
            server.stop.wait(10)
        elif path == '/stall':
            self.send_response(200)
            self.send_header('Content-Length', str(3 * CHUNK))
            self.end_headers()
            self.wfile.write(b'x' * CHUNK)
            self.wfile.flush()
            server.stop.wait(10)
        elif path == '/slow':
            self.send_response(200)
            self.send_header('Content-Length', str(4 * 1000))
            self.end_headers()
            for _i in range(4):
                server.stop.wait(0.2)
                self.wfile.write(b'y' * 1000)
                self.wfile.flush()
        elif path == '/short':
            self.send_response(200)
            self.send_header('Content-Length', '1000')
            self.end_headers()
            self.wfile.write(b'z' * 500)
        elif path == '/chunked':
            self.send_response(200)
            self.send_header('Transfer-Encoding', 'chunked')
            self.end_headers()
            for _i in range(3):
                self.wfile.write(b'3e8\r\n' + b'c' * 1000 + b'\r\n')
            self.wfile.write(b'0\r\n\r\n')
        elif path == '/gzip':
            self._send(200, b'\x1f\x8b...', headers=[
                ('Content-Encoding', 'gzip'), ('Content-Length', '5')])
        elif path == '/bad-length':
            self._send(200, b'abc', headers=[('Content-Length', 'abc')])
        else:
            self._send(500, b'unexpected path')


class TrafficTestCase(base.TestCase):
    """Real HTTP on 127.0.0.1; the guard is opened for that one address."""

    def setUp(self):
        super().setUp()
        self.server = self._start_server()
        self.port = self.server.server_address[1]
        self.config(allowed_hosts=['127.0.0.1'],
                    allowed_networks=['127.0.0.1/32'],
                    allowed_ports=[self.port],
                    max_redirects=3,
                    url_connect_timeout=2.0,
                    url_read_timeout=2.0,
                    group='task')
        self.config(chunk_size=CHUNK, group='upload')

    def _start_server(self):
        server = _Server(('127.0.0.1', 0), _Handler)
        server.hits = []
        server.request_headers = []
        server.stop = threading.Event()
        thread = threading.Thread(target=server.serve_forever,
                                  kwargs={'poll_interval': 0.05},
                                  daemon=True)
        self.addCleanup(server.server_close)
        thread.start()

        def stop():
            # Handlers waiting on the event return at once.
            server.stop.set()
            server.shutdown()
            thread.join(5)
        self.addCleanup(stop)
        return server

    def url(self, path):
        return 'http://127.0.0.1:%d%s' % (self.port, path)

    def _trap(self):
        """A listener on 127.0.0.2 at the server's port, to catch leaks."""
        trap = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(trap.close)
        try:
            trap.bind(('127.0.0.2', self.port))
        except OSError as e:
            self.skipTest('cannot listen on 127.0.0.2: %s' % e)
        trap.listen(5)
        trap.settimeout(0.2)
        return trap

    def assertNotReached(self, trap):
        self.assertRaises(socket.timeout, trap.accept)

    def read_all(self, reader):
        pieces = []
        while True:
            piece = reader.read()
            if not piece:
                return pieces
            pieces.append(piece)

    def test_big_body(self):
        reader = urls.open_url(self.url('/big'))
        self.addCleanup(reader.close)
        self.assertEqual(len(BIG), reader.size)
        self.assertEqual(self.url('/big'), reader.url)
        pieces = self.read_all(reader)
        self.assertEqual(BIG, b''.join(pieces))
        self.assertGreater(len(pieces), 50)
        self.assertLessEqual(max(len(p) for p in pieces), CHUNK)
        self.assertEqual(b'', reader.read())

    def test_read_size_bounds_the_piece(self):
        with urls.open_url(self.url('/big')) as reader:
            self.assertEqual(BIG[:1000], reader.read(1000))
            self.assertEqual(BIG[1000:1000 + CHUNK], reader.read(10 ** 9))

    def test_request_headers(self):
        with urls.open_url(self.url('/headers?x=1')) as reader:
            headers = json.loads(b''.join(self.read_all(reader)))
        self.assertEqual('mcimage/%s' % version.version_string(),
                         headers['User-Agent'])
        self.assertEqual('identity', headers['Accept-Encoding'])
        self.assertEqual('127.0.0.1:%d' % self.port, headers['Host'])
        self.assertEqual(['/headers?x=1'], self.server.hits)

    def test_404(self):
        error = self.assertRaises(exception.SourceError, urls.open_url,
                                  self.url('/notfound?sig=%s' % SECRET))
        self.assertIn('HTTP 404 Not Found', error.message)
        self.assertIn(self.url('/notfound?sig=***'), error.message)
        self.assertNotIn(SECRET, error.message)
        self.assertEqual(502, error.code)

    def test_redirect_followed(self):
        with urls.open_url(self.url('/redirect')) as reader:
            self.assertEqual(self.url('/small?next=***'), reader.url)
            self.assertEqual(b'small body', b''.join(self.read_all(reader)))
        self.assertEqual(['/redirect', '/small?next=1'], self.server.hits)
        with urls.open_url(self.url('/redirect-absolute')) as reader:
            self.assertEqual(b'small body', b''.join(self.read_all(reader)))

    def test_redirect_to_other_loopback_refused_by_allowed_hosts(self):
        trap = self._trap()
        error = self.assertRaises(exception.URLRefused, urls.open_url,
                                  self.url('/to-127.0.0.2'))
        self.assertIn('the redirect to http://127.0.0.2:%d/small'
                      % self.port, error.message)
        self.assertIn('allowed_hosts', error.message)
        self.assertNotReached(trap)
        self.assertEqual(['/to-127.0.0.2'], self.server.hits)

    def test_redirect_to_other_loopback_refused_by_address(self):
        self.config(allowed_hosts=[], group='task')
        trap = self._trap()
        error = self.assertRaises(exception.URLRefused, urls.open_url,
                                  self.url('/to-127.0.0.2'))
        self.assertIn('the redirect to http://127.0.0.2:%d/small'
                      % self.port, error.message)
        self.assertIn('127.0.0.2 is a loopback address', error.message)
        self.assertNotReached(trap)

    def test_trap_catches_what_the_guard_lets_through(self):
        # The control for the two tests above: once allowed, the redirect
        # does reach 127.0.0.2, and the trap sees it.
        self.config(allowed_hosts=[], allowed_networks=['127.0.0.0/8'],
                    url_read_timeout=0.3, group='task')
        trap = self._trap()
        self.assertRaises(exception.SourceError, urls.open_url,
                          self.url('/to-127.0.0.2'))
        conn, _addr = trap.accept()
        conn.close()

    def test_redirect_to_localhost_refused(self):
        error = self.assertRaises(exception.URLRefused, urls.open_url,
                                  self.url('/to-localhost'))
        self.assertIn('the redirect to http://localhost:%d/small'
                      % self.port, error.message)
        self.assertEqual(['/to-localhost'], self.server.hits)

    def test_redirect_refusals(self):
        self.config(allowed_hosts=[], group='task')
        error = self.assertRaises(exception.URLRefused, urls.open_url,
                                  self.url('/to-metadata'))
        self.assertIn('the redirect to http://169.254.169.254/latest/'
                      'meta-data/', error.message)
        error = self.assertRaises(exception.URLRefused, urls.open_url,
                                  self.url('/to-ftp'))
        self.assertIn("the scheme 'ftp' is not allowed", error.message)
        logger = self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        error = self.assertRaises(exception.URLRefused, urls.open_url,
                                  self.url('/to-userinfo'))
        self.assertIn('credentials', error.message)
        self.assertNotIn(SECRET, error.message)
        self.assertNotIn(SECRET, logger.output)
        self.assertEqual(['/to-metadata', '/to-ftp', '/to-userinfo'],
                         self.server.hits)

    def test_redirect_loop(self):
        error = self.assertRaises(exception.SourceError, urls.open_url,
                                  self.url('/loop'))
        self.assertIn('more than 3 redirects ([task] max_redirects)',
                      error.message)
        self.assertEqual(['/loop'] * 4, self.server.hits)

    def test_no_redirects_allowed(self):
        self.config(max_redirects=0, group='task')
        self.assertRaises(exception.SourceError, urls.open_url,
                          self.url('/redirect'))
        self.assertEqual(['/redirect'], self.server.hits)

    def test_redirect_without_location(self):
        error = self.assertRaises(exception.SourceError, urls.open_url,
                                  self.url('/no-location'))
        self.assertIn('without a Location', error.message)

    def test_content_length_over_cap(self):
        start = time.monotonic()
        error = self.assertRaises(exception.RequestTooLarge, urls.open_url,
                                  self.url('/huge'), size_cap=10 ** 6)
        # The body never comes: reading it would have taken the 2 s read
        # timeout and failed differently.
        self.assertLess(time.monotonic() - start, 1.5)
        self.assertIn('[upload] image_size_cap', error.message)
        self.assertIn(str(2 ** 40), error.message)

    def test_chunked_over_cap(self):
        with urls.open_url(self.url('/chunked'), size_cap=2500) as reader:
            self.assertIsNone(reader.size)
            self.assertRaises(exception.RequestTooLarge, self.read_all,
                              reader)

    def test_chunked(self):
        with urls.open_url(self.url('/chunked')) as reader:
            self.assertIsNone(reader.size)
            self.assertEqual(b'c' * 3000, b''.join(self.read_all(reader)))

    def test_stall_times_out(self):
        self.config(url_read_timeout=0.5, group='task')
        reader = urls.open_url(self.url('/stall'))
        self.addCleanup(reader.close)
        self.assertEqual(b'x' * CHUNK, reader.read())
        start = time.monotonic()
        error = self.assertRaises(exception.SourceError, reader.read)
        elapsed = time.monotonic() - start
        self.assertIn('url_read_timeout', error.message)
        self.assertGreater(elapsed, 0.4)
        self.assertLess(elapsed, 1.5)
        self.assertEqual(b'', reader.read())

    def test_read_timeout_is_per_read(self):
        # 0.8 s in all, never 0.5 s of silence.
        self.config(url_read_timeout=0.5, group='task')
        with urls.open_url(self.url('/slow')) as reader:
            self.assertEqual(b'y' * 4000, b''.join(self.read_all(reader)))

    def test_short_body(self):
        reader = urls.open_url(self.url('/short'))
        self.addCleanup(reader.close)
        self.assertEqual(1000, reader.size)
        self.assertEqual(b'z' * 500, reader.read())
        error = self.assertRaises(exception.SourceError, reader.read)
        self.assertIn('broke off after 500 of its 1000 bytes',
                      error.message)

    def test_content_encoding_refused(self):
        error = self.assertRaises(exception.SourceError, urls.open_url,
                                  self.url('/gzip'))
        self.assertIn('Content-Encoding gzip', error.message)

    def test_bad_content_length(self):
        self.assertRaises(exception.SourceError, urls.open_url,
                          self.url('/bad-length'))

    def test_connection_refused(self):
        closed = socket.socket()
        closed.bind(('127.0.0.1', 0))
        port = closed.getsockname()[1]
        closed.close()
        self.config(allowed_ports=[port], group='task')
        error = self.assertRaises(exception.SourceError, urls.open_url,
                                  'http://127.0.0.1:%d/x' % port)
        self.assertIn('cannot connect to 127.0.0.1 port %d' % port,
                      error.message)

    def test_default_configuration_refuses_loopback(self):
        self.config(allowed_hosts=[], allowed_networks=[],
                    allowed_ports=[80, 443, self.port], group='task')
        error = self.assertRaises(exception.URLRefused, urls.open_url,
                                  self.url('/small'))
        self.assertIn('127.0.0.1 is a loopback address', error.message)
        self.assertEqual([], self.server.hits)
