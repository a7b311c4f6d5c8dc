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

"""What a task's row says while its flow runs, and when it ends.

One watcher per run, on the engine's public notifications (its flow's
and its atoms' state changes), is the only writer of the task's status,
message, targets and byte progress; the feed tells it the bytes read,
and its cancel flag is read back at the same time.
"""

import datetime
import json
import threading
import time

from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import timeutils
from taskflow import states
from taskflow.types import notifier

from mcimage import backends
from mcimage.common import exception
from mcimage.db import api as db_api
from mcimage.tasks import api as tasks_api
from mcimage.tasks import feed
from mcimage.tasks import flows
from mcimage.tasks import targets

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

# Seconds between two writes of a task's progress (and reads of its
# cancel flag) while data flows.
PROGRESS_INTERVAL = 1.0

UNFINISHED = ('pending', 'processing')
REVERTED_BY_ANOTHER = 'deleted: another target failed'


def _ttl():
    """How long a finished task is kept ([task] task_time_to_live)."""
    return datetime.timedelta(hours=CONF.task.task_time_to_live)


def watch(engine, task_id):
    """Write the task's row from ``engine``'s run (before it runs)."""
    watcher = _Watcher(engine, task_id)
    engine.notifier.register(notifier.Notifier.ANY, watcher.on_flow)
    engine.atom_notifier.register(notifier.Notifier.ANY, watcher.on_atom)
    return watcher


def mark_unrunnable(task_id):
    """A task whose flow cannot be run at all fails."""
    LOG.error('Task %s: the task could not be run.', task_id)
    _discard_image(task_id)
    _end(task_id, {'status': 'failure',
                   'message': 'The task could not be run.'})


def _end(task_id, values):
    try:
        db_api.task_update(task_id, dict(
            values, expires_at=timeutils.utcnow() + _ttl()),
            statuses=UNFINISHED)
    except exception.TaskNotFound:
        pass


def _discard_image(task_id):
    """A failed task that made its image deletes it (Glance's tasks API).

    Before the task shows failure: whoever sees it failed finds no image
    left queued. The image stays if it cannot be deleted (logged).
    """
    try:
        row = db_api.task_get(task_id)
    except exception.TaskNotFound:
        return
    task_input = json.loads(row['input'])
    if not task_input.get(tasks_api.DISCARD_IMAGE):
        return
    target = task_input['targets'][0]
    try:
        targets.delete_made(flows.task_context(row),
                            backends.get(target['vim_id']),
                            target['tenant_id'], target['image_id'])
    except Exception:
        LOG.exception('Task %(id)s failed; its image %(img)s is not deleted',
                      {'id': task_id, 'img': target['image_id']})


def failure_message(task_id, failure):
    """What a task's reader is told of ``failure``.

    mcimage's own errors say what went wrong in the user's terms; any
    other (OS, database, library) names paths and hosts: the log has it.
    """
    if failure.check(exception.MCImageException):
        # None when the failure was read back from the flow's state.
        error = failure.exception
        if error is None or error.code != 500:
            return failure.exception_str
    LOG.error('Task %(id)s failed on an unexpected error: %(failure)s',
              {'id': task_id, 'failure': failure.pformat(traceback=True)})
    return ('The import failed on an unexpected error; task %s finds it '
            'in the log of mcimage.' % task_id)


