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

"""mcimage.api.multipart.MultipartReader over in-memory bodies."""

import io

from mcimage.api import multipart
from mcimage.common import exception
from tests import base

BOUNDARY = 'XYZ'
CTYPE = 'multipart/form-data; boundary=%s' % BOUNDARY
# What webtest and browsers use: long, with punctuation, quoted.
LONG_BOUNDARY = '----------a_BoUnDaRy7302+9a$'

# Near-misses of the delimiter "\r\n--XYZ": each one falls short of it.
NEAR_MISSES = (b'data\r\n--XY\r\nmore\r\n-XYZ\r\n--X--\r\n'
               b'x--XYZ mid-line\n--XYZ after LF\r--XYZ after CR'
               b'\r\n--XZY\r\n-\r\n--\r\n--X')


def build(parts, boundary=BOUNDARY, close=True, epilogue=b''):
    """A multipart/form-data body; parts are (name, filename, bytes)."""
    boundary = boundary.encode('ascii')
    out = []
    for name, filename, value in parts:
        disposition = 'form-data; name="%s"' % name
        if filename is not None:
            disposition += '; filename="%s"' % filename
        out.append(b'--' + boundary + b'\r\n')
        out.append(b'Content-Disposition: ' + disposition.encode('utf-8') +
                   b'\r\n')
        if filename is not None:
            out.append(b'Content-Type: application/octet-stream\r\n')
        out.append(b'\r\n' + value + b'\r\n')
    if close:
        out.append(b'--' + boundary + b'--\r\n')
    return b''.join(out) + epilogue


def read_all(reader):
    """The current part's data, read piece by piece."""
    pieces = []
    while True:
        piece = reader.read()
        if not piece:
            return b''.join(pieces)
        pieces.append(piece)


