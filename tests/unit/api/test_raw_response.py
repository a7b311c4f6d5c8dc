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

"""Responses Pecan hands on as the controller made them."""

import pecan
import webob
import webtest

from mcimage.api import app
from tests import base


class _Body(object):
    """A streamed body that records what was read of it."""

    def __init__(self, pieces):
        self.pieces = pieces
        self.taken = 0
        self.closed = False

    def __iter__(self):
        for piece in self.pieces:
            self.taken += 1
            yield piece

    def close(self):
        self.closed = True


class _Root(object):

    def __init__(self, body):
        self.body = body

    @pecan.expose()
    def stream(self):
        resp = webob.Response(status=200, app_iter=self.body,
                              content_type='application/octet-stream')
        resp.content_length = 6
        return app.raw_response(resp)

    @pecan.expose()
    def head(self):
        return app.raw_response(webob.Response(
            status=200, headers={'Content-Length': '1234',
                                 'X-Image-Meta-Name': 'n'}))


class TestRawResponse(base.TestCase):

    def setUp(self):
        super().setUp()
        self.body = _Body([b'abc', b'def'])
        self.wsgi_app = app.setup_app(_Root(self.body))
        # A HEAD answer has no Content-Type, which the linter wants.
        self.app = webtest.TestApp(self.wsgi_app, lint=False)

    def test_streamed_body_untouched_until_served(self):
        environ = webob.Request.blank('/stream').environ
        started = []
        result = self.wsgi_app(environ,
                               lambda s, h, e=None: started.append((s, h)))
        # Pecan read nothing of it: the server gets the controller's body.
        self.assertIs(self.body, result)
        self.assertEqual(0, self.body.taken)
        status, headers = started[0]
        self.assertEqual('200 OK', status)
        self.assertIn(('Content-Length', '6'), headers)
        self.assertEqual([b'abc', b'def'], list(result))

    def test_served_whole(self):
        resp = self.app.get('/stream')
        self.assertEqual(200, resp.status_int)
        self.assertEqual(b'abcdef', resp.body)
        self.assertEqual('6', resp.headers['Content-Length'])

    def test_head_answer_stays_a_200(self):
        resp = self.app.get('/head')
        self.assertEqual(200, resp.status_int)
        self.assertEqual('1234', resp.headers['Content-Length'])
        self.assertEqual('n', resp.headers['X-Image-Meta-Name'])

    def test_head_request_closes_the_body(self):
        resp = self.app.head('/stream')
        self.assertEqual(200, resp.status_int)
        self.assertEqual('6', resp.headers['Content-Length'])
        self.assertEqual(0, self.body.taken)
        self.assertTrue(self.body.closed)
