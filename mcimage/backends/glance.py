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

"""The ``glance`` driver: a VIM's Glance v2 through python-glanceclient.

glanceclient's HTTP client over a keystoneauth1 session built from the
VIM's group. Only its HTTP client: the v2 Client builds a manager per kind
of resource at every call, and its managers fetch a schema before most
calls, one more round trip each. In auth_mode = token, mcimage's service
token (mcimage.backends.service_user) may go along with the caller's.
This is the only module that sees the glanceclient and keystoneauth
exceptions of a call: they are translated here into mcimage's (the
contract of mcimage.backends.base): the VIM not answering is a 503, the
VIM answering with an error a 502 carrying its message, an image it does
not have a 404. A VIM's URL never goes into a message a user sees; it
goes to the log.
"""

import collections
import contextlib
import re
import threading
import time
import urllib.parse

from glanceclient.common import http as glance_http
from glanceclient import exc as glance_exc
from keystoneauth1 import access
from keystoneauth1 import adapter as ks_adapter
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import plugin as ks_plugin
from keystoneauth1 import service_token
from keystoneauth1 import token_endpoint
from oslo_log import log as logging
from oslo_serialization import jsonutils
import requests
from urllib3 import exceptions as urllib3_exc

from mcimage.backends import base
from mcimage.backends import service_user
from mcimage.common import exception
from mcimage.common import utils
from mcimage.conf import vims as vims_conf

LOG = logging.getLogger(__name__)

_STATUS_RE = re.compile(r'^(\d{3})\b')
PATCH_2_1 = 'application/openstack-images-v2.1-json-patch'
# The store of a Glance of several stores that an upload writes.
STORE_HEADER = 'x-image-meta-store'
# At most this much of a download is read from the VIM at a time: one
# recv into a fresh bytes object, which the server sends on as it is.
# Pieces of 1 MiB cost a little less CPU, but each is allocated whole and
# shrunk to what the socket held: the heap fragmented, mcimage-api grew
# by 31 MiB over 8 GiB of downloads (5 MiB with these).
DOWNLOAD_PIECE = 120 * 1024

# The VIM's answers that mean the same thing to mcimage's caller; any other
# answered error is the VIM's fault: a 502.
_PASSED_THROUGH = {
    400: exception.Invalid,
    403: exception.Forbidden,
    409: exception.Conflict,
    413: exception.RequestTooLarge,
    # Glance answers 415 to image data that fails its format checks.
    415: exception.Invalid,
    416: exception.RangeNotSatisfiable,
}

# Projects found by name (project_by_name) remembered per VIM, the least
# recently asked for forgotten first.
MAX_PROJECT_NAMES = 1024

# C0 controls and DEL: never part of a value sent in a URL path.
_CONTROL = re.compile('[\x00-\x1f\x7f]')


class _Body(object):
    """``reader``'s data as a request body, sent chunked.

    Glance under uWSGI reads a chunked body a chunk at a time into a buffer
    it slices at each read of its store, so a chunk that does not match
    that read costs it copies at every slice: chunks are cut again to
    exactly ``chunk_size``, the VIM's upload_chunk_size, but the last
    (doc/source/contributor/data-path.rst).
    """

    def __init__(self, reader, vim_id, chunk_size=None):
        self._reader = reader
        self._vim_id = vim_id
        self._chunk_size = chunk_size
        self._started = False

    def _pieces(self):
        """The reader's pieces, up to its end, once."""
        if self._started:
            # keystoneauth sends the request again after the connection
            # broke (the VIM's connect_retries): the reader cannot give the
            # data again, so the upload ends as the VIM's failure it is.
            raise exception.BackendUnavailable(
                'VIM %s broke off the upload of the image data, which '
                'cannot be sent again; try again later.' % self._vim_id,
                vim_id=self._vim_id)
        self._started = True
        while True:
            piece = self._reader.read()
            if not piece:
                return
            yield piece

    def __iter__(self):
        return utils.exact_pieces(self._pieces(), self._chunk_size)


