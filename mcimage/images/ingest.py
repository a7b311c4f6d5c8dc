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

"""Synchronous uploads: new images with their data, or data into one.

The data is a reader (read() gives the next piece, b'' at the end), read
once through a VerifyingReader: in stream mode straight into every VIM at
once (mcimage.images.uploads), in stage mode whole into the staging
store first (mcimage.images.staging).
"""

from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import excutils

from mcimage.common import exception
from mcimage.images import access
from mcimage.images import reader as verifying
from mcimage.images import recovery
from mcimage.images import staging
from mcimage.images import uploads

LOG = logging.getLogger(__name__)
CONF = cfg.CONF


def authorize_upload(context, targets):
    """The tenant scope, before a byte of the data is read.

    ``targets`` is [(vim, tenant_id)].
    """
    for vim, tenant_id in targets:
        access.authorize_tenant(context, vim, tenant_id,
                                'mcimage:image:upload')


def _check_size_cap(size, what):
    """A size known up front over the cap: refused before a byte is sent."""
    cap = CONF.upload.image_size_cap
    if size is not None and size > cap:
        raise exception.RequestTooLarge(
            reason='The %s of %d bytes is larger than the %d bytes this '
                   'service accepts ([upload] image_size_cap).' %
                   (what, size, cap))


def _reader(source, declared_checksum, declared_size, fields,
            staged=None):
    return verifying.VerifyingReader(
        source, CONF.upload.image_size_cap,
        declared_checksum=declared_checksum, declared_size=declared_size,
        disk_format=fields.get('disk_format'),
        container_format=fields.get('container_format'),
        # A staged upload records its md5.
        want_md5=staging.enabled() if staged is None else staged)


def _send_new(context, targets, fields, hashing, size, staged):
    """Create the images, send the data; all or none of them."""
    try:
        created = uploads.create_images(context, targets, fields)
        try:
            if staged is not None:
                return staging.push(context, staged, created)
            return uploads.stream_into_images(context, created, hashing,
                                              size=size)
        except Exception:
            with excutils.save_and_reraise_exception():
                # Those whose upload never began (the staged data could
                # not be read...).
                recovery.abandon(context, created)
    except exception.MCImageException as e:
        if staged is None:
            raise
        raise staging.kept(e, staged)


def upload_new(context, targets, fields, source, declared_checksum=None,
               declared_size=None):
    """A new image in every target, ``source``'s data streamed into all.

    ``targets`` is [(vim, tenant_id)]; ``fields`` the images' checked
    fields; the data must match the declared md5 and size. Returns
    ([(vim, tenant_id, image)] as the images ended, the staged upload or
    None); if any target fails, every image made is deleted. In stage
    mode the data is staged whole first, and kept whatever happens next.
    """
    for vim, tenant_id in targets:
        access.authorize_create(context, vim, tenant_id,
                                fields.get('visibility'))
    _check_size_cap(declared_size, 'declared size')
    hashing = _reader(source, declared_checksum, declared_size, fields)
    staged = None
    if staging.enabled():
        # Whole and checked in the staging store before any VIM sees it.
        staged = staging.stage(context, hashing, fields, size=declared_size)
    images = _send_new(context, targets, fields, hashing, declared_size,
                       staged)
    for (vim, tenant_id), image in zip(targets, images):
        LOG.info('Uploaded image %(img)s to VIM %(vim)s tenant %(tenant)s: '
                 '%(size)d bytes, sha512 %(sha512)s',
                 {'img': image['id'], 'vim': vim.id, 'tenant': tenant_id,
                  'size': hashing.size,
                  'sha512': hashing.sha512.hexdigest()})
    return [(vim, tenant_id, image)
            for (vim, tenant_id), image in zip(targets, images)], staged


def upload_data(context, vim, tenant_id, image_id, source, size=None,
                declared_md5=None):
    """``source``'s data into a queued image (Glance's data PUT).

    The record is the user's: a refused or failed upload leaves it queued
    (the VIM puts it back), never active or saving, and never deleted.
    Returns the image and, in stage mode, the staged upload (else None).
    """
    image = access.authorize_image(context, vim, tenant_id, image_id,
                                   'mcimage:image:upload')
    if image.get('status') != 'queued':
        raise exception.Conflict(
            reason='Image %s is %s: data can only be uploaded to a queued '
                   'image.' % (image_id, image.get('status')))
    _check_size_cap(size, 'body')
    hashing = _reader(source, declared_md5, None, image)
    staged = None
    if staging.enabled():
        staged = staging.stage(context, hashing, image, size=size)
        try:
            [image] = staging.push(context, staged,
                                   [(vim, tenant_id, image_id)],
                                   created=False)
        except exception.MCImageException as e:
            raise staging.kept(e, staged)
    else:
        [image] = uploads.stream_into_images(
            context, [(vim, tenant_id, image_id)], hashing, size=size,
            created=False)
    LOG.info('Uploaded %(size)d bytes into image %(img)s of VIM %(vim)s, '
             'sha512 %(sha512)s', {'img': image_id, 'vim': vim.id,
                                   'size': hashing.size,
                                   'sha512': hashing.sha512.hexdigest()})
    return image, staged


def stage_data(context, image, source, size=None):
    """``source``'s data into the staging store for ``image``; the row.

    The checks of any upload (size cap, quota, the data's format against
    the image's disk_format); nothing is kept when one fails. The image
    itself is not touched.
    """
    _check_size_cap(size, 'body')
    hashing = _reader(source, None, None, image, staged=True)
    row = staging.stage(context, hashing, image, size=size)
    LOG.info('Staged %(size)d bytes for image %(img)s as staged upload '
             '%(id)s', {'size': row['size'], 'img': image['id'],
                        'id': row['id']})
    return row
