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

"""/glance/{vim_id}/v2: the Glance v2 images API of one VIM.

The tenant is the caller's own project there (images.access.own_tenant),
as in Glance. The routes are mcimage's own /v1 tenant routes, with what
Glance has and /v1 adds (the ONAP multipart route) left out:

  GET|POST images                      list | create
  GET|PATCH|DELETE images/{id}         show | JSON-patch | delete
  GET|PUT images/{id}/file             download | upload
  PUT  images/{id}/stage               stage into mcimage's staging store
  POST images/{id}/import              import (an mcimage task; copy-image
                                       the VIM's, relayed)
  GET  images/{id}/tasks               the image's import tasks
  POST images/{id}/actions/{action}    deactivate | reactivate
  PUT|DELETE images/{id}/tags/{tag}    tags
  images/{id}/members[/{member_id}]    sharing
  GET  schemas/{image,images,member,members}
  POST|GET tasks, GET tasks/{id}        Glance's tasks API (.tasks)
  GET  schemas/{task,tasks}
  GET  info/import                     the methods mcimage runs
  GET  info/stores                     the VIM's stores
  DELETE stores/{store_id}/{id}        the image's data out of one store
       metadefs/...                    Glance's metadata definitions,
  GET  schemas/metadefs/{name}         relayed (controllers.glance.metadefs)
"""

from oslo_config import cfg
import pecan

from mcimage.api.controllers import base
from mcimage.api.controllers.glance import metadefs
from mcimage.api.controllers.glance import tasks
from mcimage.api.controllers.v1 import image_data as v1_image_data
from mcimage.api.controllers.v1 import images as v1_images
from mcimage.api.schemas import images as schemas
from mcimage.api import utils
from mcimage.api import validation
from mcimage.backends import base as backends_base
from mcimage.common import exception
from mcimage.images import access
from mcimage.images import stores
from mcimage.tasks import glance_tasks
from mcimage.tasks import imports
from mcimage.tasks import onward

CONF = cfg.CONF
_INFO = ('import', 'stores')
# Names the copy task an upload into an image with os_mcimage_targets
# started (mcimage.tasks.onward), also set on the image.
TASK_HEADER = 'OpenStack-MCImage-Task-Id'


def _check_targets(vim, value):
    onward.targets(utils.context(), vim, value)


def _shown(vim, image):
    return imports.glance_view(utils.context(), vim, image)


class StageController(base.ImageResource):
    """/v2/images/{image_id}/stage"""

    index = base.methods()

    @index.when(method='PUT')
    def index_put(self):
        request = pecan.request
        stream = validation.data_body(request, v1_image_data.OCTET_STREAM)
        row = imports.stage(
            utils.context(), self.vim, self.tenant_id, self.image_id,
            v1_image_data.Chunks(stream, CONF.upload.chunk_size),
            size=request.content_length)
        pecan.response.status = 204
        pecan.response.headers[v1_image_data.STAGED_UPLOAD_HEADER] = row['id']


_STORES_ERROR = "'%s' must be a list of store names"


def _import_request(body):
    """Glance's import body, its shape checked (400 as Glance's)."""
    if not isinstance(body, dict):
        raise exception.Invalid(reason='The body must be a JSON object.')
    method = body.get('method')
    if not isinstance(method, dict):
        raise exception.Invalid(
            reason="Import request requires a 'method' field.")
    if not isinstance(method.get('name'), str):
        raise exception.Invalid(
            reason="Import request requires a 'name' field.")
    if 'uri' in method and not isinstance(method['uri'], str):
        raise exception.Invalid(reason="'uri' must be a string.")
    for name in ('all_stores', 'all_stores_must_succeed'):
        if name in body and not isinstance(body[name], bool):
            raise exception.Invalid(reason="'%s' must be boolean value "
                                           "only" % name)
    stores = body.get('stores')
    if stores is not None and (not isinstance(stores, list) or not all(
            isinstance(store, str) for store in stores)):
        raise exception.Invalid(reason=_STORES_ERROR % 'stores')
    return body


class ImportController(base.ImageResource):
    """/v2/images/{image_id}/import"""

    index = base.methods()

    @index.when(method='POST')
    def index_post(self):
        request = _import_request(validation.json_body(pecan.request))
        imports.start_import(utils.context(), self.vim, self.tenant_id,
                             self.image_id, request)
        # Glance's answer: accepted, no body.
        pecan.response.status = 202


class ImageTasksController(base.ImageResource):
    """/v2/images/{image_id}/tasks (Glance 2.12)"""

    index = base.methods(template='json')

    @index.when(method='GET', template='json')
    def index_get(self):
        rows = imports.image_tasks(utils.context(), self.vim,
                                   self.tenant_id, self.image_id)
        return {'tasks': [tasks.format_task(row) for row in rows]}


class ImageDataController(v1_image_data.ImageDataController):
    """/v2/images/{image_id}/file: an upload may start copies onward."""

    def _before_upload(self):
        # Copies that cannot be made are refused before the data is read.
        image = access.get_image(utils.context(), self.vim, self.tenant_id,
                                 self.image_id)
        if image.get(onward.TARGETS_PROPERTY):
            _check_targets(self.vim, image[onward.TARGETS_PROPERTY])

    def _uploaded(self, image):
        # The copies get the image's own fields, not what Glance sets.
        properties = {k: v for k, v in image.items()
                      if k not in schemas.READ_ONLY_FIELDS
                      and v is not None}
        task = onward.copy_onward(utils.context(), self.vim, self.tenant_id,
                                  image, properties)
        if task is not None:
            pecan.response.headers[TASK_HEADER] = task['id']


