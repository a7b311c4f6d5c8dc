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

"""What the client raises.

mcimage answers every error with the API-SIG errors body::

    {"errors": [{"request_id", "code", "status", "title", "detail"}]}

``from_response`` turns it into an ``HttpError`` of the status's class
(``NotFound``, ``Conflict``...) carrying those fields; ``str()`` of it is
one line a person can act on. Answers of something in front of mcimage (a
proxy's HTML page, keystonemiddleware's 401) are read as well as they can
be.
"""

_MAX_TEXT = 300


class ClientException(Exception):
    """Every error this client raises."""


class EndpointNotFound(ClientException):
    """No mcimage endpoint: none in the catalog, none given."""


class UnsupportedVersion(ClientException):
    """The server does not speak the microversion asked for."""


class NoUniqueMatch(ClientException):
    """A name names several resources."""


class ChecksumMismatch(ClientException):
    """Downloaded data is not what the image records."""


class NoData(ClientException):
    """The image has no data (yet) to download."""


class WaitTimeout(ClientException):
    """A wait for a task ended before the task did."""


class TaskFailed(ClientException):
    """A task waited for ended in failure."""

    def __init__(self, task):
        self.task = task
        super().__init__('Task %s failed: %s' % (
            task.get('id'), task.get('message') or 'no message'))


class HttpError(ClientException):
    """An HTTP error answer; ``status``, ``code``, ``title``, ``detail``.

    ``code`` is mcimage's error code (``mcimage.image_not_found``...),
    ``request_id`` the id the server logged the request under.
    """

    status = None
    title = 'HTTP Error'

    def __init__(self, status=None, title=None, detail=None, code=None,
                 request_id=None, response=None, method=None, url=None):
        if status is not None:
            self.status = status
        if title:
            self.title = title
        self.detail = detail or ''
        self.code = code
        self.request_id = request_id
        self.response = response
        self.method = method
        self.url = url
        super().__init__(str(self))

    @property
    def http_status(self):
        return self.status

    def __str__(self):
        text = 'HTTP %s %s' % (self.status, self.title)
        if self.detail:
            text += ': %s' % self.detail
        about = [v for v in (self.code, self.request_id and 'request %s'
                             % self.request_id) if v]
        if about:
            text += ' (%s)' % ', '.join(about)
        # One line, whatever came in the body.
        return ' '.join(text.split())


class HttpClientError(HttpError):
    """4xx"""


class HttpServerError(HttpError):
    """5xx"""


class BadRequest(HttpClientError):
    status, title = 400, 'Bad Request'


class Unauthorized(HttpClientError):
    status, title = 401, 'Unauthorized'


class Forbidden(HttpClientError):
    status, title = 403, 'Forbidden'


class NotFound(HttpClientError):
    status, title = 404, 'Not Found'


class MethodNotAllowed(HttpClientError):
    status, title = 405, 'Method Not Allowed'


class NotAcceptable(HttpClientError):
    status, title = 406, 'Not Acceptable'


class Conflict(HttpClientError):
    status, title = 409, 'Conflict'


class Gone(HttpClientError):
    status, title = 410, 'Gone'


class RequestEntityTooLarge(HttpClientError):
    status, title = 413, 'Request Entity Too Large'


class UnsupportedMediaType(HttpClientError):
    status, title = 415, 'Unsupported Media Type'


class RangeNotSatisfiable(HttpClientError):
    status, title = 416, 'Range Not Satisfiable'


class InternalServerError(HttpServerError):
    status, title = 500, 'Internal Server Error'


class HttpNotImplemented(HttpServerError):
    status, title = 501, 'Not Implemented'


class BadGateway(HttpServerError):
    status, title = 502, 'Bad Gateway'


class ServiceUnavailable(HttpServerError):
    status, title = 503, 'Service Unavailable'


class GatewayTimeout(HttpServerError):
    status, title = 504, 'Gateway Timeout'


class InsufficientStorage(HttpServerError):
    status, title = 507, 'Insufficient Storage'


_BY_STATUS = {cls.status: cls for cls in (
    BadRequest, Unauthorized, Forbidden, NotFound, MethodNotAllowed,
    NotAcceptable, Conflict, Gone, RequestEntityTooLarge,
    UnsupportedMediaType, RangeNotSatisfiable, InternalServerError,
    HttpNotImplemented, BadGateway, ServiceUnavailable, GatewayTimeout,
    InsufficientStorage)}


def _error_fields(body):
    """(code, title, detail, request_id) from an error body, or Nones."""
    if not isinstance(body, dict):
        return None, None, None, None
    errors = body.get('errors')
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        return (first.get('code'), first.get('title'), first.get('detail'),
                first.get('request_id'))
    # keystonemiddleware's own: {"error": {"code", "title", "message"}}.
    error = body.get('error')
    if isinstance(error, dict):
        return None, error.get('title'), error.get('message'), None
    return None, body.get('title'), body.get('message'), None


def from_response(response, method=None, url=None):
    """The HttpError of an error answer (``requests.Response``)."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    code, title, detail, request_id = _error_fields(body)
    if detail is None and body is None:
        detail = (response.text or '').strip()[:_MAX_TEXT]
    request_id = request_id or response.headers.get(
        'x-openstack-request-id')
    if status in _BY_STATUS:
        cls = _BY_STATUS[status]
    else:
        cls = HttpServerError if status >= 500 else HttpClientError
    return cls(status=status, title=title or response.reason,
               detail=detail if detail is None else str(detail), code=code,
               request_id=request_id, response=response, method=method,
               url=url)
