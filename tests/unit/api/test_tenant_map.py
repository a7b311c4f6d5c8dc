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

"""Who may act in which tenant of a VIM in auth_mode = service.

base.VIM becomes a VIM with a Keystone of its own (FakeGlance still): its
tenants are ``k2-*`` ids, never a caller's project. The orchestrator
(role ``service``) and admin act in any of them; project p1 acts in its
counterpart by name (k2-p1, in domain Partners), project p3 in its
counterpart by project_map (k2-p3); anyone else is refused, naming
mcimage:vim:act_in_any_tenant. A third VIM in auth_mode = token shows
that nothing changes there.
"""

import hashlib

from mcimage import backends
from mcimage.conf import vims as vims_conf
from mcimage.db import api as db_api
from tests import base as tests_base
from tests.unit.api import base
from tests.unit.api import test_stage
from tests.unit.api import test_tasks
from tests.unit import fakes

RULE = 'mcimage:vim:act_in_any_tenant'
TOKEN_VIM = 'owner_RegionThree'
DOMAIN = 'Partners'
K2_P1 = 'k2-p1'
K2_P2 = 'k2-p2'
K2_P3 = 'k2-p3'
DATA = fakes.QCOW2_HEADER + bytes(range(256)) * 64


def _persona(project, name, user, roles):
    return {'X-Project-Id': project, 'X-Project-Name': name,
            'X-User-Id': user, 'X-Roles': roles}


PERSONAS = {
    'orchestrator': _persona('k1-service', 'service', 'onap',
                             'service,member,reader'),
    'service_only': _persona('k1-service', 'service', 'glance', 'service'),
    'admin': _persona('admin-project', 'admin', 'admin-user',
                      'admin,member,reader'),
    'member': _persona('p1', 'p1', 'p1-member', 'member,reader'),
    'reader': _persona('p1', 'p1', 'p1-reader', 'reader'),
    # No project of the VIM's Keystone is named p2.
    'other_member': _persona('p2', 'p2', 'p2-member', 'member,reader'),
    # In project_map; its name would find another project.
    'mapped': _persona('p3', 'p3', 'p3-member', 'member,reader'),
}


def serve_in_service_mode(test):
    """base.VIM in auth_mode = service with both mappings; TOKEN_VIM."""
    test.config(enabled_vims=[base.VIM, base.OTHER_VIM, TOKEN_VIM])
    vims_conf.register_vim_opts(tests_base.CONF, TOKEN_VIM)
    test.config(driver='fake', auth_mode='token',
                group='vim:%s' % TOKEN_VIM)
    test.config(auth_mode='service', auth_type='password',
                project_map={'p3': K2_P3},
                project_map_domain_name=DOMAIN, group='vim:%s' % base.VIM)
    backends.reset()
    registry = backends.init()
    test.glance = {vim_id: vim.backend
                   for vim_id, vim in registry.vims.items()}
    test.fake = test.glance[base.VIM]
    test.fake.projects = {(DOMAIN, 'p1'): K2_P1, (DOMAIN, 'p3'): K2_P2,
                          (DOMAIN, 'service'): 'k2-service'}


class TenantMapTestCase(base.APITestCase):

    def setUp(self):
        super().setUp()
        serve_in_service_mode(self)

    def headers(self, persona='member', **extra):
        return dict(PERSONAS[persona], **extra)

    def url(self, tenant, suffix='', vim=base.VIM):
        return '/v1/%s/%s/images%s' % (vim, tenant, suffix)

    def request(self, method, url, persona, status, **kwargs):
        resp = self.app.request(url, method=method,
                                headers=self.headers(persona),
                                expect_errors=True, **kwargs)
        self.assertEqual(status, resp.status_int, resp.body[:1000])
        return resp

    def create(self, tenant, persona, status=201, vim=base.VIM):
        resp = self.app.post_json(self.url(tenant, vim=vim),
                                  {'name': 'n', 'disk_format': 'raw',
                                   'container_format': 'bare'},
                                  headers=self.headers(persona),
                                  expect_errors=True)
        self.assertEqual(status, resp.status_int, resp.text)
        return resp

    def upload(self, tenant, persona, status=201):
        resp = self.app.post(self.url(tenant, '/file'),
                             params=[('imageType', 'qcow2')],
                             upload_files=[('file', 'disk.qcow2', DATA)],
                             headers=self.headers(persona),
                             expect_errors=True)
        self.assertEqual(status, resp.status_int, resp.text)
        return resp

    def listed(self, tenant, persona, vim=base.VIM):
        resp = self.request('GET', self.url(tenant, vim=vim), persona, 200)
        return [i['id'] for i in resp.json['images']]

    def calls(self, name, vim=base.VIM):
        return [c for c in self.glance[vim].calls if c[0] == name]

    def assertRefused(self, resp, tenant, why):
        detail = self.assertError(resp, 403)['detail']
        for text in (RULE, base.VIM, tenant, why):
            self.assertIn(text, detail)
        return detail


