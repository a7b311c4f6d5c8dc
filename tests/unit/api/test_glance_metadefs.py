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

"""/glance/{vim_id}/v2/metadefs: the VIM's metadata definitions, relayed."""

import json

from mcimage.common import policy
from tests.unit.api import test_glance_endpoint
from tests.unit.api import test_tenant_map

ROOT = test_glance_endpoint.ROOT
METADEFS = ROOT + '/v2/metadefs'
NAMESPACES = METADEFS + '/namespaces'
JSON = {'Accept': 'application/json'}


class MetadefsTestCase(test_glance_endpoint.GlanceEndpointTestCase):

    def create(self, name='OS::Test::NS', **fields):
        fields['namespace'] = name
        return self.app.post_json(NAMESPACES, fields,
                                  headers=self.headers('admin'), status=201)

    def policy_rules(self, rules):
        path = self.state_path + '/policy.yaml'
        with open(path, 'w') as f:
            json.dump(rules, f)
        self.config(policy_file=path, group='oslo_policy')
        policy.reset()

    def relayed(self):
        return [call for call in self.fake.calls if call[0] == 'metadefs']


class TestNamespaces(MetadefsTestCase):

    def test_create_show_update_delete(self):
        resp = self.create(display_name='Test', visibility='public')
        self.assertEqual('OS::Test::NS', resp.json['namespace'])
        self.assertEqual('http://localhost%s/OS::Test::NS' % NAMESPACES,
                         resp.headers['Location'])
        self.assertEqual('application/json', resp.content_type)
        shown = self.app.get(NAMESPACES + '/OS::Test::NS',
                             headers=self.headers('reader')).json
        self.assertEqual('Test', shown['display_name'])
        # Glance's links are paths below its endpoint, as this one's.
        self.assertEqual('/v2/metadefs/namespaces/OS::Test::NS',
                         shown['self'])
        updated = self.app.put_json(
            NAMESPACES + '/OS::Test::NS',
            {'namespace': 'OS::Test::NS', 'display_name': 'Renamed'},
            headers=self.headers('admin')).json
        self.assertEqual('Renamed', updated['display_name'])
        resp = self.app.delete(NAMESPACES + '/OS::Test::NS',
                               headers=self.headers('admin'), status=204)
        self.assertEqual(b'', resp.body)
        self.assertEqual({}, self.fake.namespaces)
        # In the caller's own tenant, with the path as it came.
        self.assertEqual(
            [('metadefs', 'admin-project', 'POST', ('namespaces',)),
             ('metadefs', 'p1', 'GET', ('namespaces', 'OS::Test::NS')),
             ('metadefs', 'admin-project', 'PUT',
              ('namespaces', 'OS::Test::NS')),
             ('metadefs', 'admin-project', 'DELETE',
              ('namespaces', 'OS::Test::NS'))], self.relayed())

    def test_list_with_its_query(self):
        self.create('b')
        self.create('a')
        resp = self.app.get(NAMESPACES + '?limit=5&visibility=public',
                            headers=self.headers('reader'))
        self.assertEqual(['a', 'b'], [ns['namespace']
                                      for ns in resp.json['namespaces']])
        self.assertEqual('/v2/schemas/metadefs/namespaces',
                         resp.json['schema'])

    def test_trailing_slash(self):
        self.create('a')
        resp = self.app.get(NAMESPACES + '/', headers=self.headers())
        self.assertEqual(1, len(resp.json['namespaces']))

    def test_unknown_namespace_is_a_glance_404(self):
        resp = self.app.get(NAMESPACES + '/nowhere',
                            headers=self.headers(**JSON), expect_errors=True)
        self.assertGlanceError(resp, 404, 'nowhere')

    def test_conflict_is_a_glance_409(self):
        self.create('a')
        resp = self.app.post_json(NAMESPACES, {'namespace': 'a'},
                                  headers=self.headers('admin', **JSON),
                                  expect_errors=True)
        self.assertGlanceError(resp, 409, 'already exists')

    def test_bad_json_is_a_400_before_the_vim(self):
        resp = self.app.post(NAMESPACES, '{"namespace":',
                             headers=self.headers(
                                 'admin', **{'Content-Type':
                                             'application/json'},
                                 Accept='application/json'),
                             expect_errors=True)
        self.assertGlanceError(resp, 400, 'not valid JSON')
        self.assertEqual([], self.relayed())

    def test_control_character_in_the_query_is_a_400_before_the_vim(self):
        for query, named in (('limit=%00', "'limit'"),
                             ('li%0amit=1', "'query'")):
            resp = self.app.get(NAMESPACES + '?' + query,
                                headers=self.headers(
                                    Accept='application/json'),
                                expect_errors=True)
            self.assertGlanceError(resp, 400, 'control character')
            self.assertIn(named, resp.json['message'])
        self.assertEqual([], self.relayed())

    def test_not_json_is_a_415(self):
        resp = self.app.post(NAMESPACES, 'namespace=a',
                             headers=self.headers(
                                 'admin', Accept='application/json',
                                 **{'Content-Type': 'text/plain'}),
                             expect_errors=True)
        # The type refused and the one taken, not WebOb's template.
        self.assertGlanceError(resp, 415, "'text/plain'")
        self.assertIn('application/json', resp.json['message'])
        self.assertNotIn('${', resp.json['message'])
        self.assertEqual([], self.relayed())

    def test_other_methods_are_405(self):
        self.create('a')
        for method in ('PATCH', 'HEAD'):
            resp = self.app.request(NAMESPACES + '/a', method=method,
                                    headers=self.headers('admin', **JSON),
                                    expect_errors=True)
            self.assertEqual(405, resp.status_int, method)
            self.assertEqual('GET, POST, PUT, DELETE', resp.headers['Allow'])
        # One Glance has not on this path, refused by the VIM.
        resp = self.app.put_json(NAMESPACES, {},
                                 headers=self.headers('admin', **JSON),
                                 expect_errors=True)
        self.assertGlanceError(resp, 405)

    def test_no_path_below_metadefs_is_404(self):
        resp = self.app.get(METADEFS, headers=self.headers(**JSON),
                            expect_errors=True)
        self.assertGlanceError(resp, 404)
        resp = self.app.get(METADEFS + '/nothing',
                            headers=self.headers(**JSON), expect_errors=True)
        self.assertGlanceError(resp, 404)


