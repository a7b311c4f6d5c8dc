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

"""A caller's token that expires during an upload (``auth_mode = token``).

Glance's keystonemiddleware checks the token of each call mcimage makes to
it, when the call starts. An upload whose data arrives slowly outlives
its caller's token: in stream mode the data goes on flowing into Glance
(the PUT started in time), but mcimage then reads the image back; in
stage mode every call to Glance comes after the data. With
``[service_user] send_service_user_token``, mcimage's service token goes
along, and this Glance (``service_token_roles_required``) accepts the
expired token of the caller; without, Glance refuses those calls.

The callers' tokens come from a Keystone of LIFETIME seconds on the
database of the one Glance and mcimage validate with (which issues
mcimage's own tokens for an hour).
"""

import hashlib
import os
import time

import fixtures
import requests

from tests.functional import base
from tests.functional.fixtures import forms
from tests.functional.fixtures import glance as glance_fixtures
from tests.functional.fixtures import keystone as keystone_fixtures
from tests.functional.fixtures import mcimage as mcimage_fixtures

BOUNDARY = 'mcimage-service-token-boundary'
# Seconds a caller's token lives. The upload outlives it by a margin.
LIFETIME = 8
MARGIN = 2
# The data, sent in PIECES over the token's lifetime.
SIZE = 2 * 1024 * 1024 + 11
PIECES = 8

# A Glance as keystonemiddleware's documentation asks for service tokens:
# only one with the service role counts, and only then is an expired
# user token accepted.
GLANCE_CONF = """
[keystone_authtoken]
service_token_roles_required = true
service_token_roles = service
"""

SERVICE_USER_CONF = """
[service_user]
send_service_user_token = true
auth_type = password
auth_url = {auth_url}
username = mcimage
password = {password}
project_name = service
user_domain_id = default
project_domain_id = default
"""

STAGE_CONF = """
[upload]
mode = stage
"""


class ServiceTokenTestCase(base.FunctionalTestCase):
    """Keystone, Glance behind it, four mcimage-api in front of it.

    With and without [service_user], each in stream and in stage mode.
    """

    VIM = 'override_RegionOne'

    @classmethod
    def setUpClass(cls):
        cls._servers = fixtures.Fixture()
        cls._servers.setUp()
        try:
            cls.keystone = cls._servers.useFixture(
                keystone_fixtures.KeystoneFixture()).server
            cls.issuer = cls._servers.useFixture(
                keystone_fixtures.KeystoneFixture(
                    token_expiration=LIFETIME, shared=cls.keystone)).server
            cls.glance = cls._servers.useFixture(
                glance_fixtures.GlanceFixture(
                    server=cls.GLANCE_SERVER, keystone=cls.keystone,
                    extra_conf=GLANCE_CONF)).server
            cls.glances = {cls.VIM: cls.glance}
            service_user = SERVICE_USER_CONF.format(
                auth_url=cls.keystone.auth_url,
                password=cls.keystone.users['mcimage'].password)
            cls.servers = {}
            for name, conf in (('stream', ''),
                               ('stream+service', service_user),
                               ('stage', STAGE_CONF),
                               ('stage+service', STAGE_CONF + service_user)):
                cls.servers[name] = cls._servers.useFixture(
                    mcimage_fixtures.MCImageFixture(
                        {cls.VIM: {'auth_mode': 'token',
                                   'endpoint_override': cls.glance.endpoint}},
                        keystone=cls.keystone, extra_conf=conf)).server
            cls.mcimage = cls.servers['stream']
        except BaseException:
            cls._servers.cleanUp()
            raise

    def setUp(self):
        super().setUp()
        self.p1 = self.keystone.projects['p1']
        self.tenant = self.p1

    def use(self, name):
        """Send the test's requests to that mcimage-api."""
        self.mcimage = self.servers[name]

    def errors(self):
        """The ERROR and Traceback lines of mcimage-api's log."""
        with open(self.mcimage.log_file, errors='replace') as f:
            # "date time pid LEVEL logger ..."
            return [line for line in f
                    if line.split(None, 4)[3:4] == ['ERROR']
                    or line.startswith('Traceback')]

    def upload_outliving_the_token(self, data):
        """An ONAP upload of ``data`` that ends after its token expired.

        The token of member1 on p1 lives LIFETIME seconds; the last piece
        of the data goes MARGIN seconds after it expired. Returns the
        answer and the token.
        """
        issued = time.monotonic()
        token = self.issuer.token('member1', 'p1')
        fields = [('name', 'slow.img'), ('imageType', 'raw'),
                  ('containerFormat', 'bare'), ('visibility', 'private')]
        piece = len(data) // PIECES + 1

        def slowly():
            yield forms.head(fields, 'slow.img', BOUNDARY)
            for start in range(0, len(data), piece):
                time.sleep(LIFETIME / PIECES)
                if start + piece >= len(data):
                    time.sleep(max(0.0, issued + LIFETIME + MARGIN -
                                   time.monotonic()))
                yield data[start:start + piece]
            yield forms.tail(BOUNDARY)

        resp = requests.post(
            self.images_url() + '/file', data=slowly(), timeout=120,
            headers={'X-Auth-Token': token,
                     'Content-Type': forms.content_type(BOUNDARY)})
        # The token did expire during the request: mcimage refuses it now.
        self.assertGreater(time.monotonic() - issued, LIFETIME + MARGIN)
        late = requests.get(self.images_url(), timeout=30,
                            headers={'X-Auth-Token': token})
        self.assertEqual(401, late.status_code, late.text)
        return resp

    def fresh(self):
        return {'X-Auth-Token': self.keystone.token('member1', 'p1')}

    def p1_images_in_glance(self):
        return {image['id']: image['status']
                for image in self.glance_images(tenant=self.p1)}

    def assertUploaded(self, resp, data):
        """The image is active in Glance with ``data``; deleted at cleanup."""
        self.assertEqual(201, resp.status_code, resp.text)
        image = resp.json()
        self.addCleanup(self.glance.delete_image, image['id'], self.p1)
        self.assertEqual('active', image['status'])
        self.assertEqual(hashlib.md5(data).hexdigest(), image['checksum'])
        recorded = self.glance.get_image(image['id'], self.p1)
        self.assertEqual('active', recorded['status'])
        self.assertEqual(self.p1, recorded['owner'])
        self.assertEqual(len(data), recorded['size'])
        self.assertEqual(hashlib.sha512(data).hexdigest(),
                         recorded['os_hash_value'])
        got = requests.get(self.images_url() + '/%s/file' % image['id'],
                           headers=self.fresh(), timeout=120)
        self.assertEqual(200, got.status_code, got.text[:500])
        self.assertEqual(data, got.content)
        self.assertEqual([], self.errors())


