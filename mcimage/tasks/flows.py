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

"""The taskflow flow of an import task.

    Begin -> Plan -> [per target: CreateImage -> Push -> Confirm] -> .

``Begin`` makes sure this process holds the task. ``Plan`` checks policy
and the source again and finds the targets that already hold the data
(idempotent distribution). Each target's chain, run side by side with
the others', makes its image, pushes the data into it and checks what
the VIM recorded; the pushes share one read of the source (feed). A
chain's revert deletes only the image it made. Its retry decides what a
failure undoes: with ``all_targets_must_succeed`` every chain (the whole
flow), otherwise only its own; a push that finds its image broken by an
earlier run (a crash) makes the chain start over in a new image, once.
The task's status, its targets' state and its progress are written by
the flow's watcher (mcimage.tasks.status), not by the atoms. The flow is
rebuilt from its factory (import_flow) by whoever runs it: this process,
another mcimage-api after a restart, or any mcimage-worker.
"""

import json
import os

from oslo_config import cfg
from oslo_log import log as logging
from taskflow.patterns import linear_flow
from taskflow.patterns import unordered_flow
from taskflow import retry
from taskflow import task as tf_task

from mcimage import backends
from mcimage.common import context as mc_context
from mcimage.common import exception
from mcimage.db import api as db_api
from mcimage.tasks import checks
from mcimage.tasks import feed
from mcimage.tasks import sources
from mcimage.tasks import targets

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

# The most targets a task has (the API's limit): the engine runs every
# chain at once, so that no push waits for a thread (see feed).
MAX_TARGETS = 32


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
        project_name=row['project_name'],
        roles=[r for r in (row['roles'] or '').split(',') if r],
        overwrite=False)


def _load(task_id):
    row = db_api.task_get(task_id)
    return row, json.loads(row['input']), task_context(row)


def _check_cancel(task_id):
    if db_api.task_get(task_id)['cancel_requested']:
        raise Cancelled()


class Begin(tf_task.Task):
    """Run only by the process that accepted or claimed the task."""

    def __init__(self):
        super().__init__(name='begin')

    def execute(self, task_id):
        row = db_api.task_update(
            task_id, {'status': 'processing', 'message': None},
            statuses=('pending', 'processing'),
            owner=(CONF.host, os.getpid()))
        if row is None:
            raise TaskGone(task_id=task_id)
        if row['cancel_requested']:
            raise Cancelled()


class Plan(tf_task.Task):
    """Check the source and the targets again; who holds the data already."""

    default_provides = 'plan'

    def __init__(self):
        super().__init__(name='plan')

    def execute(self, task_id):
        row, task_input, context = _load(task_id)
        source = sources.resolve(context, task_input['import_from'])
        fields = checks.image_fields(task_input, source)
        checks.authorize_targets(context, task_input['targets'], fields)
        known_hash = task_input.get('os_hash_value') or source.os_hash_value
        planned = []
        for target in task_input['targets']:
            vim = backends.get(target['vim_id'])
            entry = {'vim_id': vim.id, 'tenant_id': target['tenant_id'],
                     'action': 'send', 'image_id': None}
            if target.get('image_id'):
                # The user's own image, whatever else holds the data; a
                # Glance import names the VIM's stores to write.
                entry.update(image_id=target['image_id'], existing=True,
                             stores=[s for s in task_input.get('backend')
                                     or () if s])
            elif known_hash and not task_input.get('force'):
                existing = _existing_image(
                    context, vim, target['tenant_id'], known_hash,
                    task_input.get('match_name', True), fields.get('name'))
                if existing is not None:
                    entry.update(action='exists', image_id=existing)
            planned.append(entry)
        return {'targets': planned, 'fields': fields,
                'all_or_nothing': task_input.get('all_targets_must_succeed',
                                                 True)}


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


def open_source(task_id, plan):
    """The task's source opened: (reader, checked reader, size)."""
    _row, task_input, context = _load(task_id)
    source = sources.resolve(context, task_input['import_from'])
    fields = plan['fields']
    reader = source.open()
    hashing = targets.VerifyingReader(
        reader, CONF.upload.image_size_cap,
        declared_checksum=source.checksum,
        declared_size=source.size if source.kind != 'url' else None,
        declared_os_hash_value=(task_input.get('os_hash_value')
                                or source.os_hash_value),
        disk_format=fields.get('disk_format'),
        container_format=fields.get('container_format'))
    return reader, hashing, source.size


class _TargetAtom(tf_task.Task):
    """An atom of target ``index``'s chain."""

    KIND = None

    def __init__(self, index, **kwargs):
        super().__init__(name=atom_name(self.KIND, index), **kwargs)
        self.index = index

    def target(self, task_id, plan):
        """(context, vim, tenant_id) of the target."""
        target = plan['targets'][self.index]
        _row, _input, context = _load(task_id)
        return context, backends.get(target['vim_id']), target['tenant_id']


def atom_name(kind, index):
    return '%s-%d' % (kind, index)


