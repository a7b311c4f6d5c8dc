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

"""/v1/tasks: imports of one source into many VIMs, asynchronously."""

import time

from mcimageclient.common import http
from mcimageclient import exceptions

# A task in one of these is over.
FINAL_STATUSES = ('success', 'failure')


def target_list(targets):
    """[{"vim_id", "tenant_id"}] from dicts or (vim_id, tenant_id) pairs."""
    out = []
    for target in targets:
        if isinstance(target, dict):
            out.append({'vim_id': target['vim_id'],
                        'tenant_id': target['tenant_id']})
        else:
            vim_id, tenant_id = target
            out.append({'vim_id': vim_id, 'tenant_id': tenant_id})
    return out


class TaskManager(object):

    def __init__(self, http_client):
        self._http = http_client

    def create(self, import_from, targets, import_from_format=None,
               image_properties=None, all_targets_must_succeed=None,
               force=None, match_name=None, os_hash_value=None):
        """An import task: ``import_from`` into every one of ``targets``.

        ``import_from`` is an http(s) URL, ``upload:<staged upload id>``
        or ``vim:<vim_id>/<tenant_id>/<image_id>``; ``targets`` are
        (vim_id, tenant_id) pairs or {"vim_id", "tenant_id"} dicts.
        Options left None are the server's defaults.
        """
        task_input = {'import_from': import_from,
                      'targets': target_list(targets)}
        for name, value in (('import_from_format', import_from_format),
                            ('image_properties', image_properties),
                            ('all_targets_must_succeed',
                             all_targets_must_succeed),
                            ('force', force), ('match_name', match_name),
                            ('os_hash_value', os_hash_value)):
            if value is not None:
                task_input[name] = value
        return self._http.post('/tasks', {'type': 'import',
                                          'input': task_input})

    def list(self, status=None, type=None, sort_key=None, sort_dir=None,
             limit=None, page_size=None, marker=None):
        """Tasks, page after page (a generator), newest first by default.

        ``limit`` caps the number yielded, ``page_size`` (default:
        ``limit``) the number asked for at a time.
        """
        params = [('status', status), ('type', type),
                  ('sort_key', sort_key), ('sort_dir', sort_dir),
                  ('limit', page_size or limit), ('marker', marker)]
        return self._http.paginate('/tasks', 'tasks', params, limit=limit)

    def get(self, task_id):
        return self._http.get('/tasks/%s' % http.quote(task_id))

    def delete(self, task_id):
        """Cancel a running task or delete a finished one.

        True when a running task was asked to stop (202: its flow is
        rolled back, then it shows ``failure``); False when the task was
        deleted (204).
        """
        resp = self._http.delete('/tasks/%s' % http.quote(task_id))
        return resp.status_code == 202

    def wait(self, task_id, timeout=None, poll_interval=2,
             progress_callback=None, sleep=time.sleep):
        """The task once it is over (``success`` or ``failure``).

        ``progress_callback(bytes_done, bytes_total)`` is called at every
        poll. WaitTimeout after ``timeout`` seconds (None: no limit).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            task = self.get(task_id)
            progress = task.get('progress') or {}
            if progress_callback is not None:
                progress_callback(progress.get('bytes_done') or 0,
                                  progress.get('bytes_total'))
            if task.get('status') in FINAL_STATUSES:
                return task
            if deadline is not None and time.monotonic() >= deadline:
                raise exceptions.WaitTimeout(
                    'Task %s is still %s after %s seconds' % (
                        task_id, task.get('status'), timeout))
            sleep(poll_interval if deadline is None else
                  max(0, min(poll_interval, deadline - time.monotonic())))
