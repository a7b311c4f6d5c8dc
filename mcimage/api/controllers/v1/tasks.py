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

import pecan

from mcimage.api.schemas import tasks as schemas
from mcimage.api import utils
from mcimage.api import validation
from mcimage.tasks import api as tasks_api


class TaskController(object):
    """/v1/tasks/{task_id}"""

    def __init__(self, task_id):
        self.task_id = task_id

    @pecan.expose(generic=True, template='json')
    def index(self):
        pecan.abort(405)

    @index.when(method='GET', template='json')
    def index_get(self):
        return tasks_api.get_task(utils.context(), self.task_id,
                                  utils.base_path())

    @index.when(method='DELETE', template='json')
    def index_delete(self):
        cancelled = tasks_api.delete_task(utils.context(), self.task_id)
        # A cancel is asynchronous: the flow is rolled back, then the task
        # shows failure.
        pecan.response.status = 202 if cancelled else 204


class TasksController(object):
    """/v1/tasks"""

    @pecan.expose(generic=True, template='json')
    def index(self):
        pecan.abort(405)

    @index.when(method='GET', template='json')
    def index_get(self):
        params = validation.query(pecan.request, schemas.list_query)
        if 'limit' in params:
            params['limit'] = int(params['limit'])
        return tasks_api.list_tasks(utils.context(), params,
                                    utils.base_path())

    @index.when(method='POST', template='json')
    def index_post(self):
        body = validation.json_body(pecan.request)
        task = tasks_api.create_task(utils.context(), body,
                                     utils.base_path())
        pecan.response.status = 201
        pecan.response.location = task['self']
        return task

    @pecan.expose()
    def _lookup(self, task_id, *remainder):
        if remainder:
            pecan.abort(404)
        return TaskController(task_id), remainder
