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

"""The RBAC matrix (tests/rbac.yaml) through the whole Paste pipeline.

One test per case: seed the case's image in FakeGlance, send the request
as the case's persona, check the status; a refusal must leave FakeGlance
as it was, and an answer that allows must have done what it says.
"""

import copy

import ddt

from tests import base as tests_base
from tests import rbac
from tests.unit.api import base

MATRIX = rbac.load()
PROJECTS = MATRIX.projects


class TestMatrixFile(tests_base.TestCase):
    """The matrix itself: complete, and a fair functional slice."""

    def test_grid_is_complete(self):
        self.assertEqual(16, len(MATRIX.routes))
        self.assertEqual(5, len(MATRIX.personas))
        self.assertEqual(5, len(MATRIX.visibilities))
        self.assertEqual(400, MATRIX.grid_size)
        grid = [c for c in MATRIX.cases if '__as_' not in c.__name__]
        self.assertEqual(MATRIX.grid_size, len(grid))

    def test_functional_slice_covers_every_route_and_visibility(self):
        functional = [c for c in MATRIX.cases if c.functional]
        self.assertTrue(40 <= len(functional) <= 60, len(functional))
        self.assertEqual(set(MATRIX.routes), {c.route for c in functional})
        self.assertEqual(set(MATRIX.visibilities),
                         {c.visibility for c in functional})
        self.assertEqual(set(MATRIX.personas),
                         {c.persona for c in functional})
        self.assertIn(403, {c.status for c in functional
                            if '__as_' in c.__name__})

    def test_list_cases_say_whether_listed(self):
        for case in MATRIX.cases:
            if case.route == 'list' and case.status == 200:
                self.assertIsNotNone(case.listed, case)

    def test_bad_matrix_refused(self):
        document = {'projects': {'owner': 'p1'},
                    'personas': {'a': {'project': 'owner', 'tenant': 'owner',
                                       'roles': 'reader'}},
                    'visibilities': {'private': {'visibility': 'private'}},
                    'image': {},
                    'routes': {'show': {'method': 'GET', 'path': '/x'}},
                    'cases': {'show': {'a': {}}}}
        self.assertRaisesRegex(ValueError, 'visibilities', rbac.Matrix,
                               document)
        document['cases'] = {'show': {'a': {'private': 'ok'}}}
        self.assertRaisesRegex(ValueError, 'bad expectation', rbac.Matrix,
                               document)


@ddt.ddt
class TestRBAC(base.APITestCase):

    def seed(self, case):
        """The case's image in FakeGlance; its id (None if not needed)."""
        if not case.needs_image:
            return None
        spec = case.image
        image = self.fake.add_image(
            PROJECTS['owner'], data=spec['data'].encode(), name=spec['name'],
            disk_format=spec['disk_format'],
            container_format=spec['container_format'],
            tags=list(spec['tags']), visibility=case.image_visibility)
        for key, status in case.image_members.items():
            self.fake.members[(image['id'], PROJECTS[key])] = status
        image['status'] = case.image_status
        return image['id']

    def snapshot(self):
        return (copy.deepcopy(self.fake.images), dict(self.fake.members),
                dict(self.fake.data))

    @ddt.data(*MATRIX.cases)
    def test_case(self, case):
        image_id = self.seed(case)
        before = self.snapshot()
        req = case.request(base.VIM, image_id, PROJECTS)
        resp = self.app.request(req.path, method=req.method,
                                headers=req.headers, body=req.body or b'',
                                expect_errors=True)
        self.assertEqual(case.status, resp.status_int, '%s %s: %s' % (
            req.method, req.path, resp.text[:500]))
        if case.status >= 400:
            self.assertEqual(before, self.snapshot(),
                             'a refused request changed the VIM')
            if req.method == 'HEAD':
                self.assertEqual(b'', resp.body)
                return
            error = self.assertError(resp, case.status)
            rbac.check_404(self, case, error, image_id)
            return
        self.check_effect(case, image_id, resp)

    def check_effect(self, case, image_id, resp):
        images = self.fake.images
        members = self.fake.members
        other = PROJECTS['other']
        route = case.route
        if route == 'list':
            listed = [i['id'] for i in resp.json['images']]
            self.assertEqual(case.listed, image_id in listed, listed)
        elif route == 'create':
            self.assertEqual(PROJECTS[case.tenant], resp.json['owner'])
            self.assertTrue(resp.headers['Location'].endswith(
                resp.json['self']))
        elif route in ('show', 'head'):
            self.assertEqual(image_id, resp.headers.get(
                'X-Image-Meta-Id') if route == 'head' else resp.json['id'])
        elif route == 'download':
            self.assertEqual(case.image['data'].encode(), resp.body)
        elif route == 'update':
            self.assertEqual('rbac-renamed', images[image_id]['name'])
        elif route == 'delete':
            self.assertNotIn(image_id, images)
        elif route == 'deactivate':
            self.assertEqual('deactivated', images[image_id]['status'])
        elif route == 'reactivate':
            self.assertEqual('active', images[image_id]['status'])
        elif route == 'tag_add':
            self.assertIn('rbac-new', images[image_id]['tags'])
        elif route == 'tag_remove':
            self.assertNotIn('rbac-seeded', images[image_id]['tags'])
        elif route == 'member_list':
            self.assertEqual([other], [m['member_id']
                                       for m in resp.json['members']])
        elif route == 'member_add':
            self.assertEqual('pending',
                             members[(image_id, PROJECTS['third'])])
        elif route == 'member_show':
            self.assertEqual(other, resp.json['member_id'])
        elif route == 'member_update':
            self.assertEqual('accepted', members[(image_id, other)])
        elif route == 'member_delete':
            self.assertIsNone(members.get((image_id, other)))
        else:
            self.fail('no effect check for route %s' % route)