class _Watcher(object):

    def __init__(self, engine, task_id):
        self._engine = engine
        self._task_id = task_id
        self._lock = threading.RLock()
        self._failures = []
        self._last_progress = 0.0
        row = db_api.task_get(task_id)
        self._targets = (json.loads(row['result']) if row['result']
                         else {}).get('targets', [])
        # Targets that are the user's own image (never deleted).
        self._existing = set()

    # The flow

    def on_flow(self, state, details):
        if state == states.RUNNING:
            plan = self._fetch('plan')
            if plan is not None:
                # Resumed after its plan: the feed is for the pushes left.
                self._start_feed(plan)
        elif state in (states.SUCCESS, states.REVERTED, states.FAILURE,
                       states.SUSPENDED):
            feed.stop(self._task_id)
            if state != states.SUSPENDED:
                self._finish(state)

    def _fetch(self, name):
        try:
            return self._engine.storage.fetch(name)
        except Exception:
            return None

    def _start_feed(self, plan):
        slots = [index for index, target in enumerate(plan['targets'])
                 if target['action'] == 'send'
                 and self._engine.storage.get_atom_state(
                     flows.atom_name('push', index)) != states.SUCCESS]
        feed.start(self._task_id, slots,
                   lambda: flows.open_source(self._task_id, plan),
                   plan['all_or_nothing'], self.progress)

    def progress(self, done, total, force=False):
        """The feed read ``done`` bytes: written down now and then."""
        now = time.monotonic()
        with self._lock:
            if not force and now - self._last_progress < PROGRESS_INTERVAL:
                return
            self._last_progress = now
        values = {'progress_done': done}
        if total is not None:
            values['progress_total'] = total
        row = db_api.task_update(self._task_id, values)
        if row is not None and row['cancel_requested']:
            raise flows.Cancelled()

    def _finish(self, state):
        if any(f.check(flows.TaskGone) for f in self._failures):
            # Not ours to mark any more (deleted, or finished).
            return
        failed = [t for t in self._targets if t['status'] == 'failed']
        created = [t for t in self._targets if t['status'] == 'created']
        values = {'status': 'failure'}
        if state == states.FAILURE:
            values['message'] = (
                'The task could not be run to its end and could not be '
                'rolled back completely; images it created may be left in '
                'its targets.')
            LOG.error('Task %(id)s: %(msg)s',
                      {'id': self._task_id, 'msg': values['message']})
        elif state == states.SUCCESS or (
                created and not (self._fetch('plan') or {}).get(
                    'all_or_nothing', True)
                and all(t['status'] in ('created', 'failed', 'exists')
                        for t in self._targets)):
            # Targets may fail (the task allowed it): the rest is done.
            values['status'] = 'success'
            values['message'] = ('%d of %d targets failed: %s' % (
                len(failed), len(self._targets),
                '; '.join(t['message'] for t in failed))
                if failed else None)
        else:
            values['message'] = self._cause()
        if values['status'] == 'failure':
            _discard_image(self._task_id)
        _end(self._task_id, values)

    def _cause(self):
        if any(f.check(flows.Cancelled) for f in self._failures):
            return 'Cancelled: nothing it created is left.'
        causes = [f for f in self._failures
                  if not f.check(targets.StoppedByAnother)]
        if not causes:
            return 'The import failed.'
        message = failure_message(self._task_id, causes[0])
        LOG.info('Task %(id)s failed: %(msg)s',
                 {'id': self._task_id, 'msg': message})
        return message

    # The atoms

    def on_atom(self, state, details):
        name = details.get('task_name')
        if name is None:
            return
        result = details.get('result')
        with self._lock:
            if state == states.FAILURE:
                self._failures.append(result)
            if name == 'plan' and state == states.SUCCESS:
                self._planned(result)
                return
            kind, _sep, index = name.rpartition('-')
            if not index.isdigit() or int(index) >= len(self._targets):
                return
            if (kind == 'create-image' and state == states.REVERTED
                    and int(index) in self._existing):
                # The user's image stays: nothing to tell of it.
                return
            changed = self._target_changed(kind, state, result,
                                           self._targets[int(index)])
            if changed:
                self._write_targets()

    def _planned(self, plan):
        self._targets = [
            {'vim_id': t['vim_id'], 'tenant_id': t['tenant_id'],
             'image_id': t['image_id'],
             'status': 'exists' if t['action'] == 'exists' else 'pending',
             'message': ('holds this data already'
                         if t['action'] == 'exists' else None)}
            for t in plan['targets']]
        self._existing = {index for index, t in enumerate(plan['targets'])
                          if t.get('existing')}
        self._write_targets()
        self._start_feed(plan)

    def _target_changed(self, kind, state, result, target):
        """Update the target's entry from its chain's atom; changed?"""
        if target['status'] == 'exists':
            return False
        if kind == 'create-image' and state == states.SUCCESS:
            target.update(image_id=result, status='pending', message=None)
        elif kind == 'push' and state == states.RUNNING:
            target['status'] = 'sending'
        elif kind == 'confirm' and state == states.SUCCESS:
            target.update(status='created', message=None)
        elif kind in ('push', 'confirm') and state == states.FAILURE:
            if result.check(targets.Interrupted):
                # Its chain starts over in a new image.
                target['status'] = 'pending'
            elif result.check(targets.StoppedByAnother):
                target.update(status='reverted', message=REVERTED_BY_ANOTHER)
            else:
                target.update(status='failed',
                              message=failure_message(self._task_id,
                                                      result))
        elif kind == 'create-image' and state == states.REVERTED:
            if target['status'] == 'failed':
                target['message'] += ' (its image was deleted)'
            elif target['image_id'] and target['status'] != 'pending':
                target.update(status='reverted', message=REVERTED_BY_ANOTHER)
        else:
            return False
        return True

    def _write_targets(self):
        db_api.task_update(self._task_id, {
            'result': json.dumps({'targets': self._targets})})
