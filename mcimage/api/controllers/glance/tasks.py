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


"""/glance/{vim_id}/v2/tasks: Glance's tasks API (deprecated, admin only).

  POST   tasks                  an import task (type import): 201
  GET    tasks                  the endpoint's tasks (filters type, status;
                                sort_key, sort_dir; limit, marker)
  GET    tasks/{task_id}        a task
  DELETE tasks/{task_id}        405, as Glance: tasks expire
  GET    schemas/{task,tasks}   Glance's schemas of them

Also the view of a task that GET images/{id}/tasks shows (format_task).
The work is mcimage.tasks.glance_tasks'.
"""

import pecan

from mcimage.api.controllers import base
from mcimage.api.schemas import tasks as schemas
from mcimage.api import utils
from mcimage.api import validation
from mcimage.api import views
from mcimage.common import exception
from mcimage.common import utils as common_utils
from mcimage.tasks import glance_tasks
from mcimage.tasks import imports


# Glance's task and tasks schemas (GET /v2/schemas/task, tasks), as Glance
# 33 serves them (documents, not what requests are checked with).
_UUID = ('^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}'
         '-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$')
_GLANCE_TASK_PROPERTIES = {
    'id': {'description': 'An identifier for the task', 'pattern': _UUID,
           'type': 'string'},
    'type': {'description': 'The type of task represented by this content',
             'enum': ['import', 'api_image_import', 'location_import'],
             'type': 'string'},
    'status': {'description': 'The current status of this task',
               'enum': schemas.TASK_STATUSES, 'type': 'string'},
    'input': {'description': 'The parameters required by task, JSON blob',
              'type': ['null', 'object']},
    'result': {'description': 'The result of current task, JSON blob',
               'type': ['null', 'object']},
    'owner': {'description': 'An identifier for the owner of this task',
              'type': 'string'},
    'message': {'description': 'Human-readable informative message only '
                               'included when appropriate (usually on '
                               'failure)',
                'type': 'string'},
    'image_id': {'description': 'Image associated with the task',
                 'type': 'string'},
    'request_id': {'description': 'Human-readable informative request-id',
                   'type': 'string'},
    'user_id': {'description': 'User associated with the task',
                'type': 'string'},
    'expires_at': {'description': 'Datetime when this resource would be '
                                  'subject to removal',
                   'type': ['null', 'string']},
    'created_at': {'description': 'Datetime when this resource was created',
                   'type': 'string'},
    'updated_at': {'description': 'Datetime when this resource was updated',
                   'type': 'string'},
    'self': {'readOnly': True, 'type': 'string'},
    'schema': {'readOnly': True, 'type': 'string'},
}
# What a task of a list shows (no input, result, message).
GLANCE_TASK_STUB_FIELDS = tuple(
    k for k in _GLANCE_TASK_PROPERTIES
    if k not in ('input', 'result', 'message'))

GLANCE_TASK_SCHEMA = {'name': 'task',
                      'properties': _GLANCE_TASK_PROPERTIES,
                      'additionalProperties': False}
GLANCE_TASKS_SCHEMA = {
    'name': 'tasks',
    'properties': {
        'tasks': {'type': 'array', 'items': {
            'name': 'task',
            'properties': {k: _GLANCE_TASK_PROPERTIES[k]
                           for k in GLANCE_TASK_STUB_FIELDS},
            'additionalProperties': False}},
        'first': {'type': 'string'},
        'next': {'type': 'string'},
        'schema': {'type': 'string'},
    },
    'links': [{'rel': 'first', 'href': '{first}'},
              {'rel': 'next', 'href': '{next}'},
              {'rel': 'describedby', 'href': '{schema}'}],
}

_TASK_TIMES = ('created_at', 'updated_at', 'expires_at')
# Shown by the tasks API only when they have a value, as by Glance.
_OPTIONAL = ('image_id', 'request_id', 'user_id', 'expires_at')