class _SizedBody(_Body):
    """``size`` bytes of ``reader``, sent under a Content-Length.

    requests sends an iterable of known length as it is, where glanceclient
    chunks a file-like one; Glance reads such a body for less CPU
    (doc/source/contributor/data-path.rst). A piece goes only once the
    next one has been read: the VIM gets the last byte after the reader's
    checks at its end have passed, so it never makes active an image the
    reader refuses. A reader that gives more or fewer than ``size`` bytes
    stops the request before its last byte: the VIM sees the body cut.
    """

    def __init__(self, reader, size, vim_id):
        super().__init__(reader, vim_id)
        self._size = size

    def __len__(self):
        return self._size

    def __iter__(self):
        read = 0
        held = b''
        for piece in self._pieces():
            read += len(piece)
            if read > self._size:
                break
            if held:
                yield held
            held = piece
        if read != self._size:
            raise exception.ChecksumMismatch(
                name='size', declared=self._size,
                actual='%s bytes' % ('more than %d' % self._size
                                     if read > self._size else read))
        yield held


def v2_path(*segments):
    """/v2/<segment>/...: each value percent-encoded as one whole segment.

    Nothing a value holds can end the path ('?', '#'), add a segment ('/')
    or be decoded twice ('%'). Values that cannot be one segment at all are
    refused: empty (the collection instead), '.' or '..' (removed as dot
    segments by requests before they reach the VIM) and control
    characters.
    """
    encoded = []
    for segment in segments:
        segment = str(segment)
        if not segment.strip('.') or _CONTROL.search(segment):
            raise exception.InvalidParameterValue(
                name='path segment', value=segment,
                reason='not a value a VIM URL path can carry')
        encoded.append(urllib.parse.quote(segment, safe=''))
    return '/v2/' + '/'.join(encoded)


class _CatalogTokenAuth(ks_plugin.BaseAuthPlugin):
    """The caller's token, and the endpoint from the caller's catalog.

    keystonemiddleware's X-Service-Catalog holds even a v3 token's catalog
    in the v2 form (endpoints of ``region`` and ``publicURL``,
    ``internalURL``...), as nova reads it too.
    """

    def __init__(self, token, catalog):
        super().__init__()
        self._token = token
        self._catalog = access.service_catalog.ServiceCatalogV2(catalog)

    def get_token(self, session, **kwargs):
        return self._token

    def get_endpoint(self, session, service_type=None, interface=None,
                     region_name=None, service_name=None, **kwargs):
        return self._catalog.url_for(service_type=service_type,
                                     interface=interface,
                                     region_name=region_name,
                                     service_name=service_name)


