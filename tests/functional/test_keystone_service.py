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

"""auth_mode = service against a second, independent Keystone.

Two clouds: K1, mcimage's own Keystone (``auth_strategy = keystone``),
and K2, a Keystone that knows nothing of K1's users, projects or keys.
Each has a Glance behind it.  mcimage reaches K1's Glance with the
caller's token (``auth_mode = token``) and K2's as its own service user of
K2 (``auth_mode = service``), with a password or with an application
credential.  A K1 token means nothing to K2: only mcimage's policy decides
who may act in a K2 tenant, since a K2 project id is never a K1 caller's
project.  K1's admin and the orchestrator (a K1 user with role
``service``, ONAP) may act in any K2 tenant (policy
mcimage:vim:act_in_any_tenant), with the roles they hold.  Anyone else acts
only in its K1 project's counterpart in K2, with its own roles (a member
writes, a reader reads): in ``k2names`` the K2 project of the same name
(``project_map_domain_name``), in ``k2map`` the one ``project_map`` names;
``k2`` and ``k2app`` map no project.  Elsewhere it is refused with a 403
naming that rule.

Tasks keep no caller's token, so the VIMs they read from and write to
are ``service`` VIMs: ``k1svc`` is K1's Glance as mcimage's own service
user of K1 (a member of K1's admin project), the source of a copy into K2.
A URL import reads from a local web server allow-listed in ``[task]``.
"""

import hashlib
import json
import os
import re
import time

import fixtures
import requests
from testtools import content

from tests.functional import base
from tests.functional.fixtures import forms
from tests.functional.fixtures import glance as glance_fixtures
from tests.functional.fixtures import keystone as keystone_fixtures
from tests.functional.fixtures import mcimage as mcimage_fixtures
from tests.functional.fixtures import web
from tests.functional import test_keystone_token

# Every fernet token begins so: a token of either cloud in a log or a body.
FERNET_TOKEN = re.compile(r'gAAAAA[A-Za-z0-9_=-]{40,}')
ANY_TENANT = 'mcimage:vim:act_in_any_tenant'


