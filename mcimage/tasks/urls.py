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

"""The URL import source, guarded against server-side request forgery.

An import URL is user input that makes this service open connections, so
it is a way into whatever the service can reach: the cloud's metadata
address, loopback, the private networks behind it. ``check_url`` refuses
any URL whose scheme, host or port the ``[task]`` options do not allow, and
any host that resolves to an address that is not public (unless ``[task]
allowed_networks`` includes it). ``open_url`` then connects to exactly the
addresses that were checked, never resolving the name a second time (a DNS
answer that changes between check and connect is the classic way around
such a guard), and checks every redirect target the same way before it
connects to it.

Decisions a caller relies on:

* URLs with credentials (``user:password@host``) are refused: the URL is
  stored with the task and shown to whoever may read the task, and
  userinfo is also the usual trick to make a URL look like it names
  another host.
* Only ``http`` and ``https`` can be read, whatever allowed_schemes says.
* Environment proxies are not used: a proxy would resolve and connect on
  our behalf, out of reach of the checks.
* A host name that cannot be resolved is refused (400), as the user can
  fix the URL.
"""

import http.client
import ipaddress
import re
import socket
import ssl
import urllib.parse

from oslo_config import cfg
from oslo_log import log as logging

from mcimage.common import exception
from mcimage import version

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

SUPPORTED_SCHEMES = {'http': 80, 'https': 443}
REDIRECT_STATUSES = (301, 302, 303, 307, 308)

# urlsplit() silently drops tabs and newlines and strips leading control
# characters, so what it checks would differ from what was written; such
# URLs are refused rather than interpreted.
_UNSAFE_CHARS = re.compile(r'[\x00-\x20\x7f]')
# A label of a host name once IDNA-encoded (underscores occur in real DNS
# names even though RFC 952 forbids them).
_NAME_LABEL = re.compile(r'[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?')
# A label that resolvers read as a number (decimal, octal or hex), which
# makes the whole host an IPv4 address to them (WHATWG "ends in a number").
_NUMERIC_LABEL = re.compile(r'0x[0-9a-f]*|[0-9]+')
# Characters left as they are when the request target is percent-encoded:
# the reserved set and '%' so that existing escapes survive.
_TARGET_SAFE = "/?#[]@!$&'()*+,;=:-._~%"

# Addresses with a name of their own, most specific first. Anything else
# that ipaddress does not call global is refused as special-purpose.
_ADDRESS_CLASSES = [(ipaddress.ip_network(net), name) for net, name in (
    ('169.254.169.254/32', 'the cloud metadata service address'),
    ('fd00:ec2::254/128', 'the cloud metadata service address'),
    ('0.0.0.0/8', 'an unspecified ("this network") address'),
    ('::/128', 'the unspecified address'),
    ('127.0.0.0/8', 'a loopback address'),
    ('::1/128', 'a loopback address'),
    ('169.254.0.0/16', 'a link-local address'),
    ('fe80::/10', 'a link-local address'),
    ('10.0.0.0/8', 'a private address'),
    ('172.16.0.0/12', 'a private address'),
    ('192.168.0.0/16', 'a private address'),
    ('fc00::/7', 'a private (unique local) address'),
    ('100.64.0.0/10', 'a shared (carrier-grade NAT) address'),
    ('224.0.0.0/4', 'a multicast address'),
    ('ff00::/8', 'a multicast address'),
    ('255.255.255.255/32', 'the broadcast address'),
    ('240.0.0.0/4', 'a reserved address'),
    ('fec0::/10', 'a site-local address'),
    ('64:ff9b:1::/48', 'a local-use NAT64 address'),
    ('2001::/32', 'a Teredo tunnel address'),
)]
_NAT64 = ipaddress.ip_network('64:ff9b::/96')


