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

"""Create, PATCH, DELETE, HEAD, actions and tags of .../images/{id}."""

import copy
import json
import re
import uuid

import webtest

from tests.unit.api import base
from tests.unit.api import response_schemas

URL = '/v1/%s/p1/images' % base.VIM
PATCH_2_1 = 'application/openstack-images-v2.1-json-patch'
PATCH_2_0 = 'application/openstack-images-v2.0-json-patch'


class ImagesTestCase(base.APITestCase):

    def add(self, owner='p1', visibility='private', data=b'bytes',
            **fields):
        fields.setdefault('name', 'img-%s' % owner)
        fields.setdefault('disk_format', 'raw')
        fields.setdefault('container_format', 'bare')
        return self.fake.add_image(owner, data=data, visibility=visibility,
                                   **fields)

    def url(self, image_id, tenant='p1', suffix=''):
        return '/v1/%s/%s/images/%s%s' % (base.VIM, tenant, image_id,
                                          suffix)

    def calls(self, name):
        return [c for c in self.fake.calls if c[0] == name]


class TestCreate(ImagesTestCase):

    def create(self, body, persona='member', status=201, url=URL):
        resp = self.app.post_json(url, body, headers=self.headers(persona),
                                  expect_errors=status >= 400)
        self.assertEqual(status, resp.status_int, resp.text)
        if status == 201:
            response_schemas.check(response_schemas.IMAGE, resp.json)
        return resp

    def test_create_201_with_location(self):
        resp = self.create({'name': 'cirros', 'disk_format': 'qcow2',
                            'container_format': 'bare', 'min_ram': 64,
                            'tags': ['a', 'b'], 'os_distro': 'cirros'})
        body = resp.json
        self.assertEqual('http://localhost%s/%s' % (URL, body['id']),
                         resp.headers['Location'])
        self.assertEqual('%s/%s' % (URL, body['id']), body['self'])
        self.assertEqual('queued', body['status'])
        self.assertEqual('p1', body['owner'])
        self.assertEqual('cirros', body['os_distro'])
        self.assertNotIn('vimId', body)
        self.assertNotIn('secret', resp.text)
        [call] = self.calls('create_image')
        self.assertEqual(('create_image', 'p1', {
            'name': 'cirros', 'disk_format': 'qcow2',
            'container_format': 'bare', 'min_ram': 64, 'tags': ['a', 'b'],
            'os_distro': 'cirros'}), call)

    def test_empty_body_creates_a_record(self):
        resp = self.create({})
        self.assertEqual('shared', resp.json['visibility'])

    def test_given_id(self):
        image_id = str(uuid.uuid4())
        resp = self.create({'id': image_id, 'name': 'x'})
        self.assertEqual(image_id, resp.json['id'])

    def test_onap_aliases(self):
        resp = self.create({'name': 'x', 'imageType': 'qcow2',
                            'containerFormat': 'ova'})
        self.assertEqual('qcow2', resp.json['disk_format'])
        self.assertEqual('ova', resp.json['container_format'])
        [call] = self.calls('create_image')
        self.assertEqual({'name': 'x', 'disk_format': 'qcow2',
                          'container_format': 'ova'}, call[2])

    def test_onap_alias_and_glance_name_disagree_400(self):
        resp = self.create({'imageType': 'qcow2', 'disk_format': 'raw'},
                           status=400)
        self.assertError(resp, 400, 'disk_format')
        # The same value twice is no contradiction.
        self.create({'imageType': 'raw', 'disk_format': 'raw'})

    def test_read_only_fields_400(self):
        for field, value in (('status', 'active'),
                             ('checksum', 'abc'), ('size', '5'),
                             ('os_hash_value', 'abc'),
                             ('direct_url', 'file:///x'),
                             ('locations', '[]'), ('self', '/x'),
                             ('created_at', '2026-01-01')):
            resp = self.create({'name': 'x', field: value}, status=400)
            error = self.assertError(resp, 400, repr(field))
            self.assertEqual('mcimage.invalid_parameter', error['code'])
        self.assertEqual([], self.calls('create_image'))

    def test_owner_another_project_admin_only(self):
        # As in Glance: a member may name its own project only; an admin
        # creates the image for another project.
        resp = self.create({'name': 'x', 'owner': 'p2'}, status=403)
        self.assertError(resp, 403, 'mcimage:image:set_owner')
        self.assertEqual([], self.calls('create_image'))
        resp = self.create({'name': 'x', 'owner': 'p1'})
        self.assertEqual('p1', resp.json['owner'])
        resp = self.create({'name': 'x', 'owner': 'p2'}, persona='admin')
        self.assertEqual('p2', resp.json['owner'])
        self.assertEqual('p2', self.fake.images[resp.json['id']]['owner'])
        for bad in ('', '..', 'a\nb', 'x' * 256, 5):
            resp = self.create({'name': 'x', 'owner': bad}, persona='admin',
                               status=400)
            self.assertError(resp, 400, "'owner'")

    def test_bad_values_400_naming_field_and_value(self):
        for body, field, value in (
                ({'disk_format': 'floppy'}, 'disk_format', 'floppy'),
                ({'visibility': 'everyone'}, 'visibility', 'everyone'),
                ({'min_ram': -1}, 'min_ram', '-1'),
                ({'min_disk': 'big'}, 'min_disk', 'big'),
                ({'protected': 'yes'}, 'protected', 'yes'),
                ({'tags': 'a,b'}, 'tags', 'a,b'),
                ({'tags': ['a', 'a']}, 'tags', "'a'"),
                ({'name': 'x' * 256}, 'name', 'xxx'),
                ({'id': 'not-a-uuid'}, 'id', 'not-a-uuid'),
                # Any other name is a custom property: a string.
                ({'os_distro': 7}, 'os_distro', '7'),
                ({'bad/name': 'x'}, 'bad/name', 'not allowed')):
            resp = self.create(body, status=400)
            error = self.assertError(resp, 400, "'%s'" % field)
            self.assertIn(value, error['detail'])
        self.assertEqual([], self.calls('create_image'))

    def test_public_by_member_403(self):
        for persona in ('member', 'other_member'):
            tenant = 'p1' if persona == 'member' else 'p2'
            resp = self.create({'name': 'x', 'visibility': 'public'},
                               persona=persona, status=403,
                               url='/v1/%s/%s/images' % (base.VIM, tenant))
            error = self.assertError(resp, 403, 'mcimage:image:publicize')
            self.assertEqual('mcimage.forbidden', error['code'])
        self.assertEqual([], self.calls('create_image'))

    def test_public_by_admin_201(self):
        resp = self.create({'name': 'x', 'visibility': 'public'},
                           persona='admin')
        self.assertEqual('public', resp.json['visibility'])

    def test_community_by_member_201(self):
        resp = self.create({'name': 'x', 'visibility': 'community'})
        self.assertEqual('community', resp.json['visibility'])

    def test_reader_403(self):
        resp = self.create({'name': 'x'}, persona='reader', status=403)
        self.assertError(resp, 403, 'mcimage:image:create')
        self.assertEqual([], self.calls('create_image'))

    def test_someone_elses_tenant_403(self):
        resp = self.create({'name': 'x'}, status=403,
                           url='/v1/%s/p2/images' % base.VIM)
        self.assertError(resp, 403)
        self.assertEqual([], self.calls('create_image'))

    def test_bad_json_400(self):
        for body in (b'{"name": ', b'not json', b'{"name": "x"} x'):
            resp = self.app.post(URL, body, headers=self.headers(),
                                 content_type='application/json',
                                 expect_errors=True)
            error = self.assertError(resp, 400, 'not valid JSON')
            self.assertEqual('mcimage.invalid', error['code'])
        self.assertEqual([], self.calls('create_image'))

    def test_not_utf8_400(self):
        # Pecan's routing decodes a JSON body first and aborts with its own
        # generic 400; still the API-SIG body.
        resp = self.app.post(URL, b'\xff\xfe{}', headers=self.headers(),
                             content_type='application/json',
                             expect_errors=True)
        self.assertError(resp, 400)
        self.assertEqual([], self.calls('create_image'))

    def test_not_an_object_400(self):
        for body in ([], 'x', 5, None):
            resp = self.create(body, status=400)
            self.assertError(resp, 400, 'JSON object')

    def test_duplicate_id_409(self):
        image = self.add()
        resp = self.create({'id': image['id']}, status=409)
        self.assertError(resp, 409, image['id'])

    def test_unknown_vim_404(self):
        resp = self.create({}, status=404,
                           url='/v1/nowhere_RegionX/p1/images')
        self.assertError(resp, 404, 'nowhere_RegionX')