class TestDecision(TenantMapTestCase):

    def test_orchestrator_acts_in_any_tenant(self):
        for tenant in (K2_P1, K2_P2):
            image = self.upload(tenant, 'orchestrator').json
            self.assertEqual(tenant, self.fake.images[image['id']]['owner'])
            self.assertEqual([image['id']],
                             self.listed(tenant, 'orchestrator'))
            got = self.request('GET', self.url(tenant, '/%s/file' %
                                               image['id']),
                               'orchestrator', 200)
            self.assertEqual(DATA, got.body)
        # The rule decided: no counterpart was looked for.
        self.assertEqual([], self.calls('project_by_name'))

    def test_orchestrators_other_roles_still_apply(self):
        image = self.fake.add_image(K2_P1, data=b'x', name='seed')
        self.fake.calls.clear()
        for suffix in ('', '/' + image['id'], '/%s/file' % image['id']):
            resp = self.request('GET', self.url(K2_P1, suffix),
                                'service_only', 403)
            self.assertNotIn(RULE, resp.text)
        self.create(K2_P1, 'service_only', 403)
        self.assertEqual([], self.calls('create_image'))

    def test_admin_acts_in_any_tenant(self):
        resp = self.create(K2_P2, 'admin')
        self.assertEqual(K2_P2, self.fake.images[resp.json['id']]['owner'])

    def test_member_in_its_counterpart_by_name(self):
        image = self.upload(K2_P1, 'member').json
        image_id = image['id']
        self.assertEqual(K2_P1, self.fake.images[image_id]['owner'])
        self.assertEqual(K2_P1, image['tenantId'])
        self.assertEqual([image_id], self.listed(K2_P1, 'member'))
        shown = self.request('GET', self.url(K2_P1, '/' + image_id),
                             'member', 200).json
        self.assertEqual(K2_P1, shown['owner'])
        got = self.request('GET', self.url(K2_P1, '/%s/file' % image_id),
                           'member', 200)
        self.assertEqual(hashlib.sha256(DATA).hexdigest(),
                         hashlib.sha256(got.body).hexdigest())
        self.request('PUT', self.url(K2_P1, '/%s/tags/t1' % image_id),
                     'member', 204)
        self.assertEqual(['t1'], self.fake.images[image_id]['tags'])
        self.request('DELETE', self.url(K2_P1, '/' + image_id), 'member',
                     204)
        self.assertNotIn(image_id, self.fake.images)

    def test_member_elsewhere_refused_before_the_vim_is_asked(self):
        image = self.fake.add_image(K2_P2, data=b'x', name='theirs')
        self.fake.calls.clear()
        resp = self.create(K2_P2, 'member', 403)
        self.assertRefused(resp, K2_P2,
                           'your project p1 acts there as project %s only'
                           % K2_P1)
        for suffix in ('', '/' + image['id'], '/%s/file' % image['id']):
            resp = self.request('GET', self.url(K2_P2, suffix), 'member',
                                403)
            self.assertRefused(resp, K2_P2, K2_P1)
        self.assertEqual(['project_by_name'],
                         sorted({c[0] for c in self.fake.calls}))

    def test_project_without_counterpart_refused(self):
        image = self.fake.add_image(K2_P1, data=b'x', name='p1s')
        for suffix in ('', '/' + image['id'], '/%s/file' % image['id']):
            resp = self.request('GET', self.url(K2_P1, suffix),
                                'other_member', 403)
            detail = self.assertRefused(
                resp, K2_P1, 'your project p2 has no counterpart there')
            self.assertNotIn(K2_P2, detail)
        self.upload(K2_P1, 'other_member', 403)
        self.assertEqual([image['id']], list(self.fake.images))

    def test_reader_reads_and_does_not_write(self):
        image = self.fake.add_image(K2_P1, data=DATA, name='p1s',
                                    disk_format='qcow2',
                                    container_format='bare')
        self.assertEqual([image['id']], self.listed(K2_P1, 'reader'))
        self.request('GET', self.url(K2_P1, '/' + image['id']), 'reader',
                     200)
        # A reader sees the image; its data takes a member (as Glance).
        got = self.request('GET', self.url(K2_P1, '/%s/file' % image['id']),
                           'reader', 403)
        self.assertNotIn(DATA, got.body)
        for resp in (self.upload(K2_P1, 'reader', 403),
                     self.create(K2_P1, 'reader', 403)):
            detail = self.assertError(resp, 403)['detail']
            self.assertNotIn(RULE, detail)
        self.request('DELETE', self.url(K2_P1, '/' + image['id']), 'reader',
                     403)
        self.assertEqual([image['id']], list(self.fake.images))

    def test_project_map_before_the_name(self):
        resp = self.create(K2_P3, 'mapped')
        self.assertEqual(K2_P3, self.fake.images[resp.json['id']]['owner'])
        # Its name would find k2-p2: the map decides.
        resp = self.create(K2_P2, 'mapped', 403)
        self.assertRefused(resp, K2_P2, 'as project %s only' % K2_P3)
        self.assertEqual([], self.calls('project_by_name'))

    def test_counterpart_looked_for_once_per_request(self):
        for _ in range(3):
            self.fake.add_image(K2_P1, data=b'x')
        self.fake.add_image(K2_P2, data=b'x', visibility='public')
        self.assertEqual(4, len(self.listed(K2_P1, 'member')))
        self.assertEqual([('project_by_name', DOMAIN, 'p1')],
                         self.calls('project_by_name'))

    def test_members_of_an_image(self):
        image = self.fake.add_image(K2_P1, data=b'x', visibility='shared')
        url = self.url(K2_P1, '/%s/members' % image['id'])
        resp = self.app.post_json(url, {'member': K2_P2},
                                  headers=self.headers('member'))
        self.assertEqual('pending', resp.json['status'])
        # k2-p2's own member would accept it; p2 has no counterpart.
        resp = self.app.put_json(
            self.url(K2_P2, '/%s/members/%s' % (image['id'], K2_P2)),
            {'status': 'accepted'}, headers=self.headers('other_member'),
            expect_errors=True)
        self.assertRefused(resp, K2_P2, 'has no counterpart')
        self.assertEqual('pending', self.fake.members[(image['id'], K2_P2)])
        resp = self.app.put_json(
            self.url(K2_P2, '/%s/members/%s' % (image['id'], K2_P2)),
            {'status': 'accepted'}, headers=self.headers('orchestrator'))
        self.assertEqual('accepted', resp.json['status'])

    def test_a_policy_file_decides(self):
        path = self.state_path + '/policy.yaml'
        with open(path, 'w') as f:
            f.write('"%s": "role:service and \'%s\':%%(tenant_id)s"\n'
                    % (RULE, K2_P2))
        self.config(policy_file=path, group='oslo_policy')
        self.create(K2_P2, 'orchestrator')
        resp = self.create(K2_P1, 'orchestrator', 403)
        self.assertRefused(resp, K2_P1, 'your project k1-service acts there '
                                        'as project k2-service only')
        # admin is the rule's no more: only its counterpart is left.
        resp = self.create(K2_P1, 'admin', 403)
        self.assertRefused(resp, K2_P1, 'admin-project has no counterpart')

    def test_fan_out_across_vims(self):
        targets = '[{"vim_id": "%s", "tenant_id": "%s"}, ' \
                  '{"vim_id": "%s", "tenant_id": "p1"}]'
        resp = self.app.post(
            '/v1/images/file',
            params=[('imageType', 'qcow2'),
                    ('targets', targets % (base.VIM, K2_P1, base.OTHER_VIM))],
            upload_files=[('file', 'disk.qcow2', DATA)],
            headers=self.headers('member'))
        self.assertEqual([(base.VIM, K2_P1), (base.OTHER_VIM, 'p1')],
                         [(i['vimId'], i['tenantId'])
                          for i in resp.json['images']])
        resp = self.app.post(
            '/v1/images/file',
            params=[('imageType', 'qcow2'),
                    ('targets', targets % (base.VIM, K2_P2, base.OTHER_VIM))],
            upload_files=[('file', 'disk.qcow2', DATA)],
            headers=self.headers('member'), expect_errors=True)
        self.assertRefused(resp, K2_P2, K2_P1)
        self.assertEqual(1, len(self.fake.images))
        self.assertEqual(1, len(self.glance[base.OTHER_VIM].images))


