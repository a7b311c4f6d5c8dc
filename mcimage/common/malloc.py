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

"""The C allocator of a WSGI server's process, set for streaming image data.

WSGI servers read request bodies into buffers of up to a MiB. glibc hands
blocks that large out as their own mappings and, once they are freed,
gives the memory back to the kernel; the next block faults it in again,
page by page. Under gunicorn, which allocates its buffers anew for each
connection, that cost mcimage-api 2.0-2.5 system CPU seconds per GiB
uploaded against 0.5 with the two thresholds below
(doc/source/contributor/data-path.rst). The processes that serve
mcimage.wsgi.api set them; the embedded mcimage-api does not: it gained
no CPU from them, and they kept its RSS up to 100 MiB at the peak. The
same values can be given as glibc's MALLOC_MMAP_THRESHOLD_ and
MALLOC_TRIM_THRESHOLD_ environment variables or GLIBC_TUNABLES; when any
of them is set, the operator's values stand.

The heap then keeps the pages of buffers freed below its top: over the
benchmark's thirty-odd 1 GiB transfers a process's RSS crept up by 5 MiB.
``release_free_memory`` gives them back (glibc's malloc_trim); each
process calls it every RELEASE_INTERVAL seconds
(mcimage.common.service.BackgroundService), which costs a few page faults
when a transfer takes them again.
"""

import ctypes
import os
import platform

from oslo_log import log as logging

LOG = logging.getLogger(__name__)

# <malloc.h>
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3

# Blocks below this come from the heap, so buffers of a MiB are reused.
MMAP_THRESHOLD = 2 * 1024 * 1024
# The heap keeps this much free at its top rather than give it back.
TRIM_THRESHOLD = 8 * 1024 * 1024

_OPERATOR_SETTINGS = ('MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_',
                      'GLIBC_TUNABLES')

# Seconds between two releases of the heap's free pages.
RELEASE_INTERVAL = 10


def _glibc():
    """The C library if it is glibc, else None."""
    if platform.libc_ver()[0] != 'glibc':
        return None
    try:
        return ctypes.CDLL(None)
    except OSError:
        return None


def tune_for_streaming():
    """Set this process's malloc thresholds; True if they were set.

    Nothing is done off glibc or when the operator set the allocator up.
    """
    libc = _glibc()
    if libc is None:
        return False
    if any(name in os.environ for name in _OPERATOR_SETTINGS):
        LOG.debug('malloc left as the environment sets it')
        return False
    try:
        mallopt = libc.mallopt
    except AttributeError:
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    # mallopt answers 1 on success, 0 on error.
    done = (mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1 and
            mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1)
    if not done:
        LOG.warning('glibc refused the malloc thresholds for streaming')
    return done


def release_free_memory():
    """Give the free pages of every malloc arena back; True if done.

    Nothing is done off glibc. Only whole free pages go: what is in use
    stays where it is.
    """
    libc = _glibc()
    if libc is None:
        return False
    try:
        trim = libc.malloc_trim
    except AttributeError:
        return False
    trim.argtypes = (ctypes.c_size_t,)
    trim.restype = ctypes.c_int
    trim(0)
    return True