class ImageController(v1_images.ImageController):
    """/v2/images/{image_id}"""

    _ROUTES = {'stage': StageController, 'import': ImportController,
               'tasks': ImageTasksController}

    def _format(self, image):
        return super()._format(_shown(self.vim, image))

    def _delete(self):
        imports.delete_image(utils.context(), self.vim, self.tenant_id,
                             self.image_id)

    def _check_ops(self, ops):
        imports.check_reserved(op['path'].lstrip('/') for op in ops)
        for op in ops:
            if (op['path'] == '/' + onward.TARGETS_PROPERTY
                    and op['op'] != 'remove'):
                _check_targets(self.vim, op['value'])

    @pecan.expose()
    def _lookup(self, segment, *remainder):
        if segment == 'file' and not remainder:
            return ImageDataController(self.vim, self.tenant_id,
                                       self.image_id), remainder
        if segment in self._ROUTES and not remainder:
            return self._ROUTES[segment](self.vim, self.tenant_id,
                                         self.image_id), remainder
        return super()._lookup(segment, *remainder)


class ImagesController(v1_images.ImagesController):
    """/v2/images"""

    def _shown(self, image):
        return _shown(self.vim, image)

    def _check_fields(self, fields):
        imports.check_reserved(fields)
        if onward.TARGETS_PROPERTY in fields:
            _check_targets(self.vim, fields[onward.TARGETS_PROPERTY])

    @pecan.expose()
    def _lookup(self, image_id, *remainder):
        # Glance has no image of an id that is not one: a 404, on which
        # clients then look the value up as a name (openstack image show
        # NAME).
        try:
            validation.check_image_id(image_id)
        except exception.Invalid:
            raise exception.ImageNotFound(image_id=image_id,
                                          vim_id=self.vim.id)
        return ImageController(self.vim, self.tenant_id,
                               image_id), remainder


class InfoController(object):
    """/v2/info/{import,stores}"""

    def __init__(self, vim, name):
        self.vim = vim
        self.name = name

    index = base.methods(template='json')

    @index.when(method='GET', template='json')
    def index_get(self):
        # Not the VIM's: what this endpoint does itself.
        if self.name == 'import':
            return imports.info_import(utils.context(), self.vim)
        return imports.info_stores(utils.context(), self.vim)


class StoreImageController(object):
    """/v2/stores/{store_id}/{image_id}"""

    def __init__(self, vim, tenant_id, store_id, image_id):
        self.vim = vim
        self.tenant_id = tenant_id
        self.store_id = store_id
        self.image_id = image_id

    index = base.methods()

    @index.when(method='DELETE')
    def index_delete(self):
        stores.delete_from_store(utils.context(), self.vim, self.tenant_id,
                                 self.store_id, self.image_id)
        pecan.response.status = 204


class V2Controller(object):
    """/glance/{vim_id}/v2"""

    def __init__(self, vim):
        self.vim = vim

    @pecan.expose()
    def _lookup(self, segment, *remainder):
        if segment == 'info':
            if len(remainder) != 1 or remainder[0] not in _INFO:
                pecan.abort(404)
            return InfoController(self.vim, remainder[0]), ()
        if segment == 'metadefs':
            return metadefs.MetadefsController(self.vim, remainder), ()
        if segment == 'schemas' and remainder[:1] == ('metadefs',):
            if (len(remainder) != 2
                    or remainder[1] not in backends_base.METADEF_SCHEMAS):
                pecan.abort(404)
            return metadefs.MetadefSchemaController(self.vim,
                                                    remainder[1]), ()
        if segment == 'schemas' and remainder in (('task',), ('tasks',)):
            return tasks.TaskSchemaController(remainder[0]), ()
        if segment == 'stores':
            if len(remainder) != 2 or not all(remainder):
                pecan.abort(404)
            try:
                validation.check_image_id(remainder[1])
            except exception.Invalid:
                raise exception.ImageNotFound(image_id=remainder[1],
                                              vim_id=self.vim.id)
            return StoreImageController(
                self.vim, access.own_tenant(utils.context(), self.vim,
                                            image_id=remainder[1]),
                remainder[0], remainder[1]), ()
        if segment not in ('images', 'schemas', 'tasks'):
            pecan.abort(404)
        if remainder == ('',):
            # images/ (an empty image id) is no route of Glance's: 404
            # for every method, not the list or a 405.
            pecan.abort(404)
        if segment == 'tasks':
            # Glance's tasks_api_access comes first, as in Glance.
            glance_tasks.authorize_access(utils.context())
        named = remainder[0] if segment == 'images' and remainder else None
        tenant_id = access.own_tenant(utils.context(), self.vim,
                                      image_id=named)
        if segment == 'tasks':
            return tasks.TasksController(self.vim, tenant_id), remainder
        if segment == 'images':
            return ImagesController(self.vim, tenant_id), remainder
        return v1_images.SchemasController(self.vim, tenant_id), remainder