class CreateImage(_TargetAtom):
    """The target's image; its revert deletes it (it made it).

    An existing image (a Glance import) is only named: its revert leaves
    it to the user, without what the import set on it.
    """

    KIND = 'create-image'

    def __init__(self, index):
        super().__init__(index, provides='image_%d' % index)

    def execute(self, task_id, plan):
        target = plan['targets'][self.index]
        if target['action'] != 'send':
            return None
        _check_cancel(task_id)
        if target.get('existing'):
            # Failing here, its revert leaves the image to the other task.
            targets.claim_existing(task_id, target['vim_id'],
                                   target['image_id'])
            return target['image_id']
        context, vim, tenant_id = self.target(task_id, plan)
        return targets.create(context, vim, tenant_id, plan['fields'])

    def revert(self, task_id, plan, result=None, **kwargs):
        if not isinstance(result, str):
            return
        context, vim, tenant_id = self.target(task_id, plan)
        if plan['targets'][self.index].get('existing'):
            _row, task_input, _context = _load(task_id)
            targets.end_import(context, vim, tenant_id, result,
                               task_input['import_from'])
        else:
            targets.discard(context, vim, tenant_id, result)


class Push(_TargetAtom):
    """The source's data into the target's image; what was sent."""

    KIND = 'push'

    def __init__(self, index):
        super().__init__(index, provides='sent_%d' % index,
                         rebind={'image_id': 'image_%d' % index})

    def execute(self, task_id, plan, image_id):
        if image_id is None:
            return None
        context, vim, tenant_id = self.target(task_id, plan)
        targets.check_unused(context, vim, tenant_id, image_id)

        # The first store asked for; the VIM copies into the others.
        store = (plan['targets'][self.index].get('stores') or [None])[0]

        def send(reader, size):
            targets.upload(context, vim, tenant_id, image_id, reader, size,
                           store=store)

        shared = feed.get(task_id)
        try:
            return shared.push(self.index, send)
        except Exception as e:
            # Without its context: the flow's state keeps the failure as
            # JSON, and a library's error in the chain would not be.
            raise _push_error(e, shared, vim, tenant_id, image_id) from None


def _push_error(error, shared, vim, tenant_id, image_id):
    """What a push that raised ``error`` fails with."""
    if error is shared.error:
        if isinstance(error, exception.MCImageException):
            # The source's failure, in every target's words.
            return targets.named(error, vim, tenant_id)
        return error
    if isinstance(error, exception.MCImageException):
        return error
    LOG.exception('Upload of image %(img)s to VIM %(vim)s failed',
                  {'img': image_id, 'vim': vim.id})
    return exception.BackendError(
        vim_id=vim.id, reason='the upload failed (%s)' %
        type(error).__name__)


class Confirm(_TargetAtom):
    """The VIM recorded the very bytes sent."""

    KIND = 'confirm'

    def __init__(self, index):
        super().__init__(index, rebind={'image_id': 'image_%d' % index,
                                        'sent': 'sent_%d' % index})

    def execute(self, task_id, plan, image_id, sent):
        if image_id is None:
            return
        context, vim, tenant_id = self.target(task_id, plan)
        targets.confirm(context, vim, tenant_id, image_id, sent)
        targets.release(vim, image_id)
        target = plan['targets'][self.index]
        if target.get('existing'):
            _row, task_input, _context = _load(task_id)
            targets.end_import(context, vim, tenant_id, image_id,
                               task_input['import_from'])
            if len(target.get('stores') or ()) > 1:
                request = task_input.get('import_req') or {}
                targets.copy_to_stores(
                    context, vim, tenant_id, image_id, target['stores'][1:],
                    request.get('all_stores_must_succeed', True))


class TargetRetry(retry.Retry):
    """What a failure in a target's chain undoes.

    A push that found its image broken by an earlier run starts its chain
    over (once). The target's own failure undoes only its chain when the
    task lets targets fail; anything else undoes the whole flow.
    """

    def __init__(self, index):
        super().__init__(name=atom_name('retry', index))
        self.index = index

    def execute(self, history, task_id, plan):
        return len(history)

    def revert(self, history, task_id, plan, **kwargs):
        pass

    def on_failure(self, history, task_id, plan, **kwargs):
        failures = dict(history.outcomes_iter(index=-1))
        # The user's own image is not made again: it is the one to fill.
        existing = (plan.get('targets') or [{}] * (self.index + 1))[
            self.index].get('existing')
        if (len(history) == 1 and not existing and list(failures) == [
                atom_name('push', self.index)]
                and failures[atom_name('push', self.index)].check(
                    targets.Interrupted)):
            return retry.RETRY
        own = [atom_name('push', self.index),
               atom_name('confirm', self.index)]
        if (plan['all_or_nothing'] or set(failures) - set(own)
                or any(f.check(Cancelled, targets.StoppedByAnother)
                       for f in failures.values())
                or _feed_failed(task_id)):
            return retry.REVERT_ALL
        return retry.REVERT


def _feed_failed(task_id):
    """Did the shared read itself fail (bad data, a cancel)?"""
    try:
        return feed.get(task_id).error is not None
    except KeyError:
        return False


def _chain(index):
    chain = linear_flow.Flow('target-%d' % index, retry=TargetRetry(index))
    chain.add(CreateImage(index), Push(index), Confirm(index))
    return chain


def import_flow(task_id, target_count):
    """The flow of one import task (the factory saved with its state)."""
    flow = linear_flow.Flow('import-%s' % task_id)
    chains = unordered_flow.Flow('targets')
    for index in range(target_count):
        chains.add(_chain(index))
    flow.add(Begin(), Plan(), chains)
    return flow
