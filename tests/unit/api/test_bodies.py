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

"""Request bodies: each route reads only what it takes, and only so much.

The body is made as it is read and counts what the application took
from wsgi.input, through the whole Paste pipeline.
"""

import io
import itertools
import os
import unittest.mock
import uuid

import fixtures
from oslo_config import cfg
import testtools
import webtest

from mcimage.api import middleware
from mcimage.api import validation
from mcimage.common import exception
from mcimage.images import recovery
from tests.unit.api import base
from tests.unit import fakes

CONF = cfg.CONF
MiB = 1024 * 1024
FORM = 'application/x-www-form-urlencoded'
MULTIPART = 'multipart/form-data; boundary=xyz'
PATCH_2_1 = 'application/openstack-images-v2.1-json-patch'


class CountingInput(object):
    """``size`` bytes of ``fill``, made as they are read, and counted."""

    def __init__(self, size, fill=b'x', prefix=b''):
        self.prefix = prefix
        self.remaining = size - len(prefix)
        self.fill = fill
        self.bytes_read = 0
        self.sizes = []

    def read(self, size=-1):
        self.sizes.append(size)
        if size is None or size < 0:
            size = len(self.prefix) + self.remaining
        head, self.prefix = self.prefix[:size], self.prefix[size:]
        count = min(size - len(head), self.remaining)
        self.remaining -= count
        self.bytes_read += len(head) + count
        return head + self.fill * count

    def readline(self, size=-1):
        return self.read(size if size is not None and size >= 0
                         else 64 * 1024)

    def readlines(self, hint=-1):
        return list(self)

    def __iter__(self):
        while True:
            chunk = self.read(64 * 1024)
            if not chunk:
                return
            yield chunk


class BrokenInput(CountingInput):
    """A body that breaks off after ``size`` bytes, as a server says it.

    cheroot raises ValueError for a malformed chunk; WebOb raises
    DisconnectionError when a body ends before its Content-Length.
    """

    def __init__(self, size, error, **kwargs):
        super().__init__(size, **kwargs)
        self.error = error

    def read(self, size=-1):
        data = super().read(size)
        if not data:
            raise self.error
        return data


class BodyTestCase(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.MockPatchObject(recovery, 'SETTLE_QUIET', 0))
        self.image = self.fake.add_image('p1', disk_format='qcow2',
                                         container_format='bare')
        self.calls_before = list(self.fake.calls)

    def send(self, method, path, content_type, size, chunked=False,
             content_length=None, fill=b'x', prefix=b'', persona='member',
             environ=None, **headers):
        """(response, bytes the application read from wsgi.input)."""
        body = CountingInput(size, fill=fill, prefix=prefix)
        self.body = body
        req = webtest.TestRequest.blank(path, method=method,
                                        headers=self.headers(persona,
                                                             **headers))
        req.environ.update(environ or {})
        req.environ['wsgi.input'] = body
        if content_type is not None:
            req.environ['CONTENT_TYPE'] = content_type
        else:
            req.environ.pop('CONTENT_TYPE', None)
        if chunked:
            # As a server passes a chunked body on: no length, de-chunked.
            req.environ.pop('CONTENT_LENGTH', None)
            req.environ['HTTP_TRANSFER_ENCODING'] = 'chunked'
            req.environ['wsgi.input_terminated'] = True
        else:
            req.environ['CONTENT_LENGTH'] = str(
                size if content_length is None else content_length)
        resp = self.app.do_request(req, status='*', expect_errors=True)
        return resp, body.bytes_read

    def image_url(self, suffix=''):
        return '/v1/%s/p1/images/%s%s' % (base.VIM, self.image['id'],
                                          suffix)

    def json_routes(self):
        """(method, path, the type named in the 415) of each JSON route."""
        return [
            ('POST', '/v1/%s/p1/images' % base.VIM, 'application/json'),
            ('PATCH', self.image_url(), PATCH_2_1),
            ('POST', self.image_url('/members'), 'application/json'),
            ('PUT', self.image_url('/members/p2'), 'application/json'),
            ('POST', '/v1/tasks', 'application/json'),
        ]

    def assertNoVimCall(self):
        self.assertEqual(self.calls_before, self.fake.calls)


