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
    """A target of a fan-out stopped because another one failed."""

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
