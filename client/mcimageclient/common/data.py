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

"""Image data sent and received: in pieces, counted, never held whole.

An upload body is an iterable of pieces with a ``len`` (None when the
size is not known: requests then sends it chunked). A multipart body puts
the form's text fields first and the file part last, as mcimage reads
them (the fields are checked before any data is sent to a VIM).
"""

import io
import os
import uuid

from mcimageclient.common import http
from mcimageclient import exceptions


class Source(object):
    """What to upload: a path or a readable binary file object.

    ``size`` is the number of bytes left to read, None when it cannot be
    known (a pipe). A path is opened here and closed by ``close()``.
    """

    def __init__(self, data):
        self._owned = isinstance(data, (str, os.PathLike))
        if self._owned:
            self.file = open(data, 'rb')
            self.name = os.path.basename(os.fspath(data))
        else:
            self.file = data
            name = getattr(data, 'name', None)
            self.name = os.path.basename(name) if isinstance(name,
                                                             str) else None
        self.size = _size_left(self.file)

    def close(self):
        if self._owned:
            self.file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _size_left(fileobj):
    try:
        if not fileobj.seekable():
            return None
        here = fileobj.tell()
        end = fileobj.seek(0, io.SEEK_END)
        fileobj.seek(here)
    except (AttributeError, OSError, ValueError):
        return None
    return end - here


class Body(object):
    """A request body: ``head``, the source's data, ``tail``.

    ``progress_callback(bytes_done, bytes_total)`` is called as the
    source's data is read (``bytes_total`` None when unknown). A source
    that ends before or after its size fails the upload, never sends a
    body shorter or longer than its Content-Length.
    """

    def __init__(self, source, head=b'', tail=b'', progress_callback=None,
                 chunk_size=http.CHUNK_SIZE):
        self._source = source
        self._head = head
        self._tail = tail
        self._progress = progress_callback
        self._chunk_size = chunk_size
        self.bytes_read = 0
        # requests reads ``len``: None sends the body chunked.
        self.len = (None if source.size is None
                    else len(head) + source.size + len(tail))

    def __iter__(self):
        if self._head:
            yield self._head
        size = self._source.size
        self._report(0, size)
        while True:
            want = self._chunk_size
            if size is not None:
                # One byte past the size tells the file grew.
                want = min(want, size - self.bytes_read + 1)
            chunk = self._source.file.read(want)
            if not chunk:
                break
            self.bytes_read += len(chunk)
            if size is not None and self.bytes_read > size:
                raise exceptions.ClientException(
                    'The data grew while it was sent: more than the %d '
                    'bytes it had' % size)
            self._report(self.bytes_read, size)
            yield chunk
        if size is not None and self.bytes_read != size:
            raise exceptions.ClientException(
                'The data ended after %d of its %d bytes' %
                (self.bytes_read, size))
        if self._tail:
            yield self._tail

    def _report(self, done, total):
        if self._progress is not None:
            self._progress(done, total)


def _safe_filename(name):
    """A file name that cannot end its header or forge another."""
    return ''.join('_' if c in '"\\' or ord(c) < 32 or ord(c) == 127
                   else c for c in name)


def multipart(fields, source, progress_callback=None):
    """(Content-Type, Body) of a form: ``fields`` then the file part.

    ``fields`` are (name, text) pairs, in order.
    """
    boundary = uuid.uuid4().hex
    head = []
    for name, value in fields:
        head.append('--%s\r\nContent-Disposition: form-data; name="%s"'
                    '\r\n\r\n%s\r\n' % (boundary, name, value))
    head.append('--%s\r\nContent-Disposition: form-data; name="file"; '
                'filename="%s"\r\nContent-Type: %s\r\n\r\n' % (
                    boundary, _safe_filename(source.name or 'image'),
                    http.OCTET_STREAM))
    tail = '\r\n--%s--\r\n' % boundary
    body = Body(source, head=''.join(head).encode('utf-8'),
                tail=tail.encode('ascii'),
                progress_callback=progress_callback)
    return 'multipart/form-data; boundary=%s' % boundary, body
