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

"""WSGI middleware of the Paste pipeline (etc/mcimage/api-paste.ini)."""

import ipaddress
import re
import urllib.parse

from oslo_config import cfg
from oslo_log import log as logging
from oslo_middleware import base
from oslo_middleware import cors
from oslo_middleware.healthcheck import pluginbase
import sqlalchemy as sa
import webob.dec
import webob.exc

from mcimage.api import errors
from mcimage.api import hooks
from mcimage.api import validation
from mcimage.common import exception
from mcimage.db import api as db_api

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

_READ_SIZE = 64 * 1024
# What a host name or address may hold (IPv6 without its brackets).
_HOSTNAME = re.compile(r'[a-z0-9._:-]+')
# Content types whose bodies are JSON documents; image data never is.
_JSON_TYPES = ('application/json',
               'application/openstack-images-v2.1-json-patch',
               'application/openstack-images-v2.0-json-patch')


# /glance/{vim_id}, /glance/{vim_id}/versions (PATH_INFO below /glance).
_GLANCE_VERSIONS_PATH = re.compile(r'^/[^/]+(/versions)?/?$')


def _pipeline(loader, names):
    pipeline = names.split()
    app = loader.get_app(pipeline[-1])
    for name in reversed(pipeline[:-1]):
        app = loader.get_filter(name)(app)
    return app


def auth_pipeline_factory(loader, global_conf, **local_conf):
    """The pipeline named after [DEFAULT] auth_strategy."""
    return _pipeline(loader, local_conf[CONF.auth_strategy])


def glance_pipeline_factory(loader, global_conf, **local_conf):
    """auth_pipeline_factory, but the versions document needs no token.

    Glance answers GET / and GET /versions before authenticating: clients
    discover the API with them (Tempest's versions client sends no
    token). Those requests take the ``versions`` pipeline, when given.
    """
    app = auth_pipeline_factory(loader, global_conf, **local_conf)
    if 'versions' not in local_conf:
        return app
    versions = _pipeline(loader, local_conf['versions'])

    def dispatch(environ, start_response):
        if (environ.get('REQUEST_METHOD') == 'GET' and
                _GLANCE_VERSIONS_PATH.match(environ.get('PATH_INFO', ''))):
            return versions(environ, start_response)
        return app(environ, start_response)
    return dispatch


def cors_factory(global_conf, **local_conf):
    """oslo.middleware's CORS on mcimage's own configuration ([cors])."""
    def _filter(app):
        return cors.CORS(app, CONF)
    return _filter