class TestPatch(ImagesTestCase):

    def setUp(self):
        super().setUp()
        self.image = self.add(foo='bar', tags=['t1'])

    def patch(self, ops, content_type=PATCH_2_1, persona='member',
              status=200, image_id=None, tenant='p1'):
        body = ops if isinstance(ops, bytes) else json.dumps(ops).encode()
        resp = self.app.patch(
            self.url(image_id or self.image['id'], tenant=tenant), body,
            headers=self.headers(persona, **{'Content-Type': content_type}),
            expect_errors=status >= 400)
        self.assertEqual(status, resp.status_int, resp.text)
        if status == 200:
            response_schemas.check(response_schemas.IMAGE, resp.json)
        return resp

    def assertUnchanged(self):
        self.assertEqual([], self.calls('update_image'))
        self.assertEqual('img-p1', self.fake.images[self.image['id']]['name'])

    def test_patch_2_1(self):
        resp = self.patch([
            {'op': 'replace', 'path': '/name', 'value': 'renamed'},
            {'op': 'add', 'path': '/os_distro', 'value': 'cirros'},
            {'op': 'remove', 'path': '/foo'},
            {'op': 'replace', 'path': '/tags', 'value': ['t2', 't3']},
            {'op': 'replace', 'path': '/min_ram', 'value': 128},
            {'op': 'replace', 'path': '/protected', 'value': True}])
        body = resp.json
        self.assertEqual('renamed', body['name'])
        self.assertEqual('cirros', body['os_distro'])
        self.assertNotIn('foo', body)
        self.assertEqual(['t2', 't3'], body['tags'])
        self.assertEqual(128, body['min_ram'])
        self.assertTrue(body['protected'])
        self.assertEqual(self.url(self.image['id']), body['self'])
        self.assertNotIn('secret', resp.text)
        stored = self.fake.images[self.image['id']]
        self.assertEqual('renamed', stored['name'])
        self.assertNotIn('foo', stored)

    def test_patch_2_0_sent_as_2_1(self):
        resp = self.patch([{'replace': '/name', 'value': 'renamed'},
                           {'add': '/os_distro', 'value': 'cirros'},
                           {'remove': '/foo'}], content_type=PATCH_2_0)
        self.assertEqual('renamed', resp.json['name'])
        [call] = self.calls('update_image')
        self.assertEqual(
            [{'op': 'replace', 'path': '/name', 'value': 'renamed'},
             {'op': 'add', 'path': '/os_distro', 'value': 'cirros'},
             {'op': 'remove', 'path': '/foo'}], call[3])

    def test_patch_2_0_bad_op_400(self):
        for op in ({'move': '/name'}, {'add': '/a', 'replace': '/b'}, 'x'):
            resp = self.patch([op], content_type=PATCH_2_0, status=400)
            self.assertError(resp, 400, "'[0]'")
        self.assertUnchanged()

    def test_other_content_types_415(self):
        for ctype in ('application/json', 'application/json-patch+json',
                      'text/plain'):
            resp = self.patch([{'op': 'replace', 'path': '/name',
                                'value': 'x'}], content_type=ctype,
                              status=415)
            error = self.assertError(resp, 415, PATCH_2_1)
            self.assertIn(ctype, error['detail'])
        self.assertUnchanged()

    def test_read_only_path_400(self):
        for path in ('/status', '/checksum', '/size', '/id',
                     '/created_at', '/direct_url', '/locations', '/self',
                     '/imageType', '/containerFormat', '/os_hash_value'):
            for op in ('replace', 'add', 'remove'):
                change = {'op': op, 'path': path}
                if op != 'remove':
                    change['value'] = 'x'
                resp = self.patch([change], status=400)
                error = self.assertError(resp, 400, "'[0].path'")
                self.assertIn(repr(path), error['detail'])
                self.assertIn('read-only', error['detail'])
        self.assertUnchanged()

    def test_owner_by_admin_only(self):
        change = [{'op': 'replace', 'path': '/owner', 'value': 'p2'}]
        resp = self.patch(change, status=403)
        self.assertError(resp, 403, 'mcimage:image:set_owner')
        self.assertUnchanged()
        # Naming the owner it has is no change: a member may.
        self.patch([{'op': 'replace', 'path': '/owner', 'value': 'p1'}])
        resp = self.patch(change, persona='admin')
        self.assertEqual('p2', resp.json['owner'])
        self.assertEqual('p2', self.fake.images[self.image['id']]['owner'])
        resp = self.patch([{'op': 'remove', 'path': '/owner'}],
                          persona='admin', status=400)
        self.assertError(resp, 400, 'cannot be removed')

    def test_remove_core_field_400(self):
        for path in ('/name', '/disk_format', '/visibility', '/tags',
                     '/min_ram', '/protected'):
            resp = self.patch([{'op': 'remove', 'path': path}], status=400)
            error = self.assertError(resp, 400, repr(path))
            self.assertIn('cannot be removed', error['detail'])
        self.assertUnchanged()

    def test_bad_value_type_400(self):
        for path, value, name in (('/min_ram', 'x', 'min_ram'),
                                  ('/min_disk', -1, 'min_disk'),
                                  ('/protected', 'yes', 'protected'),
                                  ('/tags', 'a', 'tags'),
                                  ('/disk_format', 'floppy', 'disk_format'),
                                  ('/visibility', 'all', 'visibility'),
                                  ('/os_distro', 5, 'os_distro')):
            resp = self.patch([{'op': 'replace', 'path': path,
                                'value': value}], status=400)
            error = self.assertError(resp, 400, "'%s'" % name)
            self.assertIn(repr(value), error['detail'])
        self.assertUnchanged()

    def test_malformed_patch_400(self):
        for ops, fragment in (
                ([{'op': 'move', 'path': '/name', 'value': 'x'}], 'op'),
                ([{'op': 'replace', 'path': 'name', 'value': 'x'}], 'path'),
                ([{'op': 'replace', 'path': '/a/b', 'value': 'x'}], 'path'),
                ([{'op': 'replace', 'path': '/name'}], '[0].value'),
                ([{'op': 'remove', 'path': '/foo', 'value': 1}],
                 '[0].value'),
                ([{'op': 'replace', 'path': '/name', 'value': 'x',
                   'from': '/a'}], 'from'),
                ({'op': 'replace'}, 'body'),
                (b'[{"op": ', 'not valid JSON')):
            resp = self.patch(ops, status=400)
            self.assertError(resp, 400, fragment)
        self.assertUnchanged()

    def test_visibility_public_by_member_403(self):
        resp = self.patch([{'op': 'replace', 'path': '/visibility',
                            'value': 'public'}], status=403)
        self.assertError(resp, 403, 'mcimage:image:publicize')
        self.assertEqual('private',
                         self.fake.images[self.image['id']]['visibility'])
        self.assertUnchanged()

    def test_visibility_public_by_admin_200(self):
        resp = self.patch([{'op': 'replace', 'path': '/visibility',
                            'value': 'public'}], persona='admin')
        self.assertEqual('public', resp.json['visibility'])

    def test_visibility_community_by_member_200(self):
        resp = self.patch([{'op': 'replace', 'path': '/visibility',
                            'value': 'community'}])
        self.assertEqual('community', resp.json['visibility'])

    def test_reader_403(self):
        resp = self.patch([{'op': 'replace', 'path': '/name', 'value': 'x'}],
                          persona='reader', status=403)
        self.assertError(resp, 403, 'mcimage:image:update')
        self.assertUnchanged()

    def test_private_image_of_another_project_404(self):
        theirs = self.add(owner='p2')
        for persona in ('member', 'reader'):
            resp = self.patch([{'op': 'replace', 'path': '/name',
                                'value': 'x'}], persona=persona,
                              image_id=theirs['id'], status=404)
            error = self.assertError(resp, 404, theirs['id'])
            self.assertEqual('mcimage.image_not_found', error['code'])
        self.assertEqual('img-p2', self.fake.images[theirs['id']]['name'])
        self.assertUnchanged()

    def test_public_image_of_another_project_403(self):
        theirs = self.add(owner='p2', visibility='public')
        resp = self.patch([{'op': 'replace', 'path': '/name', 'value': 'x'}],
                          image_id=theirs['id'], status=403)
        self.assertError(resp, 403, 'mcimage:image:update')
        self.assertUnchanged()

    def test_admin_any_image(self):
        theirs = self.add(owner='p2')
        resp = self.patch([{'op': 'replace', 'path': '/name', 'value': 'x'}],
                          persona='admin', image_id=theirs['id'])
        self.assertEqual('x', resp.json['name'])

    def test_missing_image_404(self):
        missing = str(uuid.uuid4())
        resp = self.patch([{'op': 'replace', 'path': '/name', 'value': 'x'}],
                          image_id=missing, status=404)
        self.assertError(resp, 404, missing)

    def test_replace_missing_property_409(self):
        resp = self.patch([{'op': 'replace', 'path': '/nothing',
                            'value': 'x'}], status=409)
        self.assertError(resp, 409, 'nothing')

    def test_someone_elses_tenant_403(self):
        resp = self.patch([{'op': 'replace', 'path': '/name', 'value': 'x'}],
                          tenant='p2', status=403)
        self.assertError(resp, 403)
        self.assertUnchanged()