class _Refused(Exception):
    """A check failed; ``reason`` says why, with no credential in it."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class CheckedURL(object):
    """A URL that passed every check, with the addresses that were checked.

    ``url`` is the URL as given (it may hold a query string with a
    signature: log ``safe_url`` instead). ``addresses`` are IP strings in
    the resolver's order; only these may be connected to.
    """

    def __init__(self, url, scheme, host, port, addresses, safe_url,
                 target):
        self.url = url
        self.scheme = scheme
        self.host = host
        self.port = port
        self.addresses = addresses
        self.safe_url = safe_url
        # The request target sent on the request line: path and query.
        self.target = target

    def __repr__(self):
        return '<CheckedURL %s -> %s>' % (self.safe_url,
                                          ', '.join(self.addresses))


def redact(url):
    """The URL without userinfo, query values or fragment, to be shown.

    The query's keys stay, each value replaced by ``***`` (a key without
    a value becomes ``***`` itself): ``https://h/k?X-Amz-Signature=***``.
    Works on URLs that do not parse too: a refusal must be able to name
    what it refuses without leaking a password or a signed query.
    """
    url = _UNSAFE_CHARS.sub('', str(url))
    scheme, sep, rest = url.partition('://')
    if not sep:
        scheme, rest = '', url
    authority = re.split(r'[/?#]', rest, maxsplit=1)[0]
    if '@' not in authority:
        port = authority.rpartition(']')[2].partition(':')[2]
        if port and not port.isdigit() and '@' in rest:
            # "user:pa/ss@host": a password holding an unencoded '/', '?'
            # or '#' ends the authority early and looks like a port.
            rest = rest.rpartition('@')[2]
    rest, _qmark, query = rest.partition('#')[0].partition('?')
    authority, slash, path = rest.partition('/')
    authority = authority.rpartition('@')[2]
    safe = authority + slash + path
    if sep:
        safe = scheme + '://' + safe
    query = redact_query(query)
    if query:
        safe += '?' + query
    if len(safe) > 256:
        safe = safe[:253] + '...'
    return safe


def redact_query(query):
    """A query string's keys, in order, each value replaced by ``***``."""
    items = []
    for item in query.split('&'):
        if item:
            key, equals, _value = item.partition('=')
            items.append(key + '=***' if equals else '***')
    return '&'.join(items)


def _canonical_host(raw):
    """The canonical form of a host as written in a URL, or _Refused.

    Returns (host, ip): ip is an ipaddress object for an address literal,
    None for a name.
    """
    if raw.startswith('['):
        literal = raw[1:-1]
        if '%' in literal:
            raise _Refused('the IPv6 address %s has a zone id (%%); zone '
                           'ids are not allowed' % redact(raw))
        try:
            ip = ipaddress.IPv6Address(literal)
        except ValueError:
            raise _Refused('%s is not a valid IPv6 address' % redact(raw))
        return show_address(ip), ip

    lowered = raw.lower()
    try:
        # The stdlib codec (IDNA 2003) also maps full-width digits and dots
        # to ASCII, so the numeric checks below must see its output.
        host = lowered.encode('idna').decode('ascii').lower()
    except UnicodeError:
        raise _Refused('the host %r is not a valid host name' % raw)
    if not re.fullmatch(r'[a-z0-9_.-]+', host):
        raise _Refused('the host %r is not a valid host name' % raw)

    labels = host.split('.')
    last = labels[-1] if labels[-1] or len(labels) == 1 else labels[-2]
    numeric = bool(_NUMERIC_LABEL.fullmatch(last))
    try:
        socket.inet_aton(host)
        numeric = True
    except OSError:
        pass
    if numeric:
        # Resolvers read 2130706433, 0x7f.1, 0177.0.0.1 or 127.1 as
        # 127.0.0.1; accepting only the one spelling that ipaddress
        # writes back keeps allow and deny lists impossible to sidestep.
        try:
            ip = ipaddress.IPv4Address(host)
        except ValueError:
            ip = None
        if ip is None or str(ip) != host or host != lowered:
            raise _Refused(
                'the host %r is not a canonical address: write an IPv4 '
                'address as four decimal numbers without leading zeros '
                '(such as 192.0.2.10) and an IPv6 address in brackets'
                % raw)
        return host, ip

    # "example.com." names the same host as "example.com"; one form is
    # needed for the allow and deny lists to compare.
    if host.endswith('.'):
        host = host[:-1]
    if len(host) > 253 or not all(_NAME_LABEL.fullmatch(label)
                                  for label in host.split('.')):
        raise _Refused('the host %r is not a valid host name' % raw)
    return host, None


def show_address(ip):
    """An address as people write it (::ffff:10.0.0.1, not ::ffff:a00:1)."""
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return '::ffff:%s' % ip.ipv4_mapped
    return str(ip)