class KeystoneServiceTestCase(base.FunctionalTestCase):
    """K1 + Glance, K2 + Glance, mcimage: one set per class."""

    K1_VIM = 'k1_RegionOne'
    # K2's Glance as K2's ``mcimage`` user, password and rescoped per tenant.
    K2_VIM = 'k2_RegionOne'
    # The same Glance with an application credential of that user on p1.
    K2_APP_VIM = 'k2app_RegionOne'
    # The same Glance and user again: a K1 project acts as the K2 project
    # of the same name (project_map_domain_name)...
    K2_NAMES_VIM = 'k2names_RegionOne'
    # ... or as the one project_map names.
    K2_MAP_VIM = 'k2map_RegionOne'
    # K1's Glance as mcimage's service user of K1: what a task reads.
    K1_SERVICE_VIM = 'k1svc_RegionOne'
    VIM = K2_VIM

    @classmethod
    def setUpClass(cls):
        started = time.monotonic()
        cls.timings = {}
        cls._servers = fixtures.Fixture()
        cls._servers.setUp()
        try:
            cls.k1 = cls._servers.useFixture(
                keystone_fixtures.KeystoneFixture()).server
            cls.k2 = cls._servers.useFixture(
                keystone_fixtures.KeystoneFixture()).server
            cls.timings['keystones'] = time.monotonic() - started
            cls.glance1 = cls._servers.useFixture(
                glance_fixtures.GlanceFixture(
                    server=cls.GLANCE_SERVER, keystone=cls.k1)).server
            cls.glance2 = cls._servers.useFixture(
                glance_fixtures.GlanceFixture(
                    server=cls.GLANCE_SERVER, keystone=cls.k2)).server
            cls.timings['glances'] = (time.monotonic() - started -
                                      cls.timings['keystones'])
            cls.glances = {vim: cls.glance2 for vim in (
                cls.K2_VIM, cls.K2_APP_VIM, cls.K2_NAMES_VIM,
                cls.K2_MAP_VIM)}
            cls.glances[cls.K1_VIM] = cls.glance1
            cls.glances[cls.K1_SERVICE_VIM] = cls.glance1
            # mcimage's service user of K2 acts in p1 only: p2 is a project
            # where it has no role.
            cls.k2.grant('mcimage', 'member', 'p1')
            cls.app_cred = cls.k2.create_application_credential(
                'mcimage', 'p1')
            # ONAP: role service (mcimage:vim:act_in_any_tenant) and member
            # (to write) in a project of its own.
            cls.k1.create_user('orchestrator')
            cls.k1.grant('orchestrator', 'service', 'service')
            cls.k1.grant('orchestrator', 'member', 'service')
            # mcimage's service user of K1 reads what K1's admin project
            # holds (k1svc).
            cls.k1.grant('mcimage', 'member', 'admin')
            cls.web = cls._servers.useFixture(web.HTTPSourceFixture())
            cls.mcimage = cls._servers.useFixture(
                mcimage_fixtures.MCImageFixture(
                    cls._vims(), keystone=cls.k1,
                    extra_conf=cls.web.task_conf())).server
            cls.timings['total'] = time.monotonic() - started
        except BaseException:
            cls._servers.cleanUp()
            raise

    @classmethod
    def _vims(cls):
        k2_common = {'auth_mode': 'service', 'auth_url': cls.k2.auth_url,
                     'endpoint_override': cls.glance2.endpoint}
        k2_password = dict(
            k2_common, auth_type='password', username='mcimage',
            password=cls.k2.users['mcimage'].password,
            user_domain_id='default', project_name='service',
            project_domain_id='default')
        return {
            cls.K1_VIM: {'auth_mode': 'token',
                         'endpoint_override': cls.glance1.endpoint},
            cls.K2_VIM: k2_password,
            cls.K2_APP_VIM: dict(
                k2_common, auth_type='v3applicationcredential',
                application_credential_id=cls.app_cred.id,
                application_credential_secret=cls.app_cred.secret),
            cls.K2_NAMES_VIM: dict(k2_password,
                                   project_map_domain_name='Default'),
            cls.K2_MAP_VIM: dict(k2_password, project_map='%s:%s' % (
                cls.k1.projects['p1'], cls.k2.projects['p1'])),
            cls.K1_SERVICE_VIM: {
                'auth_mode': 'service', 'auth_url': cls.k1.auth_url,
                'endpoint_override': cls.glance1.endpoint,
                'auth_type': 'password', 'username': 'mcimage',
                'password': cls.k1.users['mcimage'].password,
                'user_domain_id': 'default', 'project_name': 'service',
                'project_domain_id': 'default'}}

    def setUp(self):
        super().setUp()
        # What the class's servers cost to start, seen when a test fails.
        self.addDetail('server-start-up', content.text_content(repr(
            (self.timings, self.k1.timings, self.k2.timings))))
        self.k1_p1 = self.k1.projects['p1']
        self.k1_admin_project = self.k1.projects['admin']
        self.k2_p1 = self.k2.projects['p1']
        self.k2_p2 = self.k2.projects['p2']
        self.tenant = self.k2_p1
        # Every body answered, for the secrets check.
        self.bodies = []
        self.tokens = []
        self.expect_no_mcimage_errors()
        self.addCleanup(self.assertNoSecrets)

    def secrets(self):
        """What must never be seen: K2's credentials, tokens used."""
        return [self.k2.users['mcimage'].password, self.app_cred.secret,
                self.k1.users['mcimage'].password,
                self.k1.users['orchestrator'].password,
                self.k1.admin_password] + self.tokens

    def assertNoSecrets(self):
        texts = []
        for path in (self.mcimage.log_file, self.mcimage.out_file):
            with open(path, errors='replace') as f:
                texts.append((path, f.read()))
        for name, text in texts + [('body', b) for b in self.bodies]:
            for secret in self.secrets():
                self.assertNotIn(secret, text, 'a secret in the %s' % name)
            # Any token of either cloud, the K2 service tokens included.
            self.assertIsNone(FERNET_TOKEN.search(text),
                              'a token in the %s' % name)

    def auth(self, user='admin', project='admin', **extra):
        """Headers with a fresh K1 token (remembered for the log check)."""
        token = self.k1.token(user, project)
        self.tokens.append(token)
        return dict({'X-Auth-Token': token}, **extra)

    def call(self, method, url, **kwargs):
        resp = requests.request(method, url, timeout=120, **kwargs)
        self.bodies.append(resp.text if resp.headers.get(
            'Content-Type', '').startswith('application/json') else '')
        return resp

    def upload(self, vim, tenant, data, headers=None):
        body, ctype = test_keystone_token.onap_form(data)
        return self.call(
            'POST', self.images_url(tenant=tenant, vim=vim) + '/file',
            data=body, headers=dict(headers or self.auth(),
                                    **{'Content-Type': ctype}))

    def k2_images(self, tenant):
        """What K2's Glance holds for ``tenant``, read as K2's admin."""
        return [i for i in self.glance2.list_images(tenant)
                if i.get('owner') == tenant]

    def remove_later(self, glance, image_id):
        self.addCleanup(glance.delete_image, image_id, None)

    def assertRefused(self, resp, vim, tenant, *why):
        """403 naming mcimage:vim:act_in_any_tenant, the VIM and tenant."""
        detail = self.assertError(resp, 403)['detail']
        for text in (ANY_TENANT, vim, tenant) + why:
            self.assertIn(text, detail)

    def assertReads(self, vim, tenant, image_id, data, headers,
                    download=True):
        """Listed, shown as the tenant's, downloaded whole (or refused)."""
        url = self.images_url(vim=vim, tenant=tenant)
        resp = self.call('GET', url, headers=headers)
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertIn(image_id, [i['id'] for i in resp.json()['images']])
        resp = self.call('GET', '%s/%s' % (url, image_id), headers=headers)
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual(tenant, resp.json()['owner'])
        resp = self.call('GET', '%s/%s/file' % (url, image_id),
                         headers=headers)
        if not download:
            # A reader: Glance's download_image takes a member.
            self.assertError(resp, 403)
            return
        self.assertEqual(200, resp.status_code, resp.text[:500])
        self.assertEqual(hashlib.sha256(data).hexdigest(),
                         hashlib.sha256(resp.content).hexdigest())

    def uploaded(self, vim, tenant, data, headers):
        """An ONAP upload that worked; the image, owned by the tenant."""
        resp = self.upload(vim, tenant, data, headers=headers)
        self.assertEqual(201, resp.status_code, resp.text)
        image = resp.json()
        self.remove_later(self.glances[vim], image['id'])
        # K2's Glance, as K2's admin: the K2 project owns it.
        recorded = self.glances[vim].get_image(image['id'], tenant)
        self.assertEqual(('active', tenant),
                         (recorded['status'], recorded['owner']))
        return image