class TestDelete(ImagesTestCase):

    def delete(self, image_id, persona='member', status=204, tenant='p1'):
        resp = self.app.delete(self.url(image_id, tenant=tenant),
                               headers=self.headers(persona),
                               expect_errors=status >= 400)
        self.assertEqual(status, resp.status_int, resp.text)
        return resp

    def test_delete_204(self):
        image = self.add()
        resp = self.delete(image['id'])
        self.assertEqual(b'', resp.body)
        self.assertNotIn(image['id'], self.fake.images)

    def test_protected_403_and_still_there(self):
        image = self.add(protected=True)
        for persona in ('member', 'admin'):
            resp = self.delete(image['id'], persona=persona, status=403)
            self.assertError(resp, 403, 'protected')
        self.assertIn(image['id'], self.fake.images)
        self.assertEqual([], self.calls('delete_image'))

    def test_reader_403(self):
        image = self.add()
        resp = self.delete(image['id'], persona='reader', status=403)
        self.assertError(resp, 403, 'mcimage:image:delete')
        self.assertIn(image['id'], self.fake.images)

    def test_others_images(self):
        private = self.add(owner='p2')
        public = self.add(owner='p2', visibility='public')
        self.assertError(self.delete(private['id'], status=404), 404,
                         private['id'])
        self.assertError(self.delete(public['id'], status=403), 403)
        self.assertEqual([], self.calls('delete_image'))
        self.delete(private['id'], persona='admin')
        self.assertNotIn(private['id'], self.fake.images)

    def test_missing_404(self):
        missing = str(uuid.uuid4())
        self.assertError(self.delete(missing, status=404), 404, missing)


