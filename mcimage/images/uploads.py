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

"""Data into VIM images: one verified read fanned out, each VIM checked.

A VerifyingReader's bytes go to every target at once (fanout), each
target's upload claimed and cleaned up by its UploadRecord (recovery),
and what each VIM recorded is checked against what was sent.
"""

import contextlib
import functools

from oslo_log import log as logging

from mcimage.common import exception
from mcimage.images import fanout
from mcimage.images import recovery

LOG = logging.getLogger(__name__)


class StoppedByAnother(exception.MCImageException):
    """A target stream_into_each stopped because another one failed."""

    code = 409
    title = 'Conflict'
    error_code = 'mcimage.stopped'
    msg_fmt = 'stopped: another target failed'


def named(error, vim, tenant_id):
    """``error``, its message naming the target it came from."""
    return type(error)('VIM %s, tenant %s: %s' % (vim.id, tenant_id, error),
                       headers=error.headers)


def _send(context, record, size, source):
    """Upload ``source`` into the record's image (one fan-out push)."""
    try:
        record.vim.backend.upload(context, record.tenant_id,
                                  record.image_id, source, size=size)
    except Exception as e:
        source.drop()
        # The source's own error is the real cause, whatever the HTTP
        # stack made of it on the way.
        source.raise_error()
        if isinstance(e, (exception.Conflict, exception.Forbidden)):
            # Refused before a byte was taken: another upload has the
            # image saving, or the caller may not write it.
            record.wrote_nothing = True
        raise
    source.raise_error()


def _first_error(targets, done, error):
    """The error a failed all-or-nothing fan-out answers with, or None.

    The source's own error first; else the first target's that failed of
    itself (not stopped by another), named when there are several.
    """
    if error is not None:
        return error
    for (vim, tenant_id, _image_id), future in zip(targets, done):
        e = future.exception() if future.done() else None
        if e is None or isinstance(e, fanout.Aborted):
            continue
        if len(targets) > 1 and isinstance(e, exception.MCImageException):
            return named(e, vim, tenant_id)
        return e
    return None


def stream_into_images(context, targets, reader, size=None, created=True):
    """Send ``reader``'s bytes into several images at once, all or none.

    ``targets`` is [(vim, tenant_id, image_id)]; ``reader`` is a
    VerifyingReader. The first failure stops them all and every image is
    deleted (a user's own record, ``created=False``, is kept unless its
    VIM left it stuck: UploadRecord). Returns the images as they ended,
    in the order of ``targets``.
    """
    with contextlib.ExitStack() as stack:
        records = [stack.enter_context(recovery.UploadRecord(
            context, vim, tenant_id, image_id, created=created))
            for vim, tenant_id, image_id in targets]
        try:
            done, error = fanout.run(reader, [
                functools.partial(_send, context, record, size)
                for record in records])
        finally:
            reader.close()
        error = _first_error(targets, done, error)
        if error is not None:
            raise error
        images = []
        for record in records:
            image = record.vim.backend.get_image(context, record.tenant_id,
                                                 record.image_id)
            try:
                record.verify(image, reader)
            except exception.MCImageException as e:
                if len(targets) == 1:
                    raise
                raise named(e, record.vim, record.tenant_id)
            images.append(image)
    return images


def _send_one(context, reader, size, vim, tenant_id, image_id, source):
    """One target of stream_into_each: claimed, sent, verified."""
    with recovery.UploadRecord(context, vim, tenant_id, image_id) as record:
        _send(context, record, size, source)
        image = vim.backend.get_image(context, tenant_id, image_id)
        record.verify(image, reader)
    return image


def _outcome(context, target, future, error):
    """The image a target ended with, or the exception that failed it."""
    vim, tenant_id, image_id = target
    if not future.done():
        LOG.warning('VIM %(vim)s takes no more data for image %(img)s; '
                    'deleting it without waiting for its upload to end',
                    {'vim': vim.id, 'img': image_id})
        # Its UploadRecord ends the row when the upload ends (the VIM
        # timeout at the latest).
        recovery.discard_image(context, vim, tenant_id, image_id)
        return (named(error, vim, tenant_id)
                if isinstance(error, exception.MCImageException)
                else StoppedByAnother())
    e = future.exception()
    if e is None:
        return future.result()
    if isinstance(e, fanout.Aborted):
        return StoppedByAnother()
    if isinstance(e, exception.MCImageException):
        return named(e, vim, tenant_id)
    LOG.error('Upload of image %(img)s to VIM %(vim)s failed: %(err)r',
              {'img': image_id, 'vim': vim.id, 'err': e})
    return exception.BackendError(
        vim_id=vim.id, reason='the upload failed (%s)' % type(e).__name__)


def stream_into_each(context, targets, reader, size=None,
                     all_or_nothing=False, stop=None):
    """Like stream_into_images, but one outcome per target.

    Returns, in order, the image as it ended or the exception (its
    message naming the target) that failed it; each failed target's image
    is deleted (UploadRecord). A failed target stops only itself, unless
    ``all_or_nothing``: then the first failure stops them all (the images
    that did end active are the caller's to delete; the others' outcome
    is StoppedByAnother). A failure of the source itself (bad data, size
    cap), or what ``stop`` raises (see fanout.Tee), fails them all, at
    once: a target held in a VIM that stopped reading is not waited for,
    its image is deleted.
    """
    try:
        done, error = fanout.run(reader, [
            functools.partial(_send_one, context, reader, size, *target)
            for target in targets], all_or_nothing=all_or_nothing,
            stop=stop)
    finally:
        reader.close()
    return [_outcome(context, target, future, error)
            for target, future in zip(targets, done)]


def create_images(context, targets, fields):
    """A new image in every target: [(vim, tenant_id, image_id)].

    All or none: if one cannot be made, those made are deleted.
    """
    created = []
    try:
        for vim, tenant_id in targets:
            image = recovery.create_image(context, vim, tenant_id, fields)
            created.append((vim, tenant_id, image['id']))
    except exception.MCImageException:
        for vim, tenant_id, image_id in created:
            recovery.discard_created(context, vim, tenant_id, image_id)
        raise
    return created
