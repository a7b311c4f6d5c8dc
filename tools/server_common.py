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

"""What the server tools (glance_, postgres_, redis_server.py) share.

Standard library only: the tools are run as scripts and loaded by path
from the tests and the benchmarks.
"""

import atexit
import os
import socket

LOG_TAIL_CHARS = 3000

# Running servers, stopped at interpreter exit if nobody else did.
LIVE_SERVERS = set()


def _stop_live_servers():
    for server in list(LIVE_SERVERS):
        try:
            server.stop()
        except Exception:
            pass  # best effort at interpreter exit


atexit.register(_stop_live_servers)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def tail(path, chars=LOG_TAIL_CHARS):
    """The end of a log file, as text."""
    try:
        with open(path, 'rb') as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - chars))
            return f.read().decode('utf-8', 'replace')
    except OSError as exc:
        return '(cannot read: %s)' % exc


def group_alive(pgid):
    """Whether a process of the group is left that is not a zombie.

    Orphaned workers are reaped by init, maybe late; a zombie holds no
    socket or file, so it does not count.
    """
    try:
        pids = [int(n) for n in os.listdir('/proc') if n.isdigit()]
    except OSError:
        pids = None
    if pids is None:
        try:
            os.killpg(pgid, 0)
            return True
        except ProcessLookupError:
            return False
    for pid in pids:
        try:
            with open('/proc/%d/stat' % pid, 'rb') as f:
                stat = f.read()
        except OSError:
            continue
        # "pid (comm) state ppid pgrp ...": comm may hold spaces and ')'.
        fields = stat[stat.rfind(b')') + 2:].split()
        if int(fields[2]) == pgid and fields[0] not in (b'Z', b'X'):
            return True
    return False