class TestHead(ImagesTestCase):

    def head(self, image_id, persona='member', status=200, tenant='p1'):
        resp = self.app.head(self.url(image_id, tenant=tenant),
                             headers=self.headers(persona),
                             expect_errors=status >= 400)
        self.assertEqual(status, resp.status_int)
        self.assertEqual(b'', resp.body)
        return resp

    def test_headers(self):
        image = self.add(data=b'12345', os_distro='cirros', min_ram=64,
                         tags=['a'], note='caf\u00e9 50%')
        headers = self.head(image['id']).headers
        expected = {
            'X-Image-Meta-Id': image['id'],
            'X-Image-Meta-Name': 'img-p1',
            'X-Image-Meta-Disk_format': 'raw',
            'X-Image-Meta-Container_format': 'bare',
            'X-Image-Meta-Size': '5',
            'X-Image-Meta-Checksum': image['checksum'],
            'X-Image-Meta-Status': 'active',
            'X-Image-Meta-Visibility': 'private',
            'X-Image-Meta-Is_public': 'False',
            'X-Image-Meta-Owner': 'p1',
            'X-Image-Meta-Min_ram': '64',
            'X-Image-Meta-Min_disk': '0',
            'X-Image-Meta-Protected': 'False',
            'X-Image-Meta-Deleted': 'False',
            'X-Image-Meta-Created_at': image['created_at'],
            'X-Image-Meta-Updated_at': image['updated_at'],
            'X-Image-Meta-Property-os_distro': 'cirros',
            # Header values are latin-1: anything else %-encoded.
            'X-Image-Meta-Property-note': 'caf%C3%A9 50%25',
        }
        for name, value in expected.items():
            self.assertEqual(value, headers.get(name), name)
        for name in headers:
            self.assertFalse(
                any(hidden in name.lower() for hidden in (
                    'direct_url', 'locations', 'stores', 'property-self',
                    'property-file', 'property-schema', 'property-tags')),
                name)
        self.assertNotIn('secret', str(headers))

    def test_public_image_is_public(self):
        image = self.add(owner='p2', visibility='public')
        headers = self.head(image['id']).headers
        self.assertEqual('True', headers['X-Image-Meta-Is_public'])

    def test_reader_200(self):
        image = self.add()
        self.head(image['id'], persona='reader')

    def test_concealed_404(self):
        theirs = self.add(owner='p2')
        not_mine = self.add(owner='p2', visibility='shared')
        self.fake.members[(not_mine['id'], 'p3')] = 'accepted'
        for image_id in (theirs['id'], not_mine['id'], str(uuid.uuid4())):
            resp = self.head(image_id, status=404)
            self.assertNotIn('X-Image-Meta-Id', resp.headers)

    def test_someone_elses_tenant_403(self):
        image = self.add(owner='p2', visibility='public')
        self.head(image['id'], tenant='p2', status=403)

    def test_property_names_are_always_tokens(self):
        # Set in Glance directly, a property may have any name: each is
        # sent as a token, its other characters %-encoded.
        names = {
            'hw:cpu_policy': 'hw%3Acpu_policy',
            'with space': 'with%20space',
            'caf\u00e9': 'caf%C3%A9',
            '50%': '50%25',
            'a%3Ab': 'a%253Ab',
            'x\r\nSet-Cookie: owned=1': 'x%0D%0ASet-Cookie%3A%20owned%3D1',
            'nl\n': 'nl%0A',
            'nul\x00': 'nul%00',
            'tab\there': 'tab%09here',
            'sep()<>@,;\\"/[]?={}': ('sep%28%29%3C%3E%40%2C%3B%5C%22%2F'
                                     '%5B%5D%3F%3D%7B%7D'),
            "tchars!#$&'*+-.^_`|~": "tchars!#$&'*+-.^_`|~",
        }
        image = self.add(**{name: 'v\r\nX-Injected: 1' for name in names})
        # webtest's lint takes only [A-Za-z0-9_-] in a header name, fewer
        # than RFC 9110's token characters: the token check is below.
        app = webtest.TestApp(self.app.app, lint=False)
        resp = app.head(self.url(image['id']), headers=self.headers())
        self.assertEqual(200, resp.status_int)
        headers = resp.headers
        for name, encoded in names.items():
            self.assertEqual('v%0D%0AX-Injected: 1',
                             headers.get('X-Image-Meta-Property-' + encoded),
                             name)
        token = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
        for name, value in headers.items():
            self.assertTrue(token.fullmatch(name), repr(name))
            self.assertIsNone(re.search('[\x00-\x1f\x7f]', value),
                              repr(value))
        self.assertNotIn('X-Injected', headers)
        self.assertNotIn('Set-Cookie', headers)

    def test_values_never_carry_control_characters(self):
        image = self.add(name='n\r\nX: 1\x00', os_distro='\n')
        headers = self.head(image['id']).headers
        self.assertEqual('n%0D%0AX: 1%00', headers['X-Image-Meta-Name'])
        self.assertEqual('%0A', headers['X-Image-Meta-Property-os_distro'])


class TestPropertyNamesMatchedWhole(ImagesTestCase):
    """'$' let a name with a trailing newline through: no longer."""

    BAD = ('name_with_newline\n', 'os_distro\n', 'hw:cpu\r\n', 'a\nb')

    def test_create(self):
        for name in self.BAD:
            resp = self.app.post_json(URL, {name: 'v'},
                                      headers=self.headers(),
                                      expect_errors=True)
            self.assertError(resp, 400, name)
        self.assertEqual([], self.calls('create_image'))

    def test_patch(self):
        image = self.add()
        for name in self.BAD:
            for op in ('add', 'replace'):
                resp = self.app.patch(
                    self.url(image['id']),
                    json.dumps([{'op': op, 'path': '/' + name,
                                 'value': 'v'}]),
                    headers=self.headers(**{'Content-Type': PATCH_2_1}),
                    expect_errors=True)
                self.assertError(resp, 400, name)
        self.assertEqual([], self.calls('update_image'))

    def test_multipart(self):
        for name in self.BAD:
            resp = self.app.post(
                URL + '/file',
                params=[('imageType', 'raw'),
                        ('properties', json.dumps({name: 'v'}))],
                upload_files=[('file', 'disk.raw', b'data')],
                headers=self.headers(), expect_errors=True)
            self.assertError(resp, 400, repr(name)[1:-1])
        self.assertEqual([], self.calls('create_image'))

    def test_task_image_properties(self):
        for name in self.BAD:
            resp = self.app.post_json(
                '/v1/tasks', {'type': 'import', 'input': {
                    'import_from': 'http://example.com/x.img',
                    'image_properties': {name: 'v'},
                    'targets': [{'vim_id': base.VIM, 'tenant_id': 'p1'}]}},
                headers=self.headers(), expect_errors=True)
            self.assertError(resp, 400, repr(name)[1:-1])

    def test_whole_names_still_taken(self):
        resp = self.app.post_json(URL, {'hw:cpu_policy': 'dedicated',
                                        'os.distro-x_1': 'y'},
                                  headers=self.headers())
        self.assertEqual(201, resp.status_int)


class TestActions(ImagesTestCase):

    def action(self, image_id, action, persona='admin', status=204):
        resp = self.app.post(self.url(image_id,
                                      suffix='/actions/' + action),
                             headers=self.headers(persona),
                             expect_errors=status >= 400)
        self.assertEqual(status, resp.status_int, resp.text)
        return resp

    def test_admin_deactivates_and_reactivates(self):
        image = self.add()
        self.action(image['id'], 'deactivate')
        self.assertEqual('deactivated', image['status'])
        # Glance: deactivating twice is no error.
        self.action(image['id'], 'deactivate')
        self.action(image['id'], 'reactivate')
        self.assertEqual('active', image['status'])

    def test_deactivated_data_for_an_admin_only(self):
        # As Glance; mcimage's own account in the VIM may be an admin.
        image = self.add()
        self.action(image['id'], 'deactivate', persona='member')
        resp = self.app.get(self.url(image['id'], suffix='/file'),
                            headers=self.headers('member'),
                            expect_errors=True)
        self.assertError(resp, 403, 'is deactivated')
        # An admin's request goes on: the VIM decides (this one refuses
        # mcimage's account).
        resp = self.app.get(self.url(image['id'], suffix='/file'),
                            headers=self.headers('admin'),
                            expect_errors=True)
        self.assertError(resp, 403, 'VIM owner_RegionOne refused')

    def test_member_of_owner_as_glance(self):
        image = self.add()
        self.action(image['id'], 'deactivate', persona='member')
        self.assertEqual('deactivated', image['status'])
        self.action(image['id'], 'reactivate', persona='member')
        self.assertEqual('active', image['status'])

    def test_reader_403(self):
        image = self.add()
        for action in ('deactivate', 'reactivate'):
            resp = self.action(image['id'], action, persona='reader',
                               status=403)
            self.assertError(resp, 403, 'mcimage:image:' + action)
        self.assertEqual('active', image['status'])
        self.assertEqual([], self.calls('image_action'))

    def test_others_private_image_404(self):
        theirs = self.add(owner='p2')
        resp = self.action(theirs['id'], 'deactivate', persona='member',
                           status=404)
        self.assertError(resp, 404, theirs['id'])

    def test_queued_image_refused_by_the_vim(self):
        image = self.add(data=None)
        resp = self.action(image['id'], 'deactivate', status=403)
        self.assertError(resp, 403, 'queued')

    def test_unknown_action_404_and_get_405(self):
        image = self.add()
        self.assertError(self.action(image['id'], 'delete', status=404), 404)
        resp = self.app.get(self.url(image['id'],
                                     suffix='/actions/deactivate'),
                            headers=self.headers('admin'), expect_errors=True)
        self.assertError(resp, 405)