class TestServiceMode(KeystoneServiceTestCase):

    def test_upload_and_download_in_a_k2_tenant(self):
        for vim in (self.K2_VIM, self.K2_APP_VIM):
            data = os.urandom(2 * 1024 * 1024 + 3)
            resp = self.upload(vim, self.k2_p1, data)
            self.assertEqual(201, resp.status_code, resp.text)
            image = resp.json()
            self.remove_later(self.glance2, image['id'])
            self.assertEqual('active', image['status'])
            self.assertEqual(vim, image['vimId'])
            self.assertEqual(self.k2_p1, image['tenantId'])
            self.assertEqual(hashlib.md5(data).hexdigest(), image['checksum'])

            # K2's Glance, as K2's admin: the K2 project owns it.
            recorded = self.glance2.get_image(image['id'], self.k2_p1)
            self.assertEqual('active', recorded['status'])
            self.assertEqual(self.k2_p1, recorded['owner'])
            self.assertEqual(hashlib.sha512(data).hexdigest(),
                             recorded['os_hash_value'])

            got = self.call('GET', self.images_url(vim=vim) + '/%s/file' %
                            image['id'], headers=self.auth())
            self.assertEqual(200, got.status_code, got.text[:500])
            self.assertEqual(hashlib.sha256(data).hexdigest(),
                             hashlib.sha256(got.content).hexdigest())

    def test_fan_out_into_both_clouds(self):
        data = os.urandom(4 * 1024 * 1024 + 5)
        targets = [{'vim_id': self.K1_VIM, 'tenant_id': self.k1_admin_project},
                   {'vim_id': self.K2_VIM, 'tenant_id': self.k2_p1}]
        body = (forms.head([('imageType', 'raw'), ('containerFormat', 'bare'),
                            ('targets', json.dumps(targets))], 'fan.img',
                           test_keystone_token.BOUNDARY) +
                data + forms.tail(test_keystone_token.BOUNDARY))
        resp = self.call('POST', self.mcimage.url('/v1/images/file'),
                         data=body, headers=self.auth(**{
                             'Content-Type': forms.content_type(
                                 test_keystone_token.BOUNDARY)}))
        self.assertEqual(201, resp.status_code, resp.text)
        images = resp.json()['images']
        self.assertEqual([self.K1_VIM, self.K2_VIM],
                         [i['vimId'] for i in images])
        for image, target in zip(images, targets):
            glance = self.glances[image['vimId']]
            self.remove_later(glance, image['id'])
            recorded = glance.get_image(image['id'], target['tenant_id'])
            self.assertEqual('active', recorded['status'])
            self.assertEqual(target['tenant_id'], recorded['owner'])
            self.assertEqual(hashlib.md5(data).hexdigest(),
                             recorded['checksum'])

    def test_unknown_tenant_and_tenant_without_a_role(self):
        unknown = 'f' * 32
        for vim, tenant in ((self.K2_VIM, unknown),
                            (self.K2_VIM, self.k2_p2),
                            (self.K2_APP_VIM, self.k2_p2)):
            resp = self.upload(vim, tenant, os.urandom(4096))
            detail = self.assertError(resp, 403)['detail']
            self.assertIn(vim, detail)
            self.assertIn(tenant, detail)
            self.assertEqual([], self.k2_images(tenant))

    def test_k1_member_refused_before_k2_is_asked(self):
        # uWSGI logs every request K2's Keystone and Glance are sent.
        logs = (self.k2.server_log, self.glance2.server_log)
        sizes = [os.path.getsize(p) for p in logs]
        member = self.auth('member1', 'p1')
        resp = self.upload(self.K2_VIM, self.k2_p1, os.urandom(4096),
                           headers=member)
        self.assertRefused(resp, self.K2_VIM, self.k2_p1, 'no counterpart')
        got = self.call('GET', self.images_url(), headers=member)
        self.assertRefused(got, self.K2_VIM, self.k2_p1, 'no counterpart')
        self.assertEqual(sizes, [os.path.getsize(p) for p in logs])
        self.assertEqual([], self.k2_images(self.k2_p1))

    def test_k2_keystone_down_then_back(self):
        # p1: mcimage holds a K2 token of it, which K2's Glance cannot
        # validate while K2 is down (Glance answers 503).  A new project:
        # mcimage has no token of it and cannot get one.
        name = 'p-%s' % os.urandom(4).hex()
        fresh = self.k2.create_project(name)
        self.k2.grant('mcimage', 'member', name)
        urls = [self.images_url(vim=vim, tenant=tenant) for vim, tenant in (
            (self.K2_VIM, self.k2_p1), (self.K2_APP_VIM, self.k2_p1),
            (self.K2_VIM, fresh))]
        resp = self.call('GET', urls[0], headers=self.auth())
        self.assertEqual(200, resp.status_code, resp.text)
        resp = self.call('GET', urls[1], headers=self.auth())
        self.assertEqual(200, resp.status_code, resp.text)
        # stop() then start() is a restart: same port, database and keys.
        self.k2.stop()
        self.addCleanup(lambda: self.k2.running or self.k2.start())
        for url in urls:
            resp = self.call('GET', url, headers=self.auth())
            error = self.assertError(resp, 503)
            self.assertIn(url.split('/')[4], error['detail'])
        self.k2.start()
        for url in urls:
            resp = self.call('GET', url, headers=self.auth())
            self.assertEqual(200, resp.status_code, resp.text)

    def test_no_secret_logged_or_answered(self):
        # Every test checks its answers and mcimage's log at clean-up
        # (assertNoSecrets); this one makes sure there is something of
        # each kind to find: errors of both credential kinds, a download.
        data = os.urandom(65536)
        resp = self.upload(self.K2_VIM, self.k2_p1, data)
        self.assertEqual(201, resp.status_code, resp.text)
        self.remove_later(self.glance2, resp.json()['id'])
        for vim in (self.K2_VIM, self.K2_APP_VIM):
            resp = self.upload(vim, self.k2_p2, data)
            self.assertError(resp, 403)
        self.assertNoSecrets()

    def test_orchestrator_acts_in_any_tenant(self):
        # K2_VIM maps no project: the rule alone lets ONAP in.
        orchestrator = self.auth('orchestrator', 'service')
        data = os.urandom(256 * 1024 + 7)
        image = self.uploaded(self.K2_VIM, self.k2_p1, data, orchestrator)
        self.assertReads(self.K2_VIM, self.k2_p1, image['id'], data,
                         orchestrator)

    def test_k1_project_acts_in_the_k2_project_of_its_name(self):
        vim = self.K2_NAMES_VIM
        member1 = self.auth('member1', 'p1')
        reader1 = self.auth('reader1', 'p1')
        member2 = self.auth('member2', 'p2')
        data = os.urandom(256 * 1024 + 11)
        image = self.uploaded(vim, self.k2_p1, data, member1)
        self.assertReads(vim, self.k2_p1, image['id'], data, member1)
        self.assertReads(vim, self.k2_p1, image['id'], data, reader1,
                         download=False)
        # A reader reads, a member of p1 writes in K2 p1 only, and p2 has
        # no K2 project mcimage may act in.
        resp = self.upload(vim, self.k2_p1, data, headers=reader1)
        self.assertNotIn(ANY_TENANT, self.assertError(resp, 403)['detail'])
        resp = self.upload(vim, self.k2_p2, data, headers=member1)
        self.assertRefused(resp, vim, self.k2_p2, self.k2_p1)
        listing = self.images_url(vim=vim)
        for url in (listing, '%s/%s' % (listing, image['id'])):
            resp = self.call('GET', url, headers=member2)
            self.assertRefused(resp, vim, self.k2_p1, 'no counterpart')
        self.assertEqual([image['id']],
                         [i['id'] for i in self.k2_images(self.k2_p1)])
        self.assertEqual([], self.k2_images(self.k2_p2))

    def test_k1_project_acts_in_the_k2_project_mapped(self):
        vim = self.K2_MAP_VIM
        member1 = self.auth('member1', 'p1')
        data = os.urandom(64 * 1024 + 13)
        image = self.uploaded(vim, self.k2_p1, data, member1)
        self.assertReads(vim, self.k2_p1, image['id'], data,
                         self.auth('reader1', 'p1'), download=False)
        resp = self.upload(vim, self.k2_p2, data, headers=member1)
        self.assertRefused(resp, vim, self.k2_p2, self.k2_p1)
        resp = self.call('GET', self.images_url(vim=vim),
                         headers=self.auth('member2', 'p2'))
        self.assertRefused(resp, vim, self.k2_p1, 'no counterpart')
        self.assertEqual([], self.k2_images(self.k2_p2))


