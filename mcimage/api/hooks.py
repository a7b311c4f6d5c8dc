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
from mcimage.api import utils
from mcimage.api import versions
from mcimage.api import views
from mcimage.common import context

# The request's own Content-Type, hidden from WebOb (StreamingBodyHook);
# read it with mcimage.api.validation.content_type().
CONTENT_TYPE_ENV = 'mcimage.content_type'
# The request body as the server gave it, before the body limit
# (middleware.BodyLimit); a data route takes it back once it has checked
# the Content-Type (validation.data_body).
RAW_INPUT_ENV = 'mcimage.raw_input'
# The request's own Accept header, set aside by AcceptHook: the Glance
# endpoint renders its errors for it, as Glance does.
ACCEPT_ENV = 'mcimage.accept'
# What stands in for the request's Content-Type while it is hidden: WebOb
# parses no body of this type, and Pecan's routing reads none.
_HIDDEN_TYPE = 'application/octet-stream'


class StreamingBodyHook(hooks.PecanHook):
    """Hide every request body's Content-Type before Pecan's routing.

    Pecan's find_controller reads req.params for every non-GET request
    that is not JSON (WebOb then parses a whole form or multipart body,
    and a body without a Content-Type as a form) and req.json for a JSON
    one, before any controller could refuse the body. With the type
    hidden, nothing reads a byte until a controller has checked the real
    type (mcimage.api.validation: json_body, data_body), kept here in the
    environ.
    """

    priority = 1

    def on_route(self, state):
        environ = state.request.environ
        if CONTENT_TYPE_ENV not in environ:
            environ[CONTENT_TYPE_ENV] = environ.get('CONTENT_TYPE', '')
        environ['CONTENT_TYPE'] = _HIDDEN_TYPE


class AcceptHook(hooks.PecanHook):
    """Answer JSON or an image's bytes whatever Accept asks, as Glance.

    Pecan matches Accept against the media types a handler declares and
    answers 406 to any other: a route that answers no body (204), or a
    download, declares none but the default text/html, so
    ``Accept: application/json`` or ``application/octet-stream`` would be
    refused, and clients that send Accept on every call (the SDKs do)
    would break. Every route of this API answers one media type; the
    header is set aside before Pecan's routing reads it.
    """

    priority = 1

    def on_route(self, state):
        environ = state.request.environ
        environ.setdefault(ACCEPT_ENV, environ.pop('HTTP_ACCEPT', ''))


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


class GlanceHook(hooks.PecanHook):
    """The Glance endpoint: Glance's links, Glance's errors.

    Its clients join Glance's own links (/v2/images/{id}) to the endpoint
    they were given, so links start at /v2 (utils.link_root); every error,
    Pecan's routing 404/405 included, is rendered as Glance renders it.
    """

    priority = 1000

    def on_route(self, state):
        state.request.context[utils.LINK_ROOT] = views.GLANCE_ROOT

    def on_error(self, state, exc):
        environ = state.request.environ
        return errors.glance_error_response(
            environ, exc, environ.get(ACCEPT_ENV, environ.get('HTTP_ACCEPT')))
