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

"""The byte path: chunks -> md5/sha512 + size cap -> the VIM; clean-up.

Every image mcimage creates in a VIM and fills with data is a row of
``uploads`` from before the VIM is asked for it (create_image: the image
carries the row's marker, by which recovery finds it before the row has
its id) until its data is in; whatever goes wrong afterwards, the image
is deleted from the VIM, and a crash leaves the row for
``recover_uploads()`` to finish the job at the next start.
"""

import contextlib
import hashlib
import os
import queue
import threading
import time

from oslo_config import cfg
from oslo_db import exception as db_exc
from oslo_log import log as logging
from oslo_utils import excutils
from oslo_utils import uuidutils

from mcimage.common import context as mc_context
from mcimage.common import exception
from mcimage.db import api as db_api
from mcimage.images import inspection

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

# Image statuses of a VIM's image that was never finished.
UNFINISHED = ('queued', 'saving', 'uploading', 'importing', 'killed')
# ...and of one stuck mid-upload, which a user's own record must not stay.
STUCK = ('saving', 'uploading', 'killed')
# Seconds a VIM gets to put a record back to queued after a broken upload.
SETTLE_TIMEOUT = 15
SETTLE_QUIET = 2
# Seconds the targets of a stopped fan-out get to end; one still sending
# after that is held in a VIM that stopped reading, and its image is
# deleted without waiting for it.
STRAGGLER_GRACE = 2
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


class UnverifiedData(exception.BackendError):
    """The VIM recorded other data than what was sent."""

    error_code = 'mcimage.unverified_data'
    msg_fmt = ('VIM %(vim_id)s did not record the data sent into image '
               '%(image_id)s (%(problems)s).%(outcome)s')


class BackgroundHash(threading.Thread):
    """A hashlib digest fed in a thread of its own.

    hashlib releases the GIL on large buffers, so sha512 here and md5 in
    the request's thread run at once on two cores (NOTES-servers §8:
    344-380 MiB/s one after the other, 605-675 MiB/s at once). The queue
    is short: memory stays flat and the slower hash sets the pace.
    """

    def __init__(self, name):
        super().__init__(name='hash-%s' % name, daemon=True)
        self._hash = hashlib.new(name)
        self._queue = queue.Queue(16)

    def run(self):
        while True:
            piece = self._queue.get()
            if piece is None:
                return
            self._hash.update(piece)

    def update(self, piece):
        if self.ident is None:
            # Started by the first piece: no thread for what never flows.
            self.start()
        self._queue.put(piece)

    def close(self):
        """Stop the thread (idempotent); the digest is then final."""
        if self.is_alive():
            self._queue.put(None)
            self.join()

    def hexdigest(self):
        self.close()
        return self._hash.hexdigest()


