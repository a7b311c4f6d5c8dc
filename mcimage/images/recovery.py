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

"""The crash bookkeeping of synchronous uploads (the ``uploads`` table).

Every image mcimage creates in a VIM and fills with data is a row of
``uploads`` from before the VIM is asked for it (create_image: the image
carries the row's marker, by which recovery finds it before the row has
its id) until its data is in (UploadRecord); whatever goes wrong
afterwards, the image is deleted from the VIM, and a crash leaves the row
for ``recover_uploads()`` to finish the job: at the next start for the
rows of this host, then periodically for the ``orphaned`` ones (a VIM
that could not delete them then) and those of processes that died since.
See doc/source/contributor/recovery.rst.
"""

import os
import time

from oslo_config import cfg
from oslo_db import exception as db_exc
from oslo_log import log as logging
from oslo_utils import excutils
from oslo_utils import uuidutils

from mcimage.common import context as mc_context
from mcimage.common import exception
from mcimage.db import api as db_api
from mcimage.images import reader as verifying

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

# Image statuses of a VIM's image that was never finished.
UNFINISHED = ('queued', 'saving', 'uploading', 'importing', 'killed')
# ...and of one stuck mid-upload, which a user's own record must not stay.
STUCK = ('saving', 'uploading', 'killed')
# Seconds a VIM gets to put a record back to queued after a broken upload.
SETTLE_TIMEOUT = 15
SETTLE_QUIET = 2
# The image property that carries an uploads row's marker, so that an
# image whose creation a crash interrupted is found (a reserved name).
MARKER_PROPERTY = 'mcimage_upload_id'

# What became of an image whose recorded data did not verify (the end of
# the 502's detail).
DELETED = 'The image was deleted.'
DEACTIVATED = ('The image was deactivated so that its data cannot be '
               'used; delete it, then create and upload it again.')
KEPT = 'The image is kept as it was, without the data.'
LEFT = ('mcimage could not delete or deactivate the image: do not use it.')


def is_own(row):
    """Was this uploads row written by this very process?"""
    return row['host'] == CONF.host and row['pid'] == os.getpid()


