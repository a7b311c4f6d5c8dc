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

"""The Pecan application and the Paste pipeline that serves it."""

import os
import sys

from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import importutils
from paste import deploy
import pecan

from mcimage.api import hooks
from mcimage.common import exception
from mcimage.common import splice

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

_PACKAGED_ETC = os.path.join(os.path.dirname(__file__), '..', '..', 'etc',
                             'mcimage')


class _RawBody(list):
    """A response body Pecan hands on untouched (see raw_response).

    To turn an empty 200 into a 204, Pecan peeks at a generator body (and
    drops its Content-Length) and reads any other body whole, unless it is
    a list of one piece: then that piece is the body. This is such a list,
    whose one piece is not empty; RawBodies hands the real body to the
    server in its place.
    """

    _PIECE = b'raw'

    def __init__(self, iterable):
        super().__init__([self._PIECE])
        self.iterable = iterable

    def close(self):
        # A HEAD answer: WebOb gives the server an empty body that closes
        # this one.
        close = getattr(self.iterable, 'close', None)
        if close is not None:
            close()


def raw_response(resp):
    """``resp`` as the controller made it: streamed, or a HEAD answer.

    Neither read nor turned into a 204 by Pecan; the Content-Length stays
    the controller's.
    """
    length = resp.content_length
    resp.app_iter = _RawBody(resp.app_iter)
    if length is not None:
        resp.content_length = length
    return resp


# The client's socket, in the environ of the embedded server's requests
# (mcimage.cmd.api.Gateway); gunicorn puts it under its own key.
CLIENT_SOCKET = 'mcimage.client_socket'
GUNICORN_SOCKET = 'gunicorn.socket'
_SERVER_SOCKETS = (CLIENT_SOCKET, GUNICORN_SOCKET)


class SplicedBody(object):
    """A download whose bytes go from the VIM's socket to the client's.

    The first piece goes through the server as any body's does, which
    makes it send the status line and headers; the rest moves by splice
    before the server asks for another piece (see
    doc/source/contributor/data-path.rst).
    """

    def __init__(self, body, client_socket):
        self._body = body
        self._client = client_socket

    def __iter__(self):
        source = self._body.splice_source()
        if source is None:
            yield from self._body
            return
        head, vim_fd, length = source
        if head:
            yield head
        if length:
            try:
                splice.relay(vim_fd, self._client.fileno(), length)
            except OSError as e:
                # The headers are gone: all that is left is to cut the
                # connection short, so the client sees a truncated body.
                LOG.warning('Download relay of %(length)d bytes broken '
                            'off: %(err)s', {'length': length, 'err': e})
                raise

    def close(self):
        self._body.close()


def spliced(body, environ):
    """``body``, relayed by splice when both sides allow it."""
    if not hasattr(body, 'splice_source'):
        return body
    for key in _SERVER_SOCKETS:
        if splice.usable(environ.get(key)):
            return SplicedBody(body, environ[key])
    return body


class RawBodies(object):
    """WSGI middleware around Pecan: the real body of a raw_response."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        result = self.app(environ, start_response)
        if isinstance(result, _RawBody):
            return result.iterable
        return result


def _hooks(api):
    """The hooks of ``api``: 'mcimage' (/v1, /) or 'glance' (/glance)."""
    common = [hooks.StreamingBodyHook(), hooks.AcceptHook(),
              hooks.ContextHook()]
    if api == 'glance':
        return common + [hooks.GlanceHook()]
    return common + [hooks.VersionHook(), hooks.ErrorHook()]


def setup_app(root, api='mcimage'):
    """A Pecan app around the ``root`` controller object."""
    return RawBodies(pecan.Pecan(
        root,
        hooks=_hooks(api),
        force_canonical=False,
        # Image names end in .qcow2 or .iso: never guess a content type
        # from the path.
        guess_content_type_from_ext=False,
    ))


def app_factory(global_config, **local_conf):
    """Paste app factory; ``root`` names the root controller class.

    ``api = glance`` makes it a Glance endpoint (hooks.GlanceHook).
    """
    return setup_app(importutils.import_object(local_conf['root']),
                     api=local_conf.get('api', 'mcimage'))


def find_paste_config(conf=CONF):
    """[api] paste_config: absolute, next to a config file, or packaged."""
    path = conf.api.paste_config
    if os.path.isabs(path):
        candidates = [path]
    else:
        candidates = [os.path.join(os.path.dirname(f), path)
                      for f in conf.config_file]
        candidates.append(conf.find_file(path))
        candidates += [os.path.join(p, path) for p in (
            _PACKAGED_ETC,
            os.path.join(sys.prefix, 'etc', 'mcimage'),
            '/etc/mcimage')]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate):
            return os.path.abspath(candidate)
    raise exception.ConfigInvalid(group='api', option='paste_config',
                                  reason='%s was not found' % path)


def load_app(conf=CONF):
    """The whole Paste pipeline, as configured."""
    paste_file = find_paste_config(conf)
    LOG.info('Loading the API pipeline from %(file)s', {'file': paste_file})
    # The filters (cors, authtoken, healthcheck...) read the global
    # cfg.CONF, which mcimage's commands have loaded.
    return deploy.loadapp('config:%s' % paste_file, name='main')