def _config_host(entry):
    """A host from [task] allowed_hosts/disallowed_hosts, canonical."""
    entry = entry.strip().lower()
    if entry.startswith('[') and entry.endswith(']'):
        entry = entry[1:-1]
    try:
        return show_address(ipaddress.ip_address(entry))
    except ValueError:
        pass
    try:
        return _canonical_host(entry)[0]
    except _Refused:
        # Cannot match any URL's canonical host; harmless in either list.
        return entry


def _allowed_networks():
    networks = []
    for entry in CONF.task.allowed_networks:
        try:
            networks.append(ipaddress.ip_network(entry.strip(),
                                                 strict=False))
        except ValueError as e:
            raise exception.ConfigInvalid(group='task',
                                          option='allowed_networks',
                                          reason=str(e))
    return networks


def _embedded_ipv4(ip):
    """The IPv4 address an IPv6 address carries, and the way it does."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped, 'an IPv4-mapped'
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xffffffff), 'a NAT64'
    if ip.sixtofour is not None:
        return ip.sixtofour, 'a 6to4'
    return None, None


def address_problem(ip, networks):
    """Why ip must not be connected to, or None if it may.

    ip is an ipaddress object; networks are the allowed_networks.
    """
    if any(ip in net for net in networks):
        return None
    if ip.version == 6:
        embedded, kind = _embedded_ipv4(ip)
        if embedded is not None:
            problem = address_problem(embedded, networks)
            if problem is not None:
                return ('%s IPv6 address of %s, which is %s'
                        % (kind, embedded, problem))
            if kind != 'a 6to4':
                # The packets go to the embedded IPv4 address, which is
                # fine; ipaddress would call the prefix reserved.
                return None
    for net, name in _ADDRESS_CLASSES:
        if ip in net:
            return name
    if ip.is_reserved:
        return 'a reserved address'
    if not ip.is_global:
        return 'a special-purpose address that is not publicly routable'
    return None


def _resolve(host, port):
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                   proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as e:
        raise _Refused('the host %s cannot be resolved: %s' % (host, e))
    addresses = []
    for family, _type, _proto, _name, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        address = sockaddr[0].partition('%')[0]
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise _Refused('the host %s has no IPv4 or IPv6 address' % host)
    return addresses


def _split(url):
    """The URL's parts and its (allowed) scheme; raises _Refused."""
    if not isinstance(url, str) or not url:
        raise _Refused('the URL is empty')
    if _UNSAFE_CHARS.search(url):
        raise _Refused('the URL contains spaces or control characters; '
                       'percent-encode them')
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError as e:
        raise _Refused('the URL cannot be parsed: %s' % e)
    scheme = parts.scheme.lower()
    if not scheme:
        raise _Refused('the URL has no scheme; write http://... or '
                       'https://...')
    allowed_schemes = [s.strip().lower()
                       for s in CONF.task.allowed_schemes]
    if scheme not in allowed_schemes or scheme not in SUPPORTED_SCHEMES:
        usable = [s for s in allowed_schemes if s in SUPPORTED_SCHEMES]
        raise _Refused('the scheme %r is not allowed; allowed schemes '
                       '([task] allowed_schemes): %s'
                       % (scheme, ', '.join(usable) or 'none'))
    return parts, scheme


def _host_and_port(netloc, scheme):
    """The host as written and the port of a URL's netloc."""
    if '@' in netloc:
        raise _Refused('the URL carries credentials (user:password@), '
                       'which mcimage does not keep with a task; use a '
                       'URL that needs no credentials, such as a '
                       'pre-signed URL')
    if not netloc:
        raise _Refused('the URL has no host')
    if netloc.startswith('['):
        end = netloc.find(']')
        if end < 0:
            raise _Refused('the IPv6 address in the URL lacks its closing '
                           'bracket')
        raw_host, port_part = netloc[:end + 1], netloc[end + 1:]
        if port_part and not port_part.startswith(':'):
            raise _Refused('unexpected characters after the IPv6 address')
        port_text = port_part[1:]
    else:
        if netloc.count(':') > 1:
            raise _Refused('an IPv6 address must be written in brackets, '
                           'such as http://[2001:db8::1]/')
        raw_host, _sep, port_text = netloc.partition(':')
    if not port_text:
        port = SUPPORTED_SCHEMES[scheme]
    elif not (port_text.isascii() and port_text.isdigit()):
        # Not echoed: it may be the piece of a password that holds an
        # unencoded '/' (user:pa/ss@host), and so may what precedes.
        raise _Refused('the port in the URL is not a number')
    else:
        port = int(port_text)
        if not 0 < port < 65536:
            raise _Refused('the port %d is not a valid port number' % port)
    if not raw_host:
        raise _Refused('the URL has no host')
    return raw_host, port