class HashingReader(object):
    """Hash, count, cap and inspect bytes on their way to the VIM.

    ``source`` is any object whose read() gives the next piece (b'' at the
    end). ``disk_format`` and ``container_format`` are what the image
    declares: the data must be that (mcimage.images.inspection). An error
    raised here is kept in ``error``: the HTTP stack that pulls from this
    reader may wrap it into a connection error, and the caller must still
    answer with the real cause.
    """

    def __init__(self, source, size_cap, declared_checksum=None,
                 declared_size=None, disk_format=None,
                 container_format=None, declared_os_hash_value=None):
        self.inspection = inspection.Inspection(source, disk_format,
                                                container_format)
        self._source = self.inspection
        self._size_cap = size_cap
        self._declared_checksum = (declared_checksum or '').lower() or None
        self._declared_size = declared_size
        self._declared_sha512 = (declared_os_hash_value or '').lower() or None
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.sha512 = BackgroundHash('sha512')
        self.size = 0
        self.error = None
        self.complete = False

    def read(self, size=None):
        try:
            return self._read()
        except exception.MCImageException as e:
            self.error = e
            raise
        except Exception as e:
            # The client went away or its body broke off mid-way.
            LOG.info('Reading the request body failed: %(err)r', {'err': e})
            self.error = exception.Invalid(
                reason='the request body could not be read to its end')
            raise self.error

    def _read(self):
        piece = self._source.read()
        if not piece:
            self._check_end()
            self.complete = True
            return b''
        self.size += len(piece)
        if self.size > self._size_cap:
            raise exception.RequestTooLarge(
                reason='The image is larger than the %d bytes this service '
                       'accepts ([upload] image_size_cap).' % self._size_cap)
        self.md5.update(piece)
        self.sha512.update(piece)
        return piece

    def _check_end(self):
        # Checked before the last (empty) read is answered, so a mismatch
        # aborts the upload before the VIM can mark the image active.
        self.inspection.check()
        if (self._declared_size is not None
                and self._declared_size != self.size):
            raise exception.ChecksumMismatch(
                name='size', declared=self._declared_size,
                actual='%d bytes' % self.size)
        if (self._declared_checksum is not None
                and self._declared_checksum != self.md5.hexdigest()):
            raise exception.ChecksumMismatch(
                name='checksum', declared=self._declared_checksum,
                actual='md5 %s' % self.md5.hexdigest())
        if (self._declared_sha512 is not None
                and self._declared_sha512 != self.sha512.hexdigest()):
            raise exception.ChecksumMismatch(
                name='os_hash_value', declared=self._declared_sha512,
                actual='sha512 %s' % self.sha512.hexdigest())

    def raise_error(self):
        if self.error is not None:
            raise self.error

    def close(self):
        """Stop the background hash, whatever happened."""
        self.sha512.close()


def recorded_problems(image, reader):
    """How the VIM's record of ``image`` differs from what was sent."""
    problems = []
    if image.get('size') != reader.size:
        problems.append('size %s, sent %d' % (image.get('size'), reader.size))
    if image.get('checksum') and image['checksum'] != reader.md5.hexdigest():
        problems.append('checksum %s, sent md5 %s' %
                        (image['checksum'], reader.md5.hexdigest()))
    if (image.get('os_hash_algo') == 'sha512'
            and image.get('os_hash_value') != reader.sha512.hexdigest()):
        problems.append('sha512 %s, sent %s' %
                        (image.get('os_hash_value'),
                         reader.sha512.hexdigest()))
    if image.get('status') != 'active':
        problems.append('status %s after the upload' % image.get('status'))
    return problems


def verify_recorded(vim, image, reader):
    """The VIM must have recorded the very bytes mcimage sent."""
    problems = recorded_problems(image, reader)
    if problems:
        raise UnverifiedData(vim_id=vim.id, image_id=image.get('id'),
                             problems='; '.join(problems), outcome='')


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
        problems = recorded_problems(image, reader)
        if not problems:
            return
        LOG.error('VIM %(vim)s recorded image %(img)s otherwise than the '
                  'data sent: %(problems)s',
                  {'vim': self.vim.id, 'img': self.image_id,
                   'problems': '; '.join(problems)})
        outcome = self._make_unusable(image)
        self._settled = True
        raise UnverifiedData(vim_id=self.vim.id, image_id=self.image_id,
                             problems='; '.join(problems),
                             outcome=' ' + outcome)

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


def stream_into_image(context, vim, tenant_id, image_id, hashing,
                      created=True, finish=None, size=None):
    """Send ``hashing``'s bytes into the image; the image as it ends.

    ``finish`` runs once the data is sent (the rest of a request body
    must still be read). Whatever fails, UploadRecord cleans up.
    """
    with UploadRecord(context, vim, tenant_id, image_id,
                      created=created) as record:
        try:
            vim.backend.upload(context, tenant_id, image_id, hashing,
                               size=size)
        except exception.MCImageException as e:
            # Our own reader's error is the real cause, whatever the HTTP
            # stack made of it on the way.
            hashing.raise_error()
            if isinstance(e, (exception.Conflict, exception.Forbidden)):
                # Refused before a byte was taken: another upload has the
                # image saving, or the caller may not write it.
                record.wrote_nothing = True
            raise
        finally:
            hashing.close()
        hashing.raise_error()
        if finish is not None:
            finish()
        image = vim.backend.get_image(context, tenant_id, image_id)
        record.verify(image, hashing)
    return image


