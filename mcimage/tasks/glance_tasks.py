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


"""Glance's tasks API (POST/GET /v2/tasks), done by mcimage for one VIM.

Glance's (deprecated, admin-only) ``import`` task makes an image from
``image_properties`` and fills it from the URL ``import_from``. Here the
image is made at once, in the caller's tenant, as the Glance endpoint's
create makes it (its policy, visibility rules included); the task is an
mcimage import task whose only target is that image, read through
mcimage's URL guard, which refuses a URL at create time already (400
naming import_from, as newer Glance does). A task that fails deletes its
image, as Glance's does (mcimage.tasks.status): no image is left queued.

Each VIM's endpoint shows the tasks it made (tasks.vim_id): these, and
its interoperable imports (mcimage.tasks.imports).
"""

from oslo_log import log as logging

from mcimage.common import exception
from mcimage.common import policy
from mcimage.images import metadata
from mcimage.tasks import api as tasks_api
from mcimage.tasks import imports
from mcimage.tasks import onward
from mcimage.tasks import sources
from mcimage.tasks import targets
from mcimage.tasks import urls

LOG = logging.getLogger(__name__)

TASK_TYPE = 'import'


def authorize_access(context):
    """Glance's tasks_api_access: every call of the tasks API (403)."""
    policy.authorize(context, 'mcimage:task:tasks_api_access',
                     {'tenant_id': context.project_id,
                      'project_id': context.project_id})


def _checked_url(import_from):
    try:
        return urls.check_url(import_from)
    except exception.URLRefused as e:
        raise exception.InvalidParameterValue(
            name='input.import_from', value=sources.shown(import_from),
            reason=e.kwargs.get('reason')) from None


def _image_fields(import_from_format, image_properties):
    """The fields of the image to make; the format is not converted."""
    fields = dict(image_properties)
    disk_format = fields.setdefault('disk_format', import_from_format)
    if disk_format != import_from_format:
        raise exception.InvalidParameterValue(
            name='input.import_from_format', value=import_from_format,
            reason="image_properties names disk_format '%s'; mcimage does "
                   "not convert formats" % disk_format)
    fields.setdefault('container_format', 'bare')
    return fields


def create_task(context, vim, tenant_id, import_from, import_from_format,
                image_properties):
    """Glance's ``import`` task: its image made, its import started; the row.

    ``image_properties`` are checked as a create body of the Glance
    endpoint is. Whatever fails before the task is accepted leaves no
    image.
    """
    authorize_access(context)
    # Before the image is made: no VIM call for a task that is refused.
    tasks_api.authorize_create(context)
    if not imports.methods(vim):
        raise exception.Invalid(
            reason='Images of VIM %s cannot be imported: %s.'
                   % (vim.id, sources.TOKEN_VIM_REASON % vim.id))
    imports.check_reserved(image_properties)
    if onward.TARGETS_PROPERTY in image_properties:
        raise exception.Invalid(
            reason="'input.image_properties.%s' is not offered here: copies "
                   "onward follow an upload of the image's data, not a task"
                   % onward.TARGETS_PROPERTY)
    fields = _image_fields(import_from_format, image_properties)
    _checked_url(import_from)
    image = metadata.create_image(context, vim, tenant_id, fields)
    try:
        task = tasks_api.create_task(context, TASK_TYPE, {
            'import_from': import_from,
            'import_from_format': import_from_format,
            'image_properties': {
                'disk_format': fields['disk_format'],
                'container_format': fields['container_format']},
            'targets': [{'vim_id': vim.id, 'tenant_id': tenant_id,
                         'image_id': image['id']}],
            'all_targets_must_succeed': True,
            'force': True,
            tasks_api.DISCARD_IMAGE: True,
            imports.GLANCE_INPUT: {
                'import_from': sources.shown(import_from),
                'import_from_format': import_from_format,
                'image_properties': image_properties},
        }, image_id=image['id'], vim_id=vim.id)
    except Exception:
        try:
            # Protected too (image_properties may ask for it): the
            # refused task made it.
            targets.delete_made(context, vim, tenant_id, image['id'])
        except exception.MCImageException as e:
            LOG.warning('Image %(img)s of VIM %(vim)s, made for a task that '
                        'was refused, is not deleted: %(err)s',
                        {'img': image['id'], 'vim': vim.id, 'err': e})
        raise
    LOG.info('Image %(img)s of VIM %(vim)s: Glance import task %(task)s',
             {'img': image['id'], 'vim': vim.id, 'task': task['id']})
    return task


def list_tasks(context, vim, limit, marker=None, status=None,
               task_type=None, sort_key='created_at', sort_dir='desc'):
    """A page of the tasks of the VIM's endpoint: the caller's (admin: all)."""
    authorize_access(context)
    return tasks_api.list_tasks(context, limit, marker=marker, status=status,
                                task_type=task_type, sort_key=sort_key,
                                sort_dir=sort_dir, vim_id=vim.id,
                                all_projects=True)


def get_task(context, vim, task_id):
    """A task of the VIM's endpoint the caller may see (404 otherwise)."""
    authorize_access(context)
    row = tasks_api.get_task(context, task_id)
    if row['vim_id'] != vim.id:
        raise exception.TaskNotFound(task_id=task_id)
    return row
