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

"""The functional slice of the RBAC matrix (tests/rbac.yaml), real Glance.

Each case seeds its image straight into Glance (created by the owner
project, a few bytes uploaded, shared and accepted by the member project
there), then sends the case's request through a real mcimage-api and
checks the status the unit suite checks against FakeGlance. The project
ids of the matrix get a suffix per test, so each case starts from projects
that own nothing.
"""

import uuid

import ddt
import requests

from tests.functional import base
from tests import rbac

MATRIX = rbac.load()
TIMEOUT = 60
ADMIN_ROLES = 'admin,member,reader'


@ddt.ddt
class TestRBAC(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        suffix = uuid.uuid4().hex[:8]
        self.projects = {key: '%s-%s' % (project_id, suffix)
                         for key, project_id in MATRIX.projects.items()}

    # -- Glance, straight -----------------------------------------------------

    def glance_call(self, method, path, project, roles=ADMIN_ROLES,
                    ok=True, **kwargs):
        headers = self.glance.headers(project, user_id='seed-%s' % project,
                                      roles=roles)
        headers.update(kwargs.pop('headers', {}))
        resp = requests.request(method, self.glance.endpoint + path,
                                headers=headers, timeout=TIMEOUT, **kwargs)
        if ok:
            self.assertLess(resp.status_code, 300, '%s %s: %s' % (
                method, path, resp.text[:500]))
        return resp

    def seed(self, case):
        """The case's image in Glance, as its owner project made it."""
        if not case.needs_image:
            return None
        owner = self.projects['owner']
        spec = case.image
        image = self.glance_call('POST', '/v2/images', owner, json={
            'name': spec['name'], 'disk_format': spec['disk_format'],
            'container_format': spec['container_format'],
            'visibility': case.image_visibility,
            'tags': list(spec['tags'])}).json()
        image_id = image['id']
        self.glance_call('PUT', '/v2/images/%s/file' % image_id, owner,
                         data=spec['data'].encode(), headers={
                             'Content-Type': 'application/octet-stream'})
        for key, status in case.image_members.items():
            member = self.projects[key]
            self.glance_call('POST', '/v2/images/%s/members' % image_id,
                             owner, json={'member': member})
            if status != 'pending':
                # The member project answers for itself.
                self.glance_call(
                    'PUT', '/v2/images/%s/members/%s' % (image_id, member),
                    member, roles='member,reader', json={'status': status})
        if case.image_status == 'deactivated':
            self.glance_call('POST', '/v2/images/%s/actions/deactivate'
                             % image_id, owner)
        return image_id

    def state(self, image_id):
        """(the image, its members) as Glance holds them, or None."""
        if image_id is None:
            return None
        owner = self.projects['owner']
        resp = self.glance_call('GET', '/v2/images/%s' % image_id, owner,
                                ok=False)
        if resp.status_code == 404:
            return None
        self.assertEqual(200, resp.status_code, resp.text)
        image = resp.json()
        members = []
        if image['visibility'] == 'shared':
            members = self.glance_call(
                'GET', '/v2/images/%s/members' % image_id,
                owner).json()['members']
        return image, {m['member_id']: m['status'] for m in members}

    # -- the matrix ----------------------------------------------------------

    @ddt.data(*[case for case in MATRIX.cases if case.functional])
    def test_case(self, case):
        image_id = self.seed(case)
        before = self.state(image_id)
        req = case.request(self.VIM, image_id, self.projects)
        resp = requests.request(req.method, self.mcimage.url(req.path),
                                headers=req.headers, data=req.body,
                                timeout=TIMEOUT)
        self.assertEqual(case.status, resp.status_code, '%s %s: %s' % (
            req.method, req.path, resp.text[:500]))
        after = self.state(image_id)
        if case.status >= 400:
            self.assertEqual(before, after,
                             'a refused request changed the image')
            if req.method == 'HEAD':
                self.assertEqual(b'', resp.content)
                return
            error = self.assertError(resp, case.status)
            rbac.check_404(self, case, error, image_id)
            return
        self.check_effect(case, image_id, resp, after)

    def check_effect(self, case, image_id, resp, after):
        """What an allowed request did, as Glance itself tells it."""
        other = self.projects['other']
        route = case.route
        image, members = after if after else (None, None)
        if route == 'list':
            listed = [i['id'] for i in resp.json()['images']]
            self.assertEqual(case.listed, image_id in listed, listed)
        elif route == 'create':
            body = resp.json()
            self.assertEqual(self.projects[case.tenant], body['owner'])
            self.assertTrue(resp.headers['Location'].endswith(body['self']))
            created, _members = self.state(body['id'])
            self.assertEqual('rbac-created', created['name'])
            self.assertEqual(case.image_visibility, created['visibility'])
        elif route == 'show':
            self.assertEqual(image_id, resp.json()['id'])
        elif route == 'head':
            self.assertEqual(image_id, resp.headers['X-Image-Meta-Id'])
            self.assertEqual(b'', resp.content)
        elif route == 'download':
            self.assertEqual(case.image['data'].encode(), resp.content)
        elif route == 'update':
            self.assertEqual('rbac-renamed', image['name'])
        elif route == 'delete':
            self.assertIsNone(after)
        elif route == 'deactivate':
            self.assertEqual('deactivated', image['status'])
        elif route == 'reactivate':
            self.assertEqual('active', image['status'])
        elif route == 'tag_add':
            self.assertIn('rbac-new', image['tags'])
        elif route == 'tag_remove':
            self.assertNotIn('rbac-seeded', image['tags'])
        elif route == 'member_list':
            self.assertEqual([other], [m['member_id']
                                       for m in resp.json()['members']])
        elif route == 'member_add':
            self.assertEqual('pending', members[self.projects['third']])
        elif route == 'member_show':
            self.assertEqual(other, resp.json()['member_id'])
        elif route == 'member_update':
            self.assertEqual('accepted', members[other])
        elif route == 'member_delete':
            self.assertNotIn(other, members)
        else:
            self.fail('no effect check for route %s' % route)