class _Aborted(Exception):
    """Another target failed: this one stops."""


class StoppedByAnother(exception.MCImageException):
    """A target stream_into_each stopped because another one failed."""

    code = 409
    title = 'Conflict'
    error_code = 'mcimage.stopped'
    msg_fmt = 'stopped: another target failed'


class _Tee(object):
    """One source read once, its pieces handed to several readers.

    Each reader has a short queue, so memory stays flat and the slowest
    target sets the pace. Once the source fails, or any reader is dropped
    with ``all_or_nothing``, every reader raises at its next read;
    otherwise a dropped reader is skipped and the others go on.
    ``stop``, if given, is called at each piece and while a target takes
    no more (a VIM that stopped reading): what it raises stops them all,
    and is ``error`` (so is the source's error).
    """

    DEPTH = 8
    POLL = 0.2

    def __init__(self, source, count, all_or_nothing=True, stop=None):
        self._source = source
        self._queues = [queue.Queue(self.DEPTH) for _ in range(count)]
        self._dropped = [threading.Event() for _ in range(count)]
        self._all_or_nothing = all_or_nothing
        self._stop = stop
        self.error = None
        self.failed = threading.Event()

    def drop(self, index, failed=True):
        """Stop feeding reader ``index``: it failed, or it is done.

        A failure stops everyone with ``all_or_nothing``.
        """
        self._dropped[index].set()
        if ((failed and self._all_or_nothing)
                or all(d.is_set() for d in self._dropped)):
            self.failed.set()

    def reader(self, index):
        tee = self

        class _Reader(object):
            def read(self, size=None):
                while not (tee.failed.is_set()
                           or tee._dropped[index].is_set()):
                    try:
                        return tee._queues[index].get(timeout=tee.POLL)
                    except queue.Empty:
                        continue
                raise _Aborted()

        return _Reader()

    def _check_stop(self):
        if self._stop is not None:
            self._stop()

    def run(self):
        """Feed every reader until the source ends or anything fails."""
        try:
            while True:
                self._check_stop()
                piece = self._source.read()
                for index, q in enumerate(self._queues):
                    while not self._dropped[index].is_set():
                        if self.failed.is_set():
                            return
                        try:
                            q.put(piece, timeout=self.POLL)
                            break
                        except queue.Full:
                            self._check_stop()
                if self.failed.is_set() or not piece:
                    return
        except BaseException as e:
            self.error = e
            self.failed.set()
            raise

    def raise_error(self):
        """The error that stopped the tee, if it is one of mcimage's."""
        if isinstance(self.error, exception.MCImageException):
            raise self.error


def named(error, vim, tenant_id):
    """``error``, its message naming the target it came from."""
    return type(error)('VIM %s, tenant %s: %s' % (vim.id, tenant_id, error),
                       headers=error.headers)


