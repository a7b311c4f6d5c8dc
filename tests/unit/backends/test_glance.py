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

"""The glance driver: the exact requests glanceclient puts on the wire.

requests-mock stands in for the VIM (and its Keystone), so what is
asserted is the request as it would leave the process: method, URL,
headers and body after glanceclient, keystoneauth and requests have each
had their say; and what each answer of the VIM becomes.
"""

import http
import io
import json
import logging
import re

import fixtures
from keystoneauth1 import fixture as ks_fixture
from keystoneauth1 import loading as ks_loading
from oslo_config import fixture as config_fixture
import requests
import requests_mock
from requests_mock.contrib import fixture as rm_fixture

from mcimage import backends
from mcimage.backends import base as backends_base
from mcimage.backends import glance
from mcimage.common import context
from mcimage.common import exception
from mcimage.conf import vims as vims_conf
from tests import base

VIM = 'owner_RegionOne'
GROUP = 'vim:%s' % VIM
ENDPOINT = 'http://127.0.0.1:9292'
IMAGE_ID = '4f0cb5a4-3f5e-4d8c-9d8f-0a4a3e1b7c11'
DATA = b'data'
CALLER_TOKEN = 'caller-token-0123456789abcdef'
GLOBAL_ID = 'req-9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a'


class GlanceBackendTestCase(base.TestCase):
    """One VIM on the glance driver; requests-mock answers every call.

    By default the VIM answers ``self.answer`` as JSON with
    ``self.status``, and image data (``.../file``) as DATA.
    """

    auth_mode = 'trusted'

    def setUp(self):
        super().setUp()
        self.config(enabled_vims=[VIM])
        vims_conf.register_vim_opts(base.CONF, VIM)
        self.config(auth_mode=self.auth_mode, endpoint_override=ENDPOINT,
                    group=GROUP)
        self.answer = {}
        self.status = 200
        self.wire = self.useFixture(rm_fixture.Fixture())
        self.forgotten = 0
        # Registered first: any later, narrower registration wins.
        self.wire.register_uri(requests_mock.ANY, requests_mock.ANY,
                               content=self.respond)
        self.context = context.RequestContext(
            user_id='u1', project_id='p1', roles=['member', 'reader'],
            auth_token=CALLER_TOKEN, global_request_id=GLOBAL_ID)

    @property
    def backend(self):
        return backends.get(VIM).backend

    def respond(self, request, answer):
        answer.status_code = self.status
        if request.path_url.split('?')[0].endswith('/file'):
            answer.headers['Content-Type'] = 'application/octet-stream'
            answer.headers['Content-Length'] = str(len(DATA))
            return DATA
        answer.headers['Content-Type'] = 'application/json'
        return json.dumps(self.answer).encode()

    def refuse(self, status, message='no', method=requests_mock.ANY,
               url=requests_mock.ANY):
        """The VIM answers ``status`` as Glance does.

        webob's text/plain error: the status line first.
        """
        text = '%d %s\n\n%s\n\n   ' % (
            status, http.HTTPStatus(status).phrase, message)
        self.wire.register_uri(
            method, url, status_code=status, text=text,
            headers={'Content-Type': 'text/plain; charset=UTF-8'})

    def forget(self):
        """What went on the wire so far is no longer sent()."""
        self.forgotten = len(self.wire.request_history)

    def requests(self):
        """The requests that went on the wire since forget()."""
        return self.wire.request_history[self.forgotten:]

    def sent(self):
        """[(method, path and query)] of what went on the wire."""
        return [(r.method, r.path_url) for r in self.requests()]

    def last(self):
        """The last request that went on the wire."""
        return self.wire.request_history[-1]


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
            self.forget()
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
                self.forget()
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
                self.forget()
                self.assertRaises(exception.Invalid, call)
                self.assertEqual([], self.sent(), path)

    def test_schema_names_and_list_queries(self):
        self.backend.get_schema(self.context, 'p1', 'image')
        self.answer = {'images': []}
        self.backend.list_images(self.context, 'p1', {
            'name': 'a&b=c#d', 'tag': ['x', 'y?'], 'marker': IMAGE_ID})
        self.assertEqual(
            [('GET', '/v2/schemas/image'),
             ('GET', '/v2/images?name=a%26b%3Dc%23d&tag=x&tag=y%3F&marker='
              + IMAGE_ID)], self.sent())