class GlanceBackend(base.Backend):
    """Glance v2 of one VIM, as the caller or as mcimage's service user."""

    def __init__(self, vim):
        super().__init__(vim)
        self._lock = threading.Lock()
        self._session = None
        self._service_auth = {}
        # (domain name, project name) -> (project id or None, until when).
        self._project_names = collections.OrderedDict()

    # -- connection ------------------------------------------------------

    def _get_session(self):
        with self._lock:
            if self._session is None:
                self._session = ks_loading.load_session_from_conf_options(
                    self.vim.conf, self.vim.group)
            return self._session

    def _service_auth_for(self, tenant_id):
        # One plugin per tenant, so its token is reused until it expires.
        with self._lock:
            auth = self._service_auth.get(tenant_id)
            if auth is None:
                kwargs = {}
                if tenant_id:
                    kwargs = {'project_id': tenant_id, 'project_name': None,
                              'project_domain_id': None,
                              'project_domain_name': None}
                auth = ks_loading.load_auth_from_conf_options(
                    self.vim.conf, self.vim.group, **kwargs)
                self._service_auth[tenant_id] = auth
            return auth

    def _tenant_scoped_auth(self, tenant_id):
        """The service user's plugin scoped to tenant_id, or a 403.

        Its token is fetched here (the session would at its first request;
        the plugin keeps it): Keystone's 401 to a project it does not know,
        or where the user has no role, would otherwise be a 502 that names
        no tenant.  The same 401 answers bad credentials, which the service
        user's own project tells apart: those stay the VIM's fault.
        """
        auth = self._service_auth_for(tenant_id)
        if tenant_id:
            session = self._get_session()
            try:
                auth.get_token(session)
            except ks_exc.Unauthorized:
                # Not kept: a plugin per tenant ever refused would pile up.
                with self._lock:
                    self._service_auth.pop(tenant_id, None)
                self._service_auth_for(None).get_token(session)
                LOG.info('VIM %(vim)s: Keystone gives mcimage\'s service '
                         'user no token of tenant %(tenant)s',
                         {'vim': self.vim.id, 'tenant': tenant_id})
                raise exception.Forbidden(
                    'VIM %s cannot act in tenant %s: its Keystone does not '
                    'know the project or gives mcimage no role in it.' %
                    (self.vim.id, tenant_id))
        return auth

    def project_by_name(self, context, name, domain_name):
        """The id of the project ``name`` in ``domain_name``, or None.

        Keystone is asked for the service user's token scoped to the
        project by name, which needs no right to read the identity API:
        only the role the service user needs there anyway. Its 401 means
        no project mcimage may act in goes by that name; the same 401
        answers bad credentials, which the service user's own project
        tells apart (those are the VIM's fault, a 502). The answer is
        remembered ([vim:ID] project_map_domain_name says how long), and
        the plugin serves as that tenant's scoped auth.
        """
        key = (domain_name, name)
        now = time.monotonic()
        with self._lock:
            known = self._project_names.get(key)
            if known is not None and known[1] > now:
                self._project_names.move_to_end(key)
                return known[0]
        with self.translate():
            project_id = self._find_project(name, domain_name)
        ttl = (vims_conf.PROJECT_NAME_TTL if project_id
               else vims_conf.NO_PROJECT_NAME_TTL)
        with self._lock:
            self._project_names[key] = (project_id, now + ttl)
            self._project_names.move_to_end(key)
            while len(self._project_names) > MAX_PROJECT_NAMES:
                self._project_names.popitem(last=False)
        return project_id

    def _find_project(self, name, domain_name):
        auth = ks_loading.load_auth_from_conf_options(
            self.vim.conf, self.vim.group, project_id=None,
            project_name=name, project_domain_id=None,
            project_domain_name=domain_name)
        session = self._get_session()
        try:
            project_id = auth.get_project_id(session)
        except ks_exc.Unauthorized:
            self._service_auth_for(None).get_token(session)
            LOG.info('VIM %(vim)s: Keystone gives mcimage\'s service user '
                     'no token of a project named %(name)s in domain '
                     '%(domain)s', {'vim': self.vim.id, 'name': name,
                                    'domain': domain_name})
            return None
        with self._lock:
            # Its token is of that tenant: the next call there uses it.
            self._service_auth.setdefault(project_id, auth)
        return project_id

    def _fixed_scope_auth(self, tenant_id):
        """The one plugin of credentials bound to a project, or a 403.

        Asked for another project's scope, Keystone refuses the credential
        outright; nor may it act in a tenant that is not its project.
        """
        auth = self._service_auth_for(None)
        if tenant_id and auth.get_project_id(
                self._get_session()) != tenant_id:
            raise exception.Forbidden(
                'VIM %s cannot act in tenant %s: its application credential '
                'is bound to another project.' % (self.vim.id, tenant_id))
        return auth

    def _auth_and_headers(self, context, tenant_id, as_service):
        opts = self.vim.options
        mode = self.vim.auth_mode
        if mode == 'trusted':
            if as_service:
                user, roles = 'mcimage', 'admin,member,reader'
            else:
                user, roles = context.user_id, ','.join(context.roles)
            # Set on the adapter, not glanceclient's identity_headers,
            # which URL-encodes the comma of X-Roles.
            return None, {'X-Identity-Status': 'Confirmed',
                          'X-Project-Id': tenant_id or '',
                          'X-User-Id': user or '',
                          'X-Roles': roles}
        if mode == 'service' or as_service:
            if not opts.auth_type:
                raise exception.BackendError(
                    vim_id=self.vim.id,
                    reason='no service credentials are configured for '
                           'this VIM')
            if opts.auth_type in vims_conf.FIXED_SCOPE_AUTH_TYPES:
                return self._fixed_scope_auth(tenant_id), {}
            return self._tenant_scoped_auth(tenant_id), {}
        if not context.auth_token:
            raise exception.Unauthorized()
        if opts.endpoint_override:
            auth = token_endpoint.Token(opts.endpoint_override,
                                        context.auth_token)
        else:
            auth = _CatalogTokenAuth(context.auth_token,
                                     context.service_catalog)
        if service_user.enabled(self.vim.conf):
            auth = service_token.ServiceTokenAuthWrapper(
                user_auth=auth, service_auth=self._service_user_auth())
        return auth, {}

    def _service_user_auth(self):
        """[service_user]'s plugin, its token fetched now, or a 503/502.

        Fetched here, through [service_user]'s own session: the session of
        the VIM's call would fetch it otherwise, and glanceclient would
        report Keystone's failure as the VIM's. The plugin keeps the
        token; the call that follows reuses it.
        """
        auth, session = service_user.auth_and_session(self.vim.conf)
        try:
            auth.get_token(session)
        except (ks_exc.ConnectionError, ks_exc.ServiceUnavailable,
                ks_exc.GatewayTimeout, ks_exc.BadGateway) as e:
            LOG.warning("VIM %(vim)s: no service token for mcimage's "
                        "[service_user]: its Keystone is not answering: "
                        "%(err)s", {'vim': self.vim.id, 'err': e})
            raise exception.BackendUnavailable(
                "VIM %s cannot be called now: the Keystone of mcimage's "
                "service user is not answering; try again later." %
                self.vim.id, vim_id=self.vim.id)
        except ks_exc.ClientException as e:
            LOG.warning("VIM %(vim)s: no service token for mcimage's "
                        "[service_user]: %(cls)s: %(err)s",
                        {'vim': self.vim.id,
                         'cls': e.__class__.__name__, 'err': e})
            raise exception.BackendError(
                "VIM %s cannot be called: mcimage's service user "
                '([service_user]) gets no token from its Keystone (%s).' %
                (self.vim.id, e.__class__.__name__), vim_id=self.vim.id)
        return auth

    def client(self, context, tenant_id, as_service=False,
               extra_headers=None, adapter=glance_http.SessionClient):
        """glanceclient's HTTP client acting for the caller in tenant_id.

        A keystoneauth Adapter: get(url), put(url, data=...)... answer
        (response, decoded body) and raise glanceclient's exceptions.
        ``adapter=keystoneauth1.adapter.Adapter`` gives keystoneauth's own,
        which sends a body as it is and answers responses.

        ``as_service`` acts as mcimage itself (clean-up after a crash).
        ``extra_headers`` go on every request as they are (glanceclient
        URL-encodes the values of the headers passed per request).
        """
        opts = self.vim.options
        auth, headers = self._auth_and_headers(context, tenant_id,
                                               as_service)
        headers = dict(headers, **(extra_headers or {}))
        headers[base.RELAY_HEADER] = self.vim.id
        return adapter(
            self._get_session(), auth=auth,
            additional_headers=headers,
            user_agent=glance_http.USER_AGENT,
            global_request_id=getattr(context, 'global_id', None),
            service_type=opts.service_type or 'image',
            service_name=opts.service_name,
            interface=opts.valid_interfaces,
            region_name=opts.region_name,
            endpoint_override=opts.endpoint_override,
            connect_retries=opts.connect_retries,
            status_code_retries=opts.status_code_retries)

    # -- error translation ------------------------------------------------

    @contextlib.contextmanager
    def translate(self, image_id=None, not_found=None, caller_token=False):
        """Turn what glanceclient/keystoneauth raise into mcimage errors.

        ``not_found`` is the error a 404 means, when it is not the image
        that is missing. ``caller_token``: the call carried the caller's
        token (auth_mode = token), which a 401 is about.
        """
        vim_id = self.vim.id
        try:
            yield
        except exception.MCImageException:
            raise
        except glance_exc.HTTPException as e:
            raise self._answered(e, image_id, not_found, caller_token)
        except (glance_exc.CommunicationError, glance_exc.InvalidEndpoint,
                ks_exc.ConnectionError, requests.ConnectionError,
                requests.Timeout, ConnectionError) as e:
            LOG.warning('VIM %(vim)s is not answering: %(err)s',
                        {'vim': vim_id, 'err': e})
            raise exception.BackendUnavailable(vim_id=vim_id)
        except ks_exc.ClientException as e:
            # Bad service credentials, no image endpoint in the catalog...
            LOG.warning('VIM %(vim)s: %(cls)s: %(err)s',
                        {'vim': vim_id, 'cls': e.__class__.__name__,
                         'err': e})
            raise exception.BackendError(
                vim_id=vim_id, reason='cannot authenticate to it or find '
                                      'its image endpoint (%s)' %
                                      e.__class__.__name__)

    def _answered(self, e, image_id, not_found, caller_token):
        """The mcimage error of the VIM's HTTP error answer ``e``."""
        vim_id = self.vim.id
        code = getattr(e, 'code', None)
        reason = _reason(e)
        if not isinstance(code, int):
            # glanceclient's generic HTTPException (415, 416...) has no
            # status but its details start with it.
            match = _STATUS_RE.match(reason)
            code = int(match.group(1)) if match else None
        LOG.info('VIM %(vim)s answered %(code)s: %(reason)s',
                 {'vim': vim_id, 'code': code, 'reason': reason})
        reason = _shown(reason)
        if code == 401 and caller_token:
            return self._token_refused()
        if code == 404:
            if not_found is not None:
                return not_found
            if image_id:
                return exception.ImageNotFound(vim_id=vim_id,
                                               image_id=image_id)
            return exception.NotFound(
                'VIM %s answered 404: %s' % (vim_id, reason))
        if code == 503:
            # The VIM says it is down for now (Glance whose Keystone does
            # not answer): the caller may retry, as when the VIM itself
            # does not answer.
            if not _STATUS_RE.match(reason):
                # webob's text starts with the status line already.
                reason = 'HTTP 503 ' + reason
            return exception.BackendUnavailable(
                'VIM %s is unavailable (%s); try again later.'
                % (vim_id, reason), vim_id=vim_id)
        if code in _PASSED_THROUGH:
            return _PASSED_THROUGH[code](
                'VIM %s refused the request: %s' % (vim_id, reason))
        return exception.BackendError(vim_id=vim_id,
                                      reason='HTTP %s %s' % (code, reason))

    def _token_refused(self):
        """The 502 of a VIM's 401 to the caller's token.

        mcimage's keystonemiddleware accepted the token when the request
        came in: the VIM checks it again at each call, and it may have
        expired since, unless mcimage's service token goes along.
        """
        if service_user.enabled(self.vim.conf):
            return exception.BackendError(
                "VIM %s refused the caller's token, or mcimage's service "
                'token (HTTP 401).' % self.vim.id, vim_id=self.vim.id)
        LOG.info("VIM %(vim)s refused the caller's token: with [service_user]"
                 ' send_service_user_token, mcimage sends its service token '
                 'too, with which a VIM accepts a token that expired during '
                 'a request', {'vim': self.vim.id})
        return exception.BackendError(
            "VIM %s refused the caller's token (HTTP 401): it may have "
            'expired while this request ran.' % self.vim.id,
            vim_id=self.vim.id)

    # -- operations ---------------------------------------------------------
    # Raw v2 calls through glanceclient's HTTP client (see the module's
    # docstring).

    def _call(self, context, tenant_id, method, url, image_id=None,
              as_service=False, not_found=None, extra_headers=None,
              **kwargs):
        """One Glance v2 call; its (response, decoded body)."""
        caller_token = self.vim.auth_mode == 'token' and not as_service
        with self.translate(image_id, not_found=not_found,
                            caller_token=caller_token):
            client = self.client(context, tenant_id, as_service=as_service,
                                 extra_headers=extra_headers)
            return getattr(client, method)(url, **kwargs)

    def create_image(self, context, tenant_id, fields):
        if (self.vim.auth_mode == 'token' and 'owner' not in fields
                and context.project_id != tenant_id):
            # The caller's token is of another project (an admin's, as
            # policy allows): Glance would make that project the owner.
            fields = dict(fields, owner=tenant_id)
        return self._call(context, tenant_id, 'post', '/v2/images',
                          data=fields)[1]

    def get_image(self, context, tenant_id, image_id, as_service=False):
        return self._call(context, tenant_id, 'get',
                          v2_path('images', image_id), image_id=image_id,
                          as_service=as_service)[1]

    def list_images(self, context, tenant_id, params, as_service=False):
        """One page of GET /v2/images: {"images", "first", "next"...}."""
        query = urllib.parse.urlencode(params, doseq=True)
        return self._call(context, tenant_id, 'get',
                          '/v2/images' + ('?' + query if query else ''),
                          as_service=as_service)[1]

    def update_image(self, context, tenant_id, image_id, patch,
                     as_service=False):
        """Apply a JSON patch (Glance's 2.1 media type)."""
        return self._call(
            context, tenant_id, 'patch', v2_path('images', image_id),
            image_id=image_id, data=jsonutils.dumps(patch),
            headers={'Content-Type': PATCH_2_1}, as_service=as_service)[1]

    def delete_image(self, context, tenant_id, image_id, as_service=False):
        self._call(context, tenant_id, 'delete', v2_path('images', image_id),
                   image_id=image_id, as_service=as_service)

    def image_action(self, context, tenant_id, image_id, action,
                     as_service=False):
        """deactivate or reactivate."""
        self._call(context, tenant_id, 'post',
                   v2_path('images', image_id, 'actions', action),
                   image_id=image_id, as_service=as_service)

    def add_tag(self, context, tenant_id, image_id, tag):
        self._call(context, tenant_id, 'put',
                   v2_path('images', image_id, 'tags', tag),
                   image_id=image_id)

    def delete_tag(self, context, tenant_id, image_id, tag):
        self._call(context, tenant_id, 'delete',
                   v2_path('images', image_id, 'tags', tag),
                   image_id=image_id)

    def list_members(self, context, tenant_id, image_id):
        return self._call(context, tenant_id, 'get',
                          v2_path('images', image_id, 'members'),
                          image_id=image_id)[1]

    def _member_not_found(self, image_id, member_id):
        # The image was read before any member call: a 404 here is about
        # the membership.
        return exception.NotFound(
            'Project %s is not a member of image %s in VIM %s.' %
            (member_id, image_id, self.vim.id))

    def get_member(self, context, tenant_id, image_id, member_id):
        return self._call(context, tenant_id, 'get',
                          v2_path('images', image_id, 'members', member_id),
                          image_id=image_id,
                          not_found=self._member_not_found(image_id,
                                                           member_id))[1]

    def add_member(self, context, tenant_id, image_id, member_id):
        return self._call(context, tenant_id, 'post',
                          v2_path('images', image_id, 'members'),
                          image_id=image_id, data={'member': member_id})[1]

    def update_member(self, context, tenant_id, image_id, member_id,
                      status):
        return self._call(context, tenant_id, 'put',
                          v2_path('images', image_id, 'members', member_id),
                          image_id=image_id, data={'status': status},
                          not_found=self._member_not_found(image_id,
                                                           member_id))[1]

    def delete_member(self, context, tenant_id, image_id, member_id):
        self._call(context, tenant_id, 'delete',
                   v2_path('images', image_id, 'members', member_id),
                   image_id=image_id,
                   not_found=self._member_not_found(image_id, member_id))

    def get_schema(self, context, tenant_id, name):
        return self._call(context, tenant_id, 'get',
                          v2_path('schemas', name))[1]

    def get_document(self, context, tenant_id, name):
        if name not in base.DOCUMENTS:
            raise exception.NotFound('The VIM publishes no document %s'
                                     % name)
        path = '/versions' if name == 'versions' else v2_path(
            *name.split('/'))
        return self._call(context, tenant_id, 'get', path)[1]

    def metadefs(self, context, tenant_id, method, path, query=None,
                 body=None, append=None):
        """Relay one metadata definitions request (see base.Backend).

        Made as the caller (auth_mode token: its token, so the VIM's own
        policy decides what it sees; trusted: its identity headers) or as
        mcimage's service user in the tenant (service).
        """
        if method not in base.METADEF_METHODS:
            raise exception.MethodNotAllowed(
                reason='Glance\'s metadata definitions API has no method %s'
                       % method)
        url = v2_path('metadefs', *path)
        if query:
            url += '?' + urllib.parse.urlencode(query)
        kwargs = {'headers': {}}
        if body is not None:
            kwargs['data'] = jsonutils.dumps(body)
            kwargs['headers']['Content-Type'] = 'application/json'
        if append is not None:
            kwargs['headers'][base.METADEF_APPEND_HEADER] = append
        with self.translate(caller_token=self.vim.auth_mode == 'token'):
            client = self.client(context, tenant_id)
            try:
                resp, answer = client.request(url, method, **kwargs)
            except glance_exc.HTTPMethodNotAllowed as e:
                raise exception.MethodNotAllowed(
                    reason='VIM %s refused the request: %s' %
                    (self.vim.id, _shown(_reason(e))))
        headers = {}
        if resp.headers.get('Content-Type'):
            headers['Content-Type'] = resp.headers['Content-Type']
        location = _below_endpoint(resp.headers.get('Location'), resp.url,
                                   url)
        if location:
            headers['Location'] = location
        if resp.status_code == 204 or not resp.content:
            answer = None
        return resp.status_code, headers, answer

    def upload(self, context, tenant_id, image_id, reader, size=None,
               store=None):
        """Stream ``reader`` (an object with read()) into the image.

        ``size``, when known, tells the VIM's store how much is coming
        (x-openstack-image-size, Glance 31 and later), so it need not grow
        blindly. ``store`` goes as x-image-meta-store, which a Glance of
        several stores writes (its default one without it).
        """
        extra = {}
        if size is not None:
            extra['x-openstack-image-size'] = str(size)
        if store is not None:
            extra[STORE_HEADER] = store
        url = v2_path('images', image_id, 'file')
        headers = {'Content-Type': 'application/octet-stream'}
        # Sent once: keystoneauth would send it again after a 401 with a
        # new service token, or after a 503 with the VIM's
        # status_code_retries, from where the reader is (the VIM's answer
        # is what the caller needs). glanceclient would
        # send a file-like body chunked in the reader's pieces, so the body
        # goes through keystoneauth's own Adapter on the same session.
        body = (_SizedBody(reader, size, self.vim.id) if size
                else _Body(reader, self.vim.id,
                           self.vim.options.upload_chunk_size))
        caller_token = self.vim.auth_mode == 'token'
        with self.translate(image_id, caller_token=caller_token):
            client = self.client(context, tenant_id, extra_headers=extra,
                                 adapter=ks_adapter.Adapter)
            resp = client.put(url, headers=headers, raise_exc=False,
                              data=body, allow_reauth=False,
                              status_code_retries=0)
            if not resp.ok:
                raise glance_exc.from_response(resp, resp.content)

    def copy_image(self, context, tenant_id, image_id, stores=None,
                   all_stores=False, all_stores_must_succeed=True,
                   as_service=False):
        """Glance's copy-image import (see base.Backend)."""
        body = {'method': {'name': 'copy-image'},
                'all_stores_must_succeed': all_stores_must_succeed}
        if all_stores:
            body['all_stores'] = True
        else:
            body['stores'] = list(stores or ())
        self._call(context, tenant_id, 'post',
                   v2_path('images', image_id, 'import'), image_id=image_id,
                   data=body, as_service=as_service)

    def delete_from_store(self, context, tenant_id, image_id, store_id):
        """DELETE /v2/stores/{store_id}/{image_id} (see base.Backend)."""
        # Glance's 404 is about the store as well as the image: its words.
        self._call(context, tenant_id, 'delete',
                   v2_path('stores', store_id, image_id))

    def download(self, context, tenant_id, image_id, byte_range=None):
        """Start a download: (status, headers, iterator or None).

        ``byte_range`` is a Range header value (one range), which Glance
        answers with a 206 and its Content-Range.
        """
        headers = {'Range': byte_range} if byte_range else {}
        with self.translate(image_id,
                            caller_token=self.vim.auth_mode == 'token'):
            client = self.client(context, tenant_id, extra_headers=headers)
            resp, body = client.get(v2_path('images', image_id, 'file'))
        if resp.status_code == 204:
            resp.close()
            return resp.status_code, resp.headers, None
        if body is None or not _length_delimited(resp):
            # Glance sends image data with its Content-Length. Without one
            # the end of the data cannot be told from a connection cut, and
            # an answer cut inside its headers looks like an empty image.
            resp.close()
            raise exception.BackendError(
                vim_id=self.vim.id,
                reason='the data of image %s came without a Content-Length '
                       '(an answer cut short?)' % image_id)
        return resp.status_code, resp.headers, DownloadBody(
            resp, image_id, self.vim.id)

    def probe(self, context, tenant_id):
        """What the VIM says of itself, or None if it does not answer."""
        try:
            as_service = self.vim.auth_mode != 'token'
            with self.translate(caller_token=not as_service):
                if self.vim.auth_mode == 'service':
                    # The service user's own project: the caller's may not
                    # be one the service user has a role in.
                    tenant_id = None
                client = self.client(context, tenant_id,
                                     as_service=as_service)
                resp, body = client.get('/versions')
                versions = [v.get('id') for v in
                            (body or {}).get('versions', [])
                            if v.get('status') in ('CURRENT', 'SUPPORTED')]
                _resp, info = client.get('/v2/info/import')
                methods = info.get('import-methods', {}).get('value', [])
                return {'versions': versions, 'import_methods': methods}
        except exception.MCImageException as e:
            LOG.info('VIM %(vim)s probe failed: %(err)s',
                     {'vim': self.vim.id, 'err': e})
            return None