class TestTokenVimUnchanged(TenantMapTestCase):

    def test_tenants_are_the_callers_projects(self):
        self.create('p1', 'member', vim=TOKEN_VIM)
        self.assertEqual(1, len(self.listed('p1', 'member', vim=TOKEN_VIM)))
        # Neither the rule nor any mapping applies.
        for persona, tenant in (('orchestrator', 'p1'), ('member', K2_P1),
                                ('mapped', K2_P3)):
            resp = self.create(tenant, persona, 403, vim=TOKEN_VIM)
            detail = self.assertError(resp, 403)['detail']
            self.assertEqual('Policy does not allow mcimage:image:create.',
                             detail)
        for backend in self.glance.values():
            self.assertEqual([], [c for c in backend.calls
                                  if c[0] == 'project_by_name'])


class TestRecords(TenantMapTestCase, test_stage.StageTestCase):
    """What mcimage records stays the caller's own project's."""

    def test_staged_upload_owned_by_the_callers_project(self):
        resp = self.upload(K2_P1, 'member')
        upload_id = resp.headers[test_stage.HEADER]
        self.assertEqual('p1', db_api.staged_upload_get(upload_id)['owner'])
        got = self.request('GET', '/v1/uploads/%s' % upload_id, 'member',
                           200)
        self.assertEqual(upload_id, got.json['id'])
        self.request('GET', '/v1/uploads/%s' % upload_id, 'other_member',
                     404)


