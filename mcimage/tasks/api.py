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

"""Import tasks: create, list, show, cancel or delete (with policy).

Plain values in, task rows out: the API's controller validates request
bodies and renders rows (mcimage.api.controllers.v1.tasks).
"""

import json
import os

from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import uuidutils

from mcimage import backends
from mcimage.common import exception
from mcimage.common import policy
from mcimage.db import api as db_api
from mcimage import tasks
from mcimage.tasks import checks
from mcimage.tasks import sources

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

# The input key of a task whose image goes if it fails (the image it made
# for Glance's tasks API: mcimage.tasks.glance_tasks); mcimage.tasks.status
# deletes it.
DISCARD_IMAGE = 'discard_image_on_failure'


def _target(owner):
    return {'tenant_id': owner, 'project_id': owner}


def _check_targets(targets):
    """Every target a known VIM that a task can act on, once."""
    seen = set()
    for index, target in enumerate(targets):
        name = 'input.targets.%d.vim_id' % index
        if not backends.exists(target['vim_id']):
            raise exception.InvalidParameterValue(
                name=name, value=target['vim_id'],
                reason='no such VIM is known to this service')
        vim = backends.get(target['vim_id'])
        if vim.auth_mode == 'token':
            raise exception.InvalidParameterValue(
                name=name, value=vim.id,
                reason=sources.TOKEN_VIM_REASON % vim.id)
        key = (vim.id, target['tenant_id'])
        if key in seen:
            raise exception.InvalidParameterValue(
                name='input.targets', value='%s/%s' % key,
                reason='a VIM and tenant is named twice')
        seen.add(key)


def authorize_create(context):
    """The caller may create tasks (403)."""
    policy.authorize(context, 'mcimage:task:create',
                     _target(context.project_id))


def target_vim(row):
    """The VIM of the image a task with an ``image_id`` fills.

    Its only target's; rows from before tasks.vim_id name it there only.
    Another VIM may hold an image of the same id, another project's.
    """
    return row['vim_id'] or json.loads(row['input'])['targets'][0]['vim_id']


def create_task(context, task_type, task_input, image_id=None,
                vim_id=None):
    """Check everything knowable now, then hand the task over; its row.

    ``image_id``: the image a Glance import fills (its only target, which
    names it too); Glance's image tasks list it with the request's id.
    ``vim_id``: the VIM whose Glance endpoint made the task (and lists it).
    """
    authorize_create(context)
    task_input = dict(task_input)
    task_input.setdefault('all_targets_must_succeed', True)
    task_input.setdefault('force', False)
    task_input.setdefault('match_name', True)
    _check_targets(task_input['targets'])
    source = sources.resolve(context, task_input['import_from'])
    given = task_input.get('import_from_format')
    if given and source.disk_format and given != source.disk_format:
        raise exception.InvalidParameterValue(
            name='input.import_from_format', value=given,
            reason='the source is %s; mcimage does not convert formats'
                   % source.disk_format)
    fields = checks.image_fields(task_input, source)
    if not fields.get('disk_format'):
        raise exception.MissingParameter(name='input.import_from_format')
    checks.authorize_targets(context, task_input['targets'], fields)
    # The flow state must be reachable before a task is accepted.
    engine = tasks.load_engine()
    engine.persistence()
    row = db_api.task_create({
        'id': uuidutils.generate_uuid(), 'type': task_type,
        'status': 'pending', 'input': json.dumps(task_input),
        'owner': context.project_id, 'user_id': context.user_id,
        'roles': ','.join(context.roles),
        'project_name': context.project_name, 'host': CONF.host,
        'pid': os.getpid(), 'image_id': image_id, 'vim_id': vim_id,
        'request_id': context.request_id if image_id else None})
    try:
        engine.runner().submit(row['id'], len(task_input['targets']))
    except Exception:
        db_api.task_delete(row['id'])
        engine.forget_flow(row['id'])
        raise
    LOG.info('Task %(id)s: import from %(src)s into %(n)d targets',
             {'id': row['id'], 'src': source.description,
              'n': len(task_input['targets'])})
    return db_api.task_get(row['id'])


def _get_visible(context, task_id):
    row = db_api.task_get(task_id)
    policy.authorize(context, 'mcimage:task:get', _target(row['owner']),
                     conceal=exception.TaskNotFound(task_id=task_id))
    return row


def get_task(context, task_id):
    return _get_visible(context, task_id)


def list_tasks(context, limit, marker=None, status=None, task_type=None,
               sort_key='created_at', sort_dir='desc', vim_id=None,
               all_projects=False):
    """A page of the caller's project's tasks (newest first by default).

    ``vim_id``: only the tasks of that VIM's Glance endpoint;
    ``all_projects``: of every project (the caller is checked to be an
    admin here).
    """
    policy.authorize(context, 'mcimage:task:get_all',
                     _target(context.project_id))
    owner = context.project_id
    if all_projects and policy.check(context, 'admin_api',
                                     _target(context.project_id)):
        owner = None
    try:
        return db_api.task_get_all(
            owner=owner, status=status, type=task_type,
            limit=limit, marker=marker, sort_key=sort_key,
            sort_dir=sort_dir, vim_id=vim_id)
    except exception.TaskNotFound:
        raise exception.InvalidParameterValue(
            name='marker', value=marker,
            reason='no task with this id is listed here')


def delete_task(context, task_id):
    """Cancel a running task (True), or delete a finished one (False)."""
    row = _get_visible(context, task_id)
    policy.authorize(context, 'mcimage:task:delete', _target(row['owner']))
    if row['status'] in ('pending', 'processing'):
        # Guarded: a task that finished meanwhile is not "cancelled".
        if db_api.task_update(task_id, {'cancel_requested': True},
                              statuses=('pending', 'processing')):
            LOG.info('Task %s: cancel requested', task_id)
            return True
        raise exception.Conflict(
            reason='The task %s ended (%s) before it could be cancelled; '
                   'DELETE it again to delete it.'
                   % (task_id, db_api.task_get(task_id)['status']))
    tasks.load_engine().forget_flow(task_id)
    db_api.task_delete(task_id)
    return False