class NoAuth(base.ConfigurableMiddleware):
    """auth_strategy = noauth: an identity, when the caller sends none.

    Fills X-Project-Id, X-User-Id and X-Roles only where they are absent,
    so a test or a lab user can act as any persona; policy still decides
    what that identity may do.

    Any web page the user opens could use that identity through the
    browser: a text/plain or multipart POST needs no CORS preflight, and a
    page whose name is made to resolve to 127.0.0.1 (DNS rebinding) is its
    own origin. So requests a page sends (an Origin not allowed by [cors],
    Sec-Fetch-Site cross-site or same-site) and requests addressed to
    another host than this one are refused.
    """

    DEFAULTS = {'HTTP_X_PROJECT_ID': 'admin',
                'HTTP_X_USER_ID': 'admin',
                'HTTP_X_ROLES': 'admin,member,reader'}
    # Any other port of localhost is "same-site": a local dev server or
    # another local service's page. mcimage serves no page of its own.
    _REFUSED_FETCH_SITES = ('cross-site', 'same-site')

    def __init__(self, application, conf=None):
        super().__init__(application, conf)
        CONF.register_opts(cors.OPTS, group='cors')

    @webob.dec.wsgify
    def __call__(self, req):
        reason = self._refusal(req)
        if reason is not None:
            LOG.warning('noauth: refused %(method)s %(path)s: %(reason)s',
                        {'method': req.method, 'path': req.path,
                         'reason': reason})
            return errors.error_response(
                req.environ, exception.NoAuthRefused(reason=reason))
        for key, value in self.DEFAULTS.items():
            # Only an absent header takes the default: "X-Roles:" (empty)
            # asserts no role at all, never the admin identity.
            if key not in req.environ:
                req.environ[key] = value
        req.environ['HTTP_X_IDENTITY_STATUS'] = 'Confirmed'
        req.environ.pop('HTTP_X_AUTH_TOKEN', None)
        return req.get_response(self.application)

    def _refusal(self, req):
        host = req.environ.get('HTTP_HOST')
        if host and not _is_this_host(host):
            return ('the Host header %r names neither a loopback name, nor '
                    '[api] bind_host, nor the host of [api] '
                    'public_endpoint (a web page may be reaching this API '
                    'through DNS rebinding). Call it as http://127.0.0.1 '
                    'or http://localhost, or set [api] public_endpoint to '
                    'the URL clients use.' % host)
        origin = req.headers.get('Origin')
        if origin is not None:
            if _origin_allowed(origin):
                return None
            return ('it comes from a web page of origin %r, which '
                    '[cors] allowed_origin does not list: with noauth, '
                    'that page would act as admin through your browser. '
                    'Call the API from a client (openstack CLI, curl), or '
                    'list the origin in [cors] allowed_origin if you trust '
                    'the page.' % origin)
        site = (req.headers.get('Sec-Fetch-Site') or '').strip().lower()
        if site in self._REFUSED_FETCH_SITES:
            return ('the browser marks it as sent by a page of another '
                    'site (Sec-Fetch-Site: %s): with noauth, that page '
                    'would act as admin through your browser. Call the '
                    'API from a client (openstack CLI, curl).' % site)
        return None


def is_loopback(host):
    """A loopback name or address: only this machine reaches it."""
    host = (host or '').lower().strip('[]').rstrip('.')
    if host == 'localhost' or host.endswith('.localhost'):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, 'ipv4_mapped', None)
    return address.is_loopback or bool(mapped and mapped.is_loopback)


def _hostname(value):
    """The host of a Host header or URL, lowercased; None if malformed."""
    try:
        name = urllib.parse.urlsplit(
            value if '//' in value else '//' + value).hostname
    except ValueError:
        return None
    if not name or not _HOSTNAME.fullmatch(name):
        return None
    return name.rstrip('.')


def _is_this_host(host):
    name = _hostname(host)
    if name is None:
        return False
    if is_loopback(name):
        return True
    allowed = {(CONF.api.bind_host or '').lower().strip('[]').rstrip('.')}
    if CONF.api.public_endpoint:
        allowed.add(_hostname(CONF.api.public_endpoint))
    return name in allowed - {None, ''}


def _origin_allowed(origin):
    allowed = [o.rstrip('/').lower()
               for o in CONF.cors.allowed_origin or ()]
    return '*' in allowed or origin.rstrip('/').lower() in allowed


class _CappedInput(object):
    """wsgi.input that refuses to give more than ``limit`` bytes.

    Raises RequestTooLarge as soon as a read goes past the limit; a read of
    everything reads in pieces, so an endless body is never held whole.
    """

    def __init__(self, stream, limit):
        self._stream = stream
        self._limit = limit
        self._count = 0

    def _counted(self, data):
        self._count += len(data)
        if self._count > self._limit:
            raise validation.too_large(self._limit)
        return data

    def read(self, size=-1):
        if size is not None and size >= 0:
            return self._counted(self._stream.read(size))
        chunks = []
        while True:
            chunk = self._counted(self._stream.read(_READ_SIZE))
            if not chunk:
                return b''.join(chunks)
            chunks.append(chunk)

    def readline(self, size=-1):
        if size is None or size < 0:
            # A line is no excuse to read past the limit.
            size = self._limit + 1 - self._count
        return self._counted(self._stream.readline(size))

    def readlines(self, hint=-1):
        return list(self)

    def __iter__(self):
        while True:
            line = self.readline()
            if not line:
                return
            yield line