def _length_delimited(resp):
    """Whether a data answer has a length urllib3 holds its body to.

    Not so without a Content-Length, or with one that is no number (an
    answer cut inside that header). A content-encoded answer (a proxy's
    gzip) is let through: its length is that of the encoded bytes.
    """
    encoding = resp.headers.get('Content-Encoding', 'identity').lower()
    return encoding != 'identity' or resp.raw.length_remaining is not None


class DownloadBody(object):
    """A VIM's image data in pieces; close() drops the VIM connection."""

    def __init__(self, resp, image_id, vim_id):
        self._resp = resp
        self._image_id = image_id
        self._vim_id = vim_id

    def __iter__(self):
        try:
            # read1: what the socket holds, read once, straight into the
            # piece (iter_content copies it twice more); a body shorter
            # than its Content-Length still raises. Decoding (a proxy's
            # gzip) would copy it again: only when there is any.
            read1 = self._resp.raw.read1
            decode = self._resp.headers.get(
                'Content-Encoding', 'identity').lower() != 'identity'
            while True:
                piece = read1(DOWNLOAD_PIECE, decode_content=decode)
                if not piece:
                    break
                yield piece
        except (requests.RequestException, urllib3_exc.HTTPError,
                ConnectionError) as e:
            # The status line is gone already: all that is left is to cut
            # the connection short, so the client sees a truncated body.
            LOG.warning('VIM %(vim)s broke off the download of %(img)s: '
                        '%(err)s', {'vim': self._vim_id,
                                    'img': self._image_id, 'err': e})
            raise
        finally:
            self._resp.close()

    def splice_source(self):
        """(head, fd, length) to relay the rest by splice, or None.

        ``head`` is the first piece of the body, ``fd`` the VIM
        connection's plain TCP socket with nothing of the body left
        buffered in Python, and ``length`` how many more bytes the VIM
        declared. None when the body cannot be relayed so (TLS, no
        Content-Length, an encoding): then iterate over this object.
        Either way close() ends it; the connection is never reused after
        a relay.
        """
        raw = self._resp.raw
        encoding = self._resp.headers.get('Content-Encoding', 'identity')
        if (encoding.lower() != 'identity' or raw.length_remaining is None
                # A TLS socket's bytes are not the body's.
                or urllib.parse.urlsplit(self._resp.url).scheme != 'http'):
            return None
        # read1 returns what is buffered of the body, or what one read of
        # the socket gives when nothing is: either way nothing is left in
        # Python's buffer afterwards (io.BufferedReader.read1).
        head = raw.read1(DOWNLOAD_PIECE, decode_content=False)
        if not raw.length_remaining:
            return head, None, 0
        return head, raw.fileno(), raw.length_remaining

    def close(self):
        self._resp.close()


