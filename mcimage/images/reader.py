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

"""The one verifying reader on the byte path.

Bytes on their way to a VIM or the staging store are counted against the
size cap, inspected for their format, hashed with sha512 (always: it is
what the VIM's record is checked against) and with md5 only when someone
declared an md5 or it is to be recorded (a staged upload's checksum): md5
costs CPU and buys nothing sha512 does not.
"""

import hashlib
import queue
import threading

from oslo_config import cfg
from oslo_log import log as logging

from mcimage.common import exception
from mcimage.images import inspection

CONF = cfg.CONF
LOG = logging.getLogger(__name__)


class UnverifiedData(exception.BackendError):
    """The VIM recorded other data than what was sent."""

    error_code = 'mcimage.unverified_data'
    msg_fmt = ('VIM %(vim_id)s did not record the data sent into image '
               '%(image_id)s (%(problems)s).%(outcome)s')


class Hash(object):
    """A hashlib digest fed in the reading thread; close() is a no-op."""

    def __init__(self, name):
        self._hash = hashlib.new(name)

    def update(self, piece):
        self._hash.update(piece)

    def close(self):
        pass

    def hexdigest(self):
        return self._hash.hexdigest()


class BackgroundHash(threading.Thread):
    """A hashlib digest fed in a thread of its own.

    hashlib releases the GIL on large buffers, so this hash runs on one
    core while the request's thread computes the other hash. The queue
    is short (QUEUE_BYTES in pieces of [upload] chunk_size): memory
    stays flat and the hash sets the pace if slower.
    """

    QUEUE_BYTES = 1024 * 1024

    def __init__(self, name):
        super().__init__(name='hash-%s' % name, daemon=True)
        self._hash = hashlib.new(name)
        self._queue = queue.Queue(
            max(2, self.QUEUE_BYTES // CONF.upload.chunk_size))

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


class VerifyingReader(object):
    """Count, cap, inspect and hash bytes on their way to the VIM.

    ``source`` is any object whose read() gives the next piece (b'' at the
    end). ``disk_format`` and ``container_format`` are what the image
    declares: the data must be that (mcimage.images.inspection). The
    declared size, md5 (``declared_checksum``) and sha512 are checked
    before the last, empty read is answered, so a mismatch aborts the
    upload before the VIM can mark the image active. ``md5`` is computed
    when an md5 is declared or ``want_md5`` (else ``md5`` is None).

    An error raised here is kept in ``error``: the HTTP stack that pulls
    from this reader may wrap it into a connection error, and the caller
    must still answer with the real cause.
    """

    def __init__(self, source, size_cap, declared_checksum=None,
                 declared_size=None, disk_format=None,
                 container_format=None, declared_os_hash_value=None,
                 want_md5=False):
        self.inspection = inspection.Inspection(source, disk_format,
                                                container_format)
        self._size_cap = size_cap
        self._declared_checksum = (declared_checksum or '').lower() or None
        self._declared_size = declared_size
        self._declared_sha512 = (declared_os_hash_value or '').lower() or None
        self.md5 = (hashlib.md5(usedforsecurity=False)
                    if self._declared_checksum or want_md5 else None)
        # sha512 alone is hashed in the reading thread: handing each piece
        # to a thread cost more CPU than it saved, the reading thread
        # mostly waits for the VIM (doc/source/contributor/data-path.rst).
        self.sha512 = (BackgroundHash('sha512') if self.md5 is not None
                       else Hash('sha512'))
        self.size = 0
        self.error = None
        self.complete = False

    @property
    def checksum(self):
        """The md5 of the bytes read, or None when not computed."""
        return self.md5.hexdigest() if self.md5 is not None else None

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
        piece = self.inspection.read()
        if not piece:
            self._check_end()
            self.complete = True
            return b''
        self.size += len(piece)
        if self.size > self._size_cap:
            raise exception.RequestTooLarge(
                reason='The image is larger than the %d bytes this service '
                       'accepts ([upload] image_size_cap).' % self._size_cap)
        if self.md5 is not None:
            self.md5.update(piece)
        self.sha512.update(piece)
        return piece

    def _check_end(self):
        self.inspection.check()
        if (self._declared_size is not None
                and self._declared_size != self.size):
            raise exception.ChecksumMismatch(
                name='size', declared=self._declared_size,
                actual='%d bytes' % self.size)
        if (self._declared_checksum is not None
                and self._declared_checksum != self.checksum):
            raise exception.ChecksumMismatch(
                name='checksum', declared=self._declared_checksum,
                actual='md5 %s' % self.checksum)
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

    def recorded_problems(self, image):
        """How a VIM's record of ``image`` differs from the bytes read."""
        return recorded_problems(image, self.size, self.sha512.hexdigest(),
                                 md5=self.checksum)

    def verify_recorded(self, vim, image):
        """UnverifiedData (502) unless the VIM recorded the bytes read."""
        verify_recorded(vim, image, self.size, self.sha512.hexdigest(),
                        md5=self.checksum)


def recorded_problems(image, size, sha512, md5=None):
    """How a VIM's record of ``image`` differs from the bytes sent.

    Checked by size, status and sha512 (os_hash_algo sha512); the VIM's
    md5 (``checksum``) only when one was computed (``md5``).
    """
    problems = []
    if image.get('size') != size:
        problems.append('size %s, sent %d' % (image.get('size'), size))
    if md5 is not None and image.get('checksum') and image['checksum'] != md5:
        problems.append('checksum %s, sent md5 %s' % (image['checksum'], md5))
    if (image.get('os_hash_algo') == 'sha512'
            and image.get('os_hash_value') != sha512):
        problems.append('sha512 checksum %s, sent %s' %
                        (image.get('os_hash_value'), sha512))
    if image.get('status') != 'active':
        problems.append('status %s after the upload' % image.get('status'))
    return problems


def verify_recorded(vim, image, size, sha512, md5=None):
    """UnverifiedData (502) unless the VIM recorded the bytes sent."""
    problems = recorded_problems(image, size, sha512, md5=md5)
    if problems:
        raise UnverifiedData(vim_id=vim.id, image_id=image.get('id'),
                             problems='; '.join(problems), outcome='')