def stream_into_images(context, targets, hashing, finish=None, size=None,
                       created=True):
    """Send ``hashing``'s bytes into several images at once.

    ``targets`` is [(vim, tenant_id, image_id)]. The source is read once
    and teed to one upload per target, each in its own thread; the first
    failure stops them all and every image is deleted (UploadRecord).
    Returns the images as they ended, in the order of ``targets``.
    """
    if len(targets) == 1:
        vim, tenant_id, image_id = targets[0]
        return [stream_into_image(context, vim, tenant_id, image_id, hashing,
                                  created=created, finish=finish,
                                  size=size)]
    tee = _Tee(hashing, len(targets))
    errors = []

    def push(index, vim, tenant_id, image_id):
        try:
            vim.backend.upload(context, tenant_id, image_id,
                               tee.reader(index), size=size)
        except Exception as e:
            if not tee.failed.is_set():
                # The first failure; what follows is its consequence.
                errors.append(named(e, vim, tenant_id)
                              if isinstance(e, exception.MCImageException)
                              else e)
            tee.drop(index)

    with contextlib.ExitStack() as stack:
        records = [stack.enter_context(UploadRecord(context, vim, tenant_id,
                                                    image_id,
                                                    created=created))
                   for vim, tenant_id, image_id in targets]
        threads = [threading.Thread(target=push, args=(i,) + target,
                                    name='upload-%s' % target[0].id,
                                    daemon=True)
                   for i, target in enumerate(targets)]
        for thread in threads:
            thread.start()
        try:
            tee.run()
        finally:
            for thread in threads:
                thread.join()
            hashing.close()
        # Our own reader's error is the real cause, else the first target's.
        hashing.raise_error()
        if errors:
            raise errors[0]
        if finish is not None:
            finish()
        images = []
        for record in records:
            image = record.vim.backend.get_image(context, record.tenant_id,
                                                 record.image_id)
            try:
                record.verify(image, hashing)
            except exception.MCImageException as e:
                raise named(e, record.vim, record.tenant_id)
            images.append(image)
    return images


def stream_into_each(context, targets, hashing, size=None,
                     all_or_nothing=False, stop=None):
    """Like stream_into_images, but one outcome per target.

    Returns, in order, the image as it ended or the exception (its
    message naming the target) that failed it; each failed target's image
    is deleted (UploadRecord). A failed target stops only itself, unless
    ``all_or_nothing``: then the first failure stops them all (the images
    that did end active are the caller's to delete). A failure of the
    source itself (bad data, size cap), or what ``stop`` raises (see
    _Tee), fails them all, at once: a target held in a VIM that stopped
    reading is not waited for, its image is deleted.
    """
    tee = _Tee(hashing, len(targets), all_or_nothing=all_or_nothing,
               stop=stop)
    outcomes = [None] * len(targets)

    def push(index, vim, tenant_id, image_id):
        try:
            with UploadRecord(context, vim, tenant_id, image_id) as record:
                try:
                    vim.backend.upload(context, tenant_id, image_id,
                                       tee.reader(index), size=size)
                except Exception:
                    tee.drop(index)
                    # The source's own error is the real cause.
                    hashing.raise_error()
                    tee.raise_error()
                    raise
                tee.drop(index, failed=False)
                hashing.raise_error()
                image = vim.backend.get_image(context, tenant_id, image_id)
                record.verify(image, hashing)
            outcomes[index] = image
        except _Aborted:
            outcomes[index] = StoppedByAnother()
        except exception.MCImageException as e:
            outcomes[index] = named(e, vim, tenant_id)
        except Exception as e:
            LOG.exception('Upload of image %(img)s to VIM %(vim)s failed',
                          {'img': image_id, 'vim': vim.id})
            outcomes[index] = exception.BackendError(
                vim_id=vim.id, reason='the upload failed (%s)' %
                type(e).__name__)

    threads = [threading.Thread(target=push, args=(i,) + target,
                                name='upload-%s' % target[0].id, daemon=True)
               for i, target in enumerate(targets)]
    for thread in threads:
        thread.start()
    try:
        tee.run()
    except Exception:
        # Each target sees the source's error through its reader.
        pass
    finally:
        stopped = tee.error is not None
        deadline = time.monotonic() + STRAGGLER_GRACE
        for thread in threads:
            thread.join(max(0, deadline - time.monotonic())
                        if stopped else None)
        hashing.close()
    result = list(outcomes)
    for index, thread in enumerate(threads):
        if thread.is_alive():
            vim, tenant_id, image_id = targets[index]
            LOG.warning('VIM %(vim)s takes no more data for image %(img)s; '
                        'deleting it without waiting for its upload to end',
                        {'vim': vim.id, 'img': image_id})
            # Its UploadRecord ends the row when the upload ends (the VIM
            # timeout at the latest).
            discard_image(context, vim, tenant_id, image_id)
            error = tee.error
            result[index] = (named(error, vim, tenant_id)
                             if isinstance(error, exception.MCImageException)
                             else StoppedByAnother())
    return result


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


