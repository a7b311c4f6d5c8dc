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

import uuid

from keystoneauth1 import fixture as ks_fixture
from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session

from mcimageclient import client as client_factory
from mcimageclient.common import http
from mcimageclient import exceptions
from mcimageclient.tests.unit import base
from mcimageclient.v1 import client


class TestEndpoint(base.TestCase):

    def test_override_names_the_root_or_v1(self):
        self.requests.get(base.V1 + '/vims', json={'vims': []})
        for endpoint in (base.ENDPOINT, base.V1 + '/'):
            mc = client.Client(endpoint_override=endpoint)
            self.assertEqual([], mc.vims.list())
            self.assertEqual([], mc.vims.list())
        self.assertEqual([('GET', base.V1 + '/vims')] * 4, self.history())
        # One discovery per client, at the URL given.
        discovery = [r.url for r in self.requests.request_history
                     if r not in self.api_requests()]
        self.assertEqual([base.ENDPOINT + '/', base.V1 + '/'], discovery)

    def test_v1_where_the_versions_document_says(self):
        # An mcimage behind a path prefix: v1's URL is the document's.
        root = 'https://proxy.test/multicloud'
        self.serve_versions(root)
        self.requests.get(root + '/v1/vims', json={'vims': [{'id': 'v'}]})
        mc = client.Client(endpoint_override=root)
        self.assertEqual([{'id': 'v'}], mc.vims.list())
        self.assertEqual(root + '/v1', mc.http_client.base_url)

    def test_no_v1_there(self):
        self.requests.get('http://glance.test:9292/', json={'versions': [
            {'id': 'v2.17', 'status': 'CURRENT', 'links': [
                {'rel': 'self', 'href': 'http://glance.test:9292/v2/'}]}]})
        mc = client.Client(endpoint_override='http://glance.test:9292')
        e = self.assertRaises(exceptions.EndpointNotFound, mc.vims.list)
        self.assertIn('No version 1 of the multicloud-image API found at '
                      'http://glance.test:9292', str(e))

    def test_endpoint_from_the_catalog_and_the_token_sent(self):
        auth_url = 'http://keystone.test/v3'
        token = ks_fixture.V3Token(project_id='p1')
        service = token.add_service('multicloud-image')
        service.add_standard_endpoints(
            public='https://mc.test/v1', internal='http://mc.internal/v1',
            region='RegionOne')
        token_id = uuid.uuid4().hex
        self.requests.post(auth_url + '/auth/tokens', json=token,
                           headers={'X-Subject-Token': token_id})
        self.serve_versions('http://mc.internal')
        self.requests.get('http://mc.internal/v1/vims', json={'vims': []})
        auth = v3.Password(auth_url=auth_url, username='u', password='p',
                           project_id='p1', user_domain_id='default')
        mc = client.Client(session=ks_session.Session(auth=auth),
                           region_name='RegionOne', interface='internal')
        self.assertEqual([], mc.vims.list())
        self.assertEqual(token_id, self.last().headers['X-Auth-Token'])
        self.assertEqual(base.MICROVERSION,
                         self.last().headers['OpenStack-API-Version'])

    def test_no_endpoint(self):
        auth_url = 'http://keystone.test/v3'
        token = ks_fixture.V3Token(project_id='p1')
        token.add_service('image').add_standard_endpoints(
            public='https://glance.test', region='RegionOne')
        self.requests.post(auth_url + '/auth/tokens', json=token,
                           headers={'X-Subject-Token': 'tok'})
        auth = v3.Password(auth_url=auth_url, username='u', password='p',
                           project_id='p1', user_domain_id='default')
        mc = client.Client(session=ks_session.Session(auth=auth),
                           region_name='RegionOne')
        e = self.assertRaises(exceptions.EndpointNotFound, mc.vims.list)
        self.assertIn('multicloud-image', str(e))


class TestMicroversion(base.TestCase):

    def test_default_on_every_request(self):
        self.requests.get(base.V1 + '/vims', json={'vims': []})
        self.requests.delete(base.V1 + '/uploads/u1', status_code=204)
        self.client.vims.list()
        self.client.uploads.delete('u1')
        self.assertEqual(2, len(self.api_requests()))
        self.assertMicroversion()

    def test_asked_for(self):
        self.requests.get(base.V1 + '/vims', json={'vims': []})
        mc = client.Client(endpoint_override=base.ENDPOINT,
                           api_version='1.3')
        mc.vims.list()
        self.assertEqual('multicloud-image 1.3',
                         self.last().headers['OpenStack-API-Version'])

    def test_one_the_server_does_not_speak(self):
        self.serve_versions(base.ENDPOINT, max_version='1.2')
        mc = client.Client(endpoint_override=base.ENDPOINT,
                           api_version='1.3')
        e = self.assertRaises(exceptions.UnsupportedVersion, mc.vims.list)
        self.assertIn('speaks microversions 1.0 to 1.2 of its API, not 1.3',
                      str(e))
        self.assertEqual([], self.history())

    def test_factory(self):
        self.requests.get(base.V1 + '/vims', json={'vims': []})
        client_factory.Client('1.2', endpoint_override=base.ENDPOINT)\
            .vims.list()
        self.assertEqual('multicloud-image 1.2',
                         self.last().headers['OpenStack-API-Version'])
        mc = client_factory.Client('1', endpoint_override=base.ENDPOINT)
        self.assertEqual(http.DEFAULT_API_VERSION, mc.api_version)
        self.assertRaises(exceptions.ClientException, client_factory.Client,
                          '2', endpoint_override=base.ENDPOINT)


