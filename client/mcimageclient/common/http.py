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

"""The HTTP layer: one keystoneauth Adapter, the microversion, the errors.

The endpoint is the catalog's ``multicloud-image`` endpoint, or the one
given (``endpoint_override``: ``--os-endpoint`` with ``--os-auth-type
none``, ``--os-endpoint-override``). Either may name the API's root
(``http://host:9494``) or its v1 (``http://host:9494/v1``): keystoneauth's
version discovery reads the versions document there, once per client, and
gives v1's URL and the microversions the server speaks; every path here is
relative to v1. Every request carries ``OpenStack-API-Version:
multicloud-image <microversion>``, one the server speaks.
"""

import urllib.parse

from keystoneauth1 import adapter
from keystoneauth1 import discover
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import noauth
from keystoneauth1 import session as ks_session

import mcimageclient
from mcimageclient import exceptions

SERVICE_TYPE = 'multicloud-image'
API_VERSION_HEADER = 'OpenStack-API-Version'
# The microversions this client knows (the server's 1.0 to 1.0).
MIN_API_VERSION = '1.0'
MAX_API_VERSION = '1.0'
DEFAULT_API_VERSION = MAX_API_VERSION
# Pieces of image data read and sent at a time.
CHUNK_SIZE = 1024 * 1024
JSON = 'application/json'
OCTET_STREAM = 'application/octet-stream'


def quote(value):
    """One path segment, whatever ``value`` holds ('/' included)."""
    return urllib.parse.quote(str(value), safe='')


def with_query(path, params):
    """``path`` with a query of ``params``: pairs, or a dict of values.

    A list value is repeated (``tag=a&tag=b``); None values are left out.
    """
    if isinstance(params, dict):
        params = params.items()
    pairs = []
    for key, value in params or ():
        values = value if isinstance(value, (list, tuple)) else [value]
        pairs.extend((key, as_text(v)) for v in values if v is not None)
    if not pairs:
        return path
    return '%s?%s' % (path, urllib.parse.urlencode(pairs))


def as_text(value):
    """A query or form value as text: booleans as true/false."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value)


class HTTPClient(object):
    """Requests to mcimage's v1, relative to its endpoint.

    Error answers raise ``mcimageclient.exceptions.HttpError`` subclasses.
    """

    def __init__(self, session=None, endpoint_override=None,
                 api_version=None, region_name=None, interface=None,
                 **adapter_kwargs):
        self.api_version = api_version or DEFAULT_API_VERSION
        session = session or ks_session.Session()
        if session.auth is None and endpoint_override:
            # Discovery asks an auth plugin for the endpoint: for a noauth
            # mcimage, one that only knows the URL given.
            adapter_kwargs.setdefault(
                'auth', noauth.NoAuth(endpoint=endpoint_override))
        self.adapter = adapter.Adapter(
            session,
            service_type=SERVICE_TYPE,
            min_version='1.0', max_version='1.latest',
            endpoint_override=endpoint_override,
            region_name=region_name,
            interface=interface,
            default_microversion=self.api_version,
            raise_exc=False,
            client_name='python-mcimageclient',
            client_version=mcimageclient.__version__,
            **adapter_kwargs)
        self._base_url = None

    @property
    def base_url(self):
        """v1's URL, discovered (once) at the catalog's or given endpoint."""
        if self._base_url is None:
            data = self._discover()
            self._check_microversion(data)
            self._base_url = data.url.rstrip('/')
        return self._base_url

    def _discover(self):
        try:
            data = self.adapter.get_endpoint_data()
        except ks_exceptions.EndpointNotFound:
            data = None
        except ks_exceptions.DiscoveryFailure as e:
            raise exceptions.EndpointNotFound(
                'No version 1 of the %s API found at %s: %s' % (
                    SERVICE_TYPE, self.adapter.endpoint_override or
                    'the catalog endpoint', e))
        if data is not None and data.api_version and (
                data.api_version[0] != 1):
            # keystoneauth answers the URL it was given when the document
            # there names no version in the range asked for.
            raise exceptions.EndpointNotFound(
                'No version 1 of the %s API found at %s: it offers version '
                '%s' % (SERVICE_TYPE, data.catalog_url,
                        discover.version_to_string(data.api_version)))
        if data is None or not data.url:
            raise exceptions.EndpointNotFound(
                'No %s endpoint: none in the catalog (region %s, '
                'interface %s) and none given' % (
                    SERVICE_TYPE, self.adapter.region_name,
                    self.adapter.interface))
        return data

    def _check_microversion(self, data):
        """The microversion asked for is one the server speaks."""
        lowest, highest = data.min_microversion, data.max_microversion
        if lowest is None or highest is None:
            return
        wanted = discover.normalize_version_number(self.api_version)
        if not (lowest <= wanted <= highest):
            raise exceptions.UnsupportedVersion(
                'mcimage at %s speaks microversions %s to %s of its API, '
                'not %s' % (data.url, discover.version_to_string(lowest),
                            discover.version_to_string(highest),
                            self.api_version))

    def url(self, path):
        return self.base_url + path

    def request(self, method, path, headers=None, accept=None, **kwargs):
        """The response of ``method path``; an HttpError for 4xx/5xx.

        ``accept`` is sent only where a body is read: mcimage answers 406
        to an Accept its route does not produce, even for a 204.
        """
        url = self.url(path)
        headers = dict(headers or {})
        if accept:
            headers['Accept'] = accept
        resp = self.adapter.request(url, method, headers=headers, **kwargs)
        if resp.status_code >= 400:
            try:
                raise exceptions.from_response(resp, method, url)
            finally:
                resp.close()
        return resp

    def get(self, path, **kwargs):
        """The JSON body of GET ``path``."""
        return self.request('GET', path, accept=JSON, **kwargs).json()

    def post(self, path, body, **kwargs):
        """The JSON answer to a JSON ``body``."""
        return self.request('POST', path, json=body, accept=JSON,
                            **kwargs).json()

    def put(self, path, body, **kwargs):
        return self.request('PUT', path, json=body, accept=JSON,
                            **kwargs).json()

    def patch(self, path, body, content_type, **kwargs):
        # keystoneauth keeps a Content-Type given with a json= body.
        return self.request('PATCH', path, json=body, accept=JSON,
                            headers={'Content-Type': content_type},
                            **kwargs).json()

    def delete(self, path, **kwargs):
        return self.request('DELETE', path, **kwargs)

    def paginate(self, path, key, params, limit=None):
        """Every item of a list, page after page, following ``next``.

        The next page's query is the one of the ``next`` link (mcimage
        builds it from the request's own filters and the marker); its
        path is ours, so a link's host or prefix never matters. ``limit``
        caps the number of items yielded.
        """
        seen = 0
        query = with_query('', params)
        while True:
            body = self.get(path + query)
            items = body.get(key) or []
            for item in items:
                if limit is not None and seen >= limit:
                    return
                yield item
                seen += 1
            next_link = body.get('next')
            if not next_link or not items or (
                    limit is not None and seen >= limit):
                return
            next_query = urllib.parse.urlsplit(next_link).query
            if '?' + next_query == query:
                # The same page again: never loop on a server's bug.
                return
            query = '?' + next_query