class TestTags(ImagesTestCase):

    def tag(self, method, image_id, tag, persona='member', status=204):
        resp = self.app.request(self.url(image_id, suffix='/tags/' + tag),
                                method=method, headers=self.headers(persona),
                                expect_errors=status >= 400)
        self.assertEqual(status, resp.status_int, resp.text)
        return resp

    def test_add_and_delete(self):
        image = self.add(tags=['old'])
        self.assertEqual(b'', self.tag('PUT', image['id'], 'new').body)
        self.assertEqual(['old', 'new'], image['tags'])
        # Glance: adding a tag twice is no error.
        self.tag('PUT', image['id'], 'new')
        self.assertEqual(['old', 'new'], image['tags'])
        self.tag('DELETE', image['id'], 'old')
        self.assertEqual(['new'], image['tags'])

    def test_quoted_tag(self):
        image = self.add()
        self.tag('PUT', image['id'], 'with%20space')
        self.assertEqual(['with space'], image['tags'])

    def test_delete_missing_tag_404(self):
        image = self.add(tags=['old'])
        resp = self.tag('DELETE', image['id'], 'nothing', status=404)
        self.assertError(resp, 404, "'nothing'")
        self.assertEqual(['old'], image['tags'])
        self.assertEqual([], self.calls('delete_tag'))

    def test_too_long_tag_400(self):
        image = self.add()
        resp = self.tag('PUT', image['id'], 'x' * 256, status=400)
        self.assertError(resp, 400, 'xxxx')
        self.assertEqual([], image['tags'])

    def test_reader_403(self):
        image = self.add(tags=['old'])
        for method in ('PUT', 'DELETE'):
            resp = self.tag(method, image['id'], 'old', persona='reader',
                            status=403)
            self.assertError(resp, 403, 'mcimage:image:update')
        self.assertEqual(['old'], image['tags'])

    def test_others_images(self):
        private = self.add(owner='p2', tags=['t'])
        public = self.add(owner='p2', visibility='public', tags=['t'])
        for method in ('PUT', 'DELETE'):
            self.assertError(self.tag(method, private['id'], 't',
                                      status=404), 404, private['id'])
            self.assertError(self.tag(method, public['id'], 't',
                                      status=403), 403)
        self.assertEqual([], self.calls('add_tag') + self.calls('delete_tag'))

    def test_get_405_and_nested_404(self):
        image = self.add(tags=['t'])
        self.assertError(self.tag('GET', image['id'], 't', status=405), 405)
        self.assertError(self.tag('PUT', image['id'], 't/u', status=404),
                         404)


class TestSchemas(ImagesTestCase):

    def get(self, name, persona='member', status=200, tenant='p1'):
        resp = self.app.get('/v1/%s/%s/schemas/%s' % (base.VIM, tenant,
                                                      name),
                            headers=self.headers(persona),
                            expect_errors=status >= 400)
        self.assertEqual(status, resp.status_int, resp.text)
        return resp

    def test_links_into_mcimage(self):
        for name in ('image', 'images', 'member', 'members'):
            body = self.get(name, persona='reader').json
            self.assertEqual(name, body['name'])
            self.assertEqual(
                {'rel': 'describedby',
                 'href': '/v1/%s/p1/schemas/%s' % (base.VIM, name)},
                body['links'][-1])
            self.assertNotIn('/v2/', json.dumps(body))
        # Glance's templates stay templates.
        body = self.get('image').json
        self.assertEqual(['{self}', '{file}'],
                         [link['href'] for link in body['links'][:2]])

    def test_no_direct_url_nor_locations(self):
        image = self.get('image').json
        images = self.get('images').json
        for properties in (image['properties'],
                           images['properties']['images']['items'][
                               'properties']):
            self.assertNotIn('direct_url', properties)
            self.assertNotIn('locations', properties)
            self.assertIn('disk_format', properties)

    def test_unknown_schema_404(self):
        self.assertError(self.get('task', status=404), 404)
        self.assertError(self.get('image/more', status=404), 404)

    def test_someone_elses_tenant_403(self):
        self.assertError(self.get('image', tenant='p2', status=403), 403)