class TestErrors(GlanceBackendTestCase):

    def test_a_vims_message_is_passed_on_without_urls(self):
        # A proxy's error page in front of a VIM names internal hosts.
        self.status = 502
        self.answer = {'error': {
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


class TestDriver(GlanceBackendTestCase):

    def test_is_the_default_driver(self):
        self.assertEqual('glance', base.CONF[GROUP].driver)
        self.assertIsInstance(self.backend, glance.GlanceBackend)
        self.assertIsInstance(self.backend, backends_base.Backend)
        self.assertIs(backends.get(VIM), self.backend.vim)


class TestOperations(GlanceBackendTestCase):
    """Each operation: method, path, headers and body; what it returns."""

    def body(self, request=None):
        return json.loads((request or self.last()).text)

    def test_create_image(self):
        self.answer = {'id': IMAGE_ID, 'status': 'queued'}
        image = self.backend.create_image(
            self.context, 'p1', {'name': 'n', 'disk_format': 'qcow2'})
        self.assertEqual({'id': IMAGE_ID, 'status': 'queued'}, image)
        self.assertEqual([('POST', '/v2/images')], self.sent())
        self.assertEqual({'name': 'n', 'disk_format': 'qcow2'}, self.body())
        self.assertEqual('application/json',
                         self.last().headers['Content-Type'])

    def test_get_image(self):
        self.answer = {'id': IMAGE_ID}
        self.assertEqual({'id': IMAGE_ID}, self.backend.get_image(
            self.context, 'p1', IMAGE_ID))
        self.assertEqual([('GET', '/v2/images/' + IMAGE_ID)], self.sent())
        self.assertIsNone(self.last().body)

    def test_list_images(self):
        self.answer = {'images': [{'id': IMAGE_ID}],
                       'next': '/v2/images?marker=' + IMAGE_ID}
        page = self.backend.list_images(self.context, 'p1',
                                        {'limit': 1, 'status': 'active'})
        self.assertEqual(self.answer, page)
        self.assertEqual([('GET', '/v2/images?limit=1&status=active')],
                         self.sent())

    def test_every_call_names_the_vim_it_relays_for(self):
        """So that mcimage's Glance endpoint can refuse to call itself."""
        self.answer = {'id': IMAGE_ID}
        self.backend.get_image(self.context, 'p1', IMAGE_ID)
        self.assertEqual(self.backend.vim.id,
                         self.last().headers['X-MCImage-Relay'])

    def test_get_document(self):
        self.answer = {'import-methods': {'value': ['glance-direct']}}
        self.assertEqual(self.answer, self.backend.get_document(
            self.context, 'p1', 'info/import'))
        self.assertEqual([('GET', '/v2/info/import')], self.sent())
        self.answer = {'versions': []}
        self.backend.get_document(self.context, 'p1', 'versions')
        self.assertEqual(('GET', '/versions'), self.sent()[-1])
        self.assertRaises(exception.NotFound, self.backend.get_document,
                          self.context, 'p1', 'images')

    def test_list_images_without_params(self):
        self.answer = {'images': []}
        self.backend.list_images(self.context, 'p1', {})
        self.assertEqual([('GET', '/v2/images')], self.sent())

    def test_update_image(self):
        patch = [{'op': 'replace', 'path': '/name', 'value': 'x'},
                 {'op': 'remove', 'path': '/k'}]
        self.answer = {'id': IMAGE_ID, 'name': 'x'}
        self.assertEqual(self.answer, self.backend.update_image(
            self.context, 'p1', IMAGE_ID, patch))
        self.assertEqual([('PATCH', '/v2/images/' + IMAGE_ID)], self.sent())
        self.assertEqual(patch, self.body())
        self.assertEqual(glance.PATCH_2_1,
                         self.last().headers['Content-Type'])

    def test_delete_image(self):
        self.status = 204
        self.assertIsNone(self.backend.delete_image(self.context, 'p1',
                                                    IMAGE_ID))
        self.assertEqual([('DELETE', '/v2/images/' + IMAGE_ID)],
                         self.sent())

    def test_image_actions(self):
        self.status = 204
        for action in ('deactivate', 'reactivate'):
            self.forget()
            self.backend.image_action(self.context, 'p1', IMAGE_ID, action)
            self.assertEqual(
                [('POST', '/v2/images/%s/actions/%s' % (IMAGE_ID, action))],
                self.sent())
            self.assertIsNone(self.last().body)

    def test_tags(self):
        self.status = 204
        self.backend.add_tag(self.context, 'p1', IMAGE_ID, 'a tag')
        self.backend.delete_tag(self.context, 'p1', IMAGE_ID, 'a tag')
        self.assertEqual(
            [('PUT', '/v2/images/%s/tags/a%%20tag' % IMAGE_ID),
             ('DELETE', '/v2/images/%s/tags/a%%20tag' % IMAGE_ID)],
            self.sent())

    def test_members(self):
        path = '/v2/images/%s/members' % IMAGE_ID
        b, c = self.backend, self.context
        self.answer = {'members': []}
        self.assertEqual({'members': []}, b.list_members(c, 'p1', IMAGE_ID))
        self.answer = {'member_id': 'p2', 'status': 'pending'}
        self.assertEqual(self.answer, b.get_member(c, 'p1', IMAGE_ID, 'p2'))
        self.assertEqual(self.answer, b.add_member(c, 'p1', IMAGE_ID, 'p2'))
        self.assertEqual({'member': 'p2'}, self.body())
        self.assertEqual(self.answer, b.update_member(c, 'p1', IMAGE_ID,
                                                      'p2', 'accepted'))
        self.assertEqual({'status': 'accepted'}, self.body())
        self.assertEqual('pending', b.member_status(c, 'p1', IMAGE_ID, 'p2'))
        self.status = 204
        self.assertIsNone(b.delete_member(c, 'p1', IMAGE_ID, 'p2'))
        self.assertEqual(
            [('GET', path), ('GET', path + '/p2'), ('POST', path),
             ('PUT', path + '/p2'), ('GET', path + '/p2'),
             ('DELETE', path + '/p2')], self.sent())

    def test_member_status_of_no_member(self):
        self.status = 404
        self.assertIsNone(self.backend.member_status(self.context, 'p1',
                                                     IMAGE_ID, 'p2'))

    def test_upload_into_a_store(self):
        self.status = 204
        self.backend.upload(self.context, 'p1', IMAGE_ID, io.BytesIO(DATA),
                            size=len(DATA), store='backup')
        self.assertEqual([('PUT', '/v2/images/%s/file' % IMAGE_ID)],
                         self.sent())
        self.assertEqual('backup', self.last().headers['x-image-meta-store'])
        self.forget()
        self.backend.upload(self.context, 'p1', IMAGE_ID, io.BytesIO(DATA))
        self.assertNotIn('x-image-meta-store', self.last().headers)

    def test_copy_image(self):
        self.status = 202
        self.backend.copy_image(self.context, 'p1', IMAGE_ID,
                                stores=['backup'])
        self.assertEqual([('POST', '/v2/images/%s/import' % IMAGE_ID)],
                         self.sent())
        self.assertEqual({'method': {'name': 'copy-image'},
                          'stores': ['backup'],
                          'all_stores_must_succeed': True}, self.body())
        self.backend.copy_image(self.context, 'p1', IMAGE_ID,
                                all_stores=True,
                                all_stores_must_succeed=False,
                                as_service=True)
        self.assertEqual({'method': {'name': 'copy-image'},
                          'all_stores': True,
                          'all_stores_must_succeed': False}, self.body())
        self.assertEqual('mcimage', self.last().headers['X-User-Id'])
        self.refuse(409, 'Only images with status active can be targeted')
        self.assertRaises(exception.Conflict, self.backend.copy_image,
                          self.context, 'p1', IMAGE_ID, stores=['backup'])

    def test_delete_from_store(self):
        self.status = 204
        self.assertIsNone(self.backend.delete_from_store(
            self.context, 'p1', IMAGE_ID, 'backup'))
        self.assertEqual([('DELETE', '/v2/stores/backup/' + IMAGE_ID)],
                         self.sent())
        # Glance's 404 is the store's as well as the image's: its words.
        self.refuse(404, 'Image %s is not stored in store backup.'
                    % IMAGE_ID)
        e = self.assertRaises(exception.NotFound,
                              self.backend.delete_from_store, self.context,
                              'p1', IMAGE_ID, 'backup')
        self.assertNotIsInstance(e, exception.ImageNotFound)
        self.assertIn('not stored in store backup', str(e))
        self.refuse(403, 'Cannot delete image data from the only store')
        self.assertRaises(exception.Forbidden,
                          self.backend.delete_from_store, self.context,
                          'p1', IMAGE_ID, 'backup')

    def test_get_schema(self):
        self.answer = {'name': 'member', 'properties': {}}
        self.assertEqual(self.answer, self.backend.get_schema(
            self.context, 'p1', 'member'))
        self.assertEqual([('GET', '/v2/schemas/member')], self.sent())

    def test_probe(self):
        def answer(request, context):
            context.headers['Content-Type'] = 'application/json'
            return {'versions': [{'id': 'v2.17', 'status': 'CURRENT'},
                                 {'id': 'v2.16', 'status': 'SUPPORTED'},
                                 {'id': 'v1.0', 'status': 'DEPRECATED'}]}

        self.wire.register_uri('GET', ENDPOINT + '/versions', json=answer)
        self.answer = {'import-methods': {
            'value': ['glance-direct', 'web-download']}}
        self.assertEqual(
            {'versions': ['v2.17', 'v2.16'],
             'import_methods': ['glance-direct', 'web-download']},
            self.backend.probe(self.context, 'p1'))
        self.assertEqual([('GET', '/versions'), ('GET', '/v2/info/import')],
                         self.sent())

    def test_probe_of_a_vim_not_answering(self):
        self.wire.register_uri(requests_mock.ANY, requests_mock.ANY,
                               exc=requests.exceptions.ConnectionError)
        self.assertIsNone(self.backend.probe(self.context, 'p1'))
        self.status = 500
        self.wire.register_uri(requests_mock.ANY, requests_mock.ANY,
                               content=self.respond)
        self.assertIsNone(self.backend.probe(self.context, 'p1'))


class TestAuthTrusted(GlanceBackendTestCase):
    """auth_mode = trusted: the caller's identity in headers, no token."""

    def test_caller_identity(self):
        self.backend.get_image(self.context, 'p9', IMAGE_ID)
        headers = self.last().headers
        self.assertEqual('Confirmed', headers['X-Identity-Status'])
        self.assertEqual('p9', headers['X-Project-Id'])
        self.assertEqual('u1', headers['X-User-Id'])
        # The comma as it is, not URL-encoded.
        self.assertEqual('member,reader', headers['X-Roles'])
        self.assertNotIn('X-Auth-Token', headers)

    def test_as_service(self):
        self.backend.delete_image(self.context, 'p9', IMAGE_ID,
                                  as_service=True)
        headers = self.last().headers
        self.assertEqual('p9', headers['X-Project-Id'])
        self.assertEqual('mcimage', headers['X-User-Id'])
        self.assertEqual('admin,member,reader', headers['X-Roles'])

    def test_global_request_id(self):
        self.backend.get_image(self.context, 'p1', IMAGE_ID)
        self.assertEqual(GLOBAL_ID,
                         self.last().headers['X-OpenStack-Request-ID'])

    def test_request_id_when_no_global_one(self):
        ctx = context.RequestContext(user_id='u1', project_id='p1')
        self.backend.get_image(ctx, 'p1', IMAGE_ID)
        self.assertEqual(ctx.request_id,
                         self.last().headers['X-OpenStack-Request-ID'])


class TestAuthToken(GlanceBackendTestCase):
    """auth_mode = token: the caller's own token goes on."""

    auth_mode = 'token'

    def test_caller_token_to_endpoint_override(self):
        self.backend.get_image(self.context, 'p1', IMAGE_ID)
        request = self.last()
        self.assertEqual(ENDPOINT + '/v2/images/' + IMAGE_ID, request.url)
        self.assertEqual(CALLER_TOKEN, request.headers['X-Auth-Token'])
        for name in ('X-Identity-Status', 'X-Roles', 'X-User-Id'):
            self.assertNotIn(name, request.headers)
        self.assertEqual(GLOBAL_ID,
                         request.headers['X-OpenStack-Request-ID'])

    def test_create_image_for_another_tenant(self):
        # A token of p1 (an admin's) acting in tenant p2: the image is p2's.
        self.answer = {'id': IMAGE_ID, 'status': 'queued'}
        self.backend.create_image(self.context, 'p2', {'name': 'n'})
        sent = lambda: json.loads(self.last().text)  # noqa: E731
        self.assertEqual({'name': 'n', 'owner': 'p2'}, sent())
        # In its own project, or with an owner given, the body as it was.
        self.backend.create_image(self.context, self.context.project_id,
                                  {'name': 'n'})
        self.assertEqual({'name': 'n'}, sent())
        self.backend.create_image(self.context, 'p2',
                                  {'name': 'n', 'owner': 'p9'})
        self.assertEqual({'name': 'n', 'owner': 'p9'}, sent())

    def _get_from_catalog(self, **options):
        self.config(endpoint_override=None, region_name='RegionOne',
                    group=GROUP, **options)
        backends.reset()
        # X-Service-Catalog as keystonemiddleware writes it for a v3
        # token: one entry per region, a key per interface.
        catalog = [{'type': 'image', 'name': 'glance', 'endpoints': [
            {'region': 'RegionTwo',
             'publicURL': 'http://two.example:9292',
             'internalURL': 'http://two.internal:9292'},
            {'region': 'RegionOne',
             'publicURL': 'http://one.example:9292',
             'internalURL': 'http://one.internal:9292'}]}]
        ctx = context.RequestContext(
            user_id='u1', project_id='p1', roles=['member'],
            auth_token=CALLER_TOKEN, service_catalog=catalog)
        self.backend.get_image(ctx, 'p1', IMAGE_ID)
        request = self.last()
        self.assertEqual(CALLER_TOKEN, request.headers['X-Auth-Token'])
        return request.url

    def test_endpoint_from_the_callers_catalog(self):
        self.assertEqual('http://one.example:9292/v2/images/' + IMAGE_ID,
                         self._get_from_catalog())

    def test_interface_from_the_callers_catalog(self):
        self.assertEqual('http://one.internal:9292/v2/images/' + IMAGE_ID,
                         self._get_from_catalog(
                             valid_interfaces=['internal']))

    def test_no_token_no_request(self):
        ctx = context.RequestContext(user_id='u1', project_id='p1')
        self.assertRaises(exception.Unauthorized, self.backend.get_image,
                          ctx, 'p1', IMAGE_ID)
        self.assertEqual([], self.sent())

    def test_no_service_token_by_default(self):
        self.backend.get_image(self.context, 'p1', IMAGE_ID)
        self.assertNotIn('X-Service-Token', self.last().headers)

    def test_a_401_is_the_callers_token(self):
        logs = self.useFixture(fixtures.FakeLogger(level=logging.INFO))
        self.refuse(401, 'The request you have made requires '
                         'authentication.')
        for call in (
                lambda: self.backend.get_image(self.context, 'p1', IMAGE_ID),
                lambda: self.backend.upload(self.context, 'p1', IMAGE_ID,
                                            io.BytesIO(DATA)),
                lambda: self.backend.download(self.context, 'p1',
                                              IMAGE_ID)):
            e = self.assertRaises(exception.BackendError, call)
            self.assertEqual(502, e.code)
            self.assertEqual("VIM %s refused the caller's token (HTTP 401): "
                             'it may have expired while this request ran.'
                             % VIM, str(e))
        # Each once: a static token is not fetched again.
        self.assertEqual(['GET', 'PUT', 'GET'],
                         [method for method, _path in self.sent()])
        # The operator learns what would help.
        self.assertIn('send_service_user_token', logs.output)
        self.assertNotIn(CALLER_TOKEN, logs.output)

    def test_as_service_needs_service_credentials(self):
        e = self.assertRaises(exception.BackendError,
                              self.backend.delete_image, self.context, 'p1',
                              IMAGE_ID, as_service=True)
        self.assertEqual(502, e.code)
        self.assertIn(VIM, str(e))
        self.assertIn('no service credentials', str(e))
        self.assertEqual([], self.sent())


KEYSTONE = 'http://keystone.example/v3'
SERVICE_PASSWORD = 'svc-pa55word-9876'
SERVICE_TOKEN = 'service-token-fedcba9876543210'


class ServiceAuthTestCase(GlanceBackendTestCase):
    """auth_mode = service with a password; Keystone answers tokens."""

    auth_mode = 'service'

    def setUp(self):
        super().setUp()
        # The plugin's options, unregistered again at clean-up.
        self.useFixture(config_fixture.Config(base.CONF)).register_opts(
            ks_loading.get_auth_plugin_conf_options('v3password'),
            group=GROUP)
        self.config(auth_type='v3password', auth_url=KEYSTONE,
                    username='mcimage', password=SERVICE_PASSWORD,
                    user_domain_id='default', project_name='service',
                    project_domain_id='default', group=GROUP)
        token = ks_fixture.V3Token(user_id='svc', project_id='scoped')
        self.keystone = self.wire.register_uri(
            'POST', KEYSTONE + '/auth/tokens', json=token,
            headers={'X-Subject-Token': SERVICE_TOKEN}, status_code=201)

    def scopes(self):
        return [json.loads(r.text)['auth']['scope']
                for r in self.keystone.request_history]


class TestAuthService(ServiceAuthTestCase):
    """auth_mode = service: mcimage's service user, scoped to the tenant."""

    def test_service_token_scoped_to_the_tenant(self):
        self.backend.get_image(self.context, 'p9', IMAGE_ID)
        self.backend.get_image(self.context, 'p9', IMAGE_ID)
        self.backend.get_image(self.context, 'p8', IMAGE_ID)
        # One token per tenant, reused until it expires.
        self.assertEqual([{'project': {'id': 'p9'}},
                          {'project': {'id': 'p8'}}], self.scopes())
        glance_calls = [r for r in self.requests()
                        if r.url.startswith(ENDPOINT)]
        self.assertEqual(3, len(glance_calls))
        for request in glance_calls:
            self.assertEqual(SERVICE_TOKEN, request.headers['X-Auth-Token'])
            self.assertNotIn('X-Roles', request.headers)
            self.assertEqual(GLOBAL_ID,
                             request.headers['X-OpenStack-Request-ID'])

    def test_probe_in_the_service_users_own_project(self):
        self.answer = {'versions': [], 'import-methods': {'value': []}}
        self.assertEqual({'versions': [], 'import_methods': []},
                         self.backend.probe(self.context, 'p9'))
        self.assertEqual([{'project': {'name': 'service',
                                       'domain': {'id': 'default'}}}],
                         self.scopes())

    def test_credentials_refused(self):
        self.wire.register_uri('POST', KEYSTONE + '/auth/tokens',
                               status_code=401, json={'error': {
                                   'code': 401, 'message': 'The request '
                                   'you have made requires authentication.',
                                   'title': 'Unauthorized'}})
        e = self.assertRaises(exception.BackendError,
                              self.backend.get_image, self.context, 'p9',
                              IMAGE_ID)
        self.assertEqual(502, e.code)
        self.assertIn(VIM, str(e))
        self.assertIn('cannot authenticate', str(e))
        for secret in (SERVICE_PASSWORD, 'keystone.example'):
            self.assertNotIn(secret, str(e))

    def test_tenant_refused_by_keystone(self):
        # Keystone's 401 to the tenant's scope alone: an unknown project,
        # or one where the service user has no role.
        def answer(request, context):
            if 'id' in json.loads(request.text)['auth']['scope']['project']:
                context.status_code = 401
                return {'error': {'code': 401, 'title': 'Unauthorized',
                                  'message': 'The request you have made '
                                             'requires authentication.'}}
            context.status_code = 201
            context.headers['X-Subject-Token'] = SERVICE_TOKEN
            return ks_fixture.V3Token(user_id='svc', project_id='service')

        self.wire.register_uri('POST', KEYSTONE + '/auth/tokens',
                               json=answer)
        e = self.assertRaises(exception.Forbidden, self.backend.get_image,
                              self.context, 'p9', IMAGE_ID)
        self.assertEqual(403, e.code)
        self.assertIn(VIM, str(e))
        self.assertIn('p9', str(e))
        self.assertNotIn(SERVICE_PASSWORD, str(e))
        self.assertEqual([], [r for r in self.requests()
                              if r.url.startswith(ENDPOINT)])
        # Keystone is asked again next time; nothing kept for p9.
        self.assertNotIn('p9', self.backend._service_auth)

    def test_keystone_not_answering(self):
        self.wire.register_uri('POST', KEYSTONE + '/auth/tokens',
                               exc=requests.exceptions.ConnectionError)
        e = self.assertRaises(exception.BackendUnavailable,
                              self.backend.get_image, self.context, 'p9',
                              IMAGE_ID)
        self.assertEqual(503, e.code)
        self.assertIn(VIM, str(e))

    def test_no_secret_in_the_log(self):
        logs = self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        self.status = 500
        self.answer = {'error': {'message': 'boom'}}
        self.assertRaises(exception.BackendError, self.backend.get_image,
                          self.context, 'p9', IMAGE_ID)
        self.assertIn(VIM, logs.output)
        # The requests are logged, their tokens as hashes.
        self.assertIn('X-Auth-Token: {SHA256}', logs.output)
        for secret in (SERVICE_PASSWORD, SERVICE_TOKEN, CALLER_TOKEN):
            self.assertNotIn(secret, logs.output)


class TestProjectByName(ServiceAuthTestCase):
    """project_by_name: the service user's token scoped by name."""

    def setUp(self):
        super().setUp()

        # p1 of Partners is k2-p1; any other name: Keystone's 401.
        def answer(request, context):
            scope = json.loads(request.text)['auth']['scope']['project']
            if 'name' in scope and scope['name'] != 'service':
                if scope != {'name': 'p1', 'domain': {'name': 'Partners'}}:
                    context.status_code = 401
                    return {'error': {'code': 401, 'title': 'Unauthorized',
                                      'message': 'The request you have '
                                                 'made requires '
                                                 'authentication.'}}
                project = 'k2-p1'
            else:
                project = scope.get('id', 'service')
            context.status_code = 201
            context.headers['X-Subject-Token'] = SERVICE_TOKEN
            return ks_fixture.V3Token(user_id='svc', project_id=project)

        self.keystone = self.wire.register_uri(
            'POST', KEYSTONE + '/auth/tokens', json=answer)
        self.now = 1000.0
        self.useFixture(fixtures.MockPatch(
            'mcimage.backends.glance.time.monotonic',
            side_effect=lambda: self.now))

    def find(self, name='p1'):
        return self.backend.project_by_name(self.context, name, 'Partners')

    def test_found_once_and_the_token_reused_there(self):
        self.assertEqual('k2-p1', self.find())
        self.assertEqual('k2-p1', self.find())
        self.backend.get_image(self.context, 'k2-p1', IMAGE_ID)
        # One token: scoped by name, then used in that tenant.
        self.assertEqual([{'project': {'name': 'p1',
                                       'domain': {'name': 'Partners'}}}],
                         self.scopes())
        [glance_call] = [r for r in self.requests()
                         if r.url.startswith(ENDPOINT)]
        self.assertEqual(SERVICE_TOKEN, glance_call.headers['X-Auth-Token'])

    def test_no_such_project_is_none_not_an_error(self):
        self.assertIsNone(self.find('p2'))
        # Keystone refused the name: the service user's own token told it
        # was the name, not the credentials.
        self.assertEqual([{'project': {'name': 'p2',
                                       'domain': {'name': 'Partners'}}},
                          {'project': {'name': 'service',
                                       'domain': {'id': 'default'}}}],
                         self.scopes())
        self.assertIsNone(self.find('p2'))
        self.assertEqual(2, len(self.scopes()))

    def test_answers_expire(self):
        self.assertEqual('k2-p1', self.find())
        self.assertIsNone(self.find('p2'))
        asked = len(self.scopes())
        self.now += vims_conf.NO_PROJECT_NAME_TTL + 1
        self.assertEqual('k2-p1', self.find())
        self.assertIsNone(self.find('p2'))
        self.assertEqual(asked + 1, len(self.scopes()))
        self.now += vims_conf.PROJECT_NAME_TTL
        self.assertEqual('k2-p1', self.find())
        self.assertEqual(asked + 2, len(self.scopes()))

    def test_bounded(self):
        self.useFixture(fixtures.MockPatchObject(glance, 'MAX_PROJECT_NAMES',
                                                 2))
        for name in ('p1', 'a', 'b'):
            self.find(name)
        asked = len(self.scopes())
        self.find('b')
        self.find('a')
        self.assertEqual(asked, len(self.scopes()))
        # The least recently asked for went first.
        self.assertEqual('k2-p1', self.find('p1'))
        self.assertEqual(asked + 1, len(self.scopes()))
        self.assertEqual(2, len(self.backend._project_names))

    def test_credentials_refused_is_the_vims_fault(self):
        self.wire.register_uri('POST', KEYSTONE + '/auth/tokens',
                               status_code=401, json={'error': {
                                   'code': 401, 'message': 'The request '
                                   'you have made requires authentication.',
                                   'title': 'Unauthorized'}})
        e = self.assertRaises(exception.BackendError, self.find)
        self.assertEqual(502, e.code)
        self.assertIn(VIM, str(e))
        self.assertNotIn(SERVICE_PASSWORD, str(e))
        # Not remembered as "no such project".
        self.assertEqual({}, dict(self.backend._project_names))

    def test_keystone_not_answering(self):
        self.wire.register_uri('POST', KEYSTONE + '/auth/tokens',
                               exc=requests.exceptions.ConnectionError)
        e = self.assertRaises(exception.BackendUnavailable, self.find)
        self.assertEqual(503, e.code)
        self.assertEqual({}, dict(self.backend._project_names))


class TestAuthServiceApplicationCredential(GlanceBackendTestCase):
    """auth_mode = service with an application credential: one project."""

    auth_mode = 'service'

    def setUp(self):
        super().setUp()
        self.useFixture(config_fixture.Config(base.CONF)).register_opts(
            ks_loading.get_auth_plugin_conf_options(
                'v3applicationcredential'), group=GROUP)
        self.config(auth_type='v3applicationcredential', auth_url=KEYSTONE,
                    application_credential_id='cred1',
                    application_credential_secret=SERVICE_PASSWORD,
                    group=GROUP)
        token = ks_fixture.V3Token(user_id='svc', project_id='p9')
        self.keystone = self.wire.register_uri(
            'POST', KEYSTONE + '/auth/tokens', json=token,
            headers={'X-Subject-Token': SERVICE_TOKEN}, status_code=201)

    def test_no_scope_asked_for(self):
        self.backend.get_image(self.context, 'p9', IMAGE_ID)
        self.backend.get_image(self.context, 'p9', IMAGE_ID)
        # Keystone refuses an application credential any scope.
        [request] = self.keystone.request_history
        self.assertNotIn('scope', json.loads(request.text)['auth'])
        glance_calls = [r for r in self.requests()
                        if r.url.startswith(ENDPOINT)]
        self.assertEqual(2, len(glance_calls))
        for request in glance_calls:
            self.assertEqual(SERVICE_TOKEN, request.headers['X-Auth-Token'])

    def test_another_tenant_refused(self):
        e = self.assertRaises(exception.Forbidden, self.backend.get_image,
                              self.context, 'p8', IMAGE_ID)
        self.assertEqual(403, e.code)
        self.assertIn(VIM, str(e))
        self.assertIn('p8', str(e))
        self.assertNotIn(SERVICE_PASSWORD, str(e))
        # Nothing asked of Glance.
        self.assertEqual([], [r for r in self.requests()
                              if r.url.startswith(ENDPOINT)])


class TestAuthTokenServiceUser(GlanceBackendTestCase):
    """auth_mode = token with [service_user]: mcimage's token goes along."""

    auth_mode = 'token'

    def setUp(self):
        super().setUp()
        self.useFixture(config_fixture.Config(base.CONF)).register_opts(
            ks_loading.get_auth_plugin_conf_options('v3password'),
            group='service_user')
        self.config(send_service_user_token=True, auth_type='v3password',
                    auth_url=KEYSTONE, username='mcimage',
                    password=SERVICE_PASSWORD, user_domain_id='default',
                    project_name='service', project_domain_id='default',
                    group='service_user')
        token = ks_fixture.V3Token(user_id='svc', project_id='service')
        self.keystone = self.wire.register_uri(
            'POST', KEYSTONE + '/auth/tokens', json=token,
            headers={'X-Subject-Token': SERVICE_TOKEN}, status_code=201)

    def glance_calls(self):
        return [r for r in self.requests() if r.url.startswith(ENDPOINT)]

    def test_both_tokens_on_every_call(self):
        self.backend.get_image(self.context, 'p1', IMAGE_ID)
        self.backend.upload(self.context, 'p1', IMAGE_ID, io.BytesIO(DATA))
        self.backend.get_image(self.context, 'p2', IMAGE_ID)
        # One service token, whatever the tenant, reused.
        self.assertEqual(1, self.keystone.call_count)
        calls = self.glance_calls()
        self.assertEqual(['GET', 'PUT', 'GET'], [r.method for r in calls])
        for request in calls:
            self.assertEqual(CALLER_TOKEN, request.headers['X-Auth-Token'])
            self.assertEqual(SERVICE_TOKEN,
                             request.headers['X-Service-Token'])

    def test_one_service_user_for_every_vim(self):
        other = 'other_RegionTwo'
        self.config(enabled_vims=[VIM, other])
        vims_conf.register_vim_opts(base.CONF, other)
        self.config(auth_mode='token', endpoint_override=ENDPOINT,
                    group='vim:' + other)
        backends.reset()
        for vim_id in (VIM, other):
            backends.get(vim_id).backend.get_image(self.context, 'p1',
                                                   IMAGE_ID)
        self.assertEqual(1, self.keystone.call_count)
        self.assertEqual([SERVICE_TOKEN] * 2,
                         [r.headers['X-Service-Token']
                          for r in self.glance_calls()])

    def test_endpoint_still_from_the_callers_catalog(self):
        self.config(endpoint_override=None, region_name='RegionOne',
                    group=GROUP)
        backends.reset()
        catalog = [{'type': 'image', 'name': 'glance', 'endpoints': [
            {'region': 'RegionOne', 'publicURL': ENDPOINT}]}]
        ctx = context.RequestContext(
            user_id='u1', project_id='p1', roles=['member'],
            auth_token=CALLER_TOKEN, service_catalog=catalog)
        self.backend.get_image(ctx, 'p1', IMAGE_ID)
        [request] = self.glance_calls()
        self.assertEqual(ENDPOINT + '/v2/images/' + IMAGE_ID, request.url)
        self.assertEqual(SERVICE_TOKEN, request.headers['X-Service-Token'])

    def test_not_as_service(self):
        # Clean-up as mcimage uses the VIM's own credentials, never the
        # service token alone.
        self.assertRaises(exception.BackendError, self.backend.delete_image,
                          self.context, 'p1', IMAGE_ID, as_service=True)
        self.assertEqual([], self.sent())

    def test_keystone_not_answering(self):
        self.wire.register_uri('POST', KEYSTONE + '/auth/tokens',
                               exc=requests.exceptions.ConnectionError)
        e = self.assertRaises(exception.BackendUnavailable,
                              self.backend.get_image, self.context, 'p1',
                              IMAGE_ID)
        self.assertEqual(503, e.code)
        self.assertIn(VIM, str(e))
        self.assertIn("mcimage's service user is not answering", str(e))
        self.assertNotIn('keystone.example', str(e))
        self.assertEqual([], self.glance_calls())

    def test_credentials_refused(self):
        logs = self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        self.wire.register_uri('POST', KEYSTONE + '/auth/tokens',
                               status_code=401, json={'error': {
                                   'code': 401, 'message': 'The request '
                                   'you have made requires authentication.',
                                   'title': 'Unauthorized'}})
        e = self.assertRaises(exception.BackendError,
                              self.backend.get_image, self.context, 'p1',
                              IMAGE_ID)
        self.assertEqual(502, e.code)
        self.assertIn(VIM, str(e))
        self.assertIn('[service_user]', str(e))
        self.assertIn('[service_user]', logs.output)
        for secret in (SERVICE_PASSWORD, 'keystone.example'):
            self.assertNotIn(secret, str(e))
        for secret in (SERVICE_PASSWORD, CALLER_TOKEN):
            self.assertNotIn(secret, logs.output)
        self.assertEqual([], self.glance_calls())

    def test_a_401_is_the_tokens(self):
        self.refuse(401, 'The request you have made requires '
                         'authentication.', url=re.compile('^' + ENDPOINT))
        e = self.assertRaises(exception.BackendError,
                              self.backend.get_image, self.context, 'p1',
                              IMAGE_ID)
        self.assertEqual(502, e.code)
        self.assertEqual("VIM %s refused the caller's token, or mcimage's "
                         "service token (HTTP 401)." % VIM, str(e))
        # keystoneauth tries once more with a new service token, in case
        # it was the one refused.
        self.assertEqual(2, self.keystone.call_count)
        self.assertEqual(2, len(self.glance_calls()))

    def test_data_sent_once(self):
        self.refuse(401, 'no', method='PUT')
        sent = io.BytesIO(DATA * 1000)
        self.assertRaises(exception.BackendError, self.backend.upload,
                          self.context, 'p1', IMAGE_ID, sent)
        # Not again after the 401, from wherever the reader was.
        self.assertEqual(['PUT'],
                         [r.method for r in self.glance_calls()])
        self.assertEqual(1, self.keystone.call_count)

    def test_no_token_in_the_log(self):
        logs = self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        self.backend.get_image(self.context, 'p1', IMAGE_ID)
        self.assertIn('X-Service-Token: {SHA256}', logs.output)
        for secret in (SERVICE_PASSWORD, SERVICE_TOKEN, CALLER_TOKEN):
            self.assertNotIn(secret, logs.output)


class TestErrorTranslation(GlanceBackendTestCase):
    """What each answer of the VIM, or its silence, becomes."""

    def answered(self, status, message='the VIM says no', call=None):
        """The error ``call`` raises when the VIM answers ``status``.

        The VIM answers as Glance does (webob): text/plain, the status
        line first.
        """
        self.refuse(status, message)
        call = call or (lambda: self.backend.get_image(self.context, 'p1',
                                                       IMAGE_ID))
        try:
            call()
        except exception.MCImageException as e:
            return e
        self.fail('no error raised for %s' % status)

    def test_refusals_passed_through(self):
        for status, cls in ((400, exception.Invalid),
                            (403, exception.Forbidden),
                            (409, exception.Conflict),
                            (413, exception.RequestTooLarge),
                            (416, exception.RangeNotSatisfiable)):
            e = self.answered(status)
            self.assertIsInstance(e, cls, status)
            self.assertEqual(status, e.code)
            self.assertIn('VIM %s refused the request' % VIM, str(e))
            self.assertIn('the VIM says no', str(e))

    def test_json_and_html_answers(self):
        # A VIM's middleware or a proxy may answer otherwise than webob.
        self.wire.register_uri(
            requests_mock.ANY, requests_mock.ANY, status_code=409,
            json={'error': {'message': 'Image is in use'}},
            headers={'Content-Type': 'application/json'})
        e = self.assertRaises(exception.Conflict, self.backend.get_image,
                              self.context, 'p1', IMAGE_ID)
        self.assertIn('Image is in use', str(e))
        self.wire.register_uri(
            requests_mock.ANY, requests_mock.ANY, status_code=416,
            text='<html><head><title>416 Requested Range Not Satisfiable'
                 '</title></head><body><h1>416 Requested Range Not '
                 'Satisfiable</h1>Not in the data</body></html>',
            headers={'Content-Type': 'text/html'})
        e = self.assertRaises(exception.RangeNotSatisfiable,
                              self.backend.get_image, self.context, 'p1',
                              IMAGE_ID)
        self.assertIn('Not in the data', str(e))
        self.assertNotIn('<', str(e))

    def test_data_refused_is_invalid(self):
        # Glance's 415 to data that fails its format checks.
        e = self.answered(415, 'Image failed safety checks', call=lambda:
                          self.backend.upload(self.context, 'p1', IMAGE_ID,
                                              io.BytesIO(DATA)))
        self.assertIsInstance(e, exception.Invalid)
        self.assertEqual(400, e.code)
        self.assertIn('Image failed safety checks', str(e))

    def test_404_is_the_image(self):
        e = self.answered(404)
        self.assertIsInstance(e, exception.ImageNotFound)
        self.assertEqual(404, e.code)
        self.assertIn(IMAGE_ID, str(e))
        self.assertIn(VIM, str(e))

    def test_404_of_a_member_is_the_membership(self):
        for call in (
                lambda: self.backend.get_member(self.context, 'p1',
                                                IMAGE_ID, 'p2'),
                lambda: self.backend.update_member(self.context, 'p1',
                                                   IMAGE_ID, 'p2',
                                                   'accepted'),
                lambda: self.backend.delete_member(self.context, 'p1',
                                                   IMAGE_ID, 'p2')):
            e = self.answered(404, call=call)
            self.assertNotIsInstance(e, exception.ImageNotFound)
            self.assertIsInstance(e, exception.NotFound)
            self.assertIn('Project p2 is not a member of image %s in VIM %s'
                          % (IMAGE_ID, VIM), str(e))

    def test_404_of_no_image(self):
        e = self.answered(404, call=lambda: self.backend.list_images(
            self.context, 'p1', {}))
        self.assertNotIsInstance(e, exception.ImageNotFound)
        self.assertIsInstance(e, exception.NotFound)
        self.assertIn('VIM %s answered 404' % VIM, str(e))

    def test_other_answers_are_the_vims_fault(self):
        # A VIM's 401 or 5xx is not the caller's: 502.
        for status in (401, 500, 502, 504):
            e = self.answered(status, 'upstream broke')
            self.assertIsInstance(e, exception.BackendError, status)
            self.assertEqual(502, e.code)
            self.assertIn(VIM, str(e))
            self.assertIn('HTTP %d' % status, str(e))
            self.assertIn('upstream broke', str(e))

    def test_503_is_unavailable(self):
        # Glance answers 503 when its Keystone does not answer: the VIM is
        # down for now, and the caller may retry.
        e = self.answered(503, 'The Keystone service is temporarily '
                               'unavailable.')
        self.assertIsInstance(e, exception.BackendUnavailable)
        self.assertEqual(503, e.code)
        self.assertIn(VIM, str(e))
        self.assertIn('Keystone service is temporarily unavailable', str(e))
        self.assertEqual(1, str(e).count('503'))

    def test_not_answering(self):
        for exc in (requests.exceptions.ConnectionError,
                    requests.exceptions.ConnectTimeout,
                    requests.exceptions.ReadTimeout):
            self.wire.register_uri(requests_mock.ANY, requests_mock.ANY,
                                   exc=exc)
            e = self.assertRaises(exception.BackendUnavailable,
                                  self.backend.get_image, self.context, 'p1',
                                  IMAGE_ID)
            self.assertEqual(503, e.code)
            self.assertIn(VIM, str(e))
            self.assertNotIn('127.0.0.1', str(e))

    def test_no_token_in_a_message(self):
        self.config(auth_mode='token', group=GROUP)
        self.status = 500
        self.answer = {'error': {'message': 'boom'}}
        e = self.assertRaises(exception.BackendError, self.backend.get_image,
                              self.context, 'p1', IMAGE_ID)
        self.assertEqual(CALLER_TOKEN, self.last().headers['X-Auth-Token'])
        self.assertNotIn(CALLER_TOKEN, str(e))
        self.wire.register_uri(requests_mock.ANY, requests_mock.ANY,
                               exc=requests.exceptions.ConnectionError)
        e = self.assertRaises(exception.BackendUnavailable,
                              self.backend.get_image, self.context, 'p1',
                              IMAGE_ID)
        self.assertNotIn(CALLER_TOKEN, str(e))


class _Pieces(object):
    """A reader of ``data`` in pieces of ``size`` bytes."""

    def __init__(self, data, size):
        self._data = data
        self._size = size

    def read(self, size=None):
        piece, self._data = (self._data[:self._size],
                             self._data[self._size:])
        return piece


class TestData(GlanceBackendTestCase):
    """Uploads and downloads: framing, sizes and ranges."""

    def received(self):
        """What the VIM received as the upload's body."""
        return b''.join(self.bodies)

    def setUp(self):
        super().setUp()
        self.bodies = []

        def take(request, answer):
            # The body is the reader, read as the VIM would read it.
            self.bodies.extend(request.body)
            answer.status_code = 204
            return b''

        self.wire.register_uri('PUT', ENDPOINT + '/v2/images/%s/file' %
                               IMAGE_ID, content=take)

    def test_upload_of_a_known_size(self):
        reader = io.BytesIO(b'x' * 300000)
        self.assertIsNone(self.backend.upload(self.context, 'p1', IMAGE_ID,
                                              reader, size=300000))
        request = self.last()
        self.assertEqual(('PUT', '/v2/images/%s/file' % IMAGE_ID),
                         (request.method, request.path_url))
        self.assertEqual('application/octet-stream',
                         request.headers['Content-Type'])
        # The size goes to the VIM's store, and the body under a
        # Content-Length, not chunked.
        self.assertEqual('300000', request.headers['x-openstack-image-size'])
        self.assertEqual('300000', request.headers['Content-Length'])
        self.assertNotIn('Transfer-Encoding', request.headers)
        self.assertEqual(b'x' * 300000, self.received())
        self.assertEqual(GLOBAL_ID, request.headers['X-OpenStack-Request-ID'])
        self.assertEqual('p1', request.headers['X-Project-Id'])
        self.assertTrue(request.headers['User-Agent'].startswith(
            'python-glanceclient'))

    def test_upload_of_a_known_size_holds_its_last_piece(self):
        # The VIM gets the last piece only once the reader has ended: its
        # checks at the end pass before the VIM can make the image active.
        events = []

        class Reader(object):
            pieces = [b'a' * 10, b'b' * 10, b'']

            def read(self, size=None):
                events.append('read')
                return self.pieces.pop(0)

        self.wire.register_uri(
            'PUT', ENDPOINT + '/v2/images/%s/file' % IMAGE_ID,
            content=lambda request, answer: [
                events.append(piece) for piece in request.body] and b'')
        self.backend.upload(self.context, 'p1', IMAGE_ID, Reader(), size=20)
        self.assertEqual(['read', 'read', b'a' * 10, 'read', b'b' * 10],
                         events)

    def test_upload_of_a_known_size_given_other_data(self):
        # More or less than the size: the request stops before its last
        # byte, and the VIM never receives the whole body it was promised.
        for data in (b'x' * 30, b'x' * 10):
            self.bodies[:] = []
            e = self.assertRaises(
                exception.ChecksumMismatch, self.backend.upload,
                self.context, 'p1', IMAGE_ID, _Pieces(data, 10), size=20)
            self.assertIn("'size': declared 20", str(e))
            self.assertLess(len(self.received()), 20)

    def test_upload_of_a_known_size_is_not_sent_twice(self):
        # A retry would send the rest of the reader as the whole image.
        body = glance._SizedBody(io.BytesIO(DATA), len(DATA), 'v1')
        self.assertEqual(DATA, b''.join(body))
        self.assertRaises(exception.BackendUnavailable, list, body)

    def test_upload_of_an_unknown_size(self):
        self.backend.upload(self.context, 'p1', IMAGE_ID, io.BytesIO(DATA))
        request = self.last()
        self.assertNotIn('x-openstack-image-size', request.headers)
        self.assertEqual('chunked', request.headers['Transfer-Encoding'])
        self.assertNotIn('Content-Length', request.headers)
        self.assertEqual(DATA, self.received())

    def test_upload_of_an_unknown_size_in_the_vims_chunks(self):
        # Chunks of exactly the VIM's upload_chunk_size but the last,
        # whatever the reader's pieces: larger ones cut, smaller ones
        # joined (the multipart parser's pieces line up with nothing).
        data = bytes(range(256)) * 1172
        for most, piece, chunks in (
                (64 * 1024, 150000, [65536] * 4 + [37888]),
                (64 * 1024, 1000, [65536] * 4 + [37888]),
                (4096, 4096, [4096] * 73 + [1024])):
            self.config(upload_chunk_size=most, group=GROUP)
            self.bodies[:] = []
            self.backend.upload(self.context, 'p1', IMAGE_ID,
                                _Pieces(data, piece))
            self.assertEqual(chunks, [len(c) for c in self.bodies])
            self.assertEqual(data, self.received())

    def test_upload_of_an_unknown_size_is_not_sent_twice(self):
        body = glance._Body(io.BytesIO(DATA), 'v1', 4096)
        self.assertEqual(DATA, b''.join(body))
        self.assertRaises(exception.BackendUnavailable, list, body)

    def test_upload_answered_503_is_not_retried(self):
        # The VIM's status_code_retries cannot resend a body read once:
        # the caller gets the VIM's 503, not a second read refused.
        self.config(status_code_retries=2, group=GROUP)

        def unavailable(request, answer):
            # Read as the VIM reads it, then refused.
            self.bodies.extend(request.body)
            answer.status_code = 503
            answer.headers['Content-Type'] = 'text/plain; charset=UTF-8'
            return (b'503 Service Unavailable\n\nThe Keystone service is '
                    b'temporarily unavailable.\n\n   ')

        self.wire.register_uri('PUT', ENDPOINT + '/v2/images/%s/file' %
                               IMAGE_ID, content=unavailable)
        for size in (None, len(DATA)):
            self.forget()
            e = self.assertRaises(
                exception.BackendUnavailable, self.backend.upload,
                self.context, 'p1', IMAGE_ID, io.BytesIO(DATA), size=size)
            self.assertIn('temporarily unavailable', str(e))
            self.assertEqual(1, len(self.requests()))
            self.assertEqual(DATA, self.received())
            self.bodies[:] = []

    def test_upload_broken_off_and_retried_is_the_vims_failure(self):
        # The VIM's connect_retries send the request again after the
        # connection broke mid-body: the data cannot come a second time,
        # and the caller learns the VIM failed (503), not that mcimage did.
        self.config(connect_retries=1, connect_retry_delay=0, group=GROUP)

        def broken(request, answer):
            for piece in request.body:
                self.bodies.append(piece)
                break
            raise requests.exceptions.ConnectionError('reset by peer')

        self.wire.register_uri('PUT', ENDPOINT + '/v2/images/%s/file' %
                               IMAGE_ID, content=broken)
        for size in (None, len(DATA)):
            self.forget()
            e = self.assertRaises(
                exception.BackendUnavailable, self.backend.upload,
                self.context, 'p1', IMAGE_ID, io.BytesIO(DATA), size=size)
            self.assertIn('broke off the upload', str(e))
            self.assertEqual(2, len(self.requests()))

    def test_upload_in_the_callers_identity(self):
        self.backend.upload(self.context, 'p7', IMAGE_ID, io.BytesIO(DATA))
        self.assertEqual('p7', self.last().headers['X-Project-Id'])
        self.assertEqual('member,reader', self.last().headers['X-Roles'])

    def test_upload_refused(self):
        for status, cls in ((409, exception.Conflict),
                            (413, exception.RequestTooLarge),
                            (403, exception.Forbidden)):
            self.refuse(status, method='PUT', url=ENDPOINT +
                        '/v2/images/%s/file' % IMAGE_ID)
            self.assertRaises(cls, self.backend.upload, self.context, 'p1',
                              IMAGE_ID, io.BytesIO(DATA), size=len(DATA))

    def test_download(self):
        status, headers, body = self.backend.download(self.context, 'p1',
                                                      IMAGE_ID)
        self.assertEqual(200, status)
        self.assertEqual(str(len(DATA)), headers['Content-Length'])
        self.assertEqual(DATA, b''.join(body))
        request = self.last()
        self.assertEqual(('GET', '/v2/images/%s/file' % IMAGE_ID),
                         (request.method, request.path_url))
        self.assertNotIn('Range', request.headers)
        self.assertEqual('member,reader', request.headers['X-Roles'])
        self.assertEqual(GLOBAL_ID, request.headers['X-OpenStack-Request-ID'])

    def test_download_of_a_range(self):
        self.wire.register_uri(
            'GET', ENDPOINT + '/v2/images/%s/file' % IMAGE_ID,
            status_code=206, content=DATA[1:3],
            headers={'Content-Type': 'application/octet-stream',
                     'Content-Length': '2',
                     'Content-Range': 'bytes 1-2/%d' % len(DATA)})
        status, headers, body = self.backend.download(
            self.context, 'p1', IMAGE_ID, byte_range='bytes=1-2')
        self.assertEqual(206, status)
        self.assertEqual('bytes 1-2/4', headers['Content-Range'])
        self.assertEqual(DATA[1:3], b''.join(body))
        self.assertEqual('bytes=1-2', self.last().headers['Range'])

    def test_download_splice_source(self):
        # Everything came with the first read: nothing left to relay.
        _status, _headers, body = self.backend.download(self.context, 'p1',
                                                        IMAGE_ID)
        self.assertEqual((DATA, None, 0), body.splice_source())

    def test_download_not_spliced_when_encoded(self):
        self.wire.register_uri(
            'GET', ENDPOINT + '/v2/images/%s/file' % IMAGE_ID,
            content=DATA, headers={'Content-Type': 'application/octet-stream',
                                   'Content-Length': str(len(DATA)),
                                   'Content-Encoding': 'gzip'})
        _status, _headers, body = self.backend.download(self.context, 'p1',
                                                        IMAGE_ID)
        self.assertIsNone(body.splice_source())
        body.close()

    def test_download_of_no_data(self):
        self.wire.register_uri(
            'GET', ENDPOINT + '/v2/images/%s/file' % IMAGE_ID,
            status_code=204)
        self.assertEqual((204, None), self.backend.download(
            self.context, 'p1', IMAGE_ID)[::2])

    def test_download_without_a_length_is_a_bad_answer(self):
        # An answer cut inside its headers: with no Content-Type glanceclient
        # gives no body; with one, the body would end at the cut, empty.
        for headers in ({}, {'Content-Type': 'application/octet-stream'},
                        {'Content-Type': 'application/octet-stream',
                         'Content-Length': ''}):
            self.wire.register_uri(
                'GET', ENDPOINT + '/v2/images/%s/file' % IMAGE_ID,
                status_code=200, content=b'', headers=headers)
            e = self.assertRaises(exception.BackendError,
                                  self.backend.download, self.context, 'p1',
                                  IMAGE_ID)
            self.assertIn('without a Content-Length', str(e))
            self.assertEqual(502, e.code)

    def test_download_refused(self):
        for status, cls in ((416, exception.RangeNotSatisfiable),
                            (403, exception.Forbidden),
                            (404, exception.ImageNotFound)):
            self.refuse(status, method='GET', url=ENDPOINT +
                        '/v2/images/%s/file' % IMAGE_ID)
            self.assertRaises(cls, self.backend.download, self.context, 'p1',
                              IMAGE_ID, byte_range='bytes=9-')


class TestMetadefs(GlanceBackendTestCase):
    """Metadata definitions: relayed as they came, answered as they went."""

    NS = 'OS::Compute::Quota'

    def body(self):
        return json.loads(self.last().text)

    def relay(self, method='GET', path=('namespaces',), **kwargs):
        return self.backend.metadefs(self.context, 'p1', method, path,
                                     **kwargs)

    def test_paths_and_queries(self):
        self.answer = {'namespaces': []}
        self.assertEqual(
            (200, {'Content-Type': 'application/json'}, self.answer),
            self.relay(query=[('limit', '5'), ('resource_types', 'a,b')]))
        self.relay(path=('namespaces', self.NS, 'objects', 'a b/c?'))
        self.relay(path=('resource_types',))
        self.assertEqual(
            [('GET', '/v2/metadefs/namespaces?limit=5&resource_types=a%2Cb'),
             ('GET', '/v2/metadefs/namespaces/OS%3A%3ACompute%3A%3AQuota/'
                     'objects/a%20b%2Fc%3F'),
             ('GET', '/v2/metadefs/resource_types')], self.sent())
        self.assertEqual(VIM, self.last().headers[backends_base.RELAY_HEADER])
        self.assertRaises(exception.InvalidParameterValue, self.relay,
                          path=('namespaces', '..'))

    def test_body_and_append(self):
        self.status = 201
        self.answer = {'tags': [{'name': 't'}]}
        status, _headers, answer = self.relay(
            'POST', ('namespaces', self.NS, 'tags'),
            body={'tags': [{'name': 't'}]}, append='True')
        self.assertEqual((201, self.answer), (status, answer))
        request = self.last()
        self.assertEqual('POST', request.method)
        self.assertEqual({'tags': [{'name': 't'}]}, self.body())
        self.assertEqual('application/json', request.headers['Content-Type'])
        self.assertEqual('True', request.headers['X-Openstack-Append'])
        self.relay('PUT', ('namespaces', self.NS), body={'namespace': 'x'})
        self.assertNotIn('X-Openstack-Append', self.last().headers)
        self.assertEqual({'namespace': 'x'}, self.body())

    def test_no_body(self):
        self.wire.register_uri('DELETE', requests_mock.ANY, status_code=204,
                               headers={'Content-Type': 'text/html'})
        self.assertEqual((204, None), self.relay(
            'DELETE', ('namespaces', self.NS))[::2])
        self.assertFalse(self.last().body)

    def test_location_below_the_endpoint(self):
        for location in (ENDPOINT + '/v2/metadefs/namespaces/x',
                         '/v2/metadefs/namespaces/x'):
            self.wire.register_uri(
                'POST', requests_mock.ANY, status_code=201,
                json={'namespace': 'x'}, headers={'Location': location})
            self.assertEqual('/v2/metadefs/namespaces/x', self.relay(
                'POST', body={'namespace': 'x'})[1]['Location'])
        # Anywhere else is the VIM's network: not passed on.
        for location in ('http://10.0.0.9:9292/v2/metadefs/namespaces/x',
                         ENDPOINT + '/elsewhere'):
            self.wire.register_uri(
                'POST', requests_mock.ANY, status_code=201,
                json={'namespace': 'x'}, headers={'Location': location})
            self.assertNotIn('Location', self.relay(
                'POST', body={'namespace': 'x'})[1])

    def test_location_below_an_endpoint_path(self):
        self.assertEqual(
            '/v2/metadefs/namespaces/x?a=1', glance._below_endpoint(
                'https://h/image/v2/metadefs/namespaces/x?a=1',
                'https://h/image/v2/metadefs/namespaces?b=2',
                '/v2/metadefs/namespaces?b=2'))
        self.assertIsNone(glance._below_endpoint(
            'https://h/v2/metadefs/namespaces/x',
            'https://h/image/v2/metadefs/namespaces',
            '/v2/metadefs/namespaces'))

    def test_refusals_keep_their_status_and_message(self):
        for status, cls in ((400, exception.Invalid),
                            (403, exception.Forbidden),
                            (404, exception.NotFound),
                            (405, exception.MethodNotAllowed),
                            (409, exception.Conflict)):
            self.refuse(status, 'Glance says no')
            e = self.assertRaises(cls, self.relay, 'PUT',
                                  ('namespaces', self.NS), body={})
            self.assertEqual(status, e.code)
            self.assertIn('Glance says no', str(e))
            self.assertIn(VIM, str(e))

    def test_vim_failing_or_silent(self):
        self.refuse(500, 'broke')
        self.assertRaises(exception.BackendError, self.relay)
        self.wire.register_uri(requests_mock.ANY, requests_mock.ANY,
                               exc=requests.exceptions.ConnectionError)
        self.assertRaises(exception.BackendUnavailable, self.relay)

    def test_methods_glance_has_not(self):
        e = self.assertRaises(exception.MethodNotAllowed, self.relay,
                              'PATCH')
        self.assertEqual(405, e.code)
        self.assertEqual([], self.sent())

    def test_as_the_caller(self):
        self.relay()
        self.assertEqual('u1', self.last().headers['X-User-Id'])
        self.assertEqual('p1', self.last().headers['X-Project-Id'])

    def test_schemas_are_documents(self):
        self.answer = {'name': 'namespace'}
        self.assertEqual(self.answer, self.backend.get_document(
            self.context, 'p1', 'schemas/metadefs/namespace'))
        self.assertEqual([('GET', '/v2/schemas/metadefs/namespace')],
                         self.sent())


class TestMetadefsToken(GlanceBackendTestCase):

    auth_mode = 'token'

    def test_caller_token(self):
        self.backend.metadefs(self.context, 'p1', 'GET', ('namespaces',))
        self.assertEqual(CALLER_TOKEN, self.last().headers['X-Auth-Token'])
        self.assertNotIn('X-Roles', self.last().headers)

    def test_a_401_is_the_callers_token(self):
        self.refuse(401)
        e = self.assertRaises(exception.BackendError, self.backend.metadefs,
                              self.context, 'p1', 'GET', ('namespaces',))
        self.assertIn("refused the caller's token", str(e))