class UploadRecord(object):
    """The ``uploads`` row of one image while its data flows.

    After a failure, an image mcimage created is deleted; a record the user
    made (a data PUT) is kept, unless its VIM left it stuck mid-upload by
    this upload: a VIM that refused the data PUT outright (another upload
    has the image) took nothing of it. The row is also the claim on the
    image: a second upload into it through mcimage is refused (409).
    """

    def __init__(self, context, vim, tenant_id, image_id, created=True):
        self.context = context
        self.vim = vim
        self.tenant_id = tenant_id
        self.image_id = image_id
        self.created = created
        # Set when the VIM refused the data before taking any of it.
        self.wrote_nothing = False
        # Set once verify() has dealt with the image.
        self._settled = False
        self.id = self._claim()

    def _claim(self):
        if self.created:
            # The row create_image() wrote for this image in this process.
            for row in db_api.upload_get_all(vim_id=self.vim.id,
                                             image_id=self.image_id):
                if is_own(row) and row['image_created']:
                    db_api.upload_set_state(row['id'], 'uploading')
                    return row['id']
        try:
            return db_api.upload_start(
                self.vim.id, self.tenant_id, self.image_id,
                user_id=self.context.user_id, host=CONF.host,
                image_created=self.created)
        except db_exc.DBDuplicateEntry:
            raise exception.Conflict(
                reason='Image %s of VIM %s is receiving data from another '
                       'upload; try again once it is done.' %
                       (self.image_id, self.vim.id))

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            db_api.upload_end(self.id)
            return False
        with excutils.save_and_reraise_exception():
            LOG.info('Upload of image %(img)s to VIM %(vim)s failed: '
                     '%(err)s', {'img': self.image_id, 'vim': self.vim.id,
                                 'err': exc})
            if self._settled:
                return
            if not self.created and (self.wrote_nothing
                                     or not self._stuck()):
                db_api.upload_end(self.id)
            else:
                self._discard()

    def _discard(self):
        if discard_image(self.context, self.vim, self.tenant_id,
                         self.image_id, made_here=self.created):
            db_api.upload_end(self.id)
            return True
        db_api.upload_set_state(self.id, 'orphaned')
        return False

    def verify(self, image, reader):
        """The image holds the bytes sent; if not, it becomes unusable.

        Raises UnverifiedData (502) saying what was done: an image mcimage
        made is deleted; the user's own record is deactivated, as it
        holds the user's metadata, or deleted where mcimage cannot
        deactivate it (Glance lets only an admin).
        """
        problems = reader.recorded_problems(image)
        if not problems:
            return
        LOG.error('VIM %(vim)s recorded image %(img)s otherwise than the '
                  'data sent: %(problems)s',
                  {'vim': self.vim.id, 'img': self.image_id,
                   'problems': '; '.join(problems)})
        outcome = self._make_unusable(image)
        self._settled = True
        raise verifying.UnverifiedData(
            vim_id=self.vim.id, image_id=self.image_id,
            problems='; '.join(problems), outcome=' ' + outcome)

    def _make_unusable(self, image):
        active = image.get('status') == 'active'
        if self.created:
            if self._discard():
                return DELETED
            if active and deactivate_image(self.context, self.vim,
                                           self.tenant_id, self.image_id):
                return DEACTIVATED
        elif active:
            if deactivate_image(self.context, self.vim, self.tenant_id,
                                self.image_id):
                db_api.upload_end(self.id)
                return DEACTIVATED
            if self._discard():
                return DELETED
        elif not self._stuck():
            # No data of any use in it: the user's record stays.
            db_api.upload_end(self.id)
            return KEPT
        elif self._discard():
            return DELETED
        LOG.error('Image %(img)s of VIM %(vim)s holds data that did not '
                  'verify and could not be deleted or deactivated.',
                  {'img': self.image_id, 'vim': self.vim.id})
        return LEFT

    def _stuck(self):
        """Did the VIM leave the user's record mid-upload?

        Glance puts an image whose upload broke off back to queued once it
        notices, a moment after mcimage stops sending; and the bytes sent
        may still wait in a socket buffer, before Glance has even marked it
        saving. So: queued after saving was seen, or queued for a quiet
        SETTLE_QUIET seconds; never more than SETTLE_TIMEOUT.
        """
        started = time.monotonic()
        saw_stuck = False
        while True:
            try:
                image = self.vim.backend.get_image(
                    self.context, self.tenant_id, self.image_id)
            except exception.ImageNotFound:
                return False
            except exception.MCImageException:
                return True
            stuck = image.get('status') in STUCK
            saw_stuck = saw_stuck or stuck
            elapsed = time.monotonic() - started
            if not stuck and (saw_stuck or elapsed >= SETTLE_QUIET):
                return False
            if elapsed >= SETTLE_TIMEOUT:
                return stuck
            time.sleep(0.2)


def create_image(context, vim, tenant_id, fields):
    """A new image in the VIM, its ``uploads`` row written first.

    The row (no image id yet) carries a marker the image is created with
    (MARKER_PROPERTY), then gets the image's id: whenever mcimage stops,
    recover_uploads() finds the image and deletes it. The row is the
    upload's that follows (UploadRecord, in this process), or is ended by
    discard_created(). The marker stays on the image (never shown).
    """
    marker = uuidutils.generate_uuid()
    upload_id = db_api.upload_start(vim.id, tenant_id, None,
                                    user_id=context.user_id, host=CONF.host,
                                    marker=marker)
    try:
        image = vim.backend.create_image(
            context, tenant_id, dict(fields, **{MARKER_PROPERTY: marker}))
    except Exception as e:
        with excutils.save_and_reraise_exception():
            if 400 <= getattr(e, 'code', 500) < 500:
                # Refused: nothing was made.
                db_api.upload_end(upload_id)
            else:
                # No answer: it may have been made; to look for.
                db_api.upload_set_state(upload_id, 'orphaned')
    db_api.upload_set_image(upload_id, image['id'])
    return image


def discard_created(context, vim, tenant_id, image_id):
    """Delete an image create_image() made, and end its row."""
    rows = db_api.upload_get_all(vim_id=vim.id, image_id=image_id)
    gone = discard_image(context, vim, tenant_id, image_id)
    for row in rows:
        if gone:
            db_api.upload_end(row['id'])
        else:
            db_api.upload_set_state(row['id'], 'orphaned')
    return gone


