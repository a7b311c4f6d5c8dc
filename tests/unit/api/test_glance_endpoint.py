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

"""/glance/{vim_id}: a VIM as a Glance v2 endpoint, on the fake driver."""

import hashlib

import webtest

from mcimage.api import app as api_app
from mcimage import backends
from tests.unit.api import base
from tests.unit.api import test_tasks

ROOT = '/glance/%s' % base.VIM
IMAGES = ROOT + '/v2/images'


class GlanceEndpointTestCase(base.APITestCase):

    def add(self, owner='p1', **fields):
        fields.setdefault('name', 'img-%s' % owner)
        fields.setdefault('disk_format', 'raw')
        fields.setdefault('container_format', 'bare')
        return self.fake.add_image(owner, data=fields.pop('data', b'bytes'),
                                   visibility=fields.pop('visibility',
                                                         'private'),
                                   **fields)

    def assertGlanceError(self, resp, status, message=None):
        """WebOb's JSON error body, as Glance answers an Accept: JSON."""
        self.assertEqual(status, resp.status_int, resp.text)
        self.assertEqual('application/json', resp.content_type)
        self.assertEqual({'message', 'code', 'title'}, set(resp.json))
        self.assertTrue(resp.json['code'].startswith('%d ' % status))
        self.assertNotIn('Traceback', resp.text)
        if message is not None:
            self.assertIn(message, resp.json['message'])


class TestVersions(GlanceEndpointTestCase):

    def test_root_is_300_with_links_into_mcimage(self):
        resp = self.app.get(ROOT + '/', headers=self.headers(), status=300)
        versions = resp.json['versions']
        self.assertEqual('v2.17', versions[0]['id'])
        self.assertEqual('CURRENT', versions[0]['status'])
        self.assertIn('v2.0', [v['id'] for v in versions])
        for version in versions:
            self.assertEqual(
                [{'rel': 'self',
                  'href': 'http://localhost%s/v2/' % ROOT}],
                version['links'])
        # Glance's image cache API is not offered.
        self.assertNotIn('v2.14', [v['id'] for v in versions])

    def test_versions_is_200(self):
        resp = self.app.get(ROOT + '/versions', headers=self.headers())
        self.assertEqual('v2.17', resp.json['versions'][0]['id'])

    def test_public_endpoint_in_links(self):
        self.config(public_endpoint='https://images.example.com/mc',
                    group='api')
        resp = self.app.get(ROOT, headers=self.headers(), status=300)
        self.assertEqual(
            'https://images.example.com/mc%s/v2/' % ROOT,
            resp.json['versions'][0]['links'][0]['href'])

    def test_unknown_vim_is_a_glance_404(self):
        resp = self.app.get('/glance/nowhere/v2/images',
                            headers=self.headers(Accept='application/json'),
                            expect_errors=True)
        self.assertGlanceError(resp, 404, 'nowhere')