class TestOnapPaths(ImagesTestCase):
    """/v1/{cloud_owner}/{cloud_region_id}/{tenant_id}/...: the same VIM."""

    ONAP = '/v1/owner/RegionOne/p1'

    def test_list_and_show(self):
        image = self.add()
        resp = self.app.get(self.ONAP + '/images', headers=self.headers())
        self.assertEqual([image['id']],
                         [i['id'] for i in resp.json['images']])
        # The links are the canonical form.
        self.assertEqual(URL + '/' + image['id'],
                         resp.json['images'][0]['self'])
        resp = self.app.get(self.ONAP + '/images/' + image['id'],
                            headers=self.headers())
        self.assertEqual(image['id'], resp.json['id'])

    def test_every_route(self):
        image = self.add(visibility='shared', tags=['t'])
        root = self.ONAP + '/images/' + image['id']
        headers = self.headers()
        patch = dict(headers, **{'Content-Type': PATCH_2_1})
        calls = [
            ('HEAD', root, None, headers, 200),
            ('GET', root + '/file', None, headers, 200),
            ('GET', self.ONAP + '/images/file/' + image['id'], None,
             headers, 200),
            ('PATCH', root, json.dumps([{'op': 'replace', 'path': '/name',
                                         'value': 'onap'}]), patch, 200),
            ('PUT', root + '/tags/onap', None, headers, 204),
            ('DELETE', root + '/tags/t', None, headers, 204),
            ('POST', root + '/members', json.dumps({'member': 'p2'}),
             dict(headers, **{'Content-Type': 'application/json'}), 200),
            ('GET', root + '/members', None, headers, 200),
            ('GET', root + '/members/p2', None, headers, 200),
            ('DELETE', root + '/members/p2', None, headers, 204),
            ('GET', self.ONAP + '/schemas/image', None, headers, 200),
            ('POST', root + '/actions/deactivate', None,
             self.headers('admin'), 204),
            ('POST', root + '/actions/reactivate', None,
             self.headers('admin'), 204),
            ('POST', self.ONAP + '/images', json.dumps({'name': 'o'}),
             dict(headers, **{'Content-Type': 'application/json'}), 201),
            ('DELETE', root, None, headers, 204),
        ]
        for method, url, body, req_headers, status in calls:
            resp = self.app.request(url, method=method, body=(
                body or '').encode(), headers=req_headers,
                expect_errors=True)
            self.assertEqual(status, resp.status_int, '%s %s: %s' % (
                method, url, resp.text))
        self.assertEqual('onap', [c for c in self.fake.calls
                                  if c[0] == 'update_image'][0][3][0][
                                      'value'])
        self.assertNotIn(image['id'], self.fake.images)
        self.assertEqual([], self.glance[base.OTHER_VIM].calls)

    def test_other_region(self):
        image = self.add()
        other = self.glance[base.OTHER_VIM].add_image(
            'p1', data=b'x', visibility='private', name='two')
        headers = self.headers()
        resp = self.app.get('/v1/owner/RegionTwo/p1/images',
                            headers=headers)
        self.assertEqual([other['id']],
                         [i['id'] for i in resp.json['images']])
        resp = self.app.get('/v1/owner/RegionTwo/p1/images/' + image['id'],
                            headers=headers, expect_errors=True)
        self.assertError(resp, 404, base.OTHER_VIM)

    def test_policy_is_the_same(self):
        image = self.add()
        resp = self.app.get('/v1/owner/RegionOne/p2/images/' + image['id'],
                            headers=self.headers('other_member'),
                            expect_errors=True)
        self.assertError(resp, 404, image['id'])
        resp = self.app.get(self.ONAP + '/images/' + image['id'],
                            headers=self.headers('other_member'),
                            expect_errors=True)
        self.assertError(resp, 403)

    def test_unknown_vim_404_naming_it(self):
        for url, vim_id in (
                ('/v1/nowhere/RegionX/p1/images', 'nowhere_RegionX'),
                ('/v1/owner/RegionX/p1/images', 'owner_RegionX'),
                ('/v1/nowhere/RegionX/p1/images/%s' % uuid.uuid4(),
                 'nowhere_RegionX'),
                ('/v1/nowhere/RegionX/p1/schemas/image', 'nowhere_RegionX'),
                ('/v1/nowhere_RegionX/p1/images', 'nowhere_RegionX'),
                ('/v1/nowhere_RegionX/p1/images/%s/members' % uuid.uuid4(),
                 'nowhere_RegionX'),
                ('/v1/nowhere_RegionX/p1/schemas/image', 'nowhere_RegionX'),
                ('/v1/nowhere_RegionX/p1', 'nowhere_RegionX')):
            resp = self.app.get(url, headers=self.headers(),
                                expect_errors=True)
            error = self.assertError(resp, 404)
            self.assertEqual('mcimage.vim_not_found', error['code'], url)
            self.assertEqual(
                'VIM %s is not known to this service.' % vim_id,
                error['detail'], url)

    def test_unknown_route_under_the_tenant_404(self):
        for url in ('/v1/%s/p1/nothing' % base.VIM,
                    self.ONAP + '/nothing'):
            resp = self.app.get(url, headers=self.headers(),
                                expect_errors=True)
            self.assertError(resp, 404)


class TestNothingLeaks(ImagesTestCase):
    """direct_url, locations and the VIM's /v2 links never show."""

    def test_every_image_body(self):
        image = self.add()
        headers = self.headers()
        bodies = [
            self.app.get(self.url(image['id']), headers=headers).json,
            self.app.get(URL, headers=headers).json['images'][0],
            self.app.patch(self.url(image['id']), json.dumps(
                [{'op': 'add', 'path': '/x', 'value': 'y'}]),
                headers=dict(headers, **{'Content-Type': PATCH_2_1})).json,
            self.app.post_json(URL, {'name': 'n'}, headers=headers).json,
        ]
        for body in bodies:
            response_schemas.check(response_schemas.IMAGE, body)
            self.assertNotIn('/v2/', json.dumps(body))
            self.assertNotIn('secret', json.dumps(body))
        # And the VIM's own record still has them (nothing was changed).
        self.assertIn('direct_url', copy.deepcopy(
            self.fake.images[image['id']]))


# What a path value must never smuggle into a VIM URL, as sent on the
# wire (webtest, like cheroot, decodes them into PATH_INFO).
HOSTILE_SUFFIXES = ('%3F', '%3F/tags/t', '%2F..', '%2F..%2F..', '%23',
                    '%00', '%0D%0A', '%0D%0AX-Roles:%20admin', '%20', '%25')
HOSTILE_VALUES = ('..', '%2E%2E', '.', '%2E', '%3F', '%23', '%00',
                  '%0D%0A')
_BACKEND_METHODS = (
    'create_image', 'get_image', 'list_images', 'update_image',
    'delete_image', 'image_action', 'add_tag', 'delete_tag', 'list_members',
    'get_member', 'add_member', 'update_member', 'delete_member',
    'member_status', 'get_schema', 'upload', 'download')