def abandon(context, created):
    """Discard the images of [(vim, tenant_id, image_id)] left unsent.

    Those whose upload never started (a failure between create_image()
    and the upload) still have their row as create_image() left it.
    """
    for vim, tenant_id, image_id in created:
        rows = db_api.upload_get_all(vim_id=vim.id, image_id=image_id,
                                     state='uploading')
        if any(is_own(row) for row in rows):
            discard_created(context, vim, tenant_id, image_id)


def has_own_identity(vim):
    """Whether mcimage can act in the VIM without a caller's token.

    A token-mode VIM with no credentials in its group knows mcimage only
    through the tokens of its callers.
    """
    return vim.auth_mode != 'token' or bool(vim.options.auth_type)


def _identities(vim, service_first=False):
    """as_service values to try: the caller, and mcimage if it has one."""
    attempts = [False]
    if has_own_identity(vim):
        attempts.append(True)
    return attempts[::-1] if service_first else attempts


def _as_each(vim, image_id, doing, identities, call):
    """call(as_service) as each identity in turn; True once one did it."""
    for as_service in identities:
        try:
            call(as_service)
            return True
        except exception.MCImageException as e:
            LOG.warning('Could not %(doing)s image %(img)s of VIM %(vim)s '
                        '(%(who)s): %(err)s',
                        {'doing': doing, 'img': image_id, 'vim': vim.id,
                         'err': e, 'who': 'as mcimage' if as_service else
                         'as the caller'})
    return False


def deactivate_image(context, vim, tenant_id, image_id):
    """Deactivate an image (admin in Glance); True when done."""
    # mcimage's own identity first: it is an admin in trusted mode, and
    # the caller seldom is.
    return _as_each(
        vim, image_id, 'deactivate', _identities(vim, service_first=True),
        lambda as_service: vim.backend.image_action(
            context, tenant_id, image_id, 'deactivate',
            as_service=as_service))


def _delete(context, vim, tenant_id, image_id, as_service, made_here):
    """Delete the image; one mcimage made may be protected, not for long.

    Glance keeps a protected image even from an admin, and a half-made
    one never held the user's data: ``made_here`` unprotects it first. A
    user's own record keeps its protection.
    """
    try:
        vim.backend.delete_image(context, tenant_id, image_id,
                                 as_service=as_service)
    except exception.Forbidden:
        if not made_here:
            raise
        vim.backend.update_image(
            context, tenant_id, image_id,
            [{'op': 'replace', 'path': '/protected', 'value': False}],
            as_service=as_service)
        vim.backend.delete_image(context, tenant_id, image_id,
                                 as_service=as_service)


def discard_image(context, vim, tenant_id, image_id, made_here=True):
    """Delete a half-made image; True when it is gone from the VIM.

    ``made_here``: mcimage created it (not a user's own record).
    """
    def delete(as_service):
        try:
            _delete(context, vim, tenant_id, image_id, as_service,
                    made_here)
        except exception.ImageNotFound:
            pass

    if _as_each(vim, image_id, 'delete', _identities(vim), delete):
        return True
    if has_own_identity(vim):
        LOG.error('Image %(img)s is left in VIM %(vim)s; mcimage deletes '
                  'it once the VIM lets it ([upload] cleanup_interval).',
                  {'img': image_id, 'vim': vim.id})
    else:
        LOG.error('Image %(img)s is left in VIM %(vim)s (tenant '
                  '%(tenant)s) and mcimage cannot delete it: the VIM refused '
                  'the caller\'s token (expired during the request?) and '
                  '[vim:%(vim)s] gives mcimage no credentials of its own. '
                  'Delete it in the VIM; [service_user] keeps such '
                  'requests working.',
                  {'img': image_id, 'tenant': tenant_id, 'vim': vim.id})
    return False