class TestNested(MetadefsTestCase):

    def test_objects_properties_tags_resource_types(self):
        self.create('ns')
        admin = self.headers('admin')
        base_url = NAMESPACES + '/ns'
        self.app.post_json(base_url + '/objects', {'name': 'o1'},
                           headers=admin, status=201)
        self.app.post_json(base_url + '/properties',
                           {'name': 'p1', 'type': 'string', 'title': 'P'},
                           headers=admin, status=201)
        self.app.post(base_url + '/tags/t1', headers=admin, status=201)
        resp = self.app.post_json(base_url + '/tags',
                                  {'tags': [{'name': 't2'}]},
                                  headers=dict(admin, **{
                                      'X-Openstack-Append': 'True'}),
                                  status=201)
        self.assertEqual(['t1', 't2'], [t['name'] for t in resp.json['tags']])
        self.app.post_json(base_url + '/resource_types',
                           {'name': 'OS::Glance::Image'}, headers=admin,
                           status=201)
        reader = self.headers('reader')
        self.assertEqual(['o1'], [o['name'] for o in self.app.get(
            base_url + '/objects', headers=reader).json['objects']])
        self.assertEqual({'p1'}, set(self.app.get(
            base_url + '/properties', headers=reader).json['properties']))
        self.assertEqual('t1', self.app.get(
            base_url + '/tags/t1', headers=reader).json['name'])
        self.assertEqual(['OS::Glance::Image'], [
            r['name'] for r in self.app.get(
                base_url + '/resource_types',
                headers=reader).json['resource_type_associations']])
        self.assertIn('OS::Nova::Flavor', [
            r['name'] for r in self.app.get(
                METADEFS + '/resource_types',
                headers=reader).json['resource_types']])
        self.app.put_json(base_url + '/objects/o1',
                          {'name': 'o1', 'description': 'd'},
                          headers=admin)
        self.app.delete(base_url + '/objects/o1', headers=admin,
                        status=204)
        self.app.delete(base_url + '/resource_types/OS::Glance::Image',
                        headers=admin, status=204)
        self.app.delete(base_url + '/tags', headers=admin, status=204)
        self.assertEqual({}, self.fake.namespaces['ns']['tags'])
        self.assertEqual(
            ('metadefs', 'admin-project', 'POST', ('namespaces', 'ns',
                                                   'tags')),
            self.relayed()[4])


