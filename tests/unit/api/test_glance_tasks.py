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


"""Glance's tasks API through the Glance endpoint (fake VIM)."""

import hashlib
import json
import socket

import fixtures

from mcimage.api.controllers.glance import tasks as task_schemas
from mcimage import backends
from mcimage.common import context as base_context
from mcimage.common import exception
from mcimage.common import policy
from mcimage.db import api as db_api
from mcimage.tasks import engine
from mcimage.tasks import glance_tasks
from mcimage.tasks import status
from tests.unit.api import base
from tests.unit.api import test_glance_import

ROOT = '/glance/%s/v2' % base.VIM
TASKS = ROOT + '/tasks'
DATA = test_glance_import.DATA


def task_body(import_from, **properties):
    props = {'name': 'from-task', 'container_format': 'bare',
             'disk_format': 'qcow2'}
    props.update(properties)
    return {'type': 'import',
            'input': {'import_from': import_from,
                      'import_from_format': 'qcow2',
                      'image_properties': props}}


class GlanceTasksTestCase(test_glance_import.GlanceImportTestCase):

    def create(self, body, status=201, persona='admin'):
        resp = self.app.post_json(TASKS, body,
                                  headers=self.json_headers(persona),
                                  expect_errors=status >= 400)
        self.assertEqual(status, resp.status_int, resp.text)
        return resp

    def get(self, path, status=200, persona='admin'):
        resp = self.app.get(path, headers=self.json_headers(persona),
                            expect_errors=status >= 400)
        self.assertEqual(status, resp.status_int, resp.text)
        return resp.json

    def wait_task(self, task_id, persona='admin'):
        self.drain()
        return self.get(TASKS + '/' + task_id, persona=persona)

    def policy(self, rules):
        path = self.state_path + '/policy.yaml'
        with open(path, 'w') as f:
            json.dump(rules, f)
        self.config(policy_file=path, group='oslo_policy')
        policy.reset()

    def admin_images(self):
        return self.images_of(base.VIM, tenant='admin-project')