class TestJsonRoutes(BodyTestCase):

    def test_form_415_before_reading(self):
        # curl -d sends this type; WebOb would parse 16 MiB of it.
        for method, path, expected in self.json_routes():
            for chunked in (False, True):
                resp, read = self.send(method, path, FORM, 16 * MiB,
                                       chunked=chunked)
                error = self.assertError(resp, 415, FORM)
                self.assertIn(expected, error['detail'])
                self.assertEqual('mcimage.unsupported_media_type',
                                 error['code'])
                self.assertEqual(0, read, (method, path))
        self.assertNoVimCall()

    def test_other_types_415_before_reading(self):
        for ctype in (MULTIPART, 'text/plain', 'application/octet-stream',
                      'application/xml'):
            for method, path, expected in self.json_routes():
                resp, read = self.send(method, path, ctype, 16 * MiB)
                error = self.assertError(resp, 415, expected)
                self.assertIn(ctype.split(';')[0], error['detail'])
                self.assertEqual(0, read, (method, path, ctype))
        self.assertNoVimCall()

    def test_no_content_type_415_naming_json(self):
        # WebOb takes a body without a type for a form.
        for method, path, expected in self.json_routes():
            resp, read = self.send(method, path, None, 16 * MiB)
            self.assertError(resp, 415, expected)
            self.assertEqual(0, read, (method, path))
        resp, read = self.send('POST', '/v1/tasks', None, 20,
                               prefix=b'{"type": "import"}')
        self.assertError(resp, 415, 'application/json')
        self.assertNoVimCall()

    def test_huge_text_plain_task_415(self):
        resp, read = self.send('POST', '/v1/tasks', 'text/plain', 1024 * MiB,
                               chunked=True)
        self.assertError(resp, 415, 'application/json')
        self.assertEqual(0, read)

    def test_json_over_limit_declared_413_before_reading(self):
        self.config(max_json_body_size=4096, group='api')
        for method, path, expected in self.json_routes():
            resp, read = self.send(method, path, expected, 16 * MiB)
            self.assertError(resp, 413, 'max_json_body_size')
            self.assertEqual(0, read, (method, path))
        self.assertNoVimCall()

    def test_json_over_limit_chunked_413_reading_at_most_the_limit(self):
        self.config(max_json_body_size=4096, group='api')
        for method, path, expected in self.json_routes():
            resp, read = self.send(method, path, expected, 16 * MiB,
                                   chunked=True, prefix=b'{"name": "')
            self.assertError(resp, 413, 'max_json_body_size')
            self.assertLessEqual(read, 4096 + 64 * 1024, (method, path))
        self.assertNoVimCall()

    def test_lying_content_length_bounds_the_read(self):
        # A body longer than its Content-Length: only that much is read.
        resp, read = self.send('POST', '/v1/tasks', 'application/json',
                               16 * MiB, content_length=100,
                               prefix=b'{"type": ')
        self.assertError(resp, 400, 'not valid JSON')
        self.assertLessEqual(read, 100)

    def test_deeply_nested_json_400(self):
        # json's parser raises RecursionError, not ValueError, for a
        # document nested near the interpreter's recursion limit.
        for depth in (100000, 960, 33):
            for method, path, ctype in self.json_routes():
                doc = b'[' * depth + b']' * depth
                if method == 'POST' and path.endswith('/images'):
                    doc = b'{"name": ' + doc + b'}'
                resp, _read = self.send(method, path, ctype, len(doc),
                                        prefix=doc)
                self.assertError(resp, 400, 'nested deeper than')
        self.assertNoVimCall()

    def test_lone_surrogate_400(self):
        # No UTF-8 text holds one: the VIM would fail on it (Glance: 500).
        for doc in (b'{"name": "\\ud800"}', b'{"p": "a\\udfffb"}',
                    b'{"\\ud800": "x"}'):
            resp, _read = self.send('POST', '/v1/%s/p1/images' % base.VIM,
                                    'application/json', len(doc),
                                    prefix=doc)
            self.assertError(resp, 400, 'surrogate')
        self.assertNoVimCall()

    def test_deeply_nested_service_catalog_header_ignored(self):
        # noauth passes X-Service-Catalog on as the caller sent it.
        resp = self.app.get('/v1/tasks', headers=self.headers(
            'member', **{'X-Service-Catalog': '[' * 100000}))
        self.assertEqual(200, resp.status_int, resp.text)

    def test_body_shorter_than_its_content_length_400(self):
        # The client stops sending (or half-closes) before the end.
        routes = self.json_routes() + [
            ('POST', '/v1/%s/p1/images/file' % base.VIM, MULTIPART),
            ('POST', '/v1/images/file', MULTIPART)]
        form = (b'--xyz\r\nContent-Disposition: form-data; '
                b'name="disk_format"\r\n\r\nra')
        for method, path, ctype in routes:
            prefix = form if ctype == MULTIPART else b'[{"a'
            resp, _read = self.send(method, path, ctype, len(prefix),
                                    content_length=1000, prefix=prefix)
            self.assertError(resp, 400, 'could not be read to its end')
        self.assertNoVimCall()

    def test_malformed_chunked_body_400(self):
        routes = self.json_routes() + [
            ('POST', '/v1/%s/p1/images/file' % base.VIM, MULTIPART),
            ('POST', '/v1/images/file', MULTIPART)]
        errors = (ValueError("Bad chunked transfer size: b'zz'"),
                  # cheroot, for a chunk size of 21 hex digits.
                  OverflowError('Python int too large to convert to C '
                                'ssize_t'))
        for (method, path, ctype), error in itertools.product(routes,
                                                              errors):
            body = BrokenInput(
                4, error, prefix=b'--xy' if ctype == MULTIPART else b'[{"a')
            req = webtest.TestRequest.blank(
                path, method=method, headers=self.headers('member'))
            req.environ['wsgi.input'] = body
            req.environ['CONTENT_TYPE'] = ctype
            req.environ.pop('CONTENT_LENGTH', None)
            req.environ['HTTP_TRANSFER_ENCODING'] = 'chunked'
            req.environ['wsgi.input_terminated'] = True
            resp = self.app.do_request(req, status='*', expect_errors=True)
            self.assertError(resp, 400, 'could not be read to its end')
        self.assertNoVimCall()

    def test_json_with_parameters_and_chunked_accepted(self):
        body = b'{"name": "chunked", "disk_format": "qcow2", ' \
               b'"container_format": "bare"}'
        resp, read = self.send('POST', '/v1/%s/p1/images' % base.VIM,
                               'Application/JSON; charset=UTF-8', len(body),
                               chunked=True, prefix=body)
        self.assertEqual(201, resp.status_int, resp.text)
        self.assertEqual('chunked', resp.json['name'])
        self.assertEqual(len(body), read)


