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

"""How errors are answered: one description, two renderings.

mcimage's own API answers the API-SIG errors body,
{"errors": [{"request_id", "code", "status", "title", "detail"}]}; its
Glance endpoint answers as Glance does (glance_error_response).
"""

from oslo_log import log as logging
from oslo_middleware import request_id as request_id_mw
from oslo_serialization import jsonutils
import webob
import webob.exc

from mcimage.common import exception

LOG = logging.getLogger(__name__)


_GENERIC_500 = ('An unexpected error occurred; the request id above finds '
                'it in the log.')


def describe(environ, exc):
    """(status, title, detail, code, headers) of ``exc``; 500s generic.

    mcimage's own 500s (a configuration problem met at request time...)
    carry file names and library text: the log has them, with the request
    id the caller is given.
    """
    request_id = environ.get(request_id_mw.ENV_REQUEST_ID)
    if isinstance(exc, exception.MCImageException) and exc.code == 500:
        LOG.error('Answering 500 to %(method)s %(path)s (request '
                  '%(req)s): %(err)s',
                  {'method': environ.get('REQUEST_METHOD'),
                   'path': environ.get('PATH_INFO'), 'req': request_id,
                   'err': exc})
        exc = None
    if isinstance(exc, exception.MCImageException):
        status, title, detail = exc.code, exc.title, exc.message
        code = exc.error_code
        headers = exc.headers or {}
    elif isinstance(exc, webob.exc.HTTPException):
        status, title = exc.code, exc.title
        detail = exc.detail or exc.explanation
        if status == 404 and not exc.detail:
            detail = 'No such resource: %s' % (
                environ.get('SCRIPT_NAME', '') + environ.get('PATH_INFO', ''))
        elif status == 405 and not exc.detail:
            detail = 'Method %s is not allowed on %s' % (
                environ.get('REQUEST_METHOD'),
                environ.get('SCRIPT_NAME', '') + environ.get('PATH_INFO', ''))
        code = 'mcimage.http_%d' % status
        headers = {}
    else:
        if exc is not None:
            LOG.error('Unexpected error on %(method)s %(path)s (request '
                      '%(req)s)', {'method': environ.get('REQUEST_METHOD'),
                                   'path': environ.get('PATH_INFO'),
                                   'req': request_id}, exc_info=exc)
        status, title = 500, 'Internal Server Error'
        detail = _GENERIC_500
        code = 'mcimage.internal_error'
        headers = {}
    if status >= 500:
        LOG.warning('Answering %(status)s: %(detail)s',
                    {'status': status, 'detail': detail})
    return status, title, str(detail), code, headers


def error_response(environ, exc):
    """A WebOb response for ``exc``: the API-SIG errors body."""
    status, title, detail, code, headers = describe(environ, exc)
    body = {'errors': [{
        'request_id': environ.get(request_id_mw.ENV_REQUEST_ID),
        'code': code,
        'status': status,
        'title': title,
        'detail': detail,
    }]}
    resp = webob.Response(status=status, content_type='application/json',
                          charset='UTF-8')
    resp.text = jsonutils.dumps(body)
    for name, value in headers.items():
        resp.headers[name] = value
    return resp


_GLANCE_BODY = webob.exc.WSGIHTTPException.body_template_obj.template


def glance_error_response(environ, exc, accept):
    """A WebOb response for ``exc`` as Glance v2 answers errors.

    Glance raises WebOb's HTTP exceptions, whose body WebOb renders for
    the request's Accept header: JSON ({"message", "code", "title"}),
    HTML or plain text. ``accept`` is that header as the client sent it.
    """
    status, _title, detail, _code, headers = describe(environ, exc)
    error_class = webob.exc.status_map.get(
        status, webob.exc.HTTPInternalServerError)
    # WebOb's own templates of some (405, 406, 415, 501) drop the
    # explanation for the test request's headers: always the plain one.
    error = error_class(explanation=detail, headers=headers,
                        body_template=_GLANCE_BODY)
    request = webob.Request.blank('/', headers={'Accept': accept or ''})
    request.method = environ.get('REQUEST_METHOD', 'GET')
    return request.get_response(error)