def _below_endpoint(location, requested, path):
    """A Location of the VIM as a path below its endpoint (/v2/...), or None.

    ``requested`` is the URL of the request answered, which ended in
    ``path`` (with its query): what precedes it is the endpoint's own
    path, absolute or not in the Location. Anything else, another host's
    URL, is the VIM's network: dropped.
    """
    if not location:
        return None
    requested = urllib.parse.urlsplit(requested)
    wanted = urllib.parse.urlsplit(path).path
    if not requested.path.endswith(wanted):
        return None
    prefix = requested.path[:len(requested.path) - len(wanted)]
    found = urllib.parse.urlsplit(location)
    if found.netloc and (found.scheme, found.netloc) != (requested.scheme,
                                                         requested.netloc):
        return None
    if not found.path.startswith(prefix + '/v2/'):
        return None
    return urllib.parse.urlunsplit(
        ('', '', found.path[len(prefix):], found.query, ''))


# A URL in a VIM's message (a proxy's error page, a redirect) names hosts
# of the VIM's own network: the log keeps it, the caller sees the mark.
_URL_RE = re.compile(r'\b[a-zA-Z][a-zA-Z0-9+.-]*://\S*')


def _reason(e):
    details = getattr(e, 'details', None) or ''
    return ' '.join(str(details).split())[:1000] or e.__class__.__name__


def _shown(reason):
    """A VIM's message as a caller of mcimage may see it."""
    return _URL_RE.sub('<URL>', reason)
