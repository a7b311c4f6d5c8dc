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

"""Glance's interoperable image import, done by mcimage for one VIM.

The Glance endpoint's stage call puts the data into mcimage's staging
store (never the VIM's), and names the staged upload on the image
(staging.IMAGE_PROPERTY); its import call starts an import task (the
flow of mcimage.tasks.flows) whose only target is the image itself, fed
from that staged upload (glance-direct) or from a URL through mcimage's
URL guard (web-download). The VIM's image stays queued until the task
pushes the data; glance_view() shows it as Glance would meanwhile
(uploading, importing, and the os_glance_* properties of an import).
"""

import json

from oslo_log import log as logging

from mcimage.common import exception
from mcimage.common import policy
from mcimage.db import api as db_api
from mcimage.images import access
from mcimage.images import ingest
from mcimage.images import metadata
from mcimage.images import staging
from mcimage.images import stores as vim_stores
from mcimage.tasks import api as tasks_api
from mcimage.tasks import sources

LOG = logging.getLogger(__name__)

TASK_TYPE = 'api_image_import'
# The methods this service runs as tasks; copy-image (between the stores
# of one VIM) is the VIM's own, relayed; glance-download has no other
# Glance to read.
METHODS = ('glance-direct', 'web-download')
UNFINISHED = ('pending', 'processing')
# What Glance shows of an import on the image.
IMPORT_TASK = 'os_glance_import_task'
IMPORTING = 'os_glance_importing_to_stores'
FAILED = 'os_glance_failed_import'
# The input of a task of Glance's tasks API as its readers are shown it:
# what the request gave, the URL without its secrets.
GLANCE_INPUT = 'glance_input'


# Set by mcimage alone (the stage call, and what Glance shows of imports).
RESERVED = (staging.IMAGE_PROPERTY, IMPORT_TASK, IMPORTING, FAILED)


def check_reserved(names):
    """Refuse (403, as Glance) a name of RESERVED given by the user."""
    for name in names:
        if name in RESERVED:
            raise exception.Forbidden("Attribute '%s' is reserved." % name)


def methods(vim):
    """The import methods this VIM's endpoint offers (info/import)."""
    # A task acts without the caller's token, which a token VIM needs.
    if vim.auth_mode == 'token':
        return []
    return list(METHODS)


def info_import(context, vim):
    """info/import: the methods run here, and copy-image between stores.

    copy-image only where the VIM has several stores to copy between.
    """
    policy.authorize(context, 'mcimage:vim:get', {})
    offered = methods(vim)
    try:
        several = vim_stores.several(context, vim)
    except (exception.BackendUnavailable, exception.BackendError) as e:
        # What mcimage runs itself is known without the VIM.
        LOG.warning('VIM %(vim)s: its stores are not known now, so '
                    'copy-image is not listed: %(err)s',
                    {'vim': vim.id, 'err': e})
        several = False
    if several:
        offered.append(vim_stores.COPY_METHOD)
    return {'import-methods': {'description': 'Import methods available.',
                               'type': 'array', 'value': offered}}


def info_stores(context, vim):
    """info/stores: the VIM's stores, every one (an import writes any)."""
    return vim_stores.info_stores(context, vim)


# -- stage -------------------------------------------------------------------

def _staged_row(image):
    """The active staged upload the image names, or None."""
    upload_id = image.get(staging.IMAGE_PROPERTY)
    if not upload_id:
        return None
    try:
        row = db_api.staged_upload_get(upload_id)
    except exception.StagedUploadNotFound:
        return None
    return row if row['status'] == 'active' else None


