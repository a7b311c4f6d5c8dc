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

"""Pecan hooks: the request context, streamed bodies, versions, errors."""

from pecan import hooks

from mcimage.api import errors
from mcimage.api import multipart
from mcimage.api import versions
from mcimage.common import context

MULTIPART_ENV = 'mcimage.multipart_content_type'
# Set by a controller whose response Pecan must leave as it is: a streamed
# body, a HEAD answer (see api.app._Pecan).
RAW_RESPONSE_ENV = 'mcimage.raw_response'
# The body of a download a server may splice from the VIM's socket
# (mcimage.backends.glance.DownloadBody; mcimage-api does).
SPLICE_BODY_ENV = 'mcimage.splice_body'


class StreamingBodyHook(hooks.PecanHook):
    """Hide a multipart body from WebOb before Pecan's routing reads it.

    Pecan's find_controller reads req.params for every non-JSON POST, and
    WebOb would then parse the whole multipart body, spooling the file to
    disk. The real Content-Type is kept in the environ for the controller,
    which parses the body itself (mcimage.api.multipart).
    """

    priority = 1

    def on_route(self, state):
        environ = state.request.environ
        if multipart.is_multipart(environ.get('CONTENT_TYPE')):
            environ[MULTIPART_ENV] = environ['CONTENT_TYPE']
            environ['CONTENT_TYPE'] = 'application/octet-stream'


class ContextHook(hooks.PecanHook):
    """One RequestContext per request, from the identity headers."""

    priority = 10

    def on_route(self, state):
        state.request.context['mcimage_context'] = (
            context.RequestContext.from_environ(state.request.environ))


class VersionHook(hooks.PecanHook):
    """OpenStack-API-Version: parse, check, echo with Vary."""

    priority = 20

    def on_route(self, state):
        state.request.context['api_version'] = versions.parse(
            state.request.headers)

    def after(self, state):
        version = state.request.context.get('api_version',
                                            versions.MIN_VERSION)
        resp = state.response
        resp.headers[versions.HEADER] = '%s %s' % (
            versions.SERVICE_TYPE, versions.to_string(version))
        vary = [v.strip() for v in (resp.headers.get('Vary') or '').split(',')
                if v.strip()]
        if versions.HEADER not in vary:
            vary.append(versions.HEADER)
        resp.headers['Vary'] = ', '.join(vary)


class ErrorHook(hooks.PecanHook):
    """Every error, Pecan's routing 404/405 included, as API-SIG JSON."""

    priority = 1000

    def on_error(self, state, exc):
        return errors.error_response(state.request.environ, exc)
