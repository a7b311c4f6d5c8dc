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

"""The Glance backend: the exact requests glanceclient puts on the wire.

A requests transport adapter stands in for the VIM, so what is asserted
is the request as it would leave the process: method and URL after
glanceclient, keystoneauth and requests have each had their say.
"""

import io
import json

from keystoneauth1 import session as ks_session
import requests

from mcimage import backends
from mcimage.common import context
from mcimage.common import exception
from mcimage.conf import vims as vims_conf
from tests import base

VIM = 'owner_RegionOne'
ENDPOINT = 'http://127.0.0.1:9292'
IMAGE_ID = '4f0cb5a4-3f5e-4d8c-9d8f-0a4a3e1b7c11'


class _RecordingAdapter(requests.adapters.BaseAdapter):
    """Answers every request with ``answer`` and keeps the request."""

    def __init__(self):
        super().__init__()
        self.requests = []
        self.answer = {}
        self.status = 200

    def send(self, request, **kwargs):
        self.requests.append(request)
        resp = requests.Response()
        resp.request = request
        resp.url = request.url
        resp.status_code = self.status
        if request.path_url.split('?')[0].endswith('/file'):
            resp.headers['Content-Type'] = 'application/octet-stream'
            resp.headers['Content-Length'] = '4'
            resp.raw = io.BytesIO(b'data')
        else:
            resp.headers['Content-Type'] = 'application/json'
            resp._content = json.dumps(self.answer).encode()
        return resp

    def close(self):
        pass


class GlanceBackendTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.config(enabled_vims=[VIM])
        vims_conf.register_vim_opts(base.CONF, VIM)
        self.config(auth_mode='trusted', endpoint_override=ENDPOINT,
                    group='vim:%s' % VIM)
        backends.init()
        self.backend = backends.get(VIM).backend
        self.wire = _RecordingAdapter()
        http = requests.Session()
        http.mount('http://', self.wire)
        session = ks_session.Session(session=http)
        self.backend._get_session = lambda: session
        self.context = context.RequestContext(
            user_id='u1', project_id='p1', roles=['member', 'reader'])

    def sent(self):
        """[(method, path and query)] of what went on the wire."""
        return [(r.method, r.path_url) for r in self.wire.requests]