def _malformed(environ):
    """Invalid, when the request cannot be taken as it is; else None.

    What the HTTP server lets through: a Content-Length that is not a
    number of bytes; both a Content-Length and a Transfer-Encoding, which
    two servers on the way may read differently (RFC 9112, 6.1); a
    transfer coding other than chunked alone, which gunicorn would hand on
    still encoded (a 501, as RFC 9112 6.1 and cheroot answer it); a path
    or query string that is not UTF-8, which WebOb would refuse later
    with a message naming neither.
    """
    length = environ.get('CONTENT_LENGTH')
    coding = environ.get('HTTP_TRANSFER_ENCODING')
    if length and not length.isdigit():
        return exception.InvalidParameterValue(
            name='Content-Length', value=length,
            reason='not a number of bytes')
    if length and coding:
        return exception.Invalid(
            reason='both Content-Length and Transfer-Encoding are given; '
                   'send one of them')
    if coding and coding.strip().lower() != 'chunked':
        return exception.TransferCodingNotImplemented(coding=coding)
    for name, key, value in (
            ('path', 'PATH_INFO', environ.get('PATH_INFO', '')),
            ('query string', 'QUERY_STRING',
             urllib.parse.unquote_to_bytes(environ.get('QUERY_STRING', '')))):
        try:
            if isinstance(value, str):
                # PEP 3333: the path's bytes, each as one latin-1 character.
                value = value.encode('latin-1')
            value.decode('utf-8')
        except UnicodeError:
            return exception.Invalid(reason='the %s is not valid UTF-8'
                                     % name)
    return None


class BodyLimit(base.ConfigurableMiddleware):
    """Cap every request body at [api] max_json_body_size.

    A request malformed in its framing or encoding is refused first, with
    a 400 naming what is wrong (_malformed).

    Image data is the exception, and only once a data route has checked
    its Content-Type (validation.data_body takes the uncapped input back):
    [upload] image_size_cap limits it while it streams. oslo.middleware's
    sizelimit would cap image data too; a cap by Content-Type alone would
    let any route read a body of another type whole.
    """

    @webob.dec.wsgify
    def __call__(self, req):
        refused = _malformed(req.environ)
        if refused is not None:
            return errors.error_response(req.environ, refused)
        limit = CONF.api.max_json_body_size
        ctype = (req.content_type or '').lower()
        if ((ctype in _JSON_TYPES or ctype.endswith('+json'))
                and req.content_length is not None
                and req.content_length > limit):
            # Never a body anywhere: no need to route it first.
            return errors.error_response(req.environ,
                                         validation.too_large(limit))
        environ = req.environ
        raw = environ.get('wsgi.input')
        if raw is not None:
            environ[hooks.RAW_INPUT_ENV] = raw
            environ['wsgi.input'] = _CappedInput(raw, limit)
            # WebOb would seek it back to the start.
            environ['webob.is_body_seekable'] = False
        try:
            return req.get_response(self.application)
        except exception.RequestTooLarge as e:
            # Read by a filter, out of reach of the API's error hook.
            return errors.error_response(environ, e)


class DatabaseHealthcheck(pluginbase.HealthcheckBaseExtension):
    """/healthcheck plugin: the database answers a trivial query."""

    def healthcheck(self, server_port):
        try:
            with db_api.get_engine().connect() as connection:
                connection.execute(sa.text('SELECT 1'))
        except Exception as e:
            LOG.warning('Healthcheck: database unavailable: %(err)s',
                        {'err': e})
            return pluginbase.HealthcheckResult(
                available=False, reason='database unavailable')
        return pluginbase.HealthcheckResult(available=True, reason='OK')