class TestPathValues(ImagesTestCase):
    """Every id position of every route, with hostile values in it.

    Each answer is a 400 or a 404, and the VIM is asked nothing, or only
    about exactly what the route names (the real image, the literal tag
    or member).
    """

    def setUp(self):
        super().setUp()
        self.image = self.add(visibility='shared', tags=['t'])
        self.fake.members[(self.image['id'], 'p2')] = 'accepted'
        self.seen = self._record_every_backend_call()

    def _record_every_backend_call(self):
        seen = []
        for name in _BACKEND_METHODS:
            original = getattr(self.fake, name)

            def wrapper(*args, _name=name, _original=original, **kwargs):
                # (method, tenant, values...) without the context.
                seen.append((_name,) + args[1:])
                return _original(*args, **kwargs)
            setattr(self.fake, name, wrapper)
        return seen

    def routes(self, image_id, tag='t', member='p2', tenant='p1'):
        """(method, url, body, content type, persona) of every route."""
        root = '/v1/%s/%s/images' % (base.VIM, tenant)
        image = '%s/%s' % (root, image_id)
        json_type = 'application/json'
        return [
            ('GET', image, None, None, 'member'),
            ('HEAD', image, None, None, 'member'),
            ('PATCH', image, json.dumps([{'op': 'add', 'path': '/x',
                                          'value': 'y'}]), PATCH_2_1,
             'member'),
            ('DELETE', image, None, None, 'member'),
            ('GET', image + '/file', None, None, 'member'),
            ('PUT', image + '/file', 'data', 'application/octet-stream',
             'member'),
            ('GET', '%s/file/%s' % (root, image_id), None, None, 'member'),
            ('PUT', '%s/tags/%s' % (image, tag), None, None, 'member'),
            ('DELETE', '%s/tags/%s' % (image, tag), None, None, 'member'),
            ('POST', image + '/actions/deactivate', None, None, 'admin'),
            ('POST', image + '/actions/reactivate', None, None, 'admin'),
            ('GET', image + '/members', None, None, 'member'),
            ('POST', image + '/members', json.dumps({'member': member}),
             json_type, 'member'),
            ('GET', '%s/members/%s' % (image, member), None, None, 'member'),
            ('PUT', '%s/members/%s' % (image, member),
             json.dumps({'status': 'accepted'}), json_type, 'member'),
            ('DELETE', '%s/members/%s' % (image, member), None, None,
             'member'),
        ]

    def request(self, method, url, body, content_type, persona):
        headers = self.headers(persona)
        if content_type:
            headers['Content-Type'] = content_type
        return self.app.request(url, method=method,
                                body=(body or '').encode(), headers=headers,
                                expect_errors=True)

    def assertRefused(self, method, url, resp, allowed=(400, 404)):
        where = '%s %s: %s' % (method, url, resp.text)
        self.assertIn(resp.status_int, allowed, where)
        if method != 'HEAD':
            self.assertError(resp, resp.status_int)
            self.assertNotIn('Traceback', resp.text)

    def assertImageIntact(self):
        image = self.fake.images.get(self.image['id'])
        self.assertIsNotNone(image, 'the image was deleted')
        self.assertEqual(['t'], image['tags'])
        self.assertEqual('active', image['status'])
        self.assertEqual('accepted',
                         self.fake.members.get((self.image['id'], 'p2')))

    def test_hostile_image_ids_400_and_no_vim_call(self):
        real = self.image['id']
        values = [real + suffix for suffix in HOSTILE_SUFFIXES]
        values += list(HOSTILE_VALUES) + [real.upper()[:-1] + 'G',
                                          real.replace('-', ''),
                                          '{%s}' % real]
        for value in values:
            for method, url, body, ctype, persona in self.routes(value):
                del self.seen[:]
                resp = self.request(method, url, body, ctype, persona)
                self.assertRefused(method, url, resp)
                self.assertEqual([], self.seen, '%s %s' % (method, url))
        self.assertImageIntact()

    def test_malformed_image_id_400_names_image_id_and_value(self):
        for value, shown in (('not-an-id', 'not-an-id'),
                             (self.image['id'] + '%3F',
                              self.image['id'] + '?')):
            for method, url, body, ctype, persona in self.routes(value):
                if '/%s' % value not in url.split('/members')[0].split(
                        '/tags')[0]:
                    continue
                resp = self.request(method, url, body, ctype, persona)
                self.assertEqual(400, resp.status_int,
                                 '%s %s: %s' % (method, url, resp.text))
                if method != 'HEAD':
                    error = self.assertError(resp, 400, 'image_id')
                    self.assertIn(shown, error['detail'])
                    self.assertEqual('mcimage.invalid_parameter',
                                     error['code'])
        self.assertEqual([], self.seen)

    def test_the_exploit_delete_tag_with_query_in_the_id(self):
        # DELETE .../images/{id}%3F/tags/t would reach Glance as
        # DELETE /v2/images/{id}?/tags/t: a delete of the image.
        url = self.url(self.image['id'] + '%3F', suffix='/tags/t')
        resp = self.app.delete(url, headers=self.headers(),
                               expect_errors=True)
        self.assertError(resp, 400, 'image_id')
        self.assertEqual([], self.seen)
        self.assertImageIntact()

    def test_hostile_tags(self):
        real = self.image['id']
        for value in ('..', '%2E%2E', '.', '%00', 't%00', 't%0D%0A',
                      '%0D%0AX:%20y', 't%7F', 'x' * 256):
            for method in ('PUT', 'DELETE'):
                url = self.url(real, suffix='/tags/' + value)
                del self.seen[:]
                resp = self.app.request(url, method=method,
                                        headers=self.headers(),
                                        expect_errors=True)
                self.assertRefused(method, url, resp, allowed=(400,))
                self.assertIn('tag', resp.json['errors'][0]['detail'])
                self.assertEqual([], self.seen, url)
        for value in ('t%2F..', 't%2F..%2F..', 'a%2Fb'):
            for method in ('PUT', 'DELETE'):
                url = self.url(real, suffix='/tags/' + value)
                resp = self.app.request(url, method=method,
                                        headers=self.headers(),
                                        expect_errors=True)
                self.assertRefused(method, url, resp)
        # What Glance accepts in a tag is a tag: sent as it is, for the
        # real image only.
        for value, tag in (('t%3F', 't?'), ('t%23x', 't#x'),
                           ('t%25', 't%'), ('a%20b', 'a b')):
            del self.seen[:]
            url = self.url(real, suffix='/tags/' + value)
            self.assertEqual(204, self.app.put(
                url, headers=self.headers()).status_int)
            self.assertEqual(('add_tag', 'p1', real, tag), self.seen[-1])
            for call in self.seen:
                self.assertEqual(real, call[2], call)
            self.assertEqual(204, self.app.delete(
                url, headers=self.headers()).status_int)
            self.assertEqual(('delete_tag', 'p1', real, tag), self.seen[-1])
        self.assertImageIntact()

    def test_hostile_member_ids(self):
        real = self.image['id']
        for value in ('..', '%2E%2E', '.', '%00', 'p2%00', 'p2%0D%0A',
                      '%0D%0AX-Roles:%20admin', 'p2%1B', 'x' * 256):
            for method, url, body, ctype, persona in self.routes(
                    real, member=value)[-3:]:
                del self.seen[:]
                resp = self.request(method, url, body, ctype, persona)
                self.assertRefused(method, url, resp, allowed=(400,))
                self.assertIn('member', resp.json['errors'][0]['detail'])
                self.assertEqual([], self.seen, url)
        for value in ('p2%2F..', 'p2%2F..%2F..'):
            for method, url, body, ctype, persona in self.routes(
                    real, member=value)[-3:]:
                resp = self.request(method, url, body, ctype, persona)
                self.assertRefused(method, url, resp)
        # Glance takes any other project id: asked about that one only
        # (the owner may not answer for a member: 403 on PUT).
        for value, member in (('p2%3F', 'p2?'), ('p2%23', 'p2#')):
            for method, url, body, ctype, persona in self.routes(
                    real, member=value)[-3:]:
                del self.seen[:]
                resp = self.request(method, url, body, ctype, persona)
                self.assertRefused(method, url, resp, allowed=(403, 404))
                for call in self.seen:
                    self.assertEqual(real, call[2], call)
                    if call[0] in ('get_member', 'update_member',
                                   'delete_member'):
                        self.assertEqual(member, call[3], call)
        self.assertImageIntact()

    def test_hostile_members_in_the_body(self):
        for member in ('', '.', '..', 'p3\r\nX: y', 'p3\x00', 'x' * 256):
            resp = self.app.post_json(self.url(self.image['id'],
                                               suffix='/members'),
                                      {'member': member},
                                      headers=self.headers(),
                                      expect_errors=True)
            self.assertError(resp, 400, 'member')
        self.assertEqual([], [c for c in self.seen if c[0] == 'add_member'])

    def test_hostile_tags_in_bodies(self):
        for tag in ('.', '..', 't\n', 't\r\nX: y', '\x00'):
            resp = self.app.post_json(URL, {'name': 'n', 'tags': [tag]},
                                      headers=self.headers(),
                                      expect_errors=True)
            self.assertError(resp, 400, 'tags')
            resp = self.app.patch(
                self.url(self.image['id']),
                json.dumps([{'op': 'replace', 'path': '/tags',
                             'value': [tag]}]),
                headers=self.headers(**{'Content-Type': PATCH_2_1}),
                expect_errors=True)
            self.assertError(resp, 400, 'tags')
        self.assertEqual([], [c for c in self.seen
                              if c[0] in ('create_image', 'update_image')])
        self.assertImageIntact()

    def test_hostile_tenant_ids(self):
        real = self.image['id']
        for tenant in ('p1%00', 'p1%0D%0A', 'p1%0D%0AX-Roles:%20admin',
                       '%0A', '%2E%2E', '.'):
            for method, url, body, ctype, persona in (
                    self.routes(real, tenant=tenant)
                    + [('GET', '/v1/%s/%s/images' % (base.VIM, tenant),
                        None, None, 'admin'),
                       ('POST', '/v1/%s/%s/images' % (base.VIM, tenant),
                        '{}', 'application/json', 'admin'),
                       ('GET', '/v1/%s/%s/schemas/image' % (base.VIM,
                                                            tenant),
                        None, None, 'admin')]):
                del self.seen[:]
                # The admin may name any tenant: only the value refuses.
                resp = self.request(method, url, body, ctype, 'admin')
                self.assertRefused(method, url, resp, allowed=(400,))
                if method != 'HEAD':
                    self.assertIn('tenant_id',
                                  resp.json['errors'][0]['detail'])
                self.assertEqual([], self.seen, url)
        self.assertImageIntact()

    def test_links_encode_the_tenant(self):
        # An admin may name any tenant: the links keep it one segment.
        resp = self.app.get('/v1/%s/p%%3Fx%%23y/images' % base.VIM,
                            headers=self.headers('admin'))
        self.assertEqual('/v1/%s/p%%3Fx%%23y/images' % base.VIM,
                         resp.json['first'])
        self.assertEqual('/v1/%s/p%%3Fx%%23y/schemas/images' % base.VIM,
                         resp.json['schema'])
        self.assertEqual([('list_images', 'p?x#y')],
                         [c[:2] for c in self.seen])

    def test_hostile_vim_ids_404(self):
        for vim in (base.VIM + '%00', base.VIM + '%0D%0A', '..'):
            url = '/v1/%s/p1/images/%s' % (vim, self.image['id'])
            resp = self.app.get(url, headers=self.headers(),
                                expect_errors=True)
            self.assertRefused('GET', url, resp, allowed=(404,))
        self.assertEqual([], self.seen)
        self.assertEqual([], self.glance[base.OTHER_VIM].calls)

    def test_vim_task_source_with_a_hostile_image_id_400(self):
        real = self.image['id']
        for source, shown in (
                ('vim:%s/p1/%s?' % (base.VIM, real), real + '?'),
                ('vim:%s/p1/%s#' % (base.VIM, real), real + '#'),
                ('vim:%s/p1/..' % base.VIM, '..'),
                ('vim:%s/p1/%s\r\n' % (base.VIM, real), real),
                ('vim:%s/p1\r\n/%s' % (base.VIM, real), 'tenant_id')):
            resp = self.app.post_json(
                '/v1/tasks', {'type': 'import', 'input': {
                    'import_from': source,
                    'targets': [{'vim_id': base.OTHER_VIM,
                                 'tenant_id': 'p1'}]}},
                headers=self.headers(), expect_errors=True)
            error = self.assertError(resp, 400, 'input.import_from')
            self.assertIn(shown, error['detail'])
        self.assertEqual([], self.seen)
        self.assertEqual([], self.glance[base.OTHER_VIM].calls)


