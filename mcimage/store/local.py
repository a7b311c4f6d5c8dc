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

"""The default staging store: one file per upload in a local directory."""

import errno
import os

from oslo_log import log as logging
from oslo_utils import uuidutils

from mcimage.common import exception
from mcimage import store

LOG = logging.getLogger(__name__)
SCHEME = 'file://'


def _failed(what, path, error):
    """The error a user gets for ``error``; the log gets the details.

    An OSError's text names paths of this node: not for users.
    """
    LOG.error('Staging directory: %(what)s failed (%(path)s): %(err)s',
              {'what': what, 'path': path, 'err': error})
    if getattr(error, 'errno', None) in (errno.ENOSPC, errno.EDQUOT):
        return exception.StagingStoreFull(reason='it is full')
    return exception.StagingStoreError(reason='%s failed' % what)


class _FileReader(object):

    def __init__(self, upload_id, path, chunk_size):
        self._upload_id = upload_id
        self._path = path
        self._file = open(path, 'rb')
        self._chunk_size = chunk_size

    def read(self, size=None):
        try:
            return self._file.read(self._chunk_size)
        except OSError as e:
            raise _failed('reading staged upload %s' % self._upload_id,
                          self._path, e)

    def close(self):
        self._file.close()


class LocalStore(store.StagingStore):
    """Files named by upload id under [staging_store] local_path.

    Only this node sees them: with several API nodes, use a shared
    glance_store driver instead.
    """

    def __init__(self, conf):
        super().__init__(conf)
        self.path = os.path.abspath(conf.staging_store.local_path)
        try:
            # Whole images of other users: no one else may read them.
            os.makedirs(self.path, mode=0o700, exist_ok=True)
        except OSError as e:
            raise exception.ConfigInvalid(
                group='staging_store', option='local_path',
                reason='cannot create %s: %s' % (self.path, e.strerror))
        if not os.access(self.path, os.W_OK | os.X_OK):
            raise exception.ConfigInvalid(
                group='staging_store', option='local_path',
                reason='%s is not writable' % self.path)

    def _path(self, upload_id):
        # Ids are ours, but a path is made of this one: never a traversal.
        if not uuidutils.is_uuid_like(upload_id):
            raise ValueError('not an upload id: %r' % upload_id)
        return os.path.join(self.path, upload_id)

    def _check_room(self, needed):
        """507 when ``needed`` more bytes go below min_free_space."""
        floor = self.conf.staging_store.min_free_space
        if not floor:
            return
        try:
            stat = os.statvfs(self.path)
        except OSError as e:
            raise _failed('measuring the free space', self.path, e)
        free = stat.f_bavail * stat.f_frsize
        if free - needed < floor:
            LOG.warning('Staging directory %(path)s: %(free)d bytes free, '
                        '%(needed)d more would leave less than '
                        '[staging_store] min_free_space (%(floor)d)',
                        {'path': self.path, 'free': free, 'needed': needed,
                         'floor': floor})
            raise exception.StagingStoreFull(
                reason='its free space would drop below [staging_store] '
                       'min_free_space')

    def add(self, upload_id, reader, size=None):
        path = self._path(upload_id)
        # Refused before a byte is read when the declared size does not fit.
        self._check_room(size or 0)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as e:
            raise _failed('creating a file in the staging directory', path,
                          e)
        try:
            with os.fdopen(fd, 'wb') as f:
                while True:
                    piece = reader.read()
                    if not piece:
                        break
                    # Every piece: other uploads and other programs write
                    # to this file system too (a statvfs costs about a
                    # microsecond).
                    self._check_room(len(piece))
                    try:
                        f.write(piece)
                    except OSError as e:
                        raise _failed('writing to the staging directory',
                                      path, e)
                try:
                    f.flush()
                    # A staged upload is a promise the data is still there
                    # after a crash: on disk before it is declared active.
                    os.fsync(f.fileno())
                except OSError as e:
                    raise _failed('writing to the staging directory', path,
                                  e)
        except BaseException:
            self._unlink(path)
            raise
        return SCHEME + path

    def open(self, upload_id, location):
        path = self._path(upload_id)
        try:
            return _FileReader(upload_id, path, self.conf.upload.chunk_size)
        except OSError as e:
            raise _failed('reading staged upload %s' % upload_id, path, e)

    def delete(self, upload_id, location):
        path = self._path(upload_id)
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError as e:
            raise _failed('deleting staged upload %s' % upload_id, path, e)

    @staticmethod
    def _unlink(path):
        """Delete a partial file; its failure must not hide the cause."""
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError as e:
            LOG.warning('Cannot delete the staged file %(path)s: %(err)s',
                        {'path': path, 'err': e.strerror})

    def stored_ids(self):
        return [name for name in os.listdir(self.path)
                if uuidutils.is_uuid_like(name)]
