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

"""Import tasks: create, list, show, cancel or delete (with policy)."""

import json
import os

from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import uuidutils

from mcimage.api.schemas import tasks as schemas
from mcimage.api import validation
from mcimage import backends
from mcimage.common import exception
from mcimage.common import policy
from mcimage.common import utils
from mcimage.db import api as db_api
from mcimage.tasks import engine
from mcimage.tasks import flows
from mcimage.tasks import sources

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

_TIMES = ('created_at', 'updated_at', 'expires_at')


def _target(owner):
    return {'tenant_id': owner, 'project_id': owner}


def format_task(row, base_path):
    task_input = json.loads(row['input'])
    # The flow reads the URL whole from the row; readers never see it so.
    task_input['import_from'] = sources.shown(task_input['import_from'])
    body = {'id': row['id'], 'type': row['type'], 'status': row['status'],
            'input': task_input,
            'result': json.loads(row['result']) if row['result'] else None,
            'message': row['message'] or '',
            'progress': {'bytes_done': row['progress_done'],
                         'bytes_total': row['progress_total']},
            'owner': row['owner']}
    body.update((name, utils.format_time(row[name])) for name in _TIMES)
    body['self'] = '%s/v1/tasks/%s' % (base_path, row['id'])
    return body


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
            # A task outlives the caller's token, which is never stored.
            raise exception.InvalidParameterValue(
                name=name, value=vim.id,
                reason='this VIM acts with the caller\'s token '
                       '(auth_mode = token), which a task cannot keep; '
                       'tasks need auth_mode service or trusted')
        key = (vim.id, target['tenant_id'])
        if key in seen:
            raise exception.InvalidParameterValue(
                name='input.targets', value='%s/%s' % key,
                reason='a VIM and tenant is named twice')
        seen.add(key)


def create_task(context, body, base_path):
    """POST /v1/tasks: check everything knowable now, then hand it over."""
    try:
        validation.validate(schemas.create_body, body)
    except exception.InvalidParameterValue as e:
        value = e.kwargs.get('value')
        if (e.kwargs.get('name') != 'input.import_from'
                or not isinstance(value, str)):
            raise
        # A refused URL is named without its secrets.
        raise exception.InvalidParameterValue(
            name='input.import_from', value=sources.shown(value),
            reason=e.kwargs.get('reason'))
    policy.authorize(context, 'mcimage:task:create',
                     _target(context.project_id))
    task_input = dict(body['input'])
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
    fields = flows.image_fields(task_input, source)
    if not fields.get('disk_format'):
        raise exception.MissingParameter(name='input.import_from_format')
    flows.authorize_targets(context, task_input['targets'], fields)
    row = db_api.task_create({
        'id': uuidutils.generate_uuid(), 'type': body['type'],
        'status': 'pending', 'input': json.dumps(task_input),
        'owner': context.project_id, 'user_id': context.user_id,
        'roles': ','.join(context.roles), 'host': CONF.host,
        'pid': os.getpid()})
    try:
        engine.runner().submit(row['id'], len(task_input['targets']))
    except Exception:
        db_api.task_delete(row['id'])
        engine.forget_flow(row['id'])
        raise
    LOG.info('Task %(id)s: import from %(src)s into %(n)d targets',
             {'id': row['id'], 'src': source.description,
              'n': len(task_input['targets'])})
    return format_task(db_api.task_get(row['id']), base_path)


def _get_visible(context, task_id):
    row = db_api.task_get(task_id)
    policy.authorize(context, 'mcimage:task:get', _target(row['owner']),
                     conceal=exception.TaskNotFound(task_id=task_id))
    return row


def get_task(context, task_id, base_path):
    return format_task(_get_visible(context, task_id), base_path)


def list_tasks(context, params, base_path):
    """A page of the caller's project's tasks (newest first by default)."""
    policy.authorize(context, 'mcimage:task:get_all',
                     _target(context.project_id))
    limit = min(params.get('limit', CONF.api.max_limit), CONF.api.max_limit)
    marker = params.get('marker')
    try:
        rows = db_api.task_get_all(
            owner=context.project_id, status=params.get('status'),
            type=params.get('type'), limit=limit, marker=marker,
            sort_key=params.get('sort_key', 'created_at'),
            sort_dir=params.get('sort_dir', 'desc'))
    except exception.TaskNotFound:
        raise exception.InvalidParameterValue(
            name='marker', value=marker,
            reason='no task with this id is listed here')
    return utils.page('tasks', [format_task(row, base_path) for row in rows],
                      rows[-1]['id'] if rows else None,
                      '%s/v1/tasks' % base_path, params, limit)


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
    engine.forget_flow(task_id)
    db_api.task_delete(task_id)
    return False
