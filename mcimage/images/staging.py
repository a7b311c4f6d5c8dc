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

"""Staged uploads ([upload] mode = stage): stage, push, list, expire.

An upload in stage mode is written whole to the staging store through
the same checks as a streamed one (hashes, size cap, format inspection),
recorded with its size and hashes, and only then sent to the VIMs, read
back from the store and checked again against what was staged. The copy
stays until it expires, so a failed push can be retried and a task can
send it elsewhere ("upload:<id>").
"""

import datetime

from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import excutils
from oslo_utils import timeutils
from oslo_utils import units
from oslo_utils import uuidutils

from mcimage.common import exception
from mcimage.common import policy
from mcimage.common import utils
from mcimage.db import api as db_api
from mcimage.images import reader as verifying
from mcimage.images import uploads
from mcimage import store as staging_store

CONF = cfg.CONF
LOG = logging.getLogger(__name__)


# Set on an image of a VIM whose data a Glance stage call (PUT
# /v2/images/{id}/stage) put into the staging store: the staged upload's id.
IMAGE_PROPERTY = 'os_mcimage_staged_upload'


def enabled():
    return CONF.upload.mode == 'stage'


def stage(context, hashing, fields, size=None):
    """Write ``hashing``'s bytes to the staging store; the active row.

    ``fields`` holds the image's name, disk_format and container_format;
    ``size`` is the size declared up front, if any. The project's staged
    bytes stay within [staging_store] project_quota (413). If anything
    fails, neither data nor row is kept.
    """
    store = _store()
    now = timeutils.utcnow()
    row = db_api.staged_upload_create({
        'id': uuidutils.generate_uuid(),
        'owner': context.project_id,
        'user_id': context.user_id,
        'status': 'saving',
        'name': fields.get('name'),
        'disk_format': fields.get('disk_format'),
        'container_format': fields.get('container_format'),
        'store': CONF.staging_store.driver,
        'host': CONF.host,
        'created_at': now,
        'expires_at': now + datetime.timedelta(
            hours=CONF.staging_store.upload_time_to_live),
    })
    reader = _QuotaReader(hashing, row)
    try:
        try:
            # Refused before a byte is read when the declared size is over.
            reader.reserve(size or 0, size or RESERVE_STEP)
            location = store.add(row['id'], reader, size=size)
        except Exception:
            # The reader's own error is the real cause, whatever the store
            # made of it.
            reader.raise_error()
            raise
        finally:
            hashing.close()
        reader.raise_error()
        row = db_api.staged_upload_update(row['id'], {
            'status': 'active',
            'size': hashing.size,
            'checksum': hashing.checksum,
            'os_hash_algo': 'sha512',
            'os_hash_value': hashing.sha512.hexdigest(),
            'location': location,
        }, status='saving')
    except Exception:
        with excutils.save_and_reraise_exception():
            # The store deleted its partial data; the sweep deletes any
            # file left without its row.
            db_api.staged_upload_delete(row['id'])
    LOG.info('Staged upload %(id)s: %(size)d bytes, md5 %(md5)s',
             {'id': row['id'], 'size': row['size'], 'md5': row['checksum']})
    return row


# Bytes reserved ahead of the data when its size is not declared: the
# quota costs two queries per step, not per piece.
RESERVE_STEP = 64 * units.Mi


class _QuotaReader(object):
    """Keeps a project's staged bytes within [staging_store] project_quota.

    The reservation is the ``saving`` row's size: the declared size, else
    what has arrived plus a step, grown as data flows. Uploads of one
    project may run in several threads, processes and API nodes that
    share only the database, so each one first *commits* its reservation
    and only then reads the project's total (db_api.staged_upload_usage):
    of two uploads that together go over, the one that committed last
    reads the other's reservation too and is refused. Both may be refused
    when they reserve at the same moment near the limit; never both let
    through.
    """

    def __init__(self, source, row):
        self._source = source
        self._row = row
        self._limit = CONF.staging_store.project_quota
        self.reserved = 0
        self.received = 0
        self.error = None

    def read(self, size=None):
        try:
            piece = self._source.read()
            self.received += len(piece)
            if self.received > self.reserved:
                self.reserve(self.received, self.received + RESERVE_STEP)
            return piece
        except exception.MCImageException as e:
            self.error = e
            raise

    def raise_error(self):
        if self.error is not None:
            raise self.error
        self._source.raise_error()

    def reserve(self, needed, wanted):
        """Reserve ``wanted`` bytes, or at least ``needed``; else 413."""
        if not self._limit:
            self.reserved = float('inf')
            return
        amount = max(wanted, needed)
        for _attempt in range(2):
            db_api.staged_upload_update(self._row['id'], {'size': amount},
                                        status='saving')
            total = db_api.staged_upload_usage(self._row['owner'])
            others = total - amount
            if total <= self._limit:
                self.reserved = amount
                return
            # Less than wanted may do: what the others leave, if enough.
            amount = self._limit - others
            if amount < needed:
                break
        LOG.info('Staged upload %(id)s refused: project %(owner)s has '
                 '%(usage)d bytes staged, needs %(needed)d more, quota '
                 '%(limit)d', {'id': self._row['id'],
                               'owner': self._row['owner'], 'usage': others,
                               'needed': needed, 'limit': self._limit})
        raise exception.StagingQuotaExceeded(
            project=self._row['owner'], limit=self._limit, usage=others,
            needed=needed)