class TestImages(GlanceEndpointTestCase):

    def test_create_show_list_with_glance_links(self):
        resp = self.app.post_json(
            IMAGES, {'name': 'cirros', 'disk_format': 'qcow2',
                     'container_format': 'bare', 'tags': ['a']},
            headers=self.headers(), status=201)
        image = resp.json
        self.assertEqual('p1', image['owner'])
        self.assertEqual('/v2/images/%s' % image['id'], image['self'])
        self.assertEqual(image['self'] + '/file', image['file'])
        self.assertEqual('/v2/schemas/image', image['schema'])
        shown = self.app.get(IMAGES + '/' + image['id'],
                             headers=self.headers()).json
        self.assertEqual(image['id'], shown['id'])
        page = self.app.get(IMAGES + '?limit=1',
                            headers=self.headers()).json
        self.assertEqual([image['id']], [i['id'] for i in page['images']])
        self.assertEqual('/v2/schemas/images', page['schema'])
        self.assertTrue(page['first'].startswith('/v2/images?'))

    def test_the_tenant_is_the_callers_project(self):
        mine = self.add('p1')
        theirs = self.add('p2')
        listed = self.app.get(IMAGES, headers=self.headers()).json['images']
        self.assertEqual([mine['id']], [i['id'] for i in listed])
        resp = self.app.get(IMAGES + '/' + theirs['id'],
                            headers=self.headers(), expect_errors=True)
        self.assertEqual(404, resp.status_int)
        listed = self.app.get(IMAGES, headers=self.headers(
            'other_member')).json['images']
        self.assertEqual([theirs['id']], [i['id'] for i in listed])

    def test_no_project_sees_no_image(self):
        # A system-scoped token: Glance finds no image for it (404) and
        # refuses a list or a create (403).
        image = self.add('p1', visibility='public')
        system = {'X-Project-Id': '', 'X-User-Id': 'system-admin',
                  'X-Roles': 'admin,reader',
                  'Accept': 'application/json'}
        for method, path in (('get', '/' + image['id']),
                             ('get', '/%s/file' % image['id']),
                             ('get', '/%s/members' % image['id']),
                             ('delete', '/' + image['id']),
                             ('post', '/%s/actions/deactivate'
                              % image['id'])):
            resp = getattr(self.app, method)(IMAGES + path, headers=system,
                                             expect_errors=True)
            self.assertGlanceError(resp, 404, image['id'])
        # The stores route names an image too.
        resp = self.app.delete(
            '/glance/%s/v2/stores/local/%s' % (base.VIM, image['id']),
            headers=system, expect_errors=True)
        self.assertGlanceError(resp, 404, image['id'])
        resp = self.app.get(IMAGES, headers=system, expect_errors=True)
        self.assertGlanceError(resp, 403, 'has no tenant')
        self.assertEqual('active', self.fake.images[image['id']]['status'])

    def test_stores_shown_locations_hidden(self):
        image = self.add('p1', stores='local',
                         locations=[{'url': 'file:///secret'}],
                         direct_url='file:///secret')
        shown = self.app.get(IMAGES + '/' + image['id'],
                             headers=self.headers()).json
        self.assertEqual('local', shown['stores'])
        self.assertNotIn('locations', shown)
        self.assertNotIn('direct_url', shown)
        self.assertNotIn('secret', str(shown))

    def test_patch_tags_actions_delete(self):
        image = self.add('p1')
        url = IMAGES + '/' + image['id']
        resp = self.app.patch(
            url, '[{"op": "replace", "path": "/name", "value": "new"}]',
            headers=self.headers(**{
                'Content-Type':
                    'application/openstack-images-v2.1-json-patch'}))
        self.assertEqual('new', resp.json['name'])
        self.app.put(url + '/tags/t1', headers=self.headers(), status=204)
        self.assertIn('t1', self.app.get(url, headers=self.headers())
                      .json['tags'])
        self.app.post(url + '/actions/deactivate',
                      headers=self.headers('admin'), status=204)
        self.app.delete(url, headers=self.headers(), status=204)
        self.assertGlanceError(self.app.get(
            url, headers=self.headers(Accept='application/json'),
            expect_errors=True), 404)

    def test_upload_and_download(self):
        image = self.app.post_json(
            IMAGES, {'name': 'data', 'disk_format': 'raw',
                     'container_format': 'bare'},
            headers=self.headers(), status=201).json
        data = b'\x00' * 4096
        self.app.put(IMAGES + '/%s/file' % image['id'], data,
                     headers=self.headers(**{
                         'Content-Type': 'application/octet-stream'}),
                     status=204)
        resp = self.app.get(IMAGES + '/%s/file' % image['id'],
                            headers=self.headers())
        self.assertEqual(data, resp.body)
        shown = self.app.get(IMAGES + '/' + image['id'],
                             headers=self.headers()).json
        self.assertEqual(hashlib.sha512(data).hexdigest(),
                         shown['os_hash_value'])

    def test_no_onap_multipart_route(self):
        resp = self.app.post(IMAGES + '/file', b'x', headers=self.headers(
            Accept='application/json'), expect_errors=True)
        self.assertIn(resp.status_int, (400, 404, 405))
        self.assertEqual({'message', 'code', 'title'}, set(resp.json))

    def test_members_schema_links(self):
        image = self.add('p1', visibility='shared')
        url = IMAGES + '/%s/members' % image['id']
        member = self.app.post_json(url, {'member': 'p2'},
                                    headers=self.headers()).json
        self.assertEqual('/v2/schemas/member', member['schema'])
        members = self.app.get(url, headers=self.headers()).json
        self.assertEqual('/v2/schemas/members', members['schema'])