class TestCreate(GlanceTasksTestCase):

    def test_import_from_url(self):
        url = self.serve() + '?sig=SECRET'
        resp = self.create(task_body(url, visibility='public'))
        task = resp.json
        self.assertEqual('/v2/tasks/' + task['id'], task['self'])
        self.assertTrue(resp.location.endswith(task['self']))
        self.assertEqual('/v2/schemas/task', task['schema'])
        self.assertEqual('import', task['type'])
        self.assertIn(task['status'], ('pending', 'processing', 'success'))
        self.assertNotIn('SECRET', resp.text)
        self.assertEqual({'import_from', 'import_from_format',
                          'image_properties'}, set(task['input']))
        task = self.wait_task(task['id'])
        self.assertEqual('success', task['status'], task['message'])
        image_id = task['result']['image_id']
        self.assertEqual(image_id, task['image_id'])
        self.assertEqual('admin-project', task['owner'])
        self.assertLessEqual(set(task), set(
            task_schemas.GLANCE_TASK_SCHEMA['properties']))
        image = self.app.get(test_glance_import.IMAGES + '/' + image_id,
                             headers=self.headers('admin')).json
        self.assertEqual('active', image['status'])
        self.assertEqual('public', image['visibility'])
        self.assertEqual('from-task', image['name'])
        self.assertEqual(hashlib.sha512(DATA).hexdigest(),
                         image['os_hash_value'])
        self.assertEqual(len(DATA), image['size'])
        # The row keeps the URL whole, for the flow; no reader sees it.
        row = db_api.task_get(task['id'])
        self.assertEqual(base.VIM, row['vim_id'])
        self.assertIn('SECRET', json.loads(row['input'])['import_from'])
        for path in (TASKS, TASKS + '/' + task['id']):
            self.assertNotIn('SECRET', str(self.get(path)))
        self.assertNotIn('SECRET', self.app.get(
            '/v1/tasks', headers=self.headers('admin')).text)

    def test_refused_url_is_400_nothing_made(self):
        for url in ('http://169.254.169.254/latest/meta-data',
                    'ftp://example.com/x.qcow2', 'file:///etc/passwd',
                    'http://does-not-resolve.invalid/x.qcow2',
                    'upload:0b3f5cc5-6b1b-4f9e-8e3a-1e0f4f9b2b7a'):
            resp = self.create(task_body(url), status=400)
            self.assertIn('input.import_from', resp.json['message'])
        self.assertEqual([], self.admin_images())
        self.assertEqual([], db_api.task_get_all())

    def test_failed_download_deletes_the_image(self):
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            port = s.getsockname()[1]
        self.config(allowed_networks=['127.0.0.1/32'], allowed_ports=[port],
                    group='task')
        task = self.create(task_body(
            'http://127.0.0.1:%d/gone.qcow2' % port, protected=True)).json
        self.assertEqual(1, len(self.admin_images()))
        task = self.wait_task(task['id'])
        self.assertEqual('failure', task['status'])
        self.assertTrue(task['message'])
        self.assertIsNone(task['result'])
        self.assertEqual([], self.admin_images())

    def test_format_not_converted(self):
        url = self.serve()
        body = task_body(url)
        body['input']['image_properties']['disk_format'] = 'raw'
        resp = self.create(body, status=400)
        self.assertIn('input.import_from_format', resp.json['message'])
        # Without a disk_format the task's is taken.
        body = task_body(url)
        del body['input']['image_properties']['disk_format']
        del body['input']['image_properties']['container_format']
        task = self.wait_task(self.create(body).json['id'])
        self.assertEqual('success', task['status'], task['message'])
        image = self.glance[base.VIM].images[task['result']['image_id']]
        self.assertEqual(('qcow2', 'bare'), (image['disk_format'],
                                             image['container_format']))

    def test_bad_bodies_are_400_naming_the_field(self):
        url = 'http://127.0.0.1/x.qcow2'
        good = task_body(url)
        cases = [
            ({'input': good['input']}, "'type'"),
            ({'type': 'import'}, "'input'"),
            (dict(good, type='api_image_import'), 'type'),
            (dict(good, extra=1), 'extra'),
            ({'type': 'import', 'input': dict(good['input'], image_id='x')},
             'input.image_id'),
        ]
        for key in ('import_from', 'import_from_format', 'image_properties'):
            task_input = dict(good['input'])
            del task_input[key]
            cases.append(({'type': 'import', 'input': task_input},
                          'input.' + key))
        cases.append(({'type': 'import', 'input': dict(
            good['input'], import_from_format='bogus')},
            'input.import_from_format'))
        cases.append(({'type': 'import', 'input': dict(
            good['input'], image_properties={'os_glance_x': 1,
                                             'id': 'x'})},
            'input.image_properties'))
        for body, named in cases:
            resp = self.create(body, status=400)
            self.assertIn(named, resp.json['message'], body)
        self.create([1], status=400)
        self.assertEqual([], db_api.task_get_all())

    def test_reserved_property_is_403(self):
        resp = self.create(task_body(
            'http://127.0.0.1/x.qcow2',
            os_glance_import_task='x'), status=403)
        self.assertIn('reserved', resp.json['message'])
        self.assertEqual([], self.admin_images())

    def test_no_copies_onward_from_a_task(self):
        resp = self.create(task_body(
            'http://127.0.0.1/x.qcow2',
            os_mcimage_targets=base.OTHER_VIM), status=400)
        self.assertIn('os_mcimage_targets', resp.json['message'])
        self.assertEqual([], self.admin_images())

    def test_admin_only_by_default(self):
        for persona in ('member', 'reader'):
            self.create(task_body('http://127.0.0.1/x.qcow2'), status=403,
                        persona=persona)
            self.get(TASKS, status=403, persona=persona)
            self.get(TASKS + '/0b3f5cc5-6b1b-4f9e-8e3a-1e0f4f9b2b7a',
                     status=403, persona=persona)
        # Policy before the body, as Glance.
        self.create({}, status=403, persona='member')

    def test_opened_to_members_publicize_still_applies(self):
        self.policy({'mcimage:task:tasks_api_access': 'rule:admin_api or '
                                                      'role:member'})
        url = self.serve()
        self.create(task_body(url, visibility='public'), status=403,
                    persona='member')
        self.assertEqual([], db_api.task_get_all())
        self.assertEqual([], self.images_of(base.VIM))
        task = self.create(task_body(url), persona='member').json
        self.assertEqual('success', self.wait_task(
            task['id'], persona='member')['status'])
        # A member sees its project's tasks only, an admin all.
        self.assertEqual([], self.get(TASKS, persona='other_member')
                         ['tasks'])
        self.get(TASKS + '/' + task['id'], status=404,
                 persona='other_member')
        self.assertEqual([task['id']], [
            t['id'] for t in self.get(TASKS)['tasks']])

    def test_token_vim_is_400(self):
        backends.get(base.VIM).auth_mode = 'token'
        resp = self.create(task_body(self.serve()), status=400)
        self.assertIn('auth_mode = token', resp.json['message'])
        self.assertEqual([], self.admin_images())


