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

"""Glance's metadata definitions through mcimage's Glance endpoint.

A real Glance behind a real Keystone, holding the metadata definitions
Glance ships (glance-manage db_load_metadefs), reached through mcimage
(auth_strategy = keystone) as a VIM in auth_mode = token: the caller's
token goes on, so what each caller sees and may change is what Glance's
own policy says, behind mcimage's gate (mcimage:metadef:*).
"""

import json
import os
import subprocess
import sys
import urllib.parse

from glanceclient import Client as GlanceClient
from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint
import requests

from tests.functional.fixtures import keystone as keystone_fixtures
from tests.functional import test_keystone_token

OPENSTACK = os.path.join(os.path.dirname(sys.executable), 'openstack')
# What Glance 33 ships in etc/glance/metadefs: 32 namespaces, all public
# but these, private to the admin's project.
SHIPPED = 32
PRIVATE = ('OS::Glance::CommonImageProperties', 'OS::OperatingSystem')
PUBLIC = SHIPPED - len(PRIVATE)


class TestGlanceMetadefs(test_keystone_token.KeystoneTokenTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.glance.load_metadefs()
        except BaseException:
            cls._servers.cleanUp()
            raise

    def setUp(self):
        super().setUp()
        self.endpoint = self.mcimage.url('/glance/%s' % self.VIM)
        self.metadefs = self.endpoint + '/v2/metadefs'
        self.namespaces = self.metadefs + '/namespaces'

    def call(self, method, url, user='member1', project='p1', body=None,
             **headers):
        headers = self.auth(user, project, Accept='application/json',
                            **headers)
        return requests.request(method, url, json=body, headers=headers,
                                timeout=60)

    def assertGlanceError(self, resp, status, message=None):
        """WebOb's JSON error, as Glance answers it."""
        self.assertEqual(status, resp.status_code, resp.text)
        self.assertEqual(
            {'message', 'code', 'title'}, set(resp.json()), resp.text)
        self.assertTrue(resp.json()['code'].startswith('%d ' % status))
        if message is not None:
            self.assertIn(message, resp.json()['message'])

    def admin_namespace(self, name, **fields):
        """A namespace created by the admin, deleted at cleanup."""
        fields['namespace'] = name
        resp = self.call('POST', self.namespaces, 'admin', 'admin', fields)
        self.assertEqual(201, resp.status_code, resp.text)
        self.addCleanup(self.call, 'DELETE', self.namespaces + '/' + name,
                        'admin', 'admin')
        return resp

    def listed(self, user, project):
        names = []
        url = self.namespaces + '?limit=10'
        while url:
            resp = self.call('GET', url, user, project)
            self.assertEqual(200, resp.status_code, resp.text)
            page = resp.json()
            names += [ns['namespace'] for ns in page['namespaces']]
            # Glance's links are paths below its endpoint: this one's.
            url = page.get('next') and self.endpoint + page['next']
        self.assertEqual(len(names), len(set(names)))
        return set(names)

    def test_list_follows_next_links_and_glances_visibility(self):
        # The caller's token went on: Glance shows each what it may see.
        admin = self.listed('admin', 'admin')
        self.assertEqual(SHIPPED, len(admin))
        self.assertEqual(set(), set(PRIVATE) - admin)
        member = self.listed('member1', 'p1')
        self.assertEqual(admin - set(PRIVATE), member)
        self.assertEqual(member, self.listed('reader1', 'p1'))
        for name in PRIVATE:
            self.assertGlanceError(
                self.call('GET', self.namespaces + '/' + name), 404)
            resp = self.call('GET', self.namespaces + '/' + name, 'admin',
                             'admin')
            self.assertEqual(200, resp.status_code, resp.text)

    def test_glanceclient_lists_and_shows(self):
        session = ks_session.Session(auth=token_endpoint.Token(
            self.endpoint, self.keystone.token('reader1', 'p1')))
        client = GlanceClient('2', session=session)
        # glanceclient reads /v2/schemas/metadefs/namespace first.
        listed = list(client.metadefs_namespace.list())
        self.assertEqual(PUBLIC, len(listed))
        libvirt = client.metadefs_namespace.get('OS::Compute::Libvirt')
        self.assertIn('OS::Glance::Image', [
            r['name'] for r in libvirt['resource_type_associations']])
        self.assertIn('OS::Glance::Image', [
            r['name'] for r in client.metadefs_resource_type.list()])

    def test_admin_writes_a_namespace_and_what_it_holds(self):
        name = 'OS::MCImage::Test-%s' % os.urandom(4).hex()
        url = self.namespaces + '/' + name
        resp = self.admin_namespace(
            name, display_name='Test', visibility='private',
            properties={'p1': {'type': 'string', 'title': 'P1'}})
        # Location points into mcimage, not at Glance.
        self.assertEqual(self.endpoint + '/v2/metadefs/namespaces/' + name,
                         urllib.parse.unquote(resp.headers['Location']))
        resp = self.call('POST', url + '/objects', 'admin', 'admin',
                         {'name': 'o1', 'properties': {
                             'x': {'type': 'integer', 'title': 'X'}}})
        self.assertEqual(201, resp.status_code, resp.text)
        resp = self.call('POST', url + '/tags', 'admin', 'admin',
                         {'tags': [{'name': 't1'}, {'name': 't2'}]})
        self.assertEqual(201, resp.status_code, resp.text)
        resp = self.call('POST', url + '/tags', 'admin', 'admin',
                         {'tags': [{'name': 't3'}]},
                         **{'X-Openstack-Append': 'True'})
        self.assertEqual(201, resp.status_code, resp.text)
        resp = self.call('POST', url + '/resource_types', 'admin', 'admin',
                         {'name': 'OS::Glance::Image', 'prefix': 'mc_'})
        self.assertEqual(201, resp.status_code, resp.text)
        resp = self.call('PUT', url, 'admin', 'admin',
                         {'namespace': name, 'display_name': 'Renamed',
                          'visibility': 'private'})
        self.assertEqual(200, resp.status_code, resp.text)
        shown = self.call('GET', url, 'admin', 'admin').json()
        self.assertEqual('Renamed', shown['display_name'])
        self.assertEqual(['o1'], [o['name'] for o in shown['objects']])
        self.assertEqual({'p1'}, set(shown['properties']))
        self.assertEqual(['t1', 't2', 't3'],
                         sorted(t['name'] for t in shown['tags']))
        self.assertEqual(['OS::Glance::Image'], [
            r['name'] for r in shown['resource_type_associations']])
        # Glance itself holds what mcimage was sent.
        direct = requests.get(
            self.glance.endpoint + '/v2/metadefs/namespaces/' + name,
            headers=self.auth('admin', 'admin'), timeout=60).json()
        self.assertEqual('Renamed', direct['display_name'])
        # A private namespace of the admin's project: hidden from p1, also
        # to a write, which mcimage's gate refuses as Glance would.
        self.assertGlanceError(self.call('GET', url), 404)
        self.assertGlanceError(self.call('DELETE', url), 404)
        for path in ('/objects/o1', '/tags/t1'):
            resp = self.call('DELETE', url + path, 'admin', 'admin')
            self.assertEqual(204, resp.status_code, resp.text)
            self.assertEqual(b'', resp.content)
        resp = self.call('DELETE', url, 'admin', 'admin')
        self.assertEqual(204, resp.status_code, resp.text)
        self.assertGlanceError(self.call('GET', url, 'admin', 'admin'), 404)

    def test_a_member_is_refused_writes(self):
        before = self.call('GET', self.namespaces + '?limit=100').json()
        resp = self.call('POST', self.namespaces, body={'namespace': 'mine'})
        self.assertGlanceError(resp, 403, 'mcimage:metadef:modify')
        # A namespace it sees (a public one): 403 too.
        url = self.namespaces + '/OS::Compute::Libvirt'
        self.assertGlanceError(self.call('DELETE', url), 403)
        self.assertGlanceError(self.call('PUT', url, body={
            'namespace': 'OS::Compute::Libvirt'}), 403)
        self.assertEqual(before, self.call(
            'GET', self.namespaces + '?limit=100').json())

    def test_glance_refusals_pass_through(self):
        # With mcimage's gate open, Glance's own policy still refuses.
        self.assertGlanceError(
            self.call('GET', self.namespaces + '/OS::Nowhere'), 404,
            'OS::Nowhere')
        name = 'OS::MCImage::Dup-%s' % os.urandom(4).hex()
        self.admin_namespace(name, visibility='public')
        resp = self.call('POST', self.namespaces, 'admin', 'admin',
                         {'namespace': name})
        self.assertGlanceError(resp, 409)
        resp = self.call('POST', self.namespaces, 'admin', 'admin',
                         {'display_name': 'no namespace'})
        self.assertGlanceError(resp, 400)

    def test_schemas(self):
        for name in ('namespace', 'namespaces', 'object', 'objects',
                     'property', 'properties', 'tag', 'tags',
                     'resource_type', 'resource_types'):
            resp = self.call('GET', self.endpoint +
                             '/v2/schemas/metadefs/' + name)
            self.assertEqual(200, resp.status_code, resp.text)
            # Glance names its resource_type schemas after associations.
            self.assertEqual(name.replace('resource_type',
                                          'resource_type_association'),
                             resp.json()['name'])
        self.assertGlanceError(self.call(
            'GET', self.endpoint + '/v2/schemas/metadefs/nothing'), 404)

    def test_openstack_cli(self):
        user = self.keystone.users['reader1']
        command = [
            OPENSTACK, '--os-auth-url', self.keystone.auth_url,
            '--os-user-id', user.id, '--os-password', user.password,
            '--os-project-id', self.p1, '--os-region-name',
            keystone_fixtures.REGION, 'image', 'metadef', 'namespace',
            'list', '-f', 'json']
        env = dict(os.environ, OS_IMAGE_ENDPOINT_OVERRIDE=self.endpoint)
        done = subprocess.run(command, capture_output=True, text=True,
                              timeout=120, env=env)
        self.assertEqual(0, done.returncode, done.stderr[-2000:])
        self.assertEqual(PUBLIC, len(json.loads(done.stdout)))