# The persona matrix slice on real tokens: K1 users, each route once, in
# K1's cloud (token mode) and in K2's (service mode, the K1 project's K2
# counterpart by name).  Expected statuses as tests/rbac.yaml's ground
# rules say: admin anywhere, a member writes its project's images, a reader
# reads, another project is refused before any VIM call.
PERSONAS = {'admin': ('admin', 'admin'), 'member': ('member1', 'p1'),
            'reader': ('reader1', 'p1'), 'other': ('member2', 'p2')}
ROUTES = ('list', 'show', 'download', 'create', 'upload', 'update', 'delete')
ALLOWED = {'list': 200, 'show': 200, 'download': 200, 'create': 201,
           'upload': 201, 'update': 200, 'delete': 204}
READS = ('list', 'show', 'download')


def expected_matrix():
    out = {}
    for persona in PERSONAS:
        for route in ROUTES:
            if persona in ('admin', 'member') or (
                    persona == 'reader' and route in READS):
                out[persona, route] = ALLOWED[route]
            else:
                out[persona, route] = 403
    # A reader sees an image but does not download it (mcimage's default,
    # as Glance's).
    out['reader', 'download'] = 403
    return out


class TestPersonaMatrix(KeystoneServiceTestCase):

    def send(self, route, vim, tenant, image_id, headers):
        url = self.images_url(vim=vim, tenant=tenant)
        one = '%s/%s' % (url, image_id)
        if route == 'upload':
            return self.upload(vim, tenant, os.urandom(4099), headers)
        method, target, kwargs = {
            'list': ('GET', url, {}),
            'show': ('GET', one, {}),
            'download': ('GET', one + '/file', {}),
            'create': ('POST', url, {'json': {
                'name': 'matrix', 'disk_format': 'raw',
                'container_format': 'bare'}}),
            'update': ('PATCH', one, {'data': json.dumps(
                [{'op': 'replace', 'path': '/name', 'value': 'renamed'}]),
                'headers': {'Content-Type':
                            'application/openstack-images-v2.1-json-patch'}}),
            'delete': ('DELETE', one, {})}[route]
        return self.call(method, target, headers=dict(
            headers, **kwargs.pop('headers', {})), **kwargs)

    def run_matrix(self, vim, tenant, data):
        glance = self.glances[vim]
        seeder = self.auth('member1', 'p1')
        got = {}
        for persona, (user, project) in PERSONAS.items():
            image = self.uploaded(vim, tenant, data, seeder)
            headers = self.auth(user, project)
            for route in ROUTES:
                resp = self.send(route, vim, tenant, image['id'], headers)
                got[persona, route] = resp.status_code
                if resp.status_code in (200, 201) and route in (
                        'create', 'upload'):
                    made = resp.json()
                    self.remove_later(glance, made['id'])
                    # Owned by the path's tenant, whoever asked.
                    self.assertEqual(tenant, glance.get_image(
                        made['id'], tenant)['owner'], (persona, route))
                elif resp.status_code == 200 and route == 'download':
                    self.assertEqual(data, resp.content)
                elif resp.status_code >= 400:
                    self.assertError(resp, resp.status_code)
            # What a refused write leaves: the image as it was.
            left = glance.get_image(image['id'], tenant)
            if got[persona, 'delete'] == 204:
                self.assertIsNone(left)
            else:
                self.assertEqual(('active', image['name']),
                                 (left['status'], left['name']))
        self.assertEqual(expected_matrix(), got)

    def test_k1_cloud_with_the_callers_tokens(self):
        self.run_matrix(self.K1_VIM, self.k1_p1, os.urandom(8195))

    def test_k2_cloud_as_mcimages_service_user(self):
        self.run_matrix(self.K2_NAMES_VIM, self.k2_p1, os.urandom(8195))


