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

"""mcimage's exceptions; each one knows the HTTP answer it becomes."""

from oslo_log import log as logging

from mcimage.i18n import _

LOG = logging.getLogger(__name__)


class MCImageException(Exception):
    """Base class: ``code`` is the HTTP status, ``error_code`` is stable.

    ``msg_fmt`` is formatted with the keyword arguments; the result is the
    ``detail`` a user sees, so it must be clear and must never carry a
    credential or a VIM's URL.
    """

    code = 500
    title = 'Internal Server Error'
    error_code = 'mcimage.internal_error'
    msg_fmt = _('An unexpected error occurred.')
    headers = None

    def __init__(self, message=None, headers=None, **kwargs):
        self.kwargs = kwargs
        if headers is not None:
            # Extra response headers (Content-Range of a 416...).
            self.headers = headers
        if message is None:
            try:
                message = self.msg_fmt % kwargs
            except (KeyError, TypeError):
                LOG.exception('Cannot format %(cls)s with %(kwargs)s',
                              {'cls': self.__class__.__name__,
                               'kwargs': kwargs})
                message = self.msg_fmt
        self.message = str(message)
        super().__init__(self.message)

    def __str__(self):
        return self.message


class ConfigInvalid(MCImageException):
    error_code = 'mcimage.config_invalid'
    msg_fmt = _('Invalid configuration: [%(group)s] %(option)s: %(reason)s')


class Invalid(MCImageException):
    code = 400
    title = 'Bad Request'
    error_code = 'mcimage.invalid'
    msg_fmt = _('Invalid request: %(reason)s')


class InvalidParameterValue(Invalid):
    error_code = 'mcimage.invalid_parameter'
    msg_fmt = _("Invalid value %(value)r for '%(name)s': %(reason)s")


class MissingParameter(Invalid):
    error_code = 'mcimage.missing_parameter'
    msg_fmt = _("'%(name)s' is required.")


class InvalidMultipart(Invalid):
    error_code = 'mcimage.invalid_multipart'
    msg_fmt = _('Malformed multipart/form-data body: %(reason)s')


class InvalidImageData(Invalid):
    error_code = 'mcimage.invalid_image_data'
    msg_fmt = _('The image data is refused: %(reason)s')


class ChecksumMismatch(Invalid):
    error_code = 'mcimage.checksum_mismatch'
    msg_fmt = _("The image data does not match '%(name)s': declared "
                "%(declared)s, received data has %(actual)s.")


class Unauthorized(MCImageException):
    code = 401
    title = 'Unauthorized'
    error_code = 'mcimage.unauthorized'
    msg_fmt = _('Authentication required.')


class Forbidden(MCImageException):
    code = 403
    title = 'Forbidden'
    error_code = 'mcimage.forbidden'
    msg_fmt = _('Policy does not allow %(action)s.')


class ImageDeactivated(Forbidden):
    error_code = 'mcimage.image_deactivated'
    msg_fmt = _('Image %(image_id)s is deactivated: its data cannot be '
                'downloaded until an admin or a member of its project '
                'reactivates it.')


class NoAuthRefused(Forbidden):
    error_code = 'mcimage.noauth_refused'
    msg_fmt = _('auth_strategy = noauth refuses this request: %(reason)s')


class NotFound(MCImageException):
    code = 404
    title = 'Not Found'
    error_code = 'mcimage.not_found'
    msg_fmt = _('Resource could not be found.')


class VimNotFound(NotFound):
    error_code = 'mcimage.vim_not_found'
    msg_fmt = _('VIM %(vim_id)s is not known to this service.')


class ImageNotFound(NotFound):
    error_code = 'mcimage.image_not_found'
    msg_fmt = _('Image %(image_id)s was not found in VIM %(vim_id)s.')


class NotAcceptable(MCImageException):
    code = 406
    title = 'Not Acceptable'
    error_code = 'mcimage.not_acceptable'
    msg_fmt = _('%(reason)s')


class MethodNotAllowed(MCImageException):
    code = 405
    title = 'Method Not Allowed'
    error_code = 'mcimage.method_not_allowed'
    msg_fmt = _('%(reason)s')


