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

"""Incremental multipart/form-data parsing of wsgi.input.

WebOb would parse (and spool to disk) a whole multipart body the moment
anything reads ``req.params``, which Pecan's routing does for every
non-JSON POST (see doc/source/contributor/data-path.rst). The hook that
hides multipart bodies from WebOb is
``mcimage.api.hooks.StreamingBodyHook``; this module then reads the body
itself, chunk by chunk, with the streaming ``multipart`` parser: text
fields are read whole (they are small and bounded), a file part is handed
on piece by piece and never held.
"""

import multipart

from mcimage.common import exception

MULTIPART = 'multipart/form-data'


def is_multipart(content_type):
    return (content_type or '').split(';')[0].strip().lower() == MULTIPART


class Part(object):
    """One part's headers: ``name``, ``filename``, ``content_type``."""

    def __init__(self, segment):
        self.name = segment.name
        self.filename = segment.filename
        self.content_type = segment.content_type


class MultipartReader(object):
    """Pull a multipart body from ``stream`` one part, one piece at a time.

    Use ``next_part()`` to move to the next part (skipping what is left of
    the current one), then ``read_text()`` or ``read()`` until it answers
    b''. Every malformation raises InvalidMultipart.
    """

    def __init__(self, stream, content_type, chunk_size=1024 * 1024,
                 max_parts=64):
        _ctype, options = multipart.parse_options_header(content_type or '')
        boundary = options.get('boundary')
        if not boundary:
            raise exception.InvalidMultipart(
                reason='the Content-Type header has no boundary parameter')
        try:
            self._parser = multipart.PushMultipartParser(
                boundary, max_segment_count=max_parts, strict=True)
        except multipart.MultipartError as e:
            raise exception.InvalidMultipart(reason=e)
        self._stream = stream
        self._chunk_size = chunk_size
        self._events = self._pull()
        self._in_part = False
        self._done = False
        self.bytes_read = 0

    def _pull(self):
        parser = self._parser
        # The strict parser refuses any piece that comes after the one
        # holding the closing delimiter, even the CRLF that ends a valid
        # body: when a read ends inside "--boundary--\r\n", its last bytes
        # are held back and parsed with the next read. Anything else after
        # the closing delimiter is refused at the end, whatever the reads.
        closing = b'--' + parser.boundary + b'--'
        inside = (closing, closing + b'\r')
        ends = (closing, closing + b'\r\n')
        keep = len(closing) + 2
        held = tail = b''
        while True:
            chunk = self._stream.read(self._chunk_size)
            self.bytes_read += len(chunk)
            eof = not chunk
            if not eof:
                tail = (tail + chunk[-keep:])[-keep:]
                chunk, held = held + chunk, b''
                if tail.endswith(inside):
                    cut = min(len(chunk), keep)
                    chunk, held = chunk[:-cut], chunk[-cut:]
            else:
                chunk, held = held, b''
            try:
                if chunk:
                    yield from parser.parse(chunk)
                if eof:
                    # Raises if the closing delimiter was missing.
                    yield from parser.parse(b'')
            except multipart.MultipartError as e:
                raise exception.InvalidMultipart(reason=e)
            if eof:
                if not tail.endswith(ends):
                    raise exception.InvalidMultipart(
                        reason='unexpected data after the closing boundary')
                return

    def _next_event(self):
        try:
            return next(self._events)
        except StopIteration:
            self._done = True
            return StopIteration

    def next_part(self):
        """The next Part, or None after the last one."""
        while self._in_part:
            self.read()
        if self._done:
            return None
        event = self._next_event()
        if event is StopIteration:
            return None
        if not isinstance(event, multipart.MultipartSegment):
            raise exception.InvalidMultipart(reason='data outside a part')
        self._in_part = True
        return Part(event)

    def read(self, size=None):
        """The next piece of the current part's data; b'' at its end.

        A piece is whatever the parser produced from one chunk of the body,
        so it can be longer than ``size`` (a file-like contract loose
        enough for glanceclient, which only needs non-empty pieces).
        """
        if not self._in_part:
            return b''
        while True:
            event = self._next_event()
            if event is None or event is StopIteration:
                self._in_part = False
                if event is StopIteration:
                    raise exception.InvalidMultipart(
                        reason='the body ended inside a part')
                return b''
            if isinstance(event, multipart.MultipartSegment):
                raise exception.InvalidMultipart(reason='a part did not end')
            if event:
                return bytes(event)

    def read_text(self, limit):
        """The whole current part as text, at most ``limit`` bytes."""
        pieces = []
        size = 0
        while True:
            piece = self.read()
            if not piece:
                break
            size += len(piece)
            if size > limit:
                raise exception.InvalidMultipart(
                    reason='a form field is larger than %d bytes' % limit)
            pieces.append(piece)
        try:
            return b''.join(pieces).decode('utf-8')
        except UnicodeDecodeError:
            raise exception.InvalidMultipart(
                reason='a form field is not UTF-8 text')

    def finish(self):
        """Read to the end; the body must hold no further part."""
        part = self.next_part()
        if part is not None:
            raise exception.InvalidMultipart(
                reason='unexpected part %r after the file part: send the '
                       'form fields before the file' % part.name)


class FileReader(object):
    """The current part's data, then a check that no part follows.

    read() answers b'' at the end of the part only once the rest of the
    body is read and holds no further part (finish()): a body refused
    after all is refused before its data can be taken as whole.
    """

    def __init__(self, reader):
        self._reader = reader

    def read(self, size=None):
        piece = self._reader.read(size)
        if not piece:
            self._reader.finish()
        return piece
