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

"""Real Keystone tokens: mcimage (auth_strategy = keystone) in front of a
Glance behind the same Keystone, the VIM in ``auth_mode = token``.

The caller's token goes through mcimage to Glance, which applies its own
default policy.  One Glance is reached as two VIMs: one names it with
``endpoint_override``, the other finds it in the token's catalog (image
endpoints of RegionOne).  mcimage itself is in the catalog as
``multicloud-image``, where a keystoneauth client discovers its API.
"""

import hashlib
import os
import time

import fixtures
from keystoneauth1 import adapter as ks_adapter
from keystoneauth1.identity import v3 as ks_v3
from keystoneauth1 import session as ks_session
import requests

from tests.functional import base
from tests.functional.fixtures import forms
from tests.functional.fixtures import glance as glance_fixtures
from tests.functional.fixtures import keystone as keystone_fixtures
from tests.functional.fixtures import mcimage as mcimage_fixtures

BOUNDARY = 'mcimage-keystone-boundary'


def onap_form(data, name='disk.img'):
    """The ONAP upload's multipart body and its Content-Type."""
    fields = [('name', name), ('imageType', 'raw'),
              ('containerFormat', 'bare'), ('visibility', 'private')]
    return (forms.head(fields, name, BOUNDARY) + data + forms.tail(BOUNDARY),
            forms.content_type(BOUNDARY))


class KeystoneTokenTestCase(base.FunctionalTestCase):
    """Keystone, Glance behind it, mcimage behind it: one set per class."""

    # Glance named by endpoint_override.
    VIM = 'override_RegionOne'
    # The same Glance, found in the caller's catalog.
    CATALOG_VIM = 'catalog_RegionOne'

    @classmethod
    def setUpClass(cls):
        # Not FunctionalTestCase's servers: these run behind Keystone.
        cls._servers = fixtures.Fixture()
        cls._servers.setUp()
        try:
            cls.keystone = cls._servers.useFixture(
                keystone_fixtures.KeystoneFixture()).server
            cls.glance = cls._servers.useFixture(
                glance_fixtures.GlanceFixture(
                    server=cls.GLANCE_SERVER,
                    keystone=cls.keystone)).server
            cls.glances = {cls.VIM: cls.glance, cls.CATALOG_VIM: cls.glance}
            cls.keystone.add_endpoint('image', cls.glance.endpoint,
                                      keystone_fixtures.REGION)
            cls.mcimage = cls._servers.useFixture(
                mcimage_fixtures.MCImageFixture({
                    cls.VIM: {'auth_mode': 'token',
                              'endpoint_override': cls.glance.endpoint},
                    cls.CATALOG_VIM: {
                        'auth_mode': 'token',
                        'region_name': keystone_fixtures.REGION}},
                    keystone=cls.keystone)).server
            cls.keystone.add_multicloud_image_endpoint(
                cls.mcimage.endpoint + '/v1')
        except BaseException:
            cls._servers.cleanUp()
            raise

    def setUp(self):
        super().setUp()
        self.p1 = self.keystone.projects['p1']
        self.p2 = self.keystone.projects['p2']
        self.tenant = self.p1
        self.expect_no_mcimage_errors()

    def auth(self, user, project, **extra):
        """Headers with a fresh token of ``user`` on ``project``."""
        headers = {'X-Auth-Token': self.keystone.token(user, project)}
        headers.update(extra)
        return headers

    def upload(self, vim, headers, data, tenant=None):
        body, ctype = onap_form(data)
        return requests.post(
            self.images_url(tenant=tenant, vim=vim) + '/file', data=body,
            headers=dict(headers, **{'Content-Type': ctype}), timeout=120)

    def upload_as_member1(self, vim, data):
        """An image of p1 with ``data``, removed at cleanup; its body."""
        resp = self.upload(vim, self.auth('member1', 'p1'), data)
        self.assertEqual(201, resp.status_code, resp.text)
        image = resp.json()
        self.addCleanup(self.glance.delete_image, image['id'], self.p1)
        return image

    def assertUnauthorized(self, resp):
        # keystonemiddleware answers, before mcimage: its own body.
        self.assertEqual(401, resp.status_code, resp.text)
        self.assertEqual('Keystone uri="%s"' % self.keystone.auth_url,
                         resp.headers['WWW-Authenticate'])
        self.assertEqual(401, resp.json()['error']['code'])
        self.assertNotIn('Traceback', resp.text)

    def p1_images_in_glance(self):
        return {image['id']: image['status']
                for image in self.glance_images(tenant=self.p1)}