class RelayLoop(Invalid):
    error_code = 'mcimage.relay_loop'
    msg_fmt = _('This request comes from an mcimage acting for its VIM '
                '%(vim_id)s: mcimage does not serve its Glance endpoint to '
                'an mcimage (it would call itself). Name that VIM\'s own '
                'Glance in its [vim:%(vim_id)s] group (endpoint_override, '
                'or a service_type the catalog gives it under).')


class Conflict(MCImageException):
    code = 409
    title = 'Conflict'
    error_code = 'mcimage.conflict'
    msg_fmt = _('%(reason)s')


class RequestTooLarge(MCImageException):
    code = 413
    title = 'Request Entity Too Large'
    error_code = 'mcimage.too_large'
    msg_fmt = _('%(reason)s')


class RangeNotSatisfiable(MCImageException):
    code = 416
    title = 'Requested Range Not Satisfiable'
    error_code = 'mcimage.range_not_satisfiable'
    msg_fmt = _('%(reason)s')


class UnsupportedMediaType(MCImageException):
    code = 415
    title = 'Unsupported Media Type'
    error_code = 'mcimage.unsupported_media_type'
    msg_fmt = _("Content-Type %(content_type)r is not supported here; use "
                "%(expected)s.")


class TransferCodingNotImplemented(MCImageException):
    """A request body sent in a transfer coding other than chunked."""

    code = 501
    title = 'Not Implemented'
    error_code = 'mcimage.transfer_coding'
    msg_fmt = _('Transfer-Encoding %(coding)r is not supported: send the '
                'body with a Content-Length or as chunked alone.')


class BackendError(MCImageException):
    """The VIM answered, with an error."""

    code = 502
    title = 'Bad Gateway'
    error_code = 'mcimage.vim_error'
    msg_fmt = _('VIM %(vim_id)s answered with an error: %(reason)s')


class BackendUnavailable(MCImageException):
    """The VIM did not answer."""

    code = 503
    title = 'Service Unavailable'
    error_code = 'mcimage.vim_unavailable'
    msg_fmt = _('VIM %(vim_id)s is not answering; try again later.')


class StagedUploadNotFound(NotFound):
    error_code = 'mcimage.staged_upload_not_found'
    msg_fmt = _('Staged upload %(upload_id)s was not found.')


class StagingStoreError(MCImageException):
    """The staging store failed (an unreachable store, an I/O error).

    ``reason`` is mcimage's own words, never the store's error text: that
    names paths and endpoints, and goes to the log.
    """

    code = 503
    title = 'Service Unavailable'
    error_code = 'mcimage.staging_store_error'
    msg_fmt = _('The staging store cannot take or give image data now: '
                '%(reason)s')


class StagingStoreFull(MCImageException):
    """No room left in the staging store, or not above its floor."""

    code = 507
    title = 'Insufficient Storage'
    error_code = 'mcimage.staging_store_full'
    msg_fmt = _('The staging store has no room for this upload now '
                '(%(reason)s); try again later.')


class StagingQuotaExceeded(RequestTooLarge):
    error_code = 'mcimage.staging_quota_exceeded'
    msg_fmt = _('This upload would take project %(project)s over its '
                'staging quota of %(limit)d bytes ([staging_store] '
                'project_quota): it has %(usage)d bytes staged or being '
                'staged, and this upload needs at least %(needed)d bytes. '
                'Delete the staged uploads it no longer needs (DELETE '
                '/v1/uploads/{id}) or wait until they expire.')


class URLRefused(Invalid):
    """An import URL this service may not read (SSRF guard, [task])."""

    error_code = 'mcimage.url_refused'
    msg_fmt = _('Import URL %(url)s is refused: %(reason)s')


class SourceError(MCImageException):
    """An import source failed to give its data (a 404, a timeout...)."""

    code = 502
    title = 'Bad Gateway'
    error_code = 'mcimage.source_error'
    msg_fmt = _('The import source %(source)s failed: %(reason)s')


class TaskNotFound(NotFound):
    error_code = 'mcimage.task_not_found'
    msg_fmt = _('Task %(task_id)s was not found.')


class ServiceUnavailable(MCImageException):
    """A part of mcimage itself is not answering (the task jobboard)."""

    code = 503
    title = 'Service Unavailable'
    error_code = 'mcimage.service_unavailable'
    msg_fmt = _('The service cannot take this request now: %(reason)s')
