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

"""What an import task does to a target's image, through the images service.

Every call of a task into mcimage.images is here: making and deleting an
image, ending the crash record create_image() writes once the image is
done, the check that a resumed push may use its image, and the tee
that hands one read of the source to every target.
"""

from oslo_log import log as logging

from mcimage.common import exception
from mcimage.db import api as db_api
from mcimage.images import access
from mcimage.images import fanout
from mcimage.images import reader as verifying
from mcimage.images import recovery
from mcimage.images import staging
from mcimage.images import uploads
from mcimage.tasks import api as tasks_api

LOG = logging.getLogger(__name__)

StoppedByAnother = uploads.StoppedByAnother
VerifyingReader = verifying.VerifyingReader
named = uploads.named


class Interrupted(exception.MCImageException):
    """A push of an earlier run broke off: its image cannot be used."""

    msg_fmt = ('image %(image_id)s of VIM %(vim_id)s holds an interrupted '
               'upload')


def create(context, vim, tenant_id, fields):
    """A new image in the target (its crash record written first); its id."""
    try:
        return recovery.create_image(context, vim, tenant_id, fields)['id']
    except exception.MCImageException as e:
        raise uploads.named(e, vim, tenant_id) from None


def discard(context, vim, tenant_id, image_id):
    """Delete an image create() made (and its crash record)."""
    return recovery.discard_created(context, vim, tenant_id, image_id)


def claim_existing(task_id, vim_id, image_id):
    """Raise Conflict unless the task is the image's first unfinished one.

    Two import calls at once both pass the API's check; the later task
    fails here, before it touches the image or what was staged for it.
    The tasks into an image of the same id in another VIM do not count.
    """
    rows = [row for row in db_api.task_get_all(
        image_id=image_id, status=('pending', 'processing'),
        sort_key='created_at', sort_dir='asc')
        if tasks_api.target_vim(row) == vim_id]
    first = rows[0]['id'] if rows else task_id
    if first != task_id:
        raise exception.Conflict(
            reason='Image %s is being imported by task %s.' % (image_id,
                                                               first))


def end_import(context, vim, tenant_id, image_id, import_from):
    """An import into an existing image ended: what it staged goes.

    The staged upload it read (``upload:<id>``, staged for this image by a
    Glance stage call) is deleted, and the image no longer names it;
    whatever fails here is only logged: the image and the task's outcome
    stand.
    """
    upload_id = (import_from[len('upload:'):]
                 if import_from.startswith('upload:') else None)
    context = access.in_tenant(context, vim, tenant_id)
    try:
        image = vim.backend.get_image(context, tenant_id, image_id)
        if staging.IMAGE_PROPERTY in image:
            vim.backend.update_image(context, tenant_id, image_id, [
                {'op': 'remove', 'path': '/' + staging.IMAGE_PROPERTY}])
    except exception.NotFound:
        pass
    except exception.MCImageException as e:
        LOG.warning('Image %(img)s of VIM %(vim)s still names its staged '
                    'upload: %(err)s', {'img': image_id, 'vim': vim.id,
                                        'err': e})
    if upload_id:
        try:
            staging.discard(upload_id)
        except exception.MCImageException as e:
            LOG.warning('Staged upload %(id)s not deleted yet (the sweep '
                        'will): %(err)s', {'id': upload_id, 'err': e})


def delete_made(context, vim, tenant_id, image_id):
    """Delete the image a failed task made for the user (Glance's tasks).

    Protected or not: the task made it, and the task failed.
    """
    context = access.in_tenant(context, vim, tenant_id)
    try:
        image = vim.backend.get_image(context, tenant_id, image_id)
        if image.get('protected'):
            vim.backend.update_image(context, tenant_id, image_id, [
                {'op': 'replace', 'path': '/protected', 'value': False}])
        vim.backend.delete_image(context, tenant_id, image_id)
    except exception.NotFound:
        return
    LOG.info('Image %(img)s of VIM %(vim)s deleted: its import task failed',
             {'img': image_id, 'vim': vim.id})