class TestErrors(GlanceEndpointTestCase):

    def test_plain_text_without_accept(self):
        resp = self.app.get(IMAGES + '/%s' % ('1' * 8 + '-1111-1111-1111-'
                                              + '1' * 12),
                            headers=self.headers(), expect_errors=True)
        self.assertEqual(404, resp.status_int)
        self.assertEqual('text/plain', resp.content_type)
        self.assertTrue(resp.text.startswith('404 Not Found'))

    def test_an_id_that_is_no_uuid_is_a_404(self):
        # Clients then look the value up as a name.
        resp = self.app.get(IMAGES + '/cirros', headers=self.headers(
            Accept='application/json'), expect_errors=True)
        self.assertGlanceError(resp, 404, 'cirros')

    def test_policy_refusal_is_glance_403(self):
        resp = self.app.post_json(
            IMAGES, {'name': 'x', 'disk_format': 'raw',
                     'container_format': 'bare'},
            headers=self.headers('reader', Accept='application/json'),
            expect_errors=True)
        self.assertGlanceError(resp, 403)

    def test_bad_body_is_glance_400(self):
        resp = self.app.post(IMAGES, b'{not json', headers=self.headers(
            Accept='application/json',
            **{'Content-Type': 'application/json'}), expect_errors=True)
        self.assertGlanceError(resp, 400)

    def test_a_relayed_request_is_refused(self):
        """mcimage calling its own endpoint as a VIM's Glance: no loop."""
        resp = self.app.get(IMAGES, headers=self.headers(**{
            'Accept': 'application/json',
            'X-MCImage-Relay': 'acme_RegionOne'}), expect_errors=True)
        self.assertGlanceError(resp, 400, 'acting for its VIM acme_RegionOne')
        self.assertIn('[vim:acme_RegionOne]', resp.json['message'])
        self.assertEqual([], [c for c in self.fake.calls
                              if c[0] == 'list_images'])

    def test_routing_404_and_405(self):
        self.assertGlanceError(self.app.get(
            ROOT + '/v2/nothing', headers=self.headers(
                Accept='application/json'), expect_errors=True), 404)
        self.assertGlanceError(self.app.delete(
            IMAGES, headers=self.headers(Accept='application/json'),
            expect_errors=True), 405)


class TestInfo(GlanceEndpointTestCase):

    def test_info_documents(self):
        # The import methods are mcimage's own (tasks); the store is the
        # VIM's default.
        info = self.app.get(ROOT + '/v2/info/import',
                            headers=self.headers()).json
        self.assertEqual(['glance-direct', 'web-download'],
                         info['import-methods']['value'])
        stores = self.app.get(ROOT + '/v2/info/stores',
                              headers=self.headers()).json
        self.assertEqual('local', stores['stores'][0]['id'])
        self.assertIn(('get_document', 'p1', 'info/stores'),
                      self.fake.calls)

    def test_unknown_info_is_404(self):
        resp = self.app.get(ROOT + '/v2/info/usage', headers=self.headers(
            Accept='application/json'), expect_errors=True)
        self.assertGlanceError(resp, 404)


