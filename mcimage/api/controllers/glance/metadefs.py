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

"""/glance/{vim_id}/v2/metadefs: Glance's metadata definitions, relayed.

Every route below v2/metadefs (namespaces and their objects, properties,
tags and resource type associations; resource_types) and every method
Glance has there goes to the VIM's Glance as it came, JSON in and out
(mcimage.images.metadefs); so do the schemas of
v2/schemas/metadefs/{namespace,namespaces,object,...}. What Glance
refuses reaches the client with Glance's status and message
(hooks.GlanceHook). A Location Glance sends is made to point at this
endpoint.
"""

from oslo_serialization import jsonutils
import pecan

from mcimage.api.controllers import base
from mcimage.api import utils
from mcimage.api import validation
from mcimage.backends import base as backends_base
from mcimage.common import exception
from mcimage.images import metadefs as metadefs_api
from mcimage.images import vims as vims_api


class MetadefsController(object):
    """/glance/{vim_id}/v2/metadefs[/...]: any path, any Glance method."""

    def __init__(self, vim, path):
        self.vim = vim
        # A trailing slash names the same resource, as in Glance's router.
        if path and path[-1] == '':
            path = path[:-1]
        self.path = tuple(path)

    @pecan.expose()
    def index(self):
        request = pecan.request
        if request.method not in backends_base.METADEF_METHODS:
            raise exception.MethodNotAllowed(
                reason='Glance\'s metadata definitions API has no method %s'
                       % request.method,
                headers={'Allow': ', '.join(backends_base.METADEF_METHODS)})
        if not self.path:
            pecan.abort(404)
        body = None
        if request.method in ('POST', 'PUT') and request.is_body_readable:
            body = validation.json_body(request)
        status, headers, answer = metadefs_api.relay(
            utils.context(), self.vim, request.method, self.path,
            query=validation.relayed_query(request), body=body,
            append=request.headers.get(backends_base.METADEF_APPEND_HEADER))
        response = pecan.response
        response.status = status
        if answer is None or status == 204:
            response.body = b''
        else:
            response.content_type = 'application/json'
            response.body = jsonutils.dump_as_bytes(answer)
        if headers.get('Location'):
            response.headers['Location'] = (
                utils.glance_endpoint_url(self.vim) + headers['Location'])
        return response


class MetadefSchemaController(object):
    """/glance/{vim_id}/v2/schemas/metadefs/{name}: the VIM's own."""

    def __init__(self, vim, name):
        self.vim = vim
        self.name = name

    index = base.methods(template='json')

    @index.when(method='GET', template='json')
    def index_get(self):
        return vims_api.get_document(utils.context(), self.vim,
                                     'schemas/metadefs/' + self.name)
