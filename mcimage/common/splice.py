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

"""Bytes from one TCP socket to another without passing through Python.

The kernel's splice(2) moves them through a pipe: no copy into the
process, no Python object per piece. A download relayed this way costs
the API a tenth of the CPU of a read-and-send loop, which on two cores
is the difference between the VIM's own speed and 1.3 times its time
(doc/source/contributor/data-path.rst).
"""

import errno
import fcntl
import os
import select
import socket
import ssl

# A pipe this large (the default limit of /proc/sys/fs/pipe-max-size) lets
# one splice take all the socket holds; 64 KiB pipes cost 20% in speed.
PIPE_SIZE = 1024 * 1024
# Seconds either side may stall before the relay gives up.
STALL_TIMEOUT = 60


class Stalled(IOError):
    """A side of the relay neither read nor written for STALL_TIMEOUT."""


class ShortSource(IOError):
    """The source closed before it sent the bytes it promised."""


def usable(sock):
    """Whether ``sock`` is a plain TCP socket splice can read or write.

    A TLS socket's bytes are not the application's bytes.
    """
    return (hasattr(os, 'splice') and isinstance(sock, socket.socket) and
            not isinstance(sock, ssl.SSLSocket) and
            sock.type == socket.SOCK_STREAM)


def _wait(fd, event, timeout):
    poller = select.poll()
    poller.register(fd, event | select.POLLERR | select.POLLHUP)
    if not poller.poll(timeout * 1000):
        raise Stalled('no progress in %d seconds' % timeout)


def _splice(fd_in, fd_out, count, wait_fd, event, timeout):
    """One splice, waiting for ``wait_fd`` when it is not ready."""
    while True:
        try:
            return os.splice(fd_in, fd_out, count,
                             flags=os.SPLICE_F_MOVE | os.SPLICE_F_MORE)
        except BlockingIOError:
            _wait(wait_fd, event, timeout)
        except InterruptedError:
            continue


def relay(source, sink, length, timeout=STALL_TIMEOUT):
    """Move exactly ``length`` bytes from socket ``source`` to ``sink``.

    ``source`` and ``sink`` are file descriptors of plain TCP sockets (see
    usable()); nothing of what ``source`` has to give may sit in a Python
    buffer. Raises ShortSource when the source ends early, Stalled when a
    side stops for ``timeout`` seconds, OSError for a broken connection;
    what was moved by then is on its way to ``sink``.
    """
    pipe_r, pipe_w = os.pipe2(os.O_CLOEXEC)
    # A blocking socket (gunicorn makes its client sockets so) would let a
    # splice wait with no limit for a client that stopped reading: for the
    # relay both are non-blocking and polled with ``timeout``.
    was_blocking = {fd: os.get_blocking(fd) for fd in (source, sink)}
    try:
        for fd in was_blocking:
            os.set_blocking(fd, False)
        try:
            fcntl.fcntl(pipe_w, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
        except OSError as e:
            # Smaller pipes only cost speed.
            if e.errno not in (errno.EPERM, errno.EINVAL):
                raise
        src, dst = source, sink
        left = length
        while left:
            got = _splice(src, pipe_w, min(left, PIPE_SIZE), src,
                          select.POLLIN, timeout)
            if not got:
                raise ShortSource('the source closed with %d of %d bytes '
                                  'not sent' % (left, length))
            left -= got
            while got:
                got -= _splice(pipe_r, dst, got, dst, select.POLLOUT,
                               timeout)
    finally:
        os.close(pipe_r)
        os.close(pipe_w)
        for fd, blocking in was_blocking.items():
            os.set_blocking(fd, blocking)