class TestTasks(test_tasks.TaskTestCase):
    """A task's targets and ``vim:`` source, checked again by its flow."""

    def setUp(self):
        super().setUp()
        serve_in_service_mode(self)

    def headers(self, persona='member', **extra):
        return dict(PERSONAS[persona], **extra)

    def test_member_imports_from_and_into_its_counterpart(self):
        source = self.fake.add_image(K2_P1, disk_format='qcow2',
                                     container_format='bare', name='src')
        self.fake.upload(None, K2_P1, source['id'], fakes._Once(DATA))
        task_input = {'import_from': 'vim:%s/%s/%s' % (base.VIM, K2_P1,
                                                       source['id']),
                      'image_properties': {'name': 'copy'},
                      'targets': [{'vim_id': base.VIM, 'tenant_id': K2_P1},
                                  {'vim_id': base.OTHER_VIM,
                                   'tenant_id': 'p1'}]}
        task = self.create(task_input).json
        self.assertEqual('p1', task['owner'])
        self.assertEqual('p1', db_api.task_get(task['id'])['project_name'])
        task = self.wait(task['id'])
        self.assertEqual('success', task['status'], task['message'])
        self.assertEqual(1, len(self.images_of(base.VIM, K2_P1, 'copy')))
        self.assertEqual(1, len(self.images_of(base.OTHER_VIM, 'p1',
                                               'copy')))
        # Looked for when the task was accepted, and again by its flow.
        self.assertLessEqual(2, len([c for c in self.fake.calls
                                     if c[0] == 'project_by_name']))

    def test_task_outside_the_counterpart_refused(self):
        sources = {}
        for tenant in (K2_P1, K2_P2):
            sources[tenant] = 'vim:%s/%s/%s' % (
                base.VIM, tenant, self.fake.add_image(
                    tenant, data=DATA, disk_format='qcow2',
                    container_format='bare', name='src')['id'])
        # A target, then a source, outside k2-p1.
        for source, target in (
                (sources[K2_P1], {'vim_id': base.VIM, 'tenant_id': K2_P2}),
                (sources[K2_P2], {'vim_id': base.OTHER_VIM,
                                  'tenant_id': 'p1'})):
            resp = self.create({'import_from': source, 'targets': [target]},
                               status=403)
            detail = resp.json['errors'][0]['detail']
            self.assertIn(RULE, detail)
            self.assertIn(K2_P2, detail)
        self.assertEqual([], db_api.task_get_all(owner='p1'))
        self.assertEqual(2, len(self.fake.images))