class TestKeystoneTokens(KeystoneTokenTestCase):

    def test_member_uploads_and_downloads(self):
        for vim in (self.VIM, self.CATALOG_VIM):
            data = os.urandom(3 * 1024 * 1024 + 7)
            image = self.upload_as_member1(vim, data)
            self.assertEqual('active', image['status'])
            self.assertEqual(hashlib.md5(data).hexdigest(),
                             image['checksum'])
            self.assertEqual(vim, image['vimId'])
            self.assertEqual(self.p1, image['tenantId'])

            # Glance recorded it for p1, as member1.
            recorded = self.glance.get_image(image['id'], self.p1)
            self.assertEqual('active', recorded['status'])
            self.assertEqual(self.p1, recorded['owner'])
            self.assertEqual(len(data), recorded['size'])
            self.assertEqual(hashlib.sha512(data).hexdigest(),
                             recorded['os_hash_value'])

            got = requests.get(
                self.images_url(vim=vim) + '/%s/file' % image['id'],
                headers=self.auth('member1', 'p1'), timeout=120)
            self.assertEqual(200, got.status_code, got.text[:500])
            self.assertEqual(str(len(data)), got.headers['Content-Length'])
            self.assertEqual(hashlib.sha256(data).hexdigest(),
                             hashlib.sha256(got.content).hexdigest())
            self.assertEqual(data, got.content)

    def test_reader_lists_and_shows_but_cannot_upload(self):
        for vim in (self.VIM, self.CATALOG_VIM):
            image = self.upload_as_member1(vim, os.urandom(4096))
            reader = self.auth('reader1', 'p1')

            listed = requests.get(self.images_url(vim=vim), headers=reader,
                                  timeout=30)
            self.assertEqual(200, listed.status_code, listed.text)
            self.assertIn(image['id'],
                          [i['id'] for i in listed.json()['images']])

            shown = requests.get(self.images_url(vim=vim) + '/' +
                                 image['id'], headers=reader, timeout=30)
            self.assertEqual(200, shown.status_code, shown.text)
            self.assertEqual(image['id'], shown.json()['id'])
            self.assertEqual(image['checksum'], shown.json()['checksum'])

            before = self.p1_images_in_glance()
            refused = self.upload(vim, reader, os.urandom(4096))
            self.assertError(refused, 403)
            # Glance's default policy asks for the member role to
            # download; mcimage passes its refusal on.
            got = requests.get(self.images_url(vim=vim) + '/%s/file' %
                               image['id'], headers=reader, timeout=30)
            self.assertError(got, 403)
            # Nothing queued or saving left behind.
            self.assertEqual(before, self.p1_images_in_glance())
            self.assertEqual({'active'}, set(before.values()))

    def test_other_project_sees_nothing(self):
        for vim in (self.VIM, self.CATALOG_VIM):
            image = self.upload_as_member1(vim, os.urandom(4096))
            member2 = self.auth('member2', 'p2')

            got = requests.get(self.images_url(tenant=self.p2, vim=vim) +
                               '/' + image['id'], headers=member2,
                               timeout=30)
            self.assertError(got, 404)
            got = requests.get(
                self.images_url(tenant=self.p2, vim=vim) + '/%s/file' %
                image['id'], headers=member2, timeout=30)
            self.assertError(got, 404)

            listed = requests.get(self.images_url(tenant=self.p2, vim=vim),
                                  headers=member2, timeout=30)
            self.assertEqual(200, listed.status_code, listed.text)
            self.assertEqual([], listed.json()['images'])

            # p1's own URL: mcimage's policy refuses another project.
            got = requests.get(self.images_url(vim=vim), headers=member2,
                               timeout=30)
            self.assertError(got, 403)

    def test_no_token_or_a_bad_one(self):
        for vim in (self.VIM, self.CATALOG_VIM):
            for headers in ({}, {'X-Auth-Token': 'not-a-token'}):
                resp = requests.get(self.images_url(vim=vim),
                                    headers=headers, timeout=30)
                self.assertUnauthorized(resp)
                before = self.p1_images_in_glance()
                resp = self.upload(vim, headers, os.urandom(4096))
                self.assertUnauthorized(resp)
                self.assertEqual(before, self.p1_images_in_glance())

    def test_revoked_token(self):
        for vim in (self.VIM, self.CATALOG_VIM):
            headers = self.auth('member1', 'p1')
            resp = requests.get(self.images_url(vim=vim), headers=headers,
                                timeout=30)
            self.assertEqual(200, resp.status_code, resp.text)
            self.assertEqual(204, self.keystone.revoke(
                headers['X-Auth-Token']))
            resp = requests.get(self.images_url(vim=vim), headers=headers,
                                timeout=30)
            self.assertUnauthorized(resp)

    def test_expired_token(self):
        # Tokens of a few seconds, which the class's Keystone validates.
        lifetime = 5
        issuer = self.useFixture(keystone_fixtures.KeystoneFixture(
            token_expiration=lifetime, shared=self.keystone)).server
        headers = {'X-Auth-Token': issuer.token('member1', 'p1')}
        issued = time.monotonic()
        for vim in (self.VIM, self.CATALOG_VIM):
            resp = requests.get(self.images_url(vim=vim), headers=headers,
                                timeout=30)
            self.assertEqual(200, resp.status_code, resp.text)
        time.sleep(max(0.0, issued + lifetime + 1 - time.monotonic()))
        for vim in (self.VIM, self.CATALOG_VIM):
            resp = requests.get(self.images_url(vim=vim), headers=headers,
                                timeout=30)
            self.assertUnauthorized(resp)

    def test_discovery_through_the_catalog(self):
        # As a client finds mcimage: its session's catalog, then version
        # discovery at the endpoint found there.
        user = self.keystone.users['member1']
        session = ks_session.Session(auth=ks_v3.Password(
            auth_url=self.keystone.auth_url, user_id=user.id,
            password=user.password, project_id=self.p1), timeout=30)
        client = ks_adapter.Adapter(
            session, service_type='multicloud-image', interface='public',
            region_name=keystone_fixtures.REGION, min_version='1',
            max_version='1.latest')
        found = client.get_endpoint_data()
        self.assertEqual(self.mcimage.endpoint + '/v1', found.catalog_url)
        self.assertEqual(self.mcimage.endpoint + '/v1/', found.url)
        self.assertEqual((1, 0), client.get_api_major_version())
        self.assertEqual((1, 0), found.min_microversion)
        self.assertEqual((1, 0), found.max_microversion)

        resp = client.get('/vims', microversion='1.0')
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual('multicloud-image 1.0',
                         resp.headers['OpenStack-API-Version'])
        self.assertEqual({self.VIM, self.CATALOG_VIM},
                         {vim['id'] for vim in resp.json()['vims']})
        resp = client.get('/vims', microversion='latest')
        self.assertEqual('multicloud-image 1.0',
                         resp.headers['OpenStack-API-Version'])
        # Past the top of the range discovered.
        resp = client.get('/vims', microversion='1.1', raise_exc=False)
        self.assertError(resp, 406, '1.0 to 1.0')

        # An endpoint that names the unversioned root: discovered there.
        root = ks_adapter.Adapter(
            session, service_type='multicloud-image',
            endpoint_override=self.mcimage.endpoint, min_version='1',
            max_version='1.latest')
        found = root.get_endpoint_data()
        self.assertEqual(self.mcimage.endpoint + '/v1/', found.url)
        self.assertEqual((1, 0), found.max_microversion)
