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

"""The one rendering of errors: the API-SIG errors body.

{"errors": [{"request_id", "code", "status", "title", "detail"}]}
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


def error_response(environ, exc):
    """A WebOb response for ``exc``; any 500 has a generic detail.

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
    body = {'errors': [{
        'request_id': request_id,
        'code': code,
        'status': status,
        'title': title,
        'detail': str(detail),
    }]}
    resp = webob.Response(status=status, content_type='application/json',
                          charset='UTF-8')
    resp.text = jsonutils.dumps(body)
    for name, value in headers.items():
        resp.headers[name] = value
    return resp
