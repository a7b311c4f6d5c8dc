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

"""Small helpers with no better home."""

import os
import urllib.parse


def is_trace(row):
    """Is this row of our host left by a process that is gone?

    Rows carry the ``pid`` of the process that wrote them. At start-up our
    own pid on a row is a reused pid of a dead process: nothing of ours is
    in flight yet. Rows written before pids were recorded are traces.
    """
    pid = row.get('pid')
    if pid is None or pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        # Alive, under another user.
        return False
    return False


def format_time(value):
    """A naive UTC datetime as the API shows times, or None."""
    return value.strftime('%Y-%m-%dT%H:%M:%SZ') if value else None


def page(name, items, last_id, root, params, limit):
    """A list answer: the items, ``first``, and ``next`` if there may be more.

    ``last_id`` is the id of the page's last row, the next page's marker.
    """
    body = {name: items, 'first': root}
    if len(items) == limit:
        query = dict(params, marker=last_id)
        body['next'] = '%s?%s' % (root, urllib.parse.urlencode(
            sorted(query.items())))
    return body


class IteratorReader(object):
    """An iterator of byte pieces as a reader.

    read() gives the next piece, b'' at the end; close() closes the
    iterator if it can be closed.
    """

    def __init__(self, pieces):
        self._pieces = pieces
        self._iter = iter(pieces)

    def read(self, size=None):
        return next(self._iter, b'')

    def close(self):
        close = getattr(self._pieces, 'close', None)
        if close is not None:
            close()


def at_most(pieces, size):
    """``pieces`` (bytes-like), each longer than ``size`` cut into slices.

    The slices are memoryviews of the piece: nothing is copied.
    """
    for piece in pieces:
        if len(piece) <= size:
            yield piece
            continue
        view = memoryview(piece)
        for start in range(0, len(view), size):
            yield view[start:start + size]


def exact_pieces(pieces, size):
    """``pieces`` (bytes) cut again into pieces of ``size``, the last shorter.

    Where a piece lines up, its slices are memoryviews of it; only the
    bytes that straddle two pieces are copied, joined into one. The pieces
    must not change once given (bytes do not).
    """
    held, held_len = [], 0
    for piece in pieces:
        view = memoryview(piece)
        start = 0
        if held:
            start = min(size - held_len, len(view))
            held.append(view[:start])
            held_len += start
            if held_len < size:
                continue
            yield b''.join(held)
            held, held_len = [], 0
        end = start + (len(view) - start) // size * size
        for at in range(start, end, size):
            yield view[at:at + size]
        if end < len(view):
            held, held_len = [view[end:]], len(view) - end
    if held:
        yield b''.join(held)