class TestDataRoutes(BodyTestCase):

    def put_new_image(self, payload, **kwargs):
        """PUT ``payload`` into a new image: (response, bytes read, id)."""
        image = self.fake.add_image('p1', disk_format='qcow2',
                                    container_format='bare')
        resp, read = self.send(
            'PUT', '/v1/%s/p1/images/%s/file' % (base.VIM, image['id']),
            'application/octet-stream', len(payload), prefix=payload,
            **kwargs)
        return resp, read, image['id']

    def test_put_file_other_types_415_before_reading(self):
        for ctype in (FORM, MULTIPART, 'application/json', 'text/plain',
                      None):
            for chunked in (False, True):
                # A JSON body over the JSON limit is a 413 anywhere.
                size = MiB // 2 if ctype == 'application/json' else 8 * MiB
                resp, read = self.send('PUT', self.image_url('/file'),
                                       ctype, size, chunked=chunked)
                error = self.assertError(resp, 415,
                                         'application/octet-stream')
                if ctype:
                    self.assertIn(ctype.split(';')[0], error['detail'])
                self.assertEqual(0, read, ctype)
        self.assertNoVimCall()
        self.assertEqual('queued',
                         self.fake.images[self.image['id']]['status'])

    def test_multipart_routes_other_types_415_before_reading(self):
        for path in ('/v1/%s/p1/images/file' % base.VIM, '/v1/images/file'):
            for ctype in (FORM, 'application/json', 'text/plain',
                          'application/octet-stream', None):
                size = MiB // 2 if ctype == 'application/json' else 8 * MiB
                resp, read = self.send('POST', path, ctype, size)
                error = self.assertError(resp, 415, 'multipart/form-data')
                if ctype:
                    self.assertIn(ctype, error['detail'])
                self.assertEqual(0, read, (path, ctype))
        self.assertNoVimCall()

    def test_image_data_larger_than_the_json_limit(self):
        # The JSON limit never applies to image data, chunked or not.
        self.config(max_json_body_size=4096, group='api')
        payload = fakes.QCOW2_HEADER + b'\x01' * (2 * MiB)
        for chunked in (False, True):
            resp, read, image_id = self.put_new_image(payload,
                                                      chunked=chunked)
            self.assertEqual(204, resp.status_int, resp.text)
            self.assertEqual(len(payload), read)
            self.assertEqual(payload, self.fake.data[image_id])

    def test_read_in_large_blocks_under_gunicorn(self):
        # gunicorn copies what it read ahead on every smaller read: there
        # image data is read in large blocks, and arrives whole.
        payload = fakes.QCOW2_HEADER + bytes(range(256)) * (12 * 1024 + 1)
        blocks = len(payload) // validation._Blocks.BLOCK + 1
        for environ, most, least in (
                ({'gunicorn.socket': object()}, blocks + 2, blocks),
                ({}, None, len(payload) // CONF.upload.chunk_size)):
            resp, read, image_id = self.put_new_image(payload,
                                                      environ=environ)
            self.assertEqual(204, resp.status_int, resp.text)
            self.assertEqual(payload, self.fake.data[image_id])
            self.assertEqual(len(payload), read)
            # Reads of a block, or of [upload] chunk_size; and the
            # one that finds the end.
            self.assertLessEqual(least, len(self.body.sizes), environ)
            if most:
                self.assertLessEqual(len(self.body.sizes), most)

    def test_multipart_read_in_large_blocks_under_gunicorn(self):
        data = fakes.QCOW2_HEADER + b'\x02' * (3 * MiB + 7)
        body = (b'--xyz\r\nContent-Disposition: form-data; '
                b'name="imageType"\r\n\r\nqcow2\r\n--xyz\r\n'
                b'Content-Disposition: form-data; name="file"; '
                b'filename="a.img"\r\n\r\n' + data + b'\r\n--xyz--\r\n')
        resp, read = self.send('POST', '/v1/%s/p1/images/file' % base.VIM,
                               MULTIPART, len(body), prefix=body,
                               environ={'gunicorn.socket': object()})
        self.assertEqual(201, resp.status_int, resp.text)
        self.assertEqual(len(body), read)
        self.assertEqual(data, self.fake.data[resp.json['id']])
        self.assertLessEqual(len(self.body.sizes),
                             len(body) // validation._Blocks.BLOCK + 3)


class TestRoutesWithoutBody(BodyTestCase):

    def test_form_never_parsed(self):
        routes = [
            ('POST', self.image_url('/actions/deactivate')),
            ('PUT', self.image_url('/tags/t1')),
            ('DELETE', self.image_url('/tags/t1')),
            ('DELETE', '/v1/tasks/%s' % uuid.uuid4()),
            ('POST', '/v1/vims'),
            ('DELETE', self.image_url('/members/p2')),
            ('GET', '/v1/%s/p1/images' % base.VIM),
            ('DELETE', self.image_url()),
        ]
        for method, path in routes:
            for ctype in (FORM, None, MULTIPART):
                resp, read = self.send(method, path, ctype, 16 * MiB,
                                       persona='admin')
                self.assertLess(resp.status_int, 500, resp.text)
                self.assertEqual(0, read, (method, path, ctype))

    def test_any_body_capped_until_a_data_route_takes_it(self):
        # Whatever reads a body it did not ask for meets the JSON limit,
        # whatever its type, chunked or not.
        self.config(max_json_body_size=4096, group='api')

        def reads_all(environ, start_response):
            environ['wsgi.input'].read()
            start_response('200 OK', [('Content-Type', 'text/plain')])
            return [b'read']

        app = webtest.TestApp(middleware.BodyLimit(reads_all))
        for ctype in (FORM, 'text/plain', 'application/octet-stream',
                      MULTIPART, None):
            for chunked in (False, True):
                body = CountingInput(16 * MiB)
                req = webtest.TestRequest.blank('/', method='POST')
                req.environ['wsgi.input'] = body
                if ctype:
                    req.environ['CONTENT_TYPE'] = ctype
                if chunked:
                    req.environ.pop('CONTENT_LENGTH', None)
                    req.environ['wsgi.input_terminated'] = True
                else:
                    req.environ['CONTENT_LENGTH'] = str(16 * MiB)
                resp = app.do_request(req, status='*', expect_errors=True)
                self.assertEqual(413, resp.status_int, resp.text)
                self.assertIn('max_json_body_size', resp.text)
                self.assertLessEqual(body.bytes_read, 4096 + 64 * 1024)


class TestMalformedRequests(BodyTestCase):
    """Framing and encoding the HTTP server lets through: a 400 first."""

    def setUp(self):
        super().setUp()
        # webtest's lint refuses to send what these tests are about.
        self.app = webtest.TestApp(self.app.app, lint=False)

    def test_content_length_not_a_number_of_bytes(self):
        for length in ('-5', '+5', '5.0', ' 5'):
            resp, read = self.send('PUT', self.image_url('/file'),
                                   'application/octet-stream', 5,
                                   content_length=length)
            self.assertError(resp, 400, 'Content-Length')
            self.assertEqual(0, read)
        self.assertNoVimCall()

    def test_content_length_and_transfer_encoding(self):
        body = CountingInput(5)
        req = webtest.TestRequest.blank(self.image_url('/file'),
                                        method='PUT',
                                        headers=self.headers('member'))
        req.environ.update({'wsgi.input': body, 'CONTENT_LENGTH': '5',
                            'CONTENT_TYPE': 'application/octet-stream',
                            'HTTP_TRANSFER_ENCODING': 'chunked'})
        resp = self.app.do_request(req, status='*', expect_errors=True)
        read = body.bytes_read
        self.assertError(resp, 400, 'Transfer-Encoding')
        self.assertEqual(0, read)
        self.assertNoVimCall()

    def test_transfer_coding_other_than_chunked_501(self):
        for coding in ('gzip, chunked', 'deflate', 'chunked, chunked'):
            body = CountingInput(5)
            req = webtest.TestRequest.blank(self.image_url('/file'),
                                            method='PUT',
                                            headers=self.headers('member'))
            req.environ.update({'wsgi.input': body,
                                'CONTENT_TYPE': 'application/octet-stream',
                                'HTTP_TRANSFER_ENCODING': coding})
            resp = self.app.do_request(req, status='*', expect_errors=True)
            self.assertError(resp, 501, repr(coding))
            self.assertEqual(0, body.bytes_read)
        self.assertNoVimCall()

    def test_path_and_query_not_utf8(self):
        for path in (self.image_url() + '\xff\xfe',
                     '/v1/%s/p1/images?name=%%FF%%FE' % base.VIM):
            req = webtest.TestRequest.blank('/', headers=self.headers(
                'member'))
            path, _sep, query = path.partition('?')
            req.environ['PATH_INFO'] = path
            req.environ['QUERY_STRING'] = query
            resp = self.app.do_request(req, status='*', expect_errors=True)
            self.assertError(resp, 400, 'not valid UTF-8')
        self.assertNoVimCall()


class TestBlocks(testtools.TestCase):
    """validation._Blocks: large reads from the server, pieces handed on."""

    def test_pieces_cut_from_blocks(self):
        data = bytes(range(256)) * 4096
        blocks = validation._Blocks(io.BytesIO(data))
        pieces = list(iter(lambda: blocks.read(100 * 1000), b''))
        self.assertEqual(data, b''.join(pieces))
        # Never more than asked; a block's rest makes a shorter piece.
        self.assertEqual([100 * 1000, 100 * 1000, 62144] * 4,
                         [len(p) for p in pieces])

    def test_whole_block_handed_on_as_read(self):
        block = os.urandom(validation._Blocks.BLOCK)
        stream = unittest.mock.Mock()
        stream.read.side_effect = [block, b'']
        blocks = validation._Blocks(stream)
        # The very object read, not a copy (compared by identity: a
        # failure must not print a quarter MiB of bytes).
        self.assertEqual(id(block), id(blocks.read(len(block))))
        self.assertEqual(b'', blocks.read(len(block)))


class TestBodyReadErrors(testtools.TestCase):
    """What the server's body reader raises, as the client's error."""

    def test_any_read_error_of_the_server_is_a_400(self):
        class ParseException(Exception):
            """gunicorn's broken-chunk errors are no OSError."""

        class Broken(object):
            def read(self, size=-1):
                raise ParseException('Invalid chunk size')

        e = self.assertRaises(exception.Invalid,
                              validation._Body(Broken()).read, 10)
        self.assertEqual(400, e.code)
        self.assertIn('could not be read to its end', str(e))

    def test_the_body_cap_stays_a_413(self):
        class Capped(object):
            def read(self, size=-1):
                raise exception.RequestTooLarge(
                    reason='over [api] max_json_body_size')

        e = self.assertRaises(exception.RequestTooLarge,
                              validation._Body(Capped()).read, 10)
        self.assertEqual(413, e.code)