class TestCopiesOnward(test_tasks.TaskTestCase):
    """os_mcimage_targets: an upload through the endpoint copied onward."""

    def create(self, targets, status=201):
        resp = self.app.post_json(
            IMAGES, {'name': 'onward', 'disk_format': 'qcow2',
                     'container_format': 'bare', 'os_distro': 'cirros',
                     'os_mcimage_targets': targets},
            headers=self.headers(Accept='application/json'),
            expect_errors=status >= 400)
        self.assertEqual(status, resp.status_int, resp.text)
        return resp.json

    def test_upload_starts_a_copy_task_into_the_named_vims(self):
        image = self.create(base.OTHER_VIM)
        resp = self.app.put(IMAGES + '/%s/file' % image['id'],
                            test_tasks.DATA, headers=self.headers(**{
                                'Content-Type': 'application/octet-stream'}),
                            status=204)
        task_id = resp.headers['OpenStack-MCImage-Task-Id']
        shown = self.app.get(IMAGES + '/' + image['id'],
                             headers=self.headers()).json
        self.assertEqual(task_id, shown['os_mcimage_task_id'])
        task = self.wait(task_id)
        self.assertEqual('success', task['status'], task['message'])
        [target] = task['result']['targets']
        self.assertEqual((base.OTHER_VIM, 'p1'),
                         (target['vim_id'], target['tenant_id']))
        copy = self.glance[base.OTHER_VIM].images[target['image_id']]
        self.assertEqual(('onward', 'cirros', 'active', 'p1'), (
            copy['name'], copy['os_distro'], copy['status'],
            copy['owner']))
        self.assertNotIn('os_mcimage_targets', copy)
        self.assertEqual(hashlib.sha512(test_tasks.DATA).hexdigest(),
                         copy['os_hash_value'])

    def test_bad_targets_refused_at_create_patch_and_upload(self):
        for value, why in (('nowhere_RegionNine', 'no VIM'),
                           (base.VIM, 'this VIM'),
                           ('%s,%s' % (base.OTHER_VIM, base.OTHER_VIM),
                            'named twice'),
                           ('', 'no VIM')):
            resp = self.create(value, status=400)
            self.assertIn('os_mcimage_targets', resp['message'])
            self.assertIn(why, resp['message'])
        image = self.create(base.OTHER_VIM)
        resp = self.app.patch(
            IMAGES + '/' + image['id'],
            '[{"op": "replace", "path": "/os_mcimage_targets", '
            '"value": "nowhere_RegionNine"}]',
            headers=self.headers(Accept='application/json', **{
                'Content-Type':
                    'application/openstack-images-v2.1-json-patch'}),
            expect_errors=True)
        self.assertEqual(400, resp.status_int, resp.text)
        # Set in the VIM behind mcimage's back: the upload is refused
        # before a byte is read, and the image stays queued.
        self.fake.images[image['id']]['os_mcimage_targets'] = 'nowhere_X'
        resp = self.app.put(IMAGES + '/%s/file' % image['id'],
                            test_tasks.DATA, headers=self.headers(**{
                                'Content-Type': 'application/octet-stream',
                                'Accept': 'application/json'}),
                            expect_errors=True)
        self.assertEqual(400, resp.status_int, resp.text)
        self.assertEqual('queued', self.fake.images[image['id']]['status'])
        self.assertEqual([], self.app.get(
            '/v1/tasks', headers=self.headers()).json['tasks'])

    def test_token_mode_vims_refused(self):
        # A task reads and writes later, without the caller's token.
        backends.get(base.OTHER_VIM).auth_mode = 'token'
        resp = self.create(base.OTHER_VIM, status=400)
        self.assertIn('auth_mode = token', resp['message'])
        backends.get(base.OTHER_VIM).auth_mode = 'trusted'
        backends.get(base.VIM).auth_mode = 'token'
        resp = self.create(base.OTHER_VIM, status=400)
        self.assertIn('auth_mode = token', resp['message'])


class TestGlanceRoutes(GlanceEndpointTestCase):

    def test_an_empty_image_id_is_a_404(self):
        # Glance has no route for images/ (Tempest's "null id" tests).
        for method in ('get', 'delete', 'post', 'patch'):
            resp = getattr(self.app, method)(
                IMAGES + '/', headers=self.headers(Accept='application/json'),
                expect_errors=True)
            self.assertGlanceError(resp, 404)
        self.app.get(IMAGES, headers=self.headers(), status=200)


class TestVersionsWithoutToken(GlanceEndpointTestCase):
    """auth_strategy = keystone: the versions document needs no token."""

    def setUp(self):
        super().setUp()
        self.config(auth_strategy='keystone')
        # authtoken registers its options as it loads, and reads them
        # then: load, configure, load again.
        api_app.load_app()
        self.config(www_authenticate_uri='http://keystone.invalid/v3',
                    group='keystone_authtoken')
        self.app = webtest.TestApp(api_app.load_app())

    def test_root_and_versions_without_token(self):
        for path in (ROOT, ROOT + '/'):
            resp = self.app.get(path, status=300)
            self.assertEqual('v2.17', resp.json['versions'][0]['id'])
        for path in (ROOT + '/versions', ROOT + '/versions/'):
            resp = self.app.get(path, status=200)
            self.assertEqual('v2.17', resp.json['versions'][0]['id'])

    def test_unknown_vim_is_still_a_404(self):
        resp = self.app.get('/glance/nowhere/',
                            headers={'Accept': 'application/json'},
                            expect_errors=True)
        self.assertGlanceError(resp, 404, 'nowhere')

    def test_everything_else_needs_a_token(self):
        for method, path in (('get', ROOT + '/v2/images'),
                             ('get', ROOT + '/v2/schemas/image'),
                             ('get', ROOT + '/v2/info/stores'),
                             ('post', ROOT + '/versions'),
                             ('delete', ROOT + '/')):
            resp = getattr(self.app, method)(path, expect_errors=True)
            self.assertEqual(401, resp.status_int, path)
