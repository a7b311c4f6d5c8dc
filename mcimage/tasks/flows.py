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

"""The taskflow flow of an import task (DESIGN §6).

    Begin -> Plan -> [CreateImage per target] -> Transfer -> Finish

``Begin`` marks the task processing; its revert, the last to run when
anything fails, marks it failed with the reason. ``Plan`` checks policy
again and finds the targets that already hold the data (idempotent
distribution). Each target's ``CreateImage`` makes its image and its
revert deletes it. ``Transfer`` reads the source once and tees it into
every target at once, checked on the way (md5/sha512, size cap, format
inspection) and against what each VIM recorded. The flow is rebuilt from
its factory (import_flow) by whoever runs it: this process, another
mcimage-api after a restart, or any mcimage-worker.
"""

import datetime
import json
import os
import threading
import time

from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import timeutils
from taskflow.patterns import linear_flow
from taskflow.patterns import unordered_flow
from taskflow import task as tf_task

from mcimage import backends
from mcimage.common import context as mc_context
from mcimage.common import exception
from mcimage.db import api as db_api
from mcimage.images import api as images_api
from mcimage.images import data
from mcimage.tasks import sources

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

# Seconds between two writes of a task's progress (and reads of its
# cancel flag) while data flows.
PROGRESS_INTERVAL = 1.0


class Cancelled(exception.MCImageException):
    code = 409
    title = 'Conflict'
    error_code = 'mcimage.task_cancelled'
    msg_fmt = 'The task was cancelled.'


class TaskGone(exception.MCImageException):
    msg_fmt = ('The task %(task_id)s is finished, deleted, or run by '
               'another process.')


def task_context(row):
    """The creator's identity, as it was when the task was created."""
    return mc_context.RequestContext(
        user_id=row['user_id'], project_id=row['owner'],
        roles=[r for r in (row['roles'] or '').split(',') if r],
        overwrite=False)


def _load(task_id):
    row = db_api.task_get(task_id)
    return row, json.loads(row['input']), task_context(row)


def _result_targets(row):
    return (json.loads(row['result']) if row['result'] else {}).get(
        'targets', [])


def _write_targets(task_id, targets):
    db_api.task_update(task_id, {'result': json.dumps({'targets': targets})})


def _check_cancel(task_id):
    if db_api.task_get(task_id)['cancel_requested']:
        raise Cancelled()


def authorize_targets(context, targets, fields):
    """The caller may write an image to every target (403 otherwise)."""
    for target in targets:
        images_api.authorize_create(context, target['tenant_id'],
                                    fields.get('visibility'))


class Begin(tf_task.Task):
    """processing on the way in; failure, with why, on the way out."""

    def execute(self, task_id):
        # Only the process that accepted or claimed the task runs it.
        row = db_api.task_update(
            task_id, {'status': 'processing', 'message': None},
            statuses=('pending', 'processing'),
            owner=(CONF.host, os.getpid()))
        if row is None:
            raise TaskGone(task_id=task_id)
        if row['cancel_requested']:
            raise Cancelled()

    def revert(self, task_id, flow_failures=None, **kwargs):
        failures = list((flow_failures or {}).values())
        message = 'The import failed.'
        for failure in failures:
            if failure.check(TaskGone):
                # Not ours to mark any more (deleted, or finished).
                return
            if failure.check(Cancelled):
                message = 'Cancelled: nothing it created is left.'
                break
            message = _failure_message(task_id, failure)
        row = db_api.task_get(task_id)
        targets = _result_targets(row)
        for target in targets:
            if target['status'] in ('created', 'sending'):
                target['status'] = 'reverted'
                target['message'] = 'deleted: another target failed'
        if failures and not failures[0].check(Cancelled):
            LOG.info('Task %(id)s failed: %(msg)s',
                     {'id': task_id, 'msg': message})
        db_api.task_update(task_id, {
            'status': 'failure', 'message': message,
            'result': json.dumps({'targets': targets}),
            'expires_at': timeutils.utcnow() + ttl()},
            statuses=('pending', 'processing'))


def _failure_message(task_id, failure):
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


def ttl():
    return datetime.timedelta(hours=CONF.task.task_time_to_live)