class TestMultipartReader(base.TestCase):

    def reader(self, body, content_type=CTYPE, chunk_size=7, **kwargs):
        return multipart.MultipartReader(io.BytesIO(body), content_type,
                                         chunk_size=chunk_size, **kwargs)

    def test_fields_then_file_small_chunks(self):
        data = bytes(range(256)) * 20
        body = build([('name', None, b'my image'),
                      ('imageType', None, b'qcow2'),
                      ('file', 'disk.qcow2', data)])
        for chunk_size in (1, 2, 3, 7, 13, 64, 4096, len(body),
                           len(body) + 1):
            reader = self.reader(body, chunk_size=chunk_size)
            part = reader.next_part()
            self.assertEqual('name', part.name)
            self.assertIsNone(part.filename)
            self.assertEqual('my image', reader.read_text(100))
            part = reader.next_part()
            self.assertEqual('imageType', part.name)
            self.assertEqual('qcow2', reader.read_text(100))
            part = reader.next_part()
            self.assertEqual('file', part.name)
            self.assertEqual('disk.qcow2', part.filename)
            self.assertEqual('application/octet-stream', part.content_type)
            self.assertEqual(data, read_all(reader), chunk_size)
            self.assertIsNone(reader.next_part())
            reader.finish()
            self.assertEqual(len(body), reader.bytes_read)

    def test_pieces_are_streamed(self):
        # The file comes in several pieces, never one whole blob.
        data = b'x' * 100000
        reader = self.reader(build([('file', 'f', data)]),
                             chunk_size=4096)
        reader.next_part()
        pieces = []
        while True:
            piece = reader.read()
            if not piece:
                break
            pieces.append(piece)
        self.assertGreater(len(pieces), 20)
        self.assertLessEqual(max(len(p) for p in pieces), 4096)
        self.assertEqual(data, b''.join(pieces))

    def test_boundary_near_miss_in_file_survives(self):
        data = NEAR_MISSES * 3
        body = build([('name', None, b'n'), ('file', 'f', data)])
        for chunk_size in range(1, 40):
            reader = self.reader(body, chunk_size=chunk_size)
            reader.next_part()
            self.assertEqual('n', reader.read_text(10))
            self.assertEqual('file', reader.next_part().name)
            self.assertEqual(data, read_all(reader), chunk_size)
            reader.finish()

    def test_long_quoted_boundary(self):
        data = (b'\r\n--' + LONG_BOUNDARY[:-1].encode() + b'\r\n' +
                NEAR_MISSES)
        body = build([('file', 'f', data)], boundary=LONG_BOUNDARY)
        for chunk_size in (1, 5, 7, 31, 33, 100):
            reader = self.reader(
                body, content_type='multipart/form-data; boundary="%s"' %
                LONG_BOUNDARY, chunk_size=chunk_size)
            self.assertEqual('file', reader.next_part().name)
            self.assertEqual(data, read_all(reader))
            reader.finish()

    def test_every_split_of_the_closing_boundary(self):
        # Whatever read ends where, "--XYZ--\r\n" closes a valid body; the
        # strict parser must get its CR LF along with it.
        for tail in (b'\r\n', b''):
            body = build([('file', 'f', b'0123456789')])[:-2] + tail
            for chunk_size in range(1, len(body) + 2):
                reader = self.reader(body, chunk_size=chunk_size)
                reader.next_part()
                self.assertEqual(b'0123456789', read_all(reader))
                reader.finish()

    def test_missing_boundary_parameter(self):
        for ctype in ('multipart/form-data', 'multipart/form-data; a=b',
                      'multipart/form-data; boundary=', None):
            e = self.assertRaises(
                exception.InvalidMultipart, multipart.MultipartReader,
                io.BytesIO(build([('file', 'f', b'x')])), ctype)
            self.assertIn('boundary', str(e))
            self.assertEqual(400, e.code)

    def test_truncated_body(self):
        full = build([('name', None, b'n'), ('file', 'f', b'y' * 100)])
        for body in (build([('name', None, b'n'),
                            ('file', 'f', b'y' * 100)], close=False),
                     full[:-5], full[:60], b''):
            for chunk_size in (7, 4096):
                reader = self.reader(body, chunk_size=chunk_size)

                def consume():
                    while reader.next_part() is not None:
                        read_all(reader)

                e = self.assertRaises(exception.InvalidMultipart, consume)
                self.assertIn('Malformed multipart', str(e))

    def test_truncated_inside_file_raises_on_read(self):
        body = build([('file', 'f', b'y' * 100)], close=False)[:-10]
        reader = self.reader(body)
        reader.next_part()
        self.assertRaises(exception.InvalidMultipart, read_all, reader)

    def test_data_after_closing_boundary(self):
        for epilogue in (b'garbage', b'\r\n', b'\r\n--XYZ--\r\nmore'):
            body = build([('file', 'f', b'data')], epilogue=epilogue)
            for chunk_size in (1, 7, 4096):
                reader = self.reader(body, chunk_size=chunk_size)
                reader.next_part()

                def consume():
                    read_all(reader)
                    reader.finish()

                e = self.assertRaises(exception.InvalidMultipart, consume)
                self.assertIn('after', str(e))

    def test_finish_refuses_an_extra_part(self):
        body = build([('file', 'f', b'data'), ('name', None, b'late')])
        reader = self.reader(body)
        self.assertEqual('file', reader.next_part().name)
        self.assertEqual(b'data', read_all(reader))
        e = self.assertRaises(exception.InvalidMultipart, reader.finish)
        self.assertIn("'name'", str(e))
        self.assertIn('before the file', str(e))

    def test_finish_skips_unread_data(self):
        body = build([('file', 'f', b'data' * 100)])
        reader = self.reader(body)
        reader.next_part()
        reader.finish()
        self.assertEqual(len(body), reader.bytes_read)

    def test_read_text_limit(self):
        reader = self.reader(build([('name', None, b'x' * 100)]))
        reader.next_part()
        e = self.assertRaises(exception.InvalidMultipart, reader.read_text,
                              99)
        self.assertIn('larger than 99 bytes', str(e))

    def test_read_text_not_utf8(self):
        reader = self.reader(build([('name', None, b'\xff\xfe')]))
        reader.next_part()
        e = self.assertRaises(exception.InvalidMultipart, reader.read_text,
                              99)
        self.assertIn('UTF-8', str(e))

    def test_read_text_utf8(self):
        reader = self.reader(build([('name', None,
                                     'image \u00e9t\u00e9'.encode())]))
        reader.next_part()
        self.assertEqual('image \u00e9t\u00e9', reader.read_text(99))

    def test_too_many_parts(self):
        body = build([('f%d' % i, None, b'v') for i in range(5)])
        reader = self.reader(body, max_parts=3)

        def consume():
            while reader.next_part() is not None:
                read_all(reader)

        self.assertRaises(exception.InvalidMultipart, consume)

    def test_part_without_content_disposition(self):
        body = (b'--XYZ\r\nContent-Type: text/plain\r\n\r\nv\r\n'
                b'--XYZ--\r\n')
        reader = self.reader(body)
        self.assertRaises(exception.InvalidMultipart, reader.next_part)

    def test_read_outside_a_part(self):
        reader = self.reader(build([('file', 'f', b'data')]))
        self.assertEqual(b'', reader.read())

    def test_empty_form(self):
        reader = self.reader(b'--XYZ--\r\n')
        self.assertIsNone(reader.next_part())
        self.assertIsNone(reader.next_part())

    def test_is_multipart(self):
        self.assertTrue(multipart.is_multipart(CTYPE))
        self.assertTrue(multipart.is_multipart('Multipart/Form-Data'))
        self.assertFalse(multipart.is_multipart('application/json'))
        self.assertFalse(multipart.is_multipart('multipart/mixed; b=1'))
        self.assertFalse(multipart.is_multipart(None))
