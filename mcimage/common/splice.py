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

"""Moving bytes from one socket to another inside the kernel (splice).

A download through mcimage-api relays a VIM's response body to the
client. Read into Python and written out again, every byte is copied
twice through user space; splice(2) through a pipe moves page references
instead, so relaying costs little CPU on the same cores that Glance and
the client need (Linux only; anything else falls back to the copy).
"""

import errno
import fcntl
import os
import select

# Bytes a pipe holds (F_SETPIPE_SZ; the default is 64 KiB).
PIPE_SIZE = 1024 * 1024
_FLAGS = (getattr(os, 'SPLICE_F_MOVE', 0)
          | getattr(os, 'SPLICE_F_NONBLOCK', 0))
_MORE = getattr(os, 'SPLICE_F_MORE', 0)


def available():
    return hasattr(os, 'splice')


class SourceEnded(Exception):
    """The source closed before ``count`` bytes."""


def move(src_fd, dst_fd, count, timeout):
    """Move ``count`` bytes from ``src_fd`` to ``dst_fd``; bytes moved.

    Both may be non-blocking sockets (Python's sockets with a timeout
    are); ``timeout`` bounds each wait for either side, never the whole
    transfer. Raises SourceEnded, TimeoutError or OSError.
    """
    read_end, write_end = os.pipe()
    try:
        try:
            fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
            capacity = PIPE_SIZE
        except OSError:
            capacity = 64 * 1024
        poller = select.poll()
        left, in_pipe, moved = count, 0, 0
        while left or in_pipe:
            progressed = False
            if left and in_pipe < capacity:
                n = _splice(src_fd, write_end, min(left, capacity - in_pipe),
                            _FLAGS)
                if n == 0:
                    raise SourceEnded('%d of %d bytes' % (moved + in_pipe,
                                                          count))
                if n:
                    left -= n
                    in_pipe += n
                    progressed = True
            if in_pipe:
                n = _splice(read_end, dst_fd, in_pipe,
                            _FLAGS | (_MORE if left else 0))
                if n:
                    in_pipe -= n
                    moved += n
                    progressed = True
            if not progressed:
                _wait(poller, src_fd if left and in_pipe < capacity
                      else None, dst_fd if in_pipe else None, timeout)
        return moved
    finally:
        os.close(read_end)
        os.close(write_end)


def _splice(src, dst, count, flags):
    """Bytes spliced, or None when either side would block."""
    try:
        return os.splice(src, dst, count, flags=flags)
    except BlockingIOError:
        return None
    except InterruptedError:
        return None
    except OSError as e:
        if e.errno == errno.EAGAIN:
            return None
        raise


def _wait(poller, readable, writable, timeout):
    for fd in (readable, writable):
        if fd is not None:
            try:
                poller.unregister(fd)
            except KeyError:
                pass
    if readable is not None:
        poller.register(readable, select.POLLIN)
    if writable is not None:
        poller.register(writable, select.POLLOUT)
    events = poller.poll(timeout * 1000.0)
    for fd in (readable, writable):
        if fd is not None:
            poller.unregister(fd)
    if not events:
        raise TimeoutError('no progress in %s s' % timeout)