class Plan(tf_task.Task):
    """Check the source and the targets again; who holds the data already."""

    default_provides = 'plan'

    def execute(self, task_id):
        row, task_input, context = _load(task_id)
        source = sources.resolve(context, task_input['import_from'])
        fields = image_fields(task_input, source)
        authorize_targets(context, task_input['targets'], fields)
        known_hash = task_input.get('os_hash_value') or source.os_hash_value
        targets = []
        for target in task_input['targets']:
            vim = backends.get(target['vim_id'])
            entry = {'vim_id': vim.id, 'tenant_id': target['tenant_id'],
                     'action': 'send', 'image_id': None}
            if known_hash and not task_input.get('force'):
                existing = _existing_image(
                    context, vim, target['tenant_id'], known_hash,
                    task_input.get('match_name', True), fields.get('name'))
                if existing is not None:
                    entry.update(action='exists', image_id=existing)
            targets.append(entry)
        _write_targets(task_id, [
            {'vim_id': t['vim_id'], 'tenant_id': t['tenant_id'],
             'image_id': t['image_id'],
             'status': 'exists' if t['action'] == 'exists' else 'pending',
             'message': ('holds this data already'
                         if t['action'] == 'exists' else None)}
            for t in targets])
        return {'targets': targets, 'fields': fields}


def image_fields(task_input, source):
    """The fields of the images to create: the task's, then the source's."""
    fields = dict(task_input.get('image_properties') or {})
    fmt = task_input.get('import_from_format') or source.disk_format
    fields.setdefault('disk_format', fmt)
    fields.setdefault('container_format',
                      source.container_format or 'bare')
    return fields


def _existing_image(context, vim, tenant_id, os_hash_value, match_name,
                    name):
    """An active image of the tenant with this sha512 (and name), or None."""
    params = {'os_hash_value': os_hash_value, 'status': 'active',
              'owner': tenant_id}
    if match_name and name is not None:
        params['name'] = name
    page = vim.backend.list_images(context, tenant_id, params)
    for image in page.get('images', []):
        if (image.get('owner') == tenant_id
                and image.get('os_hash_value') == os_hash_value
                and image.get('status') == 'active'
                and (not match_name or image.get('name') == name)):
            return image['id']
    return None


class CreateImage(tf_task.Task):
    """One target's image; its revert deletes it."""

    def __init__(self, index):
        super().__init__(name='create-image-%d' % index,
                         provides='image_%d' % index)
        self.index = index

    def execute(self, task_id, plan):
        target = plan['targets'][self.index]
        if target['action'] != 'send':
            return None
        _check_cancel(task_id)
        _row, _input, context = _load(task_id)
        vim = backends.get(target['vim_id'])
        try:
            # Recorded before it exists: a crash before this step's result
            # is saved leaves a row, and recovery deletes the image.
            image = data.create_image(context, vim, target['tenant_id'],
                                      plan['fields'])
        except exception.MCImageException as e:
            raise data.named(e, vim, target['tenant_id'])
        return image['id']

    def revert(self, task_id, plan, result=None, **kwargs):
        if not isinstance(result, str):
            return
        target = plan['targets'][self.index]
        vim = backends.get(target['vim_id'])
        _row, _input, context = _load(task_id)
        data.discard_created(context, vim, target['tenant_id'], result)


class _Progress(object):
    """Counts the bytes read.

    Once a PROGRESS_INTERVAL it writes them down and reads the cancel flag.
    """

    def __init__(self, task_id, source, total):
        self._task_id = task_id
        self._source = source
        self.done = 0
        self._last = 0.0
        self._lock = threading.Lock()
        db_api.task_update(task_id, {'progress_done': 0,
                                     'progress_total': total})

    def read(self, size=None):
        piece = self._source.read()
        self.done += len(piece)
        self._tick(force=not piece)
        return piece

    def check(self):
        """Cancelled, if asked for: also while no target takes data."""
        self._tick()

    def _tick(self, force=False):
        now = time.monotonic()
        with self._lock:
            if not force and now - self._last < PROGRESS_INTERVAL:
                return
            self._last = now
        row = db_api.task_update(self._task_id, {'progress_done': self.done})
        if row is not None and row['cancel_requested']:
            raise Cancelled()

    def close(self):
        close = getattr(self._source, 'close', None)
        if close is not None:
            close()