class TestRead(GlanceTasksTestCase):

    def make(self, count=1):
        url = self.serve()
        ids = [self.create(task_body(url, name='t%d' % n)).json['id']
               for n in range(count)]
        self.drain()
        return ids

    def test_list_shape_and_paging(self):
        ids = self.make(3)
        body = self.get(TASKS)
        self.assertEqual('/v2/schemas/tasks', body['schema'])
        self.assertEqual('/v2/tasks', body['first'])
        self.assertEqual(sorted(ids), sorted(t['id'] for t in body['tasks']))
        for task in body['tasks']:
            self.assertLessEqual(set(task),
                                 set(task_schemas.GLANCE_TASK_STUB_FIELDS))
            self.assertNotIn('input', task)
            self.assertEqual('/v2/tasks/' + task['id'], task['self'])
        first = self.get(TASKS + '?limit=2&sort_dir=asc')
        self.assertEqual(2, len(first['tasks']))
        self.assertIn('marker=', first['next'])
        self.assertTrue(first['next'].startswith('/v2/tasks?'))
        rest = self.get(first['next'].replace('/v2', ROOT, 1))
        self.assertEqual(1, len(rest['tasks']))
        self.assertEqual(sorted(ids), sorted(
            t['id'] for t in first['tasks'] + rest['tasks']))
        self.assertEqual(3, len(self.get(
            TASKS + '?status=success&type=import')['tasks']))
        self.assertEqual([], self.get(TASKS + '?status=failure')['tasks'])

    def test_list_bad_queries_are_400(self):
        for query in ('status=bogus', 'type=api_image_import',
                      'sort_dir=up', 'sort_key=input', 'limit=x',
                      'marker=bogus', 'bogus=1',
                      'marker=0b3f5cc5-6b1b-4f9e-8e3a-1e0f4f9b2b7a'):
            self.get(TASKS + '?' + query, status=400)

    def test_a_vim_shows_its_own_tasks(self):
        [task_id] = self.make()
        other = '/glance/%s/v2/tasks' % base.OTHER_VIM
        self.assertEqual([], self.get(other)['tasks'])
        self.get(other + '/' + task_id, status=404)
        # /v1 tasks are no Glance endpoint's.
        self.assertEqual([task_id], [t['id'] for t in self.get(TASKS)
                                     ['tasks']])

    def test_interoperable_imports_listed_too(self):
        url = self.serve()
        image = self.image()
        self.do_import(image['id'], {'method': {'name': 'web-download',
                                                'uri': url}})
        [imported] = self.wait_tasks(image['id'])
        # The member's own, shown to its project.
        self.policy({'mcimage:task:tasks_api_access': 'role:member'})
        [task] = self.get(TASKS, persona='member')['tasks']
        self.assertEqual(('api_image_import', imported['id']),
                         (task['type'], task['id']))

    def test_delete_is_405_get_unknown_is_404(self):
        [task_id] = self.make()
        resp = self.app.delete(TASKS + '/' + task_id,
                               headers=self.json_headers('admin'),
                               expect_errors=True)
        self.assertEqual(405, resp.status_int)
        self.assertEqual('GET', resp.headers['Allow'])
        self.get(TASKS + '/0b3f5cc5-6b1b-4f9e-8e3a-1e0f4f9b2b7a',
                 status=404)
        self.assertEqual('success', self.get(TASKS + '/' + task_id)
                         ['status'])

    def test_schemas(self):
        self.assertEqual(task_schemas.GLANCE_TASK_SCHEMA,
                         self.get(ROOT + '/schemas/task', persona='member'))
        self.assertEqual(task_schemas.GLANCE_TASKS_SCHEMA,
                         self.get(ROOT + '/schemas/tasks', persona='member'))


class TestService(GlanceTasksTestCase):
    """The image a task made does not outlive the task's failure."""

    def test_unrunnable_task_deletes_its_image(self):
        url = self.serve()
        self.useFixture(fixtures.MockPatchObject(
            engine.EmbeddedRunner, 'submit', lambda *args: None))
        row = glance_tasks.create_task(
            base_context.RequestContext(
                user_id='admin-user', project_id='admin-project',
                roles=['admin', 'member', 'reader']),
            backends.get(base.VIM), 'admin-project', url, 'qcow2',
            {'name': 'never-run', 'container_format': 'bare'})
        self.assertEqual([row['image_id']],
                         [i['id'] for i in self.admin_images()])
        status.mark_unrunnable(row['id'])
        self.assertEqual('failure', db_api.task_get(row['id'])['status'])
        self.assertEqual([], self.admin_images())

    def test_task_refused_after_the_image_is_made(self):
        url = self.serve()
        self.policy({'mcimage:task:create': '!'})
        self.create(task_body(url), status=403)
        self.assertEqual([], self.admin_images())
        self.assertEqual([], db_api.task_get_all())
        self.assertEqual('import', glance_tasks.TASK_TYPE)

    def test_task_refused_after_a_protected_image_is_made(self):
        # The image the refused task made goes, protected or not.
        url = self.serve()

        def refuse(*args):
            raise exception.ServiceUnavailable('no runner')

        self.useFixture(fixtures.MockPatchObject(
            engine.EmbeddedRunner, 'submit', refuse))
        self.create(task_body(url, protected=True), status=503)
        self.assertEqual([], self.admin_images())
        self.assertEqual([], db_api.task_get_all())

    def test_task_rule_before_any_vim_call(self):
        self.policy({'mcimage:task:create': '!'})
        resp = self.create(task_body(self.serve()), status=403)
        self.assertIn('mcimage:task:create', resp.json['message'])
        self.assertEqual([], [c for c in self.fake.calls
                              if c[0] == 'create_image'])
