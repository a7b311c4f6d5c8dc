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

"""/v1/{vim_id}/{tenant_id}/images/...

The route table, in the order Pecan resolves it:

  GET|POST images                      list (Glance v2 filters) | create
  POST images/file                     ONAP multipart upload (201)
  GET  images/file/{image_id}          ONAP download
  GET|HEAD|PATCH|DELETE images/{id}    show | X-Image-Meta-* | patch | delete
  GET  images/{id}/file                download
  POST images/{id}/actions/{action}    deactivate | reactivate
  PUT|DELETE images/{id}/tags/{tag}    tags
  images/{id}/members[/{member_id}]    sharing (controllers.v1.members)

``file`` is matched before any image id, so images/{image_id} can never
swallow images/file (the bug the original ONAP plugin shipped).
"""

import pecan
import webob

from mcimage.api import app as api_app
from mcimage.api.controllers import base
from mcimage.api.controllers.v1 import image_data
from mcimage.api.controllers.v1 import members
from mcimage.api import forms
from mcimage.api.schemas import images as schemas
from mcimage.api import utils
from mcimage.api import validation
from mcimage.api import views
from mcimage.common import exception
from mcimage.images import access
from mcimage.images import metadata

_ACTIONS = ('deactivate', 'reactivate')


class TagController(base.ImageResource):
    """/images/{image_id}/tags/{tag}"""

    def __init__(self, vim, tenant_id, image_id, tag):
        super().__init__(vim, tenant_id, image_id)
        self.tag = tag

    index = base.methods()

    @index.when(method='PUT')
    def index_put(self):
        validation.check_tag(self.tag)
        metadata.add_tag(utils.context(), self.vim, self.tenant_id,
                         self.image_id, self.tag)
        pecan.response.status = 204

    @index.when(method='DELETE')
    def index_delete(self):
        validation.check_tag(self.tag)
        metadata.delete_tag(utils.context(), self.vim, self.tenant_id,
                            self.image_id, self.tag)
        pecan.response.status = 204


class ActionController(base.ImageResource):
    """/images/{image_id}/actions/{action}"""

    def __init__(self, vim, tenant_id, image_id, action):
        super().__init__(vim, tenant_id, image_id)
        self.action = action

    index = base.methods()

    @index.when(method='POST')
    def index_post(self):
        metadata.image_action(utils.context(), self.vim, self.tenant_id,
                              self.image_id, self.action)
        pecan.response.status = 204


class ImageController(base.ImageResource):
    """/images/{image_id}"""

    def _format(self, image):
        return views.format_image(image, utils.link_root(self.vim,
                                                         self.tenant_id))

    index = base.methods(template='json')

    @index.when(method='GET', template='json')
    def index_get(self):
        return self._format(access.get_image(
            utils.context(), self.vim, self.tenant_id, self.image_id))

    @index.when(method='HEAD')
    def index_head(self):
        image = access.get_image(utils.context(), self.vim, self.tenant_id,
                                 self.image_id)
        return api_app.raw_response(webob.Response(
            status=200, headers=views.head_headers(image)))

    @index.when(method='PATCH', template='json')
    def index_patch(self):
        request = pecan.request
        ops = validation.json_body(request,
                                   media_types=validation.PATCH_TYPES)
        ops = validation.image_patch(ops, validation.content_type(request))
        self._check_ops(ops)
        image = metadata.update_image(utils.context(), self.vim,
                                      self.tenant_id, self.image_id, ops)
        return self._format(image)

    def _check_ops(self, ops):
        """More checks of a validated patch, for an API that has them."""

    @index.when(method='DELETE')
    def index_delete(self):
        self._delete()
        pecan.response.status = 204

    def _delete(self):
        """Delete the image (and what an API keeps for it)."""
        metadata.delete_image(utils.context(), self.vim, self.tenant_id,
                              self.image_id)

    @pecan.expose()
    def _lookup(self, segment, *remainder):
        args = (self.vim, self.tenant_id, self.image_id)
        if segment == 'file' and not remainder:
            return image_data.ImageDataController(*args), remainder
        if segment == 'members':
            return members.MembersController(*args), remainder
        if segment == 'tags' and len(remainder) == 1:
            return TagController(*args, remainder[0]), ()
        if (segment == 'actions' and len(remainder) == 1
                and remainder[0] in _ACTIONS):
            return ActionController(*args, remainder[0]), ()
        pecan.abort(404)


class ImagesController(object):
    """/images"""

    def __init__(self, vim, tenant_id):
        self.vim = vim
        self.tenant_id = tenant_id

    index = base.methods(template='json')

    @index.when(method='GET', template='json')
    def index_get(self):
        validation.check_tenant_id(self.tenant_id)
        params = validation.query(pecan.request, schemas.list_query,
                                  schemas.REPEATABLE_QUERY)
        context = utils.context()
        access.authorize_tenant(context, self.vim, self.tenant_id,
                                'mcimage:image:get_all')
        validation.check_sort(params)
        images, more, params = metadata.list_images(
            context, self.vim, self.tenant_id, params)
        images = [self._shown(image) for image in images]
        return views.format_image_page(
            images, more, params, utils.link_root(self.vim, self.tenant_id))

    @index.when(method='POST', template='json')
    def index_post(self):
        validation.check_tenant_id(self.tenant_id)
        body = validation.json_body(pecan.request)
        context = utils.context()
        access.authorize_tenant(context, self.vim, self.tenant_id,
                                'mcimage:image:create')
        if not isinstance(body, dict):
            raise exception.Invalid(reason='the body must be a JSON object')
        fields = forms.glance_names(body)
        validation.validate(schemas.record_create_body, fields)
        self._check_fields(fields)
        image = metadata.create_image(context, self.vim, self.tenant_id,
                                      fields)
        body = views.format_image(image, utils.link_root(self.vim,
                                                         self.tenant_id))
        pecan.response.status = 201
        pecan.response.location = body['self']
        return body

    def _check_fields(self, fields):
        """More checks of a validated create body, for an API with more."""

    def _shown(self, image):
        """A VIM's image as an API shows it in a list."""
        return image

    @pecan.expose()
    def _lookup(self, segment, *remainder):
        # Path values are checked before any route runs: they go into the
        # VIM's URLs and headers, and into links.
        validation.check_tenant_id(self.tenant_id)
        if segment == 'file':
            return image_data.ImageFileController(
                self.vim, self.tenant_id), remainder
        validation.check_image_id(segment)
        return ImageController(self.vim, self.tenant_id, segment), remainder


class SchemasController(object):
    """/schemas/{image,images,member,members}: the VIM's own."""

    _NAMES = ('image', 'images', 'member', 'members')

    def __init__(self, vim, tenant_id):
        self.vim = vim
        self.tenant_id = tenant_id

    @pecan.expose()
    def _lookup(self, name, *remainder):
        validation.check_tenant_id(self.tenant_id)
        if name not in self._NAMES or remainder:
            pecan.abort(404)
        return _SchemaController(self.vim, self.tenant_id, name), ()


class _SchemaController(object):

    def __init__(self, vim, tenant_id, name):
        self.vim = vim
        self.tenant_id = tenant_id
        self.name = name

    index = base.methods(template='json')

    @index.when(method='GET', template='json')
    def index_get(self):
        schema = metadata.get_schema(utils.context(), self.vim,
                                     self.tenant_id, self.name)
        return views.format_schema(schema, utils.link_root(self.vim,
                                                           self.tenant_id))