def _shown_and_target(parts, scheme, host, port):
    """The URL as shown (query redacted) and the request target."""
    url_host = '[%s]' % host if ':' in host else host
    netloc_safe = url_host
    if port != SUPPORTED_SCHEMES[scheme]:
        netloc_safe = '%s:%d' % (url_host, port)
    path = parts.path or '/'
    safe_url = '%s://%s%s' % (scheme, netloc_safe, path)
    if redact_query(parts.query):
        safe_url += '?' + redact_query(parts.query)
    target = path + ('?' + parts.query if parts.query else '')
    return safe_url, urllib.parse.quote(target, safe=_TARGET_SAFE)


def _check_host_and_port(host, port):
    """[task] disallowed_hosts, allowed_hosts and allowed_ports."""
    disallowed = {_config_host(h) for h in CONF.task.disallowed_hosts}
    if host in disallowed:
        raise _Refused('the host %s is in [task] disallowed_hosts' % host)
    allowed = [_config_host(h) for h in CONF.task.allowed_hosts]
    if allowed and host not in allowed:
        raise _Refused('the host %s is not in [task] allowed_hosts (%s)'
                       % (host, ', '.join(CONF.task.allowed_hosts)))
    if port not in CONF.task.allowed_ports:
        raise _Refused('the port %d is not allowed; allowed ports ([task] '
                       'allowed_ports): %s'
                       % (port, ', '.join(str(p) for p in
                                          CONF.task.allowed_ports)
                          or 'none'))
    return disallowed


def _checked_addresses(host, port, literal, disallowed):
    """The addresses to connect to, each one allowed; raises _Refused."""
    networks = _allowed_networks()
    addresses = [host] if literal is not None else _resolve(host, port)
    for address in addresses:
        ip = ipaddress.ip_address(address)
        if literal is None and show_address(ip) in disallowed:
            raise _Refused('the host %s resolves to %s, which is in '
                           '[task] disallowed_hosts' % (host, ip))
        problem = address_problem(ip, networks)
        if problem is None:
            continue
        advice = ('only public addresses are allowed unless [task] '
                  'allowed_networks includes the address')
        if literal is not None:
            raise _Refused('%s is %s; %s' % (show_address(ip), problem,
                                             advice))
        raise _Refused('the host %s resolves to %s, which is %s; %s'
                       % (host, show_address(ip), problem, advice))
    return addresses


def _check(url):
    """Every static and DNS check of one URL; raises _Refused."""
    parts, scheme = _split(url)
    raw_host, port = _host_and_port(parts.netloc, scheme)
    host, literal = _canonical_host(raw_host)
    safe_url, target = _shown_and_target(parts, scheme, host, port)
    disallowed = _check_host_and_port(host, port)
    addresses = _checked_addresses(host, port, literal, disallowed)
    return CheckedURL(url, scheme, host, port, addresses, safe_url, target)


def check_url(url):
    """Check an import URL against [task] and DNS; return a CheckedURL.

    Raises URLRefused (400) for anything the guard does not let through.
    Every address the host resolves to must be acceptable, not just one:
    the one that gets used is not known in advance.
    """
    try:
        return _check(url)
    except _Refused as e:
        LOG.info('Import URL %(url)s refused: %(reason)s',
                 {'url': redact(url), 'reason': e.reason})
        raise exception.URLRefused(url=redact(url), reason=e.reason)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked addresses only, never to a resolved name.

    ``host`` (and thus the Host header) is the URL's host; the socket goes
    to one of ``addresses``, tried in order.
    """

    def __init__(self, host, port, addresses, connect_timeout,
                 read_timeout, **kwargs):
        super().__init__(host, port, timeout=connect_timeout, **kwargs)
        self._addresses = addresses
        self._read_timeout = read_timeout
        self.connected_address = None

    def _connect_pinned(self):
        error = OSError('no address to connect to')
        for address in self._addresses:
            try:
                sock = socket.create_connection((address, self.port),
                                                self.timeout)
            except OSError as e:
                LOG.debug('Cannot connect to %(address)s port %(port)d: '
                          '%(error)s',
                          {'address': address, 'port': self.port,
                           'error': e})
                error = e
                continue
            self.connected_address = address
            return sock
        raise error

    def connect(self):
        self.sock = self._connect_pinned()
        # From here on, a bound per read: a slow but steady transfer of a
        # large image must not be cut off.
        self.sock.settimeout(self._read_timeout)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """The same, with TLS checked against the URL's host name."""

    default_port = http.client.HTTPS_PORT

    def __init__(self, host, port, addresses, connect_timeout,
                 read_timeout, context=None):
        super().__init__(host, port, addresses, connect_timeout,
                         read_timeout)
        self._tls_context = context or ssl.create_default_context()

    def connect(self):
        sock = self._connect_pinned()
        # The handshake is still bounded by the connect timeout. SNI and
        # the certificate check use the URL's host (an IP literal gets no
        # SNI and must be in the certificate's IP addresses).
        self.sock = self._tls_context.wrap_socket(sock,
                                                  server_hostname=self.host)
        self.sock.settimeout(self._read_timeout)