def recover_uploads(registry, rows):
    """Delete the half-made images of these ``uploads`` rows.

    The entry point of recovery, for the start of a process and for a
    periodic task alike. At start-up, every row of this host is the trace
    of a crash; later, the rows in state ``orphaned`` are images whose VIM
    could not delete them when their upload failed (it was down), retried
    until it can.
    """
    context = mc_context.get_admin_context()
    for row in rows:
        vim = registry.vims.get(row['vim_id'])
        if vim is None:
            LOG.warning('Upload %(img)s was to VIM %(vim)s, which is no '
                        'longer enabled; forgetting it.',
                        {'img': row['image_id'], 'vim': row['vim_id']})
            db_api.upload_end(row['id'])
        elif not has_own_identity(vim):
            # Without a caller's token mcimage cannot even look: said
            # once, not at every round.
            LOG.error('The upload of image %(img)s into tenant %(tenant)s '
                      'of VIM %(vim)s was interrupted and mcimage has no '
                      'credentials of its own there ([vim:%(vim)s] '
                      'auth_type) to check or delete it: delete it in the '
                      'VIM if it is left. Forgetting it.',
                      {'img': row['image_id'] or '(id never answered)',
                       'tenant': row['tenant_id'], 'vim': vim.id})
            db_api.upload_end(row['id'])
        elif row['image_id'] is None:
            _recover_intent(context, vim, row)
        else:
            _recover_image(context, vim, row)


def _recover_image(context, vim, row):
    """A row that names its image: delete it unless the VIM finished it."""
    try:
        image = vim.backend.get_image(context, row['tenant_id'],
                                      row['image_id'], as_service=True)
    except exception.ImageNotFound:
        db_api.upload_end(row['id'])
        return
    except exception.MCImageException as e:
        LOG.warning('Cannot check image %(img)s in VIM %(vim)s now '
                    '(%(err)s); will try at the next start.',
                    {'img': row['image_id'], 'vim': vim.id, 'err': e})
        return
    created = row.get('image_created', True)
    unfinished = UNFINISHED if created else STUCK
    # An image mcimage made whose upload failed is deleted, even if
    # the VIM went on to activate it (its data did not verify).
    failed = created and row['state'] == 'orphaned'
    if not failed and image.get('status') not in unfinished:
        # The VIM finished it: the data arrived whole before the crash.
        LOG.info('Image %(img)s in VIM %(vim)s is %(status)s; keeping '
                 'it.', {'img': row['image_id'], 'vim': vim.id,
                         'status': image.get('status')})
        db_api.upload_end(row['id'])
        return
    LOG.warning('Deleting image %(img)s (%(status)s) from VIM %(vim)s: '
                'its upload was interrupted by a stop of mcimage.',
                {'img': row['image_id'], 'vim': vim.id,
                 'status': image.get('status')})
    if _delete_left(context, vim, row['tenant_id'], row['image_id'],
                    made_here=created):
        db_api.upload_end(row['id'])


def _delete_left(context, vim, tenant_id, image_id, made_here):
    """Delete an image a stop left, as mcimage; True once it is gone."""
    try:
        _delete(context, vim, tenant_id, image_id, True, made_here=made_here)
    except exception.ImageNotFound:
        pass
    except exception.MCImageException as e:
        LOG.warning('Cannot delete image %(img)s from VIM %(vim)s now '
                    '(%(err)s); will try again.',
                    {'img': image_id, 'vim': vim.id, 'err': e})
        return False
    return True


def _marked(context, vim, row):
    """The images of the VIM that carry this row's marker."""
    found = {}
    # Glance lists hidden images only when asked for them.
    for extra in ({}, {'os_hidden': 'true'}):
        params = dict(extra, **{MARKER_PROPERTY: row['marker']})
        page = vim.backend.list_images(context, row['tenant_id'], params,
                                       as_service=True)
        for image in page.get('images', []):
            if image.get(MARKER_PROPERTY) == row['marker']:
                found[image['id']] = image
    return list(found.values())


def _recover_intent(context, vim, row):
    """A row whose image id mcimage never learnt: look for the image."""
    try:
        images = _marked(context, vim, row) if row['marker'] else []
    except exception.MCImageException as e:
        LOG.warning('Cannot look for the image of upload %(id)s in VIM '
                    '%(vim)s now (%(err)s); will try again.',
                    {'id': row['id'], 'vim': vim.id, 'err': e})
        return
    for image in images:
        LOG.warning('Deleting image %(img)s (%(status)s) from VIM %(vim)s: '
                    'its upload was interrupted by a stop of mcimage, or '
                    'its creation was never answered, before mcimage '
                    'learnt its id.', {'img': image['id'], 'vim': vim.id,
                                       'status': image.get('status')})
        if not _delete_left(context, vim, row['tenant_id'], image['id'],
                            made_here=True):
            return
    db_api.upload_end(row['id'])