class TestServiceToken(ServiceTokenTestCase):

    def test_stream_with_service_token(self):
        self.use('stream+service')
        data = os.urandom(SIZE)
        before = self.p1_images_in_glance()
        resp = self.upload_outliving_the_token(data)
        self.assertUploaded(resp, data)
        self.assertEqual({resp.json()['id']},
                         set(self.p1_images_in_glance()) - set(before))

    def test_stage_with_service_token(self):
        self.use('stage+service')
        data = os.urandom(SIZE)
        before = self.p1_images_in_glance()
        resp = self.upload_outliving_the_token(data)
        self.assertUploaded(resp, data)
        self.assertEqual({resp.json()['id']},
                         set(self.p1_images_in_glance()) - set(before))

    def test_stream_without_service_token(self):
        # The data went whole into Glance before the token expired (the
        # PUT started in time); reading the image back is refused, and so
        # is deleting it: the image is left active, unchecked.
        self.use('stream')
        before = self.p1_images_in_glance()
        resp = self.upload_outliving_the_token(os.urandom(SIZE))
        self.assertError(
            resp, 502, "VIM %s refused the caller's token (HTTP 401): it "
            'may have expired while this request ran.' % self.VIM)
        left = {image_id: status for image_id, status
                in self.p1_images_in_glance().items()
                if image_id not in before}
        for image_id in left:
            self.addCleanup(self.glance.delete_image, image_id, self.p1)
        [(image_id, status)] = left.items()
        self.assertEqual('active', status)
        [error] = self.errors()
        self.assertIn('Image %s is left in VIM %s' % (image_id, self.VIM),
                      error)
        # Said as it is: mcimage has no identity of its own there.
        self.assertIn('mcimage cannot delete it', error)
        self.assertIn('Delete it in the VIM', error)

    def test_stage_without_service_token(self):
        # Every call to Glance comes after the data: the first, creating
        # the image, is refused; nothing is made, the staged copy is kept.
        self.use('stage')
        before = self.p1_images_in_glance()
        resp = self.upload_outliving_the_token(os.urandom(SIZE))
        error = self.assertError(
            resp, 502, "VIM %s refused the caller's token (HTTP 401): it "
            'may have expired while this request ran.' % self.VIM)
        self.assertIn('The data is kept as staged upload', error['detail'])
        self.assertEqual(before, self.p1_images_in_glance())
        self.assertEqual([], self.errors())
        uploads = requests.get(self.mcimage.url('/v1/uploads'),
                               headers=self.fresh(), timeout=30)
        self.assertEqual(200, uploads.status_code, uploads.text)
        [staged] = uploads.json()['uploads']
        self.assertIn(staged['id'], error['detail'])
        self.assertEqual('active', staged['status'])
        gone = requests.delete(
            self.mcimage.url('/v1/uploads/' + staged['id']),
            headers=self.fresh(), timeout=30)
        self.assertEqual(204, gone.status_code, gone.text)
