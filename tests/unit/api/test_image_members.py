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

""".../images/{id}/members[/{member_id}]: Glance's sharing workflow."""

import json

from tests.unit.api import base
from tests.unit.api import response_schemas

TENANTS = {'member': 'p1', 'reader': 'p1', 'other_member': 'p2',
           'other_reader': 'p2', 'admin': 'p1', 'third_member': 'p3'}


class MembersTestCase(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.image = self.fake.add_image('p1', data=b'x', name='shared-img',
                                         visibility='shared')

    def headers(self, persona='member', **extra):
        if persona == 'third_member':
            headers = {'X-Project-Id': 'p3', 'X-User-Id': 'p3-member',
                       'X-Roles': 'member,reader'}
            headers.update(extra)
            return headers
        return super().headers(persona, **extra)

    def url(self, persona, member_id=None, image_id=None):
        url = '/v1/%s/%s/images/%s/members' % (
            base.VIM, TENANTS[persona], image_id or self.image['id'])
        return url + ('/' + member_id if member_id else '')

    def call(self, method, persona='member', member_id=None, body=None,
             status=200, image_id=None):
        resp = self.app.request(
            self.url(persona, member_id, image_id), method=method,
            body=json.dumps(body).encode() if body is not None else b'',
            headers=self.headers(persona,
                                 **{'Content-Type': 'application/json'}),
            expect_errors=status >= 400)
        self.assertEqual(status, resp.status_int, resp.text)
        if status == 200:
            schema = (response_schemas.MEMBER_LIST if member_id is None
                      and method == 'GET' else response_schemas.MEMBER)
            response_schemas.check(schema, resp.json)
        return resp

    def add(self, member_id='p2', persona='member', status=200):
        return self.call('POST', persona, body={'member': member_id},
                         status=status)

    def status_of(self, member_id):
        return self.fake.members.get((self.image['id'], member_id))


class TestWorkflow(MembersTestCase):

    def test_share_accept_use_unshare(self):
        resp = self.add('p2')
        body = resp.json
        self.assertEqual('p2', body['member_id'])
        self.assertEqual(self.image['id'], body['image_id'])
        self.assertEqual('pending', body['status'])
        self.assertEqual('/v1/%s/p1/schemas/member' % base.VIM,
                         body['schema'])
        image_url = '/v1/%s/p2/images/%s' % (base.VIM, self.image['id'])
        # Pending: readable already, as in Glance; not yet listed.
        self.assertEqual(200, self.app.get(
            image_url, headers=self.headers('other_member')).status_int)
        listed = self.app.get('/v1/%s/p2/images' % base.VIM,
                              headers=self.headers('other_member'))
        self.assertNotIn(self.image['id'], listed.text)
        resp = self.call('PUT', 'other_member', 'p2',
                         body={'status': 'accepted'})
        self.assertEqual('accepted', resp.json['status'])
        self.assertEqual('/v1/%s/p2/schemas/member' % base.VIM,
                         resp.json['schema'])
        self.assertEqual('accepted', self.status_of('p2'))
        self.assertEqual(200, self.app.get(
            image_url, headers=self.headers('other_member')).status_int)
        listed = self.app.get('/v1/%s/p2/images' % base.VIM,
                              headers=self.headers('other_member'))
        self.assertIn(self.image['id'], listed.text)
        self.assertEqual(b'x', self.app.get(
            image_url + '/file', headers=self.headers('other_member')).body)
        resp = self.call('DELETE', 'member', 'p2', status=204)
        self.assertEqual(b'', resp.body)
        self.assertIsNone(self.status_of('p2'))
        self.assertEqual(404, self.app.get(
            image_url, headers=self.headers('other_member'),
            expect_errors=True).status_int)

    def test_member_rejects(self):
        self.fake.members[(self.image['id'], 'p2')] = 'accepted'
        resp = self.call('PUT', 'other_member', 'p2',
                         body={'status': 'rejected'})
        self.assertEqual('rejected', resp.json['status'])
        # Still readable by id, as in Glance; no longer listed.
        self.assertEqual(200, self.app.get(
            '/v1/%s/p2/images/%s' % (base.VIM, self.image['id']),
            headers=self.headers('other_member')).status_int)
        listed = self.app.get('/v1/%s/p2/images' % base.VIM,
                              headers=self.headers('other_member'))
        self.assertNotIn(self.image['id'], listed.text)

    def test_admin_shares(self):
        self.add('p2', persona='admin')
        self.assertEqual('pending', self.status_of('p2'))


class TestAdd(MembersTestCase):

    def test_only_shared_images_403(self):
        for visibility in ('private', 'public', 'community'):
            image = self.fake.add_image('p1', visibility=visibility)
            for persona in ('member', 'admin'):
                resp = self.app.post_json(
                    self.url(persona, image_id=image['id']),
                    {'member': 'p2'}, headers=self.headers(persona),
                    expect_errors=True)
                self.assertError(resp, 403, 'shared')
        self.assertEqual([], [c for c in self.fake.calls
                              if c[0] == 'add_member'])

    def test_twice_409(self):
        self.add('p2')
        self.assertError(self.add('p2', status=409), 409, 'p2')

    def test_reader_403(self):
        resp = self.add('p2', persona='reader', status=403)
        self.assertError(resp, 403, 'mcimage:member:create')
        self.assertIsNone(self.status_of('p2'))

    def test_member_project_cannot_share_further_403(self):
        self.fake.members[(self.image['id'], 'p2')] = 'accepted'
        resp = self.add('p3', persona='other_member', status=403)
        self.assertError(resp, 403, 'mcimage:member:create')
        self.assertIsNone(self.status_of('p3'))

    def test_stranger_404(self):
        resp = self.add('p3', persona='other_member', status=404)
        self.assertError(resp, 404, self.image['id'])

    def test_bad_body_400(self):
        for body, fragment in (({}, "'member' is required"),
                               ({'member': ''}, "'member'"),
                               ({'member': 5}, "'member'"),
                               ({'member': 'p2', 'status': 'accepted'},
                                "unknown field 'status'"),
                               (['p2'], "'body'")):
            resp = self.call('POST', body=body, status=400)
            self.assertError(resp, 400, fragment)
        self.assertEqual({}, self.fake.members)


class TestUpdate(MembersTestCase):

    def setUp(self):
        super().setUp()
        self.fake.members[(self.image['id'], 'p2')] = 'pending'

    def test_owner_cannot_accept_for_the_member_403(self):
        for persona in ('member', 'reader'):
            resp = self.call('PUT', persona, 'p2',
                             body={'status': 'accepted'}, status=403)
            self.assertError(resp, 403, 'mcimage:member:update')
        self.assertEqual('pending', self.status_of('p2'))

    def test_member_reader_cannot_accept_403(self):
        resp = self.call('PUT', 'other_reader', 'p2',
                         body={'status': 'accepted'}, status=403)
        self.assertError(resp, 403, 'mcimage:member:update')
        self.assertEqual('pending', self.status_of('p2'))

    def test_not_for_another_member_403(self):
        self.fake.members[(self.image['id'], 'p3')] = 'pending'
        resp = self.call('PUT', 'other_member', 'p3',
                         body={'status': 'accepted'}, status=403)
        self.assertError(resp, 403)
        self.assertEqual('pending', self.status_of('p3'))

    def test_bad_status_400(self):
        for body, fragment in (({'status': 'yes'}, "'status'"),
                               ({}, "'status' is required"),
                               ({'status': 'accepted', 'x': 1},
                                "unknown field 'x'")):
            resp = self.call('PUT', 'other_member', 'p2', body=body,
                             status=400)
            self.assertError(resp, 400, fragment)
        self.assertEqual('pending', self.status_of('p2'))

    def test_admin_may(self):
        self.call('PUT', 'admin', 'p2', body={'status': 'accepted'})
        self.assertEqual('accepted', self.status_of('p2'))


class TestListShowDelete(MembersTestCase):

    def setUp(self):
        super().setUp()
        self.fake.members[(self.image['id'], 'p2')] = 'accepted'
        self.fake.members[(self.image['id'], 'p3')] = 'pending'

    def members(self, persona):
        return {m['member_id']: m['status'] for m in self.call(
            'GET', persona).json['members']}

    def test_owner_sees_every_member(self):
        for persona in ('member', 'reader', 'admin'):
            self.assertEqual({'p2': 'accepted', 'p3': 'pending'},
                             self.members(persona))

    def test_member_sees_only_its_own_membership(self):
        for persona in ('other_member', 'other_reader'):
            self.assertEqual({'p2': 'accepted'}, self.members(persona))
        self.assertEqual({'p3': 'pending'}, self.members('third_member'))

    def test_list_schema_link(self):
        resp = self.call('GET', 'other_member')
        self.assertEqual('/v1/%s/p2/schemas/members' % base.VIM,
                         resp.json['schema'])

    def test_show(self):
        resp = self.call('GET', 'member', 'p3')
        self.assertEqual('pending', resp.json['status'])
        resp = self.call('GET', 'other_reader', 'p2')
        self.assertEqual('accepted', resp.json['status'])
        # Another member's membership is none of p2's business.
        resp = self.call('GET', 'other_member', 'p3', status=404)
        self.assertError(resp, 404)
        resp = self.call('GET', 'member', 'p4', status=404)
        self.assertError(resp, 404)

    def test_stranger_404(self):
        self.fake.members[(self.image['id'], 'p2')] = None
        for method, member_id in (('GET', None), ('GET', 'p3'),
                                  ('DELETE', 'p3')):
            resp = self.call(method, 'other_member', member_id, status=404)
            self.assertError(resp, 404, self.image['id'])

    def test_owner_deletes_204(self):
        self.call('DELETE', 'member', 'p3', status=204)
        self.assertIsNone(self.status_of('p3'))
        self.assertEqual('accepted', self.status_of('p2'))

    def test_member_cannot_delete_403(self):
        for persona in ('other_member', 'reader'):
            resp = self.call('DELETE', persona, 'p2', status=403)
            self.assertError(resp, 403, 'mcimage:member:delete')
        self.assertEqual('accepted', self.status_of('p2'))

    def test_delete_missing_member_404(self):
        self.assertError(self.call('DELETE', 'member', 'p9', status=404),
                         404)

    def test_non_shared_images(self):
        public = self.fake.add_image('p1', visibility='public')
        theirs = self.fake.add_image('p2', visibility='public')
        # The owner: Glance's answer, only shared images have members.
        resp = self.call('GET', 'member', image_id=public['id'], status=403)
        self.assertError(resp, 403, 'shared')
        # Another project: its members are no business of p1's (a read,
        # concealed), and it may not change them (a write on an image it
        # can see: 403).
        resp = self.app.get(self.url('member', image_id=theirs['id']),
                            headers=self.headers(), expect_errors=True)
        self.assertError(resp, 404, theirs['id'])
        resp = self.app.post_json(self.url('member', image_id=theirs['id']),
                                  {'member': 'p1'}, headers=self.headers(),
                                  expect_errors=True)
        self.assertError(resp, 403, 'mcimage:member:get_all')

    def test_someone_elses_tenant_403(self):
        url = '/v1/%s/p1/images/%s/members' % (base.VIM, self.image['id'])
        resp = self.app.get(url, headers=self.headers('other_member'),
                            expect_errors=True)
        self.assertError(resp, 403)

    def test_extra_path_404(self):
        resp = self.app.get(self.url('member', 'p2') + '/more',
                            headers=self.headers(), expect_errors=True)
        self.assertError(resp, 404)