def _store():
    """The staging store, or a 503 that does not tell its configuration.

    The start of mcimage loads it first and stops on a ConfigInvalid that
    names paths and the driver's words: those are for the operator.
    """
    try:
        return staging_store.get_store()
    except exception.ConfigInvalid as e:
        LOG.error('The staging store cannot be loaded: %s', e)
        raise exception.StagingStoreError(reason='it is not set up')


def push(context, row, targets, created=True):
    """Send a staged upload's data into images [(vim, tenant, image_id)].

    Read once from the store and teed to every target, checked on the way
    (size, md5, format) against what was staged, and each VIM's record
    against the hashes. Returns the images as they ended.
    """
    store = _store()
    source = store.open(row['id'], row['location'])
    # Checked by sha512, the hash each VIM's record is checked against:
    # no md5 computed again.
    hashing = verifying.VerifyingReader(
        source, CONF.upload.image_size_cap,
        declared_os_hash_value=row['os_hash_value'],
        declared_size=row['size'],
        disk_format=row['disk_format'],
        container_format=row['container_format'])
    try:
        return uploads.stream_into_images(context, targets, hashing,
                                          size=row['size'], created=created)
    except exception.ChecksumMismatch as e:
        LOG.error('Staged upload %(id)s no longer holds the data it was '
                  'staged with: %(err)s', {'id': row['id'], 'err': e})
        raise exception.StagingStoreError(
            reason='staged upload %s no longer holds the data it was '
                   'staged with' % row['id'])
    finally:
        source.close()


def kept(error, row):
    """``error``, its message telling that the staged data is kept."""
    message = str(error).rstrip()
    if not message.endswith('.'):
        message += '.'
    until = utils.format_time(row['expires_at'])
    return type(error)(
        '%s The data is kept as staged upload %s until %s; see '
        'GET /v1/uploads/%s.' % (message, row['id'], until, row['id']),
        headers=error.headers)


# -- the API: list, show, delete ---------------------------------------------

def _target(row):
    return {'tenant_id': row['owner'], 'project_id': row['owner']}


def get_visible(context, upload_id):
    """The row, if the caller may see it; else the same 404 as for none."""
    row = db_api.staged_upload_get(upload_id)
    policy.authorize(context, 'mcimage:upload:get', _target(row),
                     conceal=exception.StagedUploadNotFound(
                         upload_id=upload_id))
    return row


def list_uploads(context, limit, marker=None, status=None):
    """A page of the caller's project's staged uploads, newest first.

    ``limit`` rows at most, after ``marker`` (an upload id); ``status``
    filters.
    """
    policy.authorize(context, 'mcimage:upload:get_all',
                     {'tenant_id': context.project_id,
                      'project_id': context.project_id})
    try:
        return db_api.staged_upload_get_all(
            owner=context.project_id, status=status, limit=limit,
            marker=marker)
    except exception.StagedUploadNotFound:
        raise exception.InvalidParameterValue(
            name='marker', value=marker,
            reason='no staged upload with this id is listed here')


def delete_upload(context, upload_id):
    row = get_visible(context, upload_id)
    policy.authorize(context, 'mcimage:upload:delete', _target(row))
    if row['status'] == 'saving':
        raise exception.Conflict(
            reason='Staged upload %s is still receiving its data.' %
                   upload_id)
    _discard(row)


def discard(upload_id):
    """Delete a staged upload, if it is still there; True if it was.

    No policy: mcimage's own clean-up of what it staged for an image.
    """
    try:
        row = db_api.staged_upload_get(upload_id)
    except exception.StagedUploadNotFound:
        return False
    _discard(row)
    return True


def _discard(row):
    """Delete a staged upload's data, then its row."""
    _store().delete(row['id'], row['location'])
    db_api.staged_upload_delete(row['id'])


# -- the sweep ----------------------------------------------------------------

def sweep(broken_off=()):
    """Delete expired staged uploads, and what a crash or failure left.

    ``broken_off`` are rows a stop of mcimage broke off mid-way (those of
    this host still ``saving`` at start-up). Files the store holds that no
    row knows of are orphans: a row is always written before its data.
    """
    now = timeutils.utcnow()
    # Data still arriving is never expired under its upload.
    doomed = db_api.staged_upload_get_all(expired_at=now, status='active')
    if not (doomed or broken_off or enabled()
            or db_api.staged_upload_get_all(limit=1)):
        # Never staged anything here: no store to load.
        return
    for row in list(doomed) + list(broken_off):
        LOG.info('Deleting staged upload %(id)s (%(why)s)',
                 {'id': row['id'], 'why': 'broken off by a stop'
                  if row['status'] == 'saving' else 'expired'})
        try:
            _discard(row)
        except exception.StagingStoreError as e:
            LOG.warning('Staged upload %(id)s not deleted yet: %(err)s',
                        {'id': row['id'], 'err': e})
    store = staging_store.get_store()
    for upload_id in store.stored_ids() or ():
        try:
            db_api.staged_upload_get(upload_id)
        except exception.StagedUploadNotFound:
            LOG.warning('Deleting staged data %s, which no staged upload '
                        'record knows of', upload_id)
            store.delete(upload_id, None)