def _user_agent():
    return 'mcimage/%s' % version.version_string()


def _source_error(checked, reason):
    LOG.warning('Import source %(url)s failed: %(reason)s',
                {'url': checked.safe_url, 'reason': reason})
    return exception.SourceError(source=checked.safe_url, reason=reason)


def _request(checked):
    """Send the GET to a checked URL; return (connection, response)."""
    if checked.scheme == 'https':
        conn_class = _PinnedHTTPSConnection
    else:
        conn_class = _PinnedHTTPConnection
    connect_timeout = CONF.task.url_connect_timeout
    conn = conn_class(checked.host, checked.port, checked.addresses,
                      connect_timeout, CONF.task.url_read_timeout)
    headers = {'User-Agent': _user_agent(),
               'Accept-Encoding': 'identity',
               'Accept': '*/*',
               'Connection': 'close'}
    try:
        try:
            conn.connect()
        except ssl.SSLError as e:
            raise _source_error(checked, 'the TLS handshake with %s failed: '
                                '%s' % (checked.host, e))
        except TimeoutError:
            raise _source_error(
                checked, 'connecting to %s port %d (%s) timed out after %s '
                'seconds ([task] url_connect_timeout)'
                % (checked.host, checked.port,
                   ', '.join(checked.addresses), connect_timeout))
        except OSError as e:
            raise _source_error(
                checked, 'cannot connect to %s port %d (%s): %s'
                % (checked.host, checked.port,
                   ', '.join(checked.addresses), e))
        try:
            conn.request('GET', checked.target, headers=headers)
            response = conn.getresponse()
        except TimeoutError:
            raise _source_error(
                checked, 'the server did not answer within %s seconds '
                '([task] url_read_timeout)' % CONF.task.url_read_timeout)
        except (OSError, http.client.HTTPException) as e:
            raise _source_error(checked, 'the server did not answer with '
                                'valid HTTP: %s' % (str(e) or
                                                    type(e).__name__))
    except Exception:
        conn.close()
        raise
    LOG.debug('GET %(url)s from %(address)s: %(status)d',
              {'url': checked.safe_url, 'address': conn.connected_address,
               'status': response.status})
    return conn, response