def format_task(row):
    """A task as Glance's image tasks show it."""
    body = {'id': row['id'], 'type': row['type'], 'status': row['status'],
            'input': imports.shown_input(row),
            'result': ({'image_id': row['image_id']}
                       if row['status'] == 'success' else None),
            'message': row['message'] or '', 'owner': row['owner'],
            'image_id': row['image_id'], 'request_id': row['request_id'],
            'user_id': row['user_id']}
    body.update((name, common_utils.format_time(row[name]))
                for name in _TASK_TIMES)
    return body


def _task_view(row, fields=None):
    """A task as Glance's tasks API shows it (``fields``: those only)."""
    body = format_task(row)
    for name in _OPTIONAL:
        if body[name] is None:
            del body[name]
    body['self'] = '%s/tasks/%s' % (views.GLANCE_ROOT, row['id'])
    body['schema'] = '%s/schemas/task' % views.GLANCE_ROOT
    if fields is not None:
        body = {k: v for k, v in body.items() if k in fields}
    return body


def _create_request(body):
    """The create body, checked (400 naming the field)."""
    if not isinstance(body, dict):
        raise exception.Invalid(reason='The body must be a JSON object.')
    validation.validate(schemas.glance_create_body, body)
    return body['input']


class TaskController(object):
    """/v2/tasks/{task_id}"""

    def __init__(self, vim, task_id):
        self.vim = vim
        self.task_id = task_id

    index = base.methods(template='json')

    @index.when(method='GET', template='json')
    def index_get(self):
        return _task_view(glance_tasks.get_task(utils.context(), self.vim,
                                                self.task_id))

    @index.when(method='DELETE', template='json')
    def index_delete(self):
        glance_tasks.authorize_access(utils.context())
        raise exception.MethodNotAllowed(
            headers={'Allow': 'GET'},
            reason='This operation is currently not permitted on Glance '
                   'Tasks. They are auto deleted after reaching the time '
                   'based on their expires_at property.')


class TasksController(object):
    """/v2/tasks"""

    def __init__(self, vim, tenant_id):
        self.vim = vim
        self.tenant_id = tenant_id

    index = base.methods(template='json')

    @index.when(method='GET', template='json')
    def index_get(self):
        params, limit = validation.page_query(pecan.request,
                                              schemas.list_query)
        rows = glance_tasks.list_tasks(
            utils.context(), self.vim, limit, marker=params.get('marker'),
            status=params.get('status'), task_type=params.get('type'),
            sort_key=params.get('sort_key', 'created_at'),
            sort_dir=params.get('sort_dir', 'desc'))
        root = views.GLANCE_ROOT
        body = common_utils.page(
            'tasks', [_task_view(row, GLANCE_TASK_STUB_FIELDS)
                      for row in rows],
            rows[-1]['id'] if rows else None, '%s/tasks' % root, params,
            limit)
        body['schema'] = '%s/schemas/tasks' % root
        return body

    @index.when(method='POST', template='json')
    def index_post(self):
        task_input = _create_request(validation.json_body(pecan.request))
        row = glance_tasks.create_task(
            utils.context(), self.vim, self.tenant_id,
            task_input['import_from'], task_input['import_from_format'],
            task_input['image_properties'])
        body = _task_view(row)
        pecan.response.status = 201
        pecan.response.location = body['self']
        return body

    @pecan.expose()
    def _lookup(self, task_id, *remainder):
        if remainder:
            pecan.abort(404)
        return TaskController(self.vim, task_id), remainder


class TaskSchemaController(object):
    """/v2/schemas/{task,tasks}: Glance's, served."""

    _SCHEMAS = {'task': GLANCE_TASK_SCHEMA,
                'tasks': GLANCE_TASKS_SCHEMA}

    def __init__(self, name):
        self.name = name

    index = base.methods(template='json')

    @index.when(method='GET', template='json')
    def index_get(self):
        return self._SCHEMAS[self.name]
