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

"""Unit tests: every request is answered by requests-mock."""

import json

from requests_mock.contrib import fixture as rm_fixture
import testtools

from mcimageclient.v1 import client

ENDPOINT = 'http://mcimage.test:9494'
V1 = ENDPOINT + '/v1'
VIM = 'acme_RegionOne'
TENANT = 'p1'
TENANT_URL = '%s/%s/%s' % (V1, VIM, TENANT)
IMAGE_ID = '9d9b3c33-1c53-4a3a-9d55-2f0f1d8e0b1a'
IMAGE_URL = '%s/images/%s' % (TENANT_URL, IMAGE_ID)
MICROVERSION = 'multicloud-image 1.0'


def image(**fields):
    """An image as mcimage shows it."""
    body = {'id': IMAGE_ID, 'name': 'disk', 'status': 'active',
            'disk_format': 'raw', 'container_format': 'bare',
            'visibility': 'private', 'size': 4, 'virtual_size': 4,
            'checksum': 'e2fc714c4727ee9395f324cd2e7f331f',
            'os_hash_algo': 'sha512', 'os_hash_value': None,
            'min_disk': 0, 'min_ram': 0, 'protected': False,
            'os_hidden': False, 'owner': TENANT, 'tags': [],
            'created_at': '2026-01-01T00:00:00Z',
            'updated_at': '2026-01-01T00:00:00Z',
            'self': '/v1/%s/%s/images/%s' % (VIM, TENANT, IMAGE_ID),
            'file': '/v1/%s/%s/images/%s/file' % (VIM, TENANT, IMAGE_ID),
            'schema': '/v1/%s/%s/schemas/image' % (VIM, TENANT)}
    body.update(fields)
    return body


def versions(root, max_version='1.9'):
    """mcimage's versions document at ``root`` (GET / and GET /v1)."""
    return {'versions': [{
        'id': 'v1', 'status': 'CURRENT', 'min_version': '1.0',
        'version': max_version,
        'links': [{'rel': 'self', 'href': root + '/v1/'}]}]}


def api_error(status, code, detail, title='Error', request_id='req-1'):
    """An API-SIG errors body, as mcimage answers."""
    return {'errors': [{'request_id': request_id, 'code': code,
                        'status': status, 'title': title,
                        'detail': detail}]}


class TestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.requests = self.useFixture(rm_fixture.Fixture())
        self.serve_versions(ENDPOINT)
        self.client = client.Client(endpoint_override=ENDPOINT)

    def serve_versions(self, root, **kwargs):
        """Version discovery at ``root``, as mcimage answers it."""
        for url in (root, root + '/', root + '/v1', root + '/v1/'):
            self.requests.get(url, json=versions(root, **kwargs))

    def api_requests(self):
        """The requests made, version discovery left out."""
        return [r for r in self.requests.request_history
                if r.path.rstrip('/') not in ('', '/v1')]

    def last(self):
        return self.api_requests()[-1]

    def history(self):
        """(method, url) of every API request made."""
        return [(r.method, r.url) for r in self.api_requests()]

    def assertMicroversion(self):
        for request in self.api_requests():
            self.assertEqual(MICROVERSION,
                             request.headers['OpenStack-API-Version'])

    def assertJsonBody(self, expected, request=None):
        request = request or self.last()
        self.assertEqual(expected, json.loads(request.body))