def _identities(vim, service_first=False):
    """as_service values to try: the caller, and mcimage if it has one."""
    attempts = [False]
    if vim.auth_mode != 'token' or vim.options.auth_type:
        attempts.append(True)
    return attempts[::-1] if service_first else attempts


def deactivate_image(context, vim, tenant_id, image_id):
    """Deactivate an image (admin in Glance); True when done."""
    # mcimage's own identity first: it is an admin in trusted mode, and
    # the caller seldom is.
    for as_service in _identities(vim, service_first=True):
        try:
            vim.backend.image_action(context, tenant_id, image_id,
                                     'deactivate', as_service=as_service)
            return True
        except exception.MCImageException as e:
            LOG.warning('Could not deactivate image %(img)s of VIM %(vim)s '
                        '(%(who)s): %(err)s',
                        {'img': image_id, 'vim': vim.id, 'err': e,
                         'who': 'as mcimage' if as_service else
                         'as the caller'})
    return False


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
    for as_service in _identities(vim):
        try:
            _delete(context, vim, tenant_id, image_id, as_service,
                    made_here)
            return True
        except exception.ImageNotFound:
            return True
        except exception.MCImageException as e:
            LOG.warning('Could not delete image %(img)s from VIM %(vim)s '
                        '(%(who)s): %(err)s',
                        {'img': image_id, 'vim': vim.id, 'err': e,
                         'who': 'as mcimage' if as_service else
                         'as the caller'})
    LOG.error('Image %(img)s is left in VIM %(vim)s; it will be deleted '
              'at the next start of mcimage-api.',
              {'img': image_id, 'vim': vim.id})
    return False


def recover_uploads(registry, rows):
    """Delete the half-made images of these ``uploads`` rows.

    At start-up, every row of this host is the trace of a crash; later, the
    rows in state ``orphaned`` are images whose VIM could not delete them
    when their upload failed (it was down), retried until it can.
    """
    context = mc_context.get_admin_context()
    for row in rows:
        vim = registry.vims.get(row['vim_id'])
        if vim is None:
            LOG.warning('Upload %(img)s was to VIM %(vim)s, which is no '
                        'longer enabled; forgetting it.',
                        {'img': row['image_id'], 'vim': row['vim_id']})
            db_api.upload_end(row['id'])
            continue
        if row['image_id'] is None:
            _recover_intent(context, vim, row)
            continue
        try:
            image = vim.backend.get_image(context, row['tenant_id'],
                                          row['image_id'], as_service=True)
        except exception.ImageNotFound:
            db_api.upload_end(row['id'])
            continue
        except exception.MCImageException as e:
            LOG.warning('Cannot check image %(img)s in VIM %(vim)s now '
                        '(%(err)s); will try at the next start.',
                        {'img': row['image_id'], 'vim': vim.id, 'err': e})
            continue
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
            continue
        LOG.warning('Deleting image %(img)s (%(status)s) from VIM %(vim)s: '
                    'its upload was interrupted by a stop of mcimage.',
                    {'img': row['image_id'], 'vim': vim.id,
                     'status': image.get('status')})
        try:
            _delete(context, vim, row['tenant_id'], row['image_id'], True,
                    made_here=created)
        except exception.ImageNotFound:
            pass
        except exception.MCImageException as e:
            LOG.warning('Cannot delete image %(img)s from VIM %(vim)s now '
                        '(%(err)s); will try at the next start.',
                        {'img': row['image_id'], 'vim': vim.id, 'err': e})
            continue
        db_api.upload_end(row['id'])


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
        try:
            _delete(context, vim, row['tenant_id'], image['id'], True,
                    made_here=True)
        except exception.ImageNotFound:
            pass
        except exception.MCImageException as e:
            LOG.warning('Cannot delete image %(img)s from VIM %(vim)s now '
                        '(%(err)s); will try again.',
                        {'img': image['id'], 'vim': vim.id, 'err': e})
            return
    db_api.upload_end(row['id'])