class TestSchemaPatterns(base.APITestCase):

    def test_every_pattern_matches_the_whole_value(self):
        from mcimage.api.schemas import images as images_schemas
        from mcimage.api.schemas import tasks as tasks_schemas
        from mcimage.api.schemas import uploads as uploads_schemas

        patterns = []

        def walk(node):
            if isinstance(node, dict):
                if isinstance(node.get('pattern'), str):
                    patterns.append(node['pattern'])
                for value in node.values():
                    walk(value)
            elif isinstance(node, (list, tuple)):
                for value in node:
                    walk(value)

        for module in (images_schemas, tasks_schemas, uploads_schemas):
            walk([v for k, v in vars(module).items()
                  if not k.startswith('__')])
        self.assertGreater(len(patterns), 10)
        for pattern in patterns:
            self.assertTrue(pattern.startswith('^'), pattern)
            self.assertTrue(pattern.endswith('\\Z'), pattern)


class TestAcceptIgnored(ImagesTestCase):
    """Every route answers its one media type whatever Accept asks."""

    ACCEPTS = ('application/json', 'application/octet-stream',
               'text/plain', 'application/json, */*;q=0.5', '*/*')

    def request(self, method, url, accept, persona='admin', **kwargs):
        headers = self.headers(persona, Accept=accept)
        headers.update(kwargs.pop('headers', {}))
        return self.app.request(url, method=method, headers=headers,
                                expect_errors=True, **kwargs)

    def test_routes_without_a_body(self):
        image = self.add(tags=['old'])
        for accept in self.ACCEPTS:
            for method, suffix in (('PUT', '/tags/new'),
                                   ('DELETE', '/tags/new'),
                                   ('POST', '/actions/deactivate'),
                                   ('POST', '/actions/reactivate')):
                resp = self.request(method, self.url(image['id'],
                                                     suffix=suffix), accept)
                self.assertEqual(204, resp.status_int,
                                 '%s %s, Accept: %s: %s' % (
                                     method, suffix, accept, resp.text))
            doomed = self.add()
            resp = self.request('DELETE', self.url(doomed['id']), accept)
            self.assertEqual(204, resp.status_int, resp.text)
            self.assertNotIn(doomed['id'], self.fake.images)

    def test_download_and_json_routes(self):
        image = self.add(data=b'the bytes')
        for accept in self.ACCEPTS:
            resp = self.request('GET', self.url(image['id'],
                                                suffix='/file'), accept)
            self.assertEqual(200, resp.status_int, resp.text)
            self.assertEqual(b'the bytes', resp.body)
            self.assertEqual('application/octet-stream', resp.content_type)
            for url in (self.url(image['id']), '/v1/vims'):
                resp = self.request('GET', url, accept)
                self.assertEqual(200, resp.status_int, resp.text)
                self.assertEqual('application/json', resp.content_type)
                self.assertIsInstance(resp.json, dict)

    def test_data_put(self):
        for accept in self.ACCEPTS:
            image = self.add(data=None, status='queued')
            resp = self.request(
                'PUT', self.url(image['id'], suffix='/file'), accept,
                headers={'Content-Type': 'application/octet-stream'},
                body=b'data')
            self.assertEqual(204, resp.status_int, resp.text)