class TestPolicy(MetadefsTestCase):

    def test_a_member_may_not_write(self):
        self.create('ns', visibility='public')
        for method, path, body in (
                ('POST', NAMESPACES, {'namespace': 'new'}),
                ('PUT', NAMESPACES + '/ns', {'namespace': 'ns'}),
                ('DELETE', NAMESPACES + '/ns', None),
                ('POST', NAMESPACES + '/ns/objects', {'name': 'o'}),
                ('POST', NAMESPACES + '/ns/tags/t', None)):
            self.fake.calls = []
            resp = self.app.request(
                path, method=method, headers=self.headers(**JSON),
                body=b'' if body is None else json.dumps(body).encode(),
                content_type=None if body is None else 'application/json',
                expect_errors=True)
            self.assertGlanceError(resp, 403, 'mcimage:metadef:modify')
            # Only the namespace was read (the 404 of a hidden one).
            self.assertNotIn(method, [c[2] for c in self.relayed()
                                      if c[2] != 'GET'])
        self.assertEqual(['ns'], list(self.fake.namespaces))

    def test_a_write_on_a_namespace_not_shown_is_404(self):
        resp = self.app.delete(NAMESPACES + '/hidden',
                               headers=self.headers(**JSON),
                               expect_errors=True)
        self.assertGlanceError(resp, 404, 'hidden')

    def test_read_needs_a_role_in_the_project(self):
        self.create('ns')
        headers = {'X-Project-Id': 'p1', 'X-User-Id': 'u',
                   'X-Roles': 'nothing', 'Accept': 'application/json'}
        resp = self.app.get(NAMESPACES, headers=headers, expect_errors=True)
        self.assertGlanceError(resp, 403, 'mcimage:metadef:get')
        self.assertEqual([('metadefs', 'admin-project', 'POST',
                           ('namespaces',))], self.relayed())

    def test_policy_file_lets_members_write(self):
        self.policy_rules({'mcimage:metadef:modify':
                           'rule:project_member_api'})
        self.app.post_json(NAMESPACES, {'namespace': 'mine'},
                           headers=self.headers(), status=201)


class TestSchemas(MetadefsTestCase):

    def test_every_metadef_schema_is_the_vims(self):
        for name in ('namespace', 'namespaces', 'object', 'objects',
                     'property', 'properties', 'tag', 'tags',
                     'resource_type', 'resource_types'):
            schema = self.app.get(ROOT + '/v2/schemas/metadefs/' + name,
                                  headers=self.headers('reader')).json
            self.assertEqual(name, schema['name'])
            self.assertIn(('get_document', 'p1', 'schemas/metadefs/' + name),
                          self.fake.calls)

    def test_unknown_schema_is_404(self):
        for path in ('/v2/schemas/metadefs/nothing', '/v2/schemas/metadefs',
                     '/v2/schemas/metadefs/namespace/x'):
            resp = self.app.get(ROOT + path, headers=self.headers(**JSON),
                                expect_errors=True)
            self.assertGlanceError(resp, 404)

    def test_image_schemas_still_served(self):
        self.assertEqual('image', self.app.get(
            ROOT + '/v2/schemas/image', headers=self.headers()).json['name'])


class TestServiceMode(test_tenant_map.TenantMapTestCase):
    """auth_mode = service: in the counterpart of the caller's project."""

    def test_relayed_in_the_counterpart(self):
        self.app.get(NAMESPACES, headers=self.headers('reader'))
        self.app.post_json(NAMESPACES, {'namespace': 'ns'},
                           headers=self.headers('admin', **{
                               'X-Project-Id': 'p3'}), status=201)
        self.assertEqual(
            [('metadefs', test_tenant_map.K2_P1, 'GET', ('namespaces',)),
             ('metadefs', test_tenant_map.K2_P3, 'POST', ('namespaces',))],
            [c for c in self.fake.calls if c[0] == 'metadefs'])

    def test_no_counterpart_is_403(self):
        resp = self.app.get(NAMESPACES, headers=self.headers(
            'other_member', Accept='application/json'), expect_errors=True)
        self.assertEqual(403, resp.status_int)
        self.assertIn('project_map', resp.json['message'])

    def test_other_projects_private_namespaces_hidden(self):
        # mcimage's user of the VIM sees every namespace (the fake VIM
        # shows them all); a caller who is no admin sees Glance's share.
        admin_p3 = self.headers('admin', **{'X-Project-Id': 'p3'})
        for name, visibility in (('theirs', 'private'),
                                 ('public', 'public')):
            self.app.post_json(NAMESPACES, {'namespace': name,
                                            'visibility': visibility},
                               headers=admin_p3, status=201)
        self.app.post_json(NAMESPACES, {'namespace': 'ours'},
                           headers=self.headers('admin', **{
                               'X-Project-Id': 'p1',
                               'X-Project-Name': 'p1'}), status=201)
        listed = self.app.get(NAMESPACES, headers=self.headers('reader'))
        self.assertEqual(['ours', 'public'], sorted(
            ns['namespace'] for ns in listed.json['namespaces']))
        for path in ('/theirs', '/theirs/objects'):
            resp = self.app.get(NAMESPACES + path, headers=self.headers(
                'reader', Accept='application/json'), expect_errors=True)
            self.assertEqual(404, resp.status_int)
            self.assertIn('namespace=theirs was not found',
                          resp.json['message'])
        self.app.get(NAMESPACES + '/public', headers=self.headers('reader'))
        self.app.get(NAMESPACES + '/ours/objects',
                     headers=self.headers('reader'))
        # An admin sees what the VIM shows.
        listed = self.app.get(NAMESPACES, headers=admin_p3)
        self.assertEqual(3, len(listed.json['namespaces']))