def release(vim, image_id):
    """The image holds its data, verified: its crash record ends.

    Until then a crash left the image to recovery (the record names it)
    as well as to the flow, which finds it so (check_unused) and makes
    another.
    """
    for row in db_api.upload_get_all(vim_id=vim.id, image_id=image_id):
        db_api.upload_end(row['id'])


def check_unused(context, vim, tenant_id, image_id):
    """Raise Interrupted unless the image is as create() left it.

    A run of the flow before this one (stopped with mcimage-api, or with
    a worker that died) may have broken off mid-push: its image is then
    saving, killed or gone, or still carries the record of that process.
    """
    try:
        image = vim.backend.get_image(context, tenant_id, image_id)
    except exception.ImageNotFound:
        image = None
    traces = [row for row in db_api.upload_get_all(vim_id=vim.id,
                                                   image_id=image_id)
              if not recovery.is_own(row)]
    if image is None or image.get('status') != 'queued' or traces:
        raise Interrupted(image_id=image_id, vim_id=vim.id)


def upload(context, vim, tenant_id, image_id, reader, size, store=None):
    """Send ``reader`` into the image (into ``store`` of the VIM's)."""
    # Without a store, as any upload: the VIM's default one.
    kwargs = {'store': store} if store is not None else {}
    try:
        vim.backend.upload(context, tenant_id, image_id, reader, size=size,
                           **kwargs)
    except exception.MCImageException as e:
        raise uploads.named(e, vim, tenant_id) from None


def copy_to_stores(context, vim, tenant_id, image_id, stores,
                   all_stores_must_succeed):
    """Ask the VIM to copy the image, active now, into more ``stores``.

    The VIM copies after answering and shows how it goes on the image
    (os_glance_importing_to_stores, os_glance_failed_import), as after a
    Glance import into several stores. Asked as mcimage itself: the VIM
    keeps copy-image to admins, and the caller's import into several
    stores (Glance's own import writes them with its own rights) needs
    it. A refused request fails the task; the image stays active in the
    store it was written to.
    """
    try:
        # Once: a run resumed after a crash finds the copies asked for.
        image = vim.backend.get_image(context, tenant_id, image_id)
        if image.get('os_glance_importing_to_stores'):
            return
        held = (image.get('stores') or '').split(',')
        stores = [store for store in stores if store not in held]
        if not stores:
            return
        vim.backend.copy_image(
            context, tenant_id, image_id, stores=stores,
            all_stores_must_succeed=all_stores_must_succeed,
            as_service=True)
    except exception.MCImageException as e:
        LOG.warning('Image %(img)s of VIM %(vim)s: copy into stores '
                    '%(stores)s refused: %(err)s',
                    {'img': image_id, 'vim': vim.id,
                     'stores': ', '.join(stores), 'err': e})
        raise uploads.named(e, vim, tenant_id) from None


def confirm(context, vim, tenant_id, image_id, sent):
    """The VIM recorded the bytes sent (``sent``: size and digests)."""
    image = vim.backend.get_image(context, tenant_id, image_id)
    try:
        verifying.verify_recorded(vim, image, sent['size'],
                                  sent['os_hash_value'],
                                  md5=sent['checksum'])
    except exception.MCImageException as e:
        raise uploads.named(e, vim, tenant_id) from None
    return image


def tee(source, count, all_or_nothing, stop):
    """One read of ``source`` handed to ``count`` readers (backpressure).

    The readers are ``tee(...).reader(slot)``; ``drop(slot, failed)``
    stops feeding one; ``run()`` feeds them all; ``stopped`` and
    ``error`` tell how it stopped.
    """
    # The images service's fan-out primitive (one of its kind).
    return fanout.Tee(source, count, all_or_nothing=all_or_nothing,
                      stop=stop)


def is_aborted(error):
    """Did a reader of tee() raise ``error`` because the tee stopped?"""
    return isinstance(error, fanout.Aborted)
