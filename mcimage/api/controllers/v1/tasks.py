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

"""/v1/tasks: asynchronous imports into many VIMs."""

import json

import pecan

from mcimage.api.controllers import base
from mcimage.api.schemas import tasks as schemas
from mcimage.api import utils
from mcimage.api import validation
from mcimage.common import exception
from mcimage.common import utils as common_utils
from mcimage.tasks import api as tasks_api
from mcimage.tasks import sources


_TIMES = ('created_at', 'updated_at', 'expires_at')


def format_task(row, base_path):
    """A task row as the API shows it."""
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
    body.update((name, common_utils.format_time(row[name]))
                for name in _TIMES)
    body['self'] = '%s/v1/tasks/%s' % (base_path, row['id'])
    return body


def _validated_create(body):
    """The body, checked; a refused URL is named without its secrets."""
    try:
        validation.validate(schemas.create_body, body)
    except exception.InvalidParameterValue as e:
        value = e.kwargs.get('value')
        if (e.kwargs.get('name') != 'input.import_from'
                or not isinstance(value, str)):
            raise
        raise exception.InvalidParameterValue(
            name='input.import_from', value=sources.shown(value),
            reason=e.kwargs.get('reason'))
    _check_vim_source(body['input']['import_from'])
    return body


def _check_vim_source(import_from):
    """A ``vim:`` source's ids pass the same checks as an image's path.

    They go into the VIM's URLs and headers (see doc/source/contributor/
    architecture.rst); the service checks the form and the VIM itself.
    """
    parts = import_from[len('vim:'):].split('/')
    if not import_from.startswith('vim:') or len(parts) != 3:
        return
    try:
        validation.check_tenant_id(parts[1])
        validation.check_image_id(parts[2])
    except exception.Invalid as e:
        raise exception.InvalidParameterValue(
            name='input.import_from', value=import_from, reason=str(e))


class TaskController(object):
    """/v1/tasks/{task_id}"""

    def __init__(self, task_id):
        self.task_id = task_id

    index = base.methods(template='json')

    @index.when(method='GET', template='json')
    def index_get(self):
        return format_task(tasks_api.get_task(utils.context(), self.task_id),
                           utils.base_path())

    @index.when(method='DELETE')
    def index_delete(self):
        cancelled = tasks_api.delete_task(utils.context(), self.task_id)
        # A cancel is asynchronous: the flow is rolled back, then the task
        # shows failure.
        pecan.response.status = 202 if cancelled else 204


class TasksController(object):
    """/v1/tasks"""

    index = base.methods(template='json')

    @index.when(method='GET', template='json')
    def index_get(self):
        params, limit = validation.page_query(pecan.request,
                                              schemas.list_query)
        rows = tasks_api.list_tasks(
            utils.context(), limit, marker=params.get('marker'),
            status=params.get('status'), task_type=params.get('type'),
            sort_key=params.get('sort_key', 'created_at'),
            sort_dir=params.get('sort_dir', 'desc'))
        base_path = utils.base_path()
        return common_utils.page(
            'tasks', [format_task(row, base_path) for row in rows],
            rows[-1]['id'] if rows else None, '%s/v1/tasks' % base_path,
            params, limit)

    @index.when(method='POST', template='json')
    def index_post(self):
        body = _validated_create(validation.json_body(pecan.request))
        task = format_task(tasks_api.create_task(utils.context(),
                                                 body['type'], body['input']),
                           utils.base_path())
        pecan.response.status = 201
        pecan.response.location = task['self']
        return task

    @pecan.expose()
    def _lookup(self, task_id, *remainder):
        if remainder:
            pecan.abort(404)
        return TaskController(task_id), remainder