class Transfer(tf_task.Task):
    """Read the source once, into every target's image at once."""

    def __init__(self, count):
        super().__init__(name='transfer',
                         requires=['image_%d' % i for i in range(count)])
        self.count = count

    def execute(self, task_id, plan, **images):
        row, task_input, context = _load(task_id)
        targets = _result_targets(db_api.task_get(task_id))
        sending = []
        for index, target in enumerate(plan['targets']):
            if target['action'] != 'send':
                continue
            vim = backends.get(target['vim_id'])
            image_id = self._fresh_image(
                context, vim, target['tenant_id'], plan['fields'],
                targets[index].get('image_id') or images['image_%d' % index])
            targets[index]['image_id'] = image_id
            # Written before a byte is sent: the revert finds it there.
            _write_targets(task_id, targets)
            sending.append((index, vim, target['tenant_id'], image_id))
        if not sending:
            return self._finish(task_id, targets)
        source = sources.resolve(context, task_input['import_from'])
        fields = plan['fields']
        reader = source.open()
        try:
            progress = _Progress(task_id, reader, source.size)
            hashing = data.HashingReader(
                progress, CONF.upload.image_size_cap,
                declared_checksum=source.checksum,
                declared_size=source.size if source.kind != 'url' else None,
                declared_os_hash_value=(task_input.get('os_hash_value')
                                        or source.os_hash_value),
                disk_format=fields.get('disk_format'),
                container_format=fields.get('container_format'))
            for index, _vim, _tenant, _image in sending:
                targets[index]['status'] = 'sending'
            _write_targets(task_id, targets)
            outcomes = data.stream_into_each(
                context, [t[1:] for t in sending], hashing, size=source.size,
                all_or_nothing=task_input.get('all_targets_must_succeed',
                                              True), stop=progress.check)
        finally:
            reader.close()
        failures = []
        for (index, vim, tenant_id, image_id), outcome in zip(sending,
                                                              outcomes):
            target = targets[index]
            target['image_id'] = image_id
            if isinstance(outcome, data.StoppedByAnother):
                target.update(status='reverted',
                              message='deleted: another target failed')
            elif isinstance(outcome, Exception):
                target.update(status='failed', message=str(outcome))
                failures.append(outcome)
            else:
                target.update(status='created', message=None)
        if failures:
            for (index, _vim, _tenant, _image), outcome in zip(sending,
                                                               outcomes):
                if (targets[index]['status'] == 'failed'
                        and not isinstance(outcome, data.UnverifiedData)):
                    # Deleted by its upload's clean-up already (an
                    # UnverifiedData says what became of it itself).
                    targets[index]['message'] += ' (its image was deleted)'
            _write_targets(task_id, targets)
            if (task_input.get('all_targets_must_succeed', True)
                    or len(failures) == len(sending)):
                raise failures[0]
        return self._finish(task_id, targets)

    @staticmethod
    def _fresh_image(context, vim, tenant_id, fields, image_id):
        """``image_id`` if no data ever went into it, else a new image.

        A run of this flow before this one (stopped with mcimage-api, or
        with a worker that died) may have broken off mid-transfer: its
        image is then saving, killed, or queued with the trace of that
        upload left; it is deleted and the transfer starts over.
        """
        try:
            image = vim.backend.get_image(context, tenant_id, image_id)
        except exception.ImageNotFound:
            image = None
        rows = db_api.upload_get_all(vim_id=vim.id, image_id=image_id)
        # This process's own row is CreateImage's, written as it made it;
        # another's is the trace of a run that broke off.
        traces = [row for row in rows if not data.is_own(row)]
        if image is not None and image.get('status') == 'queued' and not (
                traces):
            return image_id
        LOG.info('Image %(img)s of VIM %(vim)s holds an interrupted '
                 'transfer; starting over in a new image',
                 {'img': image_id, 'vim': vim.id})
        if image is not None:
            data.discard_image(context, vim, tenant_id, image_id)
        for row in rows:
            db_api.upload_end(row['id'])
        try:
            return data.create_image(context, vim, tenant_id, fields)['id']
        except exception.MCImageException as e:
            raise data.named(e, vim, tenant_id)

    def revert(self, task_id, plan, result=None, **images):
        """Delete the images this step made in place of broken ones."""
        _row, _input, context = _load(task_id)
        targets = _result_targets(db_api.task_get(task_id))
        for index, target in enumerate(plan['targets']):
            image_id = (targets[index].get('image_id')
                        if index < len(targets) else None)
            if (target['action'] != 'send' or not image_id
                    or image_id == images.get('image_%d' % index)):
                continue
            data.discard_created(context, backends.get(target['vim_id']),
                                 target['tenant_id'], image_id)

    def _finish(self, task_id, targets):
        _write_targets(task_id, targets)
        return {'targets': targets}


class Finish(tf_task.Task):

    def execute(self, task_id):
        row = db_api.task_get(task_id)
        targets = _result_targets(row)
        failed = [t for t in targets if t['status'] == 'failed']
        message = None
        if failed:
            message = '%d of %d targets failed: %s' % (
                len(failed), len(targets),
                '; '.join(t['message'] for t in failed))
        db_api.task_update(task_id, {
            'status': 'success', 'message': message,
            'expires_at': timeutils.utcnow() + ttl()},
            statuses=('processing',))


def import_flow(task_id, target_count):
    """The flow of one import task (the factory saved with its state)."""
    flow = linear_flow.Flow('import-%s' % task_id)
    creates = unordered_flow.Flow('create-images')
    for index in range(target_count):
        creates.add(CreateImage(index))
    flow.add(Begin(), Plan(), creates, Transfer(target_count), Finish())
    return flow
