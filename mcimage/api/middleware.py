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

from oslo_config import cfg
from oslo_log import log as logging
from oslo_middleware import base
from oslo_middleware import cors
from oslo_middleware.healthcheck import pluginbase
from oslo_middleware import sizelimit
import sqlalchemy as sa
import webob.dec
import webob.exc

from mcimage.api import errors
from mcimage.common import exception
from mcimage.db import api as db_api

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

# Content types whose bodies are JSON documents; image data never is.
_JSON_TYPES = ('application/json',
               'application/openstack-images-v2.1-json-patch',
               'application/openstack-images-v2.0-json-patch')


def auth_pipeline_factory(loader, global_conf, **local_conf):
    """The pipeline named after [DEFAULT] auth_strategy."""
    pipeline = local_conf[CONF.auth_strategy].split()
    app = loader.get_app(pipeline[-1])
    for name in reversed(pipeline[:-1]):
        app = loader.get_filter(name)(app)
    return app


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
    """

    DEFAULTS = {'HTTP_X_PROJECT_ID': 'admin',
                'HTTP_X_USER_ID': 'admin',
                'HTTP_X_ROLES': 'admin,member,reader'}

    @webob.dec.wsgify
    def __call__(self, req):
        for key, value in self.DEFAULTS.items():
            # Only an absent header takes the default: "X-Roles:" (empty)
            # asserts no role at all, never the admin identity.
            if key not in req.environ:
                req.environ[key] = value
        req.environ['HTTP_X_IDENTITY_STATUS'] = 'Confirmed'
        req.environ.pop('HTTP_X_AUTH_TOKEN', None)
        return req.get_response(self.application)


class JsonBodyLimit(base.ConfigurableMiddleware):
    """Cap JSON request bodies; never touches any other body.

    oslo.middleware's sizelimit would cap image data too (DESIGN, STYLE
    §13); image data is capped by [upload] image_size_cap on the stream.
    """

    @webob.dec.wsgify
    def __call__(self, req):
        ctype = (req.content_type or '').lower()
        if ctype in _JSON_TYPES or ctype.endswith('+json'):
            limit = CONF.api.max_json_body_size
            if req.content_length is not None and req.content_length > limit:
                return errors.error_response(
                    req.environ, exception.RequestTooLarge(
                        reason='The JSON body is larger than %d bytes '
                               '([api] max_json_body_size).' % limit))
            if req.content_length is None and req.is_body_readable:
                req.body_file = sizelimit.LimitingReader(req.body_file,
                                                         limit)
        try:
            return req.get_response(self.application)
        except webob.exc.HTTPRequestEntityTooLarge as e:
            return errors.error_response(
                req.environ, exception.RequestTooLarge(
                    reason=str(e.detail or e.explanation)))


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
