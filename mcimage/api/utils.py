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

"""Small request helpers shared by the controllers."""

import urllib.parse

from oslo_config import cfg
import pecan

CONF = cfg.CONF


def public_url(request=None):
    """The base URL of this API (no trailing /), for links and discovery.

    [api] public_endpoint when set; else the URL the request came to,
    which http_proxy_to_wsgi has already corrected for a proxy in front.
    """
    if CONF.api.public_endpoint:
        return CONF.api.public_endpoint.rstrip('/')
    request = request or pecan.request
    url = request.application_url.rstrip('/')
    # The v1 app is mounted at /v1; links are built from the API root.
    if url.endswith('/v1'):
        url = url[:-len('/v1')]
    return url


def base_path(request=None):
    """The path part of public_url(): image links are paths, as Glance's."""
    return urllib.parse.urlsplit(public_url(request)).path.rstrip('/')


# Set by an API whose links do not name the VIM and tenant (the Glance
# endpoint: '/v2', as Glance's own); see link_root().
LINK_ROOT = 'mcimage.link_root'


def link_root(vim, tenant_id):
    """The path that stands where Glance's /v2 stands in this API's links.

    /v1 links a tenant's images below /v1/{vim_id}/{tenant_id}; the Glance
    endpoint sets its own (LINK_ROOT) in the request's context.
    """
    root = pecan.request.context.get(LINK_ROOT)
    if root is not None:
        return root
    return '%s/v1/%s/%s' % (base_path(), urllib.parse.quote(vim.id, safe=''),
                            urllib.parse.quote(tenant_id, safe=''))


def glance_endpoint_url(vim):
    """The VIM's Glance endpoint URL (/glance/{vim_id}), as reached.

    [api] public_endpoint when set, followed by where the Glance endpoint
    is mounted (the request's script name).
    """
    request = pecan.request
    if CONF.api.public_endpoint:
        base = CONF.api.public_endpoint.rstrip('/') + request.script_name
    else:
        base = request.application_url
    return '%s/%s' % (base.rstrip('/'), urllib.parse.quote(vim.id, safe=''))


def context():
    return pecan.request.context['mcimage_context']