class TestServiceModeTasks(KeystoneServiceTestCase):
    """Import tasks into K2: from a URL, and copied out of K1's cloud."""

    def create_task(self, task_input, headers):
        return self.call('POST', self.mcimage.url('/v1/tasks'),
                         json={'type': 'import', 'input': task_input},
                         headers=headers)

    def wait_task(self, task_id, headers, timeout=120):
        deadline = time.monotonic() + timeout
        while True:
            resp = self.call('GET', self.mcimage.url('/v1/tasks/' + task_id),
                             headers=headers)
            self.assertEqual(200, resp.status_code, resp.text)
            task = resp.json()
            if task['status'] in ('success', 'failure'):
                return task
            self.assertLess(time.monotonic(), deadline, task)
            time.sleep(0.2)

    def assertImported(self, task, data, headers):
        """The task's one image: in K2 p1, whole, read back through mcimage."""
        self.assertEqual('success', task['status'], task['message'])
        [target] = task['result']['targets']
        self.assertEqual((self.K2_VIM, self.k2_p1, 'created'),
                         (target['vim_id'], target['tenant_id'],
                          target['status']))
        self.remove_later(self.glance2, target['image_id'])
        recorded = self.glance2.get_image(target['image_id'], self.k2_p1)
        self.assertEqual(('active', self.k2_p1),
                         (recorded['status'], recorded['owner']))
        self.assertEqual(hashlib.sha512(data).hexdigest(),
                         recorded['os_hash_value'])
        self.assertReads(self.K2_VIM, self.k2_p1, target['image_id'], data,
                         headers)

    def test_url_import_into_a_k2_tenant(self):
        data = os.urandom(3 * 1024 * 1024 + 1)
        self.web.files['/k2.img'] = data
        orchestrator = self.auth('orchestrator', 'service')
        resp = self.create_task({
            'import_from': self.web.url('/k2.img'),
            'import_from_format': 'raw',
            'image_properties': {'name': 'from-url'},
            'targets': [{'vim_id': self.K2_VIM, 'tenant_id': self.k2_p1}]},
            orchestrator)
        self.assertEqual(201, resp.status_code, resp.text)
        task = self.wait_task(resp.json()['id'], orchestrator)
        self.assertEqual({'bytes_done': len(data), 'bytes_total': len(data)},
                         task['progress'])
        self.assertImported(task, data, orchestrator)

    def test_copy_from_the_k1_cloud_into_a_k2_tenant(self):
        admin = self.auth()
        data = os.urandom(2 * 1024 * 1024 + 9)
        # Uploaded into K1's Glance with the caller's token, read back by
        # the task as mcimage's service user of K1.
        image = self.uploaded(self.K1_VIM, self.k1_admin_project, data, admin)
        source = 'vim:%s/%s/%s' % (self.K1_SERVICE_VIM,
                                   self.k1_admin_project, image['id'])
        resp = self.create_task({
            'import_from': source,
            'targets': [{'vim_id': self.K2_VIM, 'tenant_id': self.k2_p1}]},
            admin)
        self.assertEqual(201, resp.status_code, resp.text)
        self.assertImported(self.wait_task(resp.json()['id'], admin), data,
                            admin)

    def test_a_token_vim_is_no_task_source_or_target(self):
        admin = self.auth()
        image = self.uploaded(self.K1_VIM, self.k1_admin_project,
                              os.urandom(4096), admin)
        k1_token_vim = {'vim_id': self.K1_VIM,
                        'tenant_id': self.k1_admin_project}
        for task_input in (
                {'import_from': 'vim:%s/%s/%s' % (
                    self.K1_VIM, self.k1_admin_project, image['id']),
                 'targets': [{'vim_id': self.K2_VIM,
                              'tenant_id': self.k2_p1}]},
                {'import_from': self.web.url('/k1.img'),
                 'import_from_format': 'raw', 'targets': [k1_token_vim]}):
            resp = self.create_task(task_input, admin)
            detail = self.assertError(resp, 400)['detail']
            self.assertIn(self.K1_VIM, detail)
            self.assertIn('auth_mode = token', detail)
        self.assertEqual([], self.k2_images(self.k2_p1))