class TestPaths(GlanceBackendTestCase):
    """Every value in a VIM URL path is exactly one segment."""

    def calls(self, image_id, tag, member_id):
        """(callable, expected method, expected path) of every operation."""
        b, c = self.backend, self.context
        return [
            (lambda: b.get_image(c, 'p1', image_id), 'GET',
             '/v2/images/{i}'),
            (lambda: b.update_image(c, 'p1', image_id, []), 'PATCH',
             '/v2/images/{i}'),
            (lambda: b.delete_image(c, 'p1', image_id), 'DELETE',
             '/v2/images/{i}'),
            (lambda: b.image_action(c, 'p1', image_id, 'deactivate'), 'POST',
             '/v2/images/{i}/actions/deactivate'),
            (lambda: b.add_tag(c, 'p1', image_id, tag), 'PUT',
             '/v2/images/{i}/tags/{t}'),
            (lambda: b.delete_tag(c, 'p1', image_id, tag), 'DELETE',
             '/v2/images/{i}/tags/{t}'),
            (lambda: b.list_members(c, 'p1', image_id), 'GET',
             '/v2/images/{i}/members'),
            (lambda: b.get_member(c, 'p1', image_id, member_id), 'GET',
             '/v2/images/{i}/members/{m}'),
            (lambda: b.add_member(c, 'p1', image_id, member_id), 'POST',
             '/v2/images/{i}/members'),
            (lambda: b.update_member(c, 'p1', image_id, member_id,
                                     'accepted'), 'PUT',
             '/v2/images/{i}/members/{m}'),
            (lambda: b.delete_member(c, 'p1', image_id, member_id),
             'DELETE', '/v2/images/{i}/members/{m}'),
            (lambda: b.upload(c, 'p1', image_id, io.BytesIO(b'x')), 'PUT',
             '/v2/images/{i}/file'),
            (lambda: b.download(c, 'p1', image_id)[2].close(), 'GET',
             '/v2/images/{i}/file'),
        ]

    def check(self, image_id, tag, member_id, encoded):
        for call, method, path in self.calls(image_id, tag, member_id):
            del self.wire.requests[:]
            call()
            self.assertEqual([(method, path.format(**encoded))],
                             self.sent(), path)

    def test_plain_values(self):
        self.check(IMAGE_ID, 'tag', 'p2',
                   {'i': IMAGE_ID, 't': 'tag', 'm': 'p2'})

    def test_a_query_or_fragment_never_starts(self):
        # The exploit: an id ending in '?' made DELETE .../tags/t a
        # DELETE of the image.
        self.check(IMAGE_ID + '?/tags/t', 't?x=1#f', 'p2?#',
                   {'i': IMAGE_ID + '%3F%2Ftags%2Ft', 't': 't%3Fx%3D1%23f',
                    'm': 'p2%3F%23'})

    def test_slashes_and_percents_stay_in_their_segment(self):
        self.check('../../v2/images/' + IMAGE_ID, 'a/../b', '%2F..%2F',
                   {'i': '..%2F..%2Fv2%2Fimages%2F' + IMAGE_ID,
                    't': 'a%2F..%2Fb', 'm': '%252F..%252F'})

    def test_spaces_and_unicode(self):
        self.check(IMAGE_ID + ' x', 'ü é', 'p 2',
                   {'i': IMAGE_ID + '%20x', 't': '%C3%BC%20%C3%A9',
                    'm': 'p%202'})

    def test_control_characters_never_leave(self):
        for image_id, tag, member_id in (
                (IMAGE_ID + '\r\nX: y', 't', 'p2'),
                (IMAGE_ID, 't\x00', 'p2'),
                (IMAGE_ID, 't', 'p2\n')):
            for call, method, path in self.calls(image_id, tag, member_id):
                if ('{t}' in path and '\x00' not in tag or '{m}' in path
                        and '\n' not in member_id):
                    continue
                if (image_id == IMAGE_ID and '{t}' not in path
                        and '{m}' not in path):
                    continue
                del self.wire.requests[:]
                self.assertRaises(exception.Invalid, call)
                self.assertEqual([], self.sent(), path)

    def test_dot_segments_never_leave(self):
        # requests and urllib3 remove dot segments: /v2/images/X/tags/..
        # would go out as /v2/images/X/.
        for image_id, tag, member_id in (('..', 't', 'p2'),
                                         ('.', 't', 'p2'),
                                         (IMAGE_ID, '..', 'p2'),
                                         (IMAGE_ID, 't', '.'),
                                         ('', 't', 'p2'),
                                         (IMAGE_ID, '', 'p2')):
            for call, method, path in self.calls(image_id, tag, member_id):
                if image_id == IMAGE_ID and not (
                        '{t}' in path and tag in ('', '..')
                        or '{m}' in path and member_id == '.'):
                    continue
                del self.wire.requests[:]
                self.assertRaises(exception.Invalid, call)
                self.assertEqual([], self.sent(), path)

    def test_schema_names_and_list_queries(self):
        self.backend.get_schema(self.context, 'p1', 'image')
        self.wire.answer = {'images': []}
        self.backend.list_images(self.context, 'p1', {
            'name': 'a&b=c#d', 'tag': ['x', 'y?'], 'marker': IMAGE_ID})
        self.assertEqual(
            [('GET', '/v2/schemas/image'),
             ('GET', '/v2/images?name=a%26b%3Dc%23d&tag=x&tag=y%3F&marker='
              + IMAGE_ID)], self.sent())


class TestErrors(GlanceBackendTestCase):

    def test_a_vims_message_is_passed_on_without_urls(self):
        # A proxy's error page in front of a VIM names internal hosts.
        self.wire.status = 502
        self.wire.answer = {'error': {
            'message': 'Bad gateway: http://10.1.2.3:9292/v2/images '
                       'upstream https://glance.internal.example/x?token=abc '
                       'refused'}}
        e = self.assertRaises(exception.BackendError,
                              self.backend.get_image, self.context, 'p1',
                              IMAGE_ID)
        self.assertIn('Bad gateway', str(e))
        self.assertIn('upstream', str(e))
        for secret in ('10.1.2.3', 'glance.internal', 'token=abc'):
            self.assertNotIn(secret, str(e))