class URLReader(object):
    """The body of an import URL's answer, read a piece at a time."""

    def __init__(self, conn, response, safe_url, size, chunk_size,
                 size_cap=None):
        self._conn = conn
        self._response = response
        self.url = safe_url
        self.size = size
        self._chunk_size = chunk_size
        self._size_cap = size_cap
        self._received = 0
        self._done = False

    def _fail(self, reason):
        self.close()
        LOG.warning('Import source %(url)s failed: %(reason)s',
                    {'url': self.url, 'reason': reason})
        return exception.SourceError(source=self.url, reason=reason)

    def read(self, size=None):
        """The next piece of the body (at most chunk_size), b'' at its end.

        Raises SourceError when the source fails or breaks off, and
        RequestTooLarge when a body of unknown size grows over size_cap.
        """
        if self._done:
            return b''
        amount = self._chunk_size
        if size is not None and 0 < size < amount:
            amount = size
        try:
            piece = self._response.read(amount)
        except TimeoutError:
            raise self._fail('the server sent nothing for %s seconds '
                             '([task] url_read_timeout) after %d bytes'
                             % (CONF.task.url_read_timeout, self._received))
        except http.client.IncompleteRead:
            raise self._fail('the body broke off after %d bytes'
                             % self._received)
        except (OSError, http.client.HTTPException) as e:
            raise self._fail('reading the body failed after %d bytes: %s'
                             % (self._received,
                                str(e) or type(e).__name__))
        if not piece:
            if self.size is not None and self._received < self.size:
                raise self._fail('the body broke off after %d of its %d '
                                 'bytes' % (self._received, self.size))
            self.close()
            return b''
        self._received += len(piece)
        if self._size_cap is not None and self._received > self._size_cap:
            self.close()
            raise exception.RequestTooLarge(
                reason='The import source %s sends more than the %d bytes '
                       'an image may have ([upload] image_size_cap).'
                       % (self.url, self._size_cap))
        return piece

    def close(self):
        self._done = True
        if self._response is not None:
            self._response.close()
            self._response = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def _follow(first, checked, location):
    """The checked URL a redirect's Location names; URLRefused if none."""
    next_url = location
    try:
        if _UNSAFE_CHARS.search(location):
            # Before urljoin, whose urlsplit silently drops tabs and
            # newlines: the Location is checked as the server wrote it.
            raise _Refused('the URL contains spaces or control '
                           'characters; percent-encode them')
        try:
            next_url = urllib.parse.urljoin(checked.url, location)
        except ValueError:
            next_url = location
        return _check(next_url)
    except _Refused as e:
        reason = ('the redirect to %s (from %s) is refused: %s'
                  % (redact(next_url), checked.safe_url, e.reason))
        LOG.info('Import URL %(url)s refused: %(reason)s',
                 {'url': first.safe_url, 'reason': reason})
        raise exception.URLRefused(
            'Import URL %s was followed to a refused place: %s'
            % (first.safe_url, reason))


def _final_response(first):
    """(checked URL, connection, response) once redirects are followed."""
    checked = first
    redirects = 0
    while True:
        conn, response = _request(checked)
        status = response.status
        if status not in REDIRECT_STATUSES:
            return checked, conn, response
        location = response.getheader('Location')
        response.close()
        conn.close()
        if not location:
            raise _source_error(checked, 'HTTP %d %s without a Location '
                                'header' % (status, response.reason))
        redirects += 1
        if redirects > CONF.task.max_redirects:
            raise _source_error(checked, 'more than %d redirects ([task] '
                                'max_redirects)'
                                % CONF.task.max_redirects)
        checked = _follow(first, checked, location.strip())
        LOG.debug('Import URL %(url)s redirects to %(target)s',
                  {'url': first.safe_url, 'target': checked.safe_url})


def _body_size(checked, response, size_cap):
    """The body's announced size (None when chunked), checked."""
    if response.status != 200:
        raise _source_error(checked, 'HTTP %d %s'
                            % (response.status, response.reason))
    encoding = (response.getheader('Content-Encoding') or
                'identity').strip().lower()
    if encoding != 'identity':
        raise _source_error(
            checked, 'the server sent the data with Content-Encoding '
            '%s although identity was asked for; the image must '
            'arrive as its raw bytes' % encoding)
    size = None
    if not response.chunked:
        size = response.length
        if size is None and response.getheader('Content-Length'):
            raise _source_error(checked, 'invalid Content-Length %r'
                                % response.getheader('Content-Length'))
    if size_cap is not None and size is not None and size > size_cap:
        raise exception.RequestTooLarge(
            reason='The import source %s has %d bytes, more than the '
                   '%d bytes an image may have ([upload] '
                   'image_size_cap).' % (checked.safe_url, size,
                                         size_cap))
    return size


def open_url(url, size_cap=None):
    """Open an import URL for reading; return a URLReader.

    Checks the URL like check_url (URLRefused), connects to one of the
    checked addresses, follows up to [task] max_redirects redirects, each
    checked before it is connected to, and answers SourceError when the
    source fails. A Content-Length over size_cap raises RequestTooLarge
    before any of the body is read.
    """
    checked, conn, response = _final_response(check_url(url))
    try:
        size = _body_size(checked, response, size_cap)
    except Exception:
        response.close()
        conn.close()
        raise
    return URLReader(conn, response, checked.safe_url, size,
                     CONF.upload.chunk_size, size_cap)