def stage(context, vim, tenant_id, image_id, source, size=None):
    """Glance's stage call: the data into the staging store; the row.

    The image must be queued and not staged yet (409); the data passes the
    checks of any upload; the image then names its staged upload. If
    anything fails, nothing is kept.
    """
    if not methods(vim):
        # Staged data that no import could ever take.
        raise exception.Invalid(reason='Images of VIM %s cannot be '
                                       'imported: %s.' % (
                                           vim.id, sources.TOKEN_VIM_REASON
                                           % vim.id))
    image = access.authorize_image(context, vim, tenant_id, image_id,
                                   'mcimage:image:upload')
    _check_queued(context, vim, image, 'staged')
    if _staged_row(image) is not None:
        raise exception.Conflict(
            reason='Image %s is staged already; import it, or delete it.'
                   % image_id)
    row = ingest.stage_data(context, image, source, size=size)
    try:
        vim_context = access.in_tenant(context, vim, tenant_id)
        vim.backend.update_image(vim_context, tenant_id, image_id, [
            {'op': 'add', 'path': '/' + staging.IMAGE_PROPERTY,
             'value': row['id']}])
        image = vim.backend.get_image(vim_context, tenant_id, image_id)
        if image.get(staging.IMAGE_PROPERTY) != row['id']:
            # Another stage of the same image was faster.
            raise exception.Conflict(
                reason='Image %s was staged by another request meanwhile.'
                       % image_id)
    except Exception:
        staging.discard(row['id'])
        raise
    return row


def _check_queued(context, vim, image, what):
    if image.get('status') != 'queued' or _running(vim, image['id']):
        raise exception.Conflict(
            reason='Image %s is %s: only a queued image can be %s.' % (
                image['id'], glance_view(context, vim, image)['status'],
                what))


def _latest_task(vim, image_id, status=None):
    """The newest import task into the image of ``vim``, or None.

    Another VIM may hold an image of the same id, another project's: its
    imports are not this image's.
    """
    for row in db_api.task_get_all(image_id=image_id, type=TASK_TYPE,
                                   status=status):
        if tasks_api.target_vim(row) == vim.id:
            return row
    return None


def _running(vim, image_id):
    return _latest_task(vim, image_id, status=UNFINISHED) is not None


# -- import ------------------------------------------------------------------

def _refuse_method(name):
    if name == 'glance-download':
        return exception.Invalid(
            reason="Import method 'glance-download' is not offered; import "
                   "from another VIM with POST /v1/tasks (import_from "
                   "vim:<vim_id>/<tenant_id>/<image_id>).")
    return exception.Invalid(reason="Unknown import method name '%s'."
                             % name)


def _check_importable(vim, image_id, image):
    """A 409 unless ``image`` may be the target of an import now."""
    if _running(vim, image_id):
        raise exception.Conflict(
            reason='Image %s is being imported already.' % image_id)
    if image.get('status') != 'queued':
        raise exception.Conflict(
            reason='Image with status %s cannot be target for import.'
                   % image.get('status'))
    for field in ('container_format', 'disk_format'):
        if not image.get(field):
            raise exception.Conflict(
                reason="'%s' needs to be set before import." % field)


def _import_from(method, image):
    """The task's source: the staged upload (glance-direct) or the URL."""
    staged = _staged_row(image)
    if method['name'] == 'glance-direct':
        if staged is None:
            raise exception.Conflict(
                reason="Image needs to be staged before 'glance-direct' "
                       "method can be used.")
        return 'upload:%s' % staged['id']
    if staged is not None:
        raise exception.Conflict(
            reason="Image needs to be in 'queued' state to use "
                   "'web-download' method; it is staged (uploading).")
    if not method.get('uri'):
        raise exception.MissingParameter(name='method.uri')
    return method['uri']