class TestErrors(base.TestCase):

    def test_api_sig_error(self):
        self.requests.get(base.IMAGE_URL, status_code=404, json=base.api_error(
            404, 'mcimage.image_not_found', 'No image\nx in VIM acme',
            title='Not Found', request_id='req-42'))
        e = self.assertRaises(exceptions.NotFound, self.client.images.get,
                              base.VIM, base.TENANT, base.IMAGE_ID)
        self.assertEqual((404, 'mcimage.image_not_found', 'Not Found',
                          'No image\nx in VIM acme', 'req-42'),
                         (e.status, e.code, e.title, e.detail,
                          e.request_id))
        self.assertEqual('GET', e.method)
        self.assertEqual(base.IMAGE_URL, e.url)
        self.assertEqual(
            'HTTP 404 Not Found: No image x in VIM acme '
            '(mcimage.image_not_found, request req-42)', str(e))

    def test_every_status_has_its_class(self):
        for status, cls in ((400, exceptions.BadRequest),
                            (401, exceptions.Unauthorized),
                            (403, exceptions.Forbidden),
                            (406, exceptions.NotAcceptable),
                            (409, exceptions.Conflict),
                            (413, exceptions.RequestEntityTooLarge),
                            (415, exceptions.UnsupportedMediaType),
                            (500, exceptions.InternalServerError),
                            (502, exceptions.BadGateway),
                            (503, exceptions.ServiceUnavailable),
                            (507, exceptions.InsufficientStorage),
                            (418, exceptions.HttpClientError),
                            (599, exceptions.HttpServerError)):
            self.requests.get(base.V1 + '/vims', status_code=status,
                              json=base.api_error(status, 'c', 'd'))
            e = self.assertRaises(cls, self.client.vims.list)
            self.assertEqual(status, e.status)
            self.assertIsInstance(e, exceptions.HttpError)

    def test_keystonemiddleware_401(self):
        self.requests.get(base.V1 + '/vims', status_code=401, json={
            'error': {'code': 401, 'title': 'Unauthorized',
                      'message': 'The request you have made requires '
                                 'authentication.'}},
            headers={'x-openstack-request-id': 'req-ks'})
        e = self.assertRaises(exceptions.Unauthorized, self.client.vims.list)
        self.assertEqual('HTTP 401 Unauthorized: The request you have made '
                         'requires authentication. (request req-ks)', str(e))

    def test_not_json(self):
        self.requests.get(base.V1 + '/vims', status_code=502,
                          text='<html>\n<b>Bad gateway</b>\n</html>',
                          reason='Bad Gateway')
        e = self.assertRaises(exceptions.BadGateway, self.client.vims.list)
        self.assertEqual('HTTP 502 Bad Gateway: <html> <b>Bad gateway</b> '
                         '</html>', str(e))


class TestPaginate(base.TestCase):

    def test_follows_next_with_its_query(self):
        url = base.V1 + '/tasks'
        self.requests.get(url + '?limit=2', json={
            'tasks': [{'id': 'a'}, {'id': 'b'}],
            'next': '/prefix/v1/tasks?limit=2&marker=b'})
        self.requests.get(url + '?limit=2&marker=b', json={
            'tasks': [{'id': 'c'}]})
        self.assertEqual(['a', 'b', 'c'], [t['id'] for t in
                                           self.client.tasks.list(
                                               page_size=2)])
        self.assertEqual([url + '?limit=2', url + '?limit=2&marker=b'],
                         [r.url for r in self.api_requests()])

    def test_limit_stops_early(self):
        url = base.V1 + '/tasks'
        self.requests.get(url, json={'tasks': [{'id': 'a'}, {'id': 'b'}],
                                     'next': '/v1/tasks?marker=b'})
        self.assertEqual(['a'], [t['id'] for t in
                                 self.client.tasks.list(limit=1)])
        self.assertEqual(1, len(self.api_requests()))

    def test_a_next_link_to_itself_ends(self):
        url = base.V1 + '/tasks'
        self.requests.get(url + '?marker=a', json={
            'tasks': [{'id': 'b'}], 'next': '/v1/tasks?marker=a'})
        self.assertEqual(['b'], [t['id'] for t in
                                 self.client.tasks.list(marker='a')])

    def test_with_query(self):
        self.assertEqual('/x', http.with_query('/x', {'a': None}))
        self.assertEqual(
            '/x?tag=a&tag=b+c&protected=true&name=%2F%26',
            http.with_query('/x', [('tag', ['a', 'b c']),
                                   ('protected', True), ('name', '/&'),
                                   ('marker', None)]))