def start_import(context, vim, tenant_id, image_id, request):
    """Glance's import call: an import task into the image; its row.

    ``request`` is the import call's body, its shape checked: ``method``
    (``name``, and ``uri`` for web-download), optional ``stores``,
    ``all_stores``, ``all_stores_must_succeed``.
    """
    method = request['method']
    name = method['name']
    if name == vim_stores.COPY_METHOD:
        # The VIM copies between its own stores: no task of mcimage's.
        vim_stores.copy_image(context, vim, tenant_id, image_id, request)
        return None
    if name not in METHODS:
        raise _refuse_method(name)
    image = access.authorize_image(context, vim, tenant_id, image_id,
                                   'mcimage:image:upload')
    _check_importable(vim, image_id, image)
    import_from = _import_from(method, image)
    # The task writes the first store, the VIM copies into the others.
    backend = vim_stores.requested(context, vim, request.get('stores'),
                                   request.get('all_stores', False),
                                   request.get('all_stores_must_succeed'))
    # Kept with the task, which every reader of it shows (GET /v1/tasks
    # too): the URL without its secrets; import_from has it whole.
    kept = dict(request)
    if 'uri' in method:
        kept['method'] = dict(method, uri=sources.shown(method['uri']))
    task = tasks_api.create_task(context, TASK_TYPE, {
        'import_from': import_from,
        'import_from_format': image['disk_format'],
        'image_properties': {'container_format': image['container_format']},
        'targets': [{'vim_id': vim.id, 'tenant_id': tenant_id,
                     'image_id': image_id}],
        'all_targets_must_succeed': True,
        'force': True,
        'import_req': kept,
        'backend': backend,
    }, image_id=image_id, vim_id=vim.id)
    LOG.info('Image %(img)s of VIM %(vim)s: %(method)s import, task '
             '%(task)s', {'img': image_id, 'vim': vim.id, 'method': name,
                          'task': task['id']})
    return task


# -- what Glance shows -------------------------------------------------------

def glance_view(context, vim, image):
    """The VIM's image as Glance would show it during an import.

    The VIM's image is queued until the task pushes the data: staged, it
    is ``uploading``; while its import task runs, ``importing``; after a
    failed import, queued with the store that failed.
    """
    if image.get('status') not in ('queued', 'saving'):
        return image
    image = dict(image)
    # The one running, if any (a second one may have failed meanwhile).
    task = (_latest_task(vim, image['id'], status=UNFINISHED)
            or _latest_task(vim, image['id']))
    stores = ''
    if task is not None:
        stores = ','.join(s for s in json.loads(task['input']).get(
            'backend') or () if s)
    if task is not None and task['status'] in UNFINISHED:
        image['status'] = 'importing'
        image[IMPORT_TASK] = task['id']
        image[IMPORTING] = stores
        return image
    if image['status'] == 'queued' and _staged_row(image) is not None:
        image['status'] = 'uploading'
    elif (task is not None and task['status'] == 'failure'
            and image['status'] == 'queued' and stores):
        image[FAILED] = stores
    return image


def image_tasks(context, vim, tenant_id, image_id):
    """The import tasks of an image the caller sees (Glance 2.12)."""
    access.get_image(context, vim, tenant_id, image_id)
    policy.authorize(context, 'mcimage:task:get_all',
                     {'tenant_id': context.project_id,
                      'project_id': context.project_id})
    return [row for row in db_api.task_get_all(
        image_id=image_id, owner=context.project_id, type=TASK_TYPE)
        if tasks_api.target_vim(row) == vim.id]


def shown_input(row):
    """A task's input as Glance's tasks show it (no URL secrets)."""
    task_input = json.loads(row['input'])
    if GLANCE_INPUT in task_input:
        # A task of Glance's tasks API (mcimage.tasks.glance_tasks).
        return task_input[GLANCE_INPUT]
    request = dict(task_input.get('import_req') or {})
    if 'uri' in request.get('method', {}):
        request['method'] = dict(request['method'],
                                 uri=sources.shown(request['method']['uri']))
    return {'image_id': row['image_id'], 'import_req': request,
            'backend': task_input.get('backend')}


def delete_image(context, vim, tenant_id, image_id):
    """Delete the image, and the staged data it names (no leak)."""
    image = access.get_image(context, vim, tenant_id, image_id)
    metadata.delete_image(context, vim, tenant_id, image_id)
    upload_id = image.get(staging.IMAGE_PROPERTY)
    if upload_id:
        try:
            # Only one the caller may see: the name is the user's to set.
            staging.get_visible(context, upload_id)
            staging.discard(upload_id)
        except exception.NotFound:
            pass
        except exception.MCImageException as e:
            LOG.warning('Staged upload %(id)s of deleted image %(img)s not '
                        'deleted yet (it expires): %(err)s',
                        {'id': upload_id, 'img': image_id, 'err': e})
