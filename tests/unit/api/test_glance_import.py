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

"""Glance's interoperable import through the Glance endpoint (fake VIM)."""

import hashlib
import http.server
import json
import os
import socket
import threading
import time

import fixtures

from mcimage import backends
from mcimage.common import exception
from mcimage.db import api as db_api
from mcimage.images import staging
from mcimage import store as staging_store
from mcimage.tasks import engine
from mcimage.tasks import flows
from mcimage.tasks import imports
from mcimage.tasks import targets
from tests.unit.api import base
from tests.unit.api import test_tasks

IMAGES = '/glance/%s/v2/images' % base.VIM
DATA = test_tasks.DATA
OCTET = {'Content-Type': 'application/octet-stream'}
TASK_FIELDS = {'id', 'type', 'status', 'input', 'result', 'message', 'owner',
               'image_id', 'request_id', 'user_id', 'created_at',
               'updated_at', 'expires_at'}


class _Handler(http.server.BaseHTTPRequestHandler):

    def do_GET(self):
        self.send_response(200)
        self.send_header('Content-Length', str(len(DATA)))
        self.end_headers()
        self.wfile.write(DATA)

    def log_message(self, *args):
        pass


class GlanceImportTestCase(test_tasks.TaskTestCase):

    def setUp(self):
        super().setUp()
        self.staging_dir = os.path.join(self.state_path, 'staging')
        self.addCleanup(staging_store.reset)
        staging_store.reset()

    def json_headers(self, persona='member', **extra):
        return self.headers(persona, Accept='application/json', **extra)

    def image(self, disk_format='qcow2'):
        return self.app.post_json(
            IMAGES, {'name': 'imp', 'disk_format': disk_format,
                     'container_format': 'bare'},
            headers=self.headers(), status=201).json

    def show(self, image_id):
        return self.app.get(IMAGES + '/' + image_id,
                            headers=self.headers()).json

    def stage(self, image_id, data=DATA, status=204):
        resp = self.app.put(IMAGES + '/%s/stage' % image_id, data,
                            headers=self.json_headers(**OCTET),
                            expect_errors=status >= 400)
        self.assertEqual(status, resp.status_int, resp.text)
        return resp

    def do_import(self, image_id, body, status=202):
        resp = self.app.post_json(IMAGES + '/%s/import' % image_id, body,
                                  headers=self.json_headers(),
                                  expect_errors=status >= 400)
        self.assertEqual(status, resp.status_int, resp.text)
        return resp

    def tasks(self, image_id):
        return self.app.get(IMAGES + '/%s/tasks' % image_id,
                            headers=self.headers()).json['tasks']

    def wait_tasks(self, image_id, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            tasks = self.tasks(image_id)
            if tasks and all(t['status'] in ('success', 'failure')
                             for t in tasks):
                return tasks
            if time.monotonic() > deadline:
                self.fail('tasks of %s: %s' % (image_id, tasks))
            time.sleep(0.05)

    def staged_files(self):
        if not os.path.isdir(self.staging_dir):
            return []
        return sorted(os.listdir(self.staging_dir))

    def serve(self):
        server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(thread.join)
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        port = server.server_address[1]
        self.config(allowed_networks=['127.0.0.1/32'], allowed_ports=[port],
                    group='task')
        return 'http://127.0.0.1:%d/small.qcow2' % port


class TestGlanceDirect(GlanceImportTestCase):

    def test_stage_then_import(self):
        image = self.image()
        resp = self.stage(image['id'])
        upload_id = resp.headers['OpenStack-Staged-Upload-Id']
        shown = self.show(image['id'])
        self.assertEqual('uploading', shown['status'])
        self.assertEqual(upload_id, shown[staging.IMAGE_PROPERTY])
        # The VIM's image stays queued, its data in mcimage's store.
        self.assertEqual('queued', self.fake.images[image['id']]['status'])
        self.assertEqual([upload_id], self.staged_files())
        listed = self.app.get(IMAGES, headers=self.headers()).json['images']
        self.assertEqual(['uploading'], [i['status'] for i in listed])

        resp = self.do_import(image['id'],
                              {'method': {'name': 'glance-direct'}})
        self.assertEqual(b'', resp.body)
        [task] = self.wait_tasks(image['id'])
        self.assertEqual('success', task['status'], task['message'])
        self.assertEqual(TASK_FIELDS, set(task))
        self.assertEqual('api_image_import', task['type'])
        self.assertEqual(image['id'], task['image_id'])
        self.assertEqual(resp.headers['X-OpenStack-Request-Id'],
                         task['request_id'])
        self.assertEqual('glance-direct',
                         task['input']['import_req']['method']['name'])
        self.assertEqual('p1', task['owner'])
        self.assertEqual('p1-member', task['user_id'])
        shown = self.show(image['id'])
        self.assertEqual('active', shown['status'])
        self.assertEqual(hashlib.sha512(DATA).hexdigest(),
                         shown['os_hash_value'])
        self.assertEqual(hashlib.md5(DATA).hexdigest(), shown['checksum'])
        self.assertNotIn(staging.IMAGE_PROPERTY, shown)
        # The staged data is gone with its import.
        self.assertEqual([], self.staged_files())
        self.assertRaises(exception.StagedUploadNotFound,
                          db_api.staged_upload_get, upload_id)
        data = self.app.get(IMAGES + '/%s/file' % image['id'],
                            headers=self.headers()).body
        self.assertEqual(DATA, data)

    def test_stage_twice_or_not_queued_is_409(self):
        image = self.image()
        self.stage(image['id'])
        self.stage(image['id'], status=409)
        self.assertEqual(1, len(self.staged_files()))
        active = self.fake.add_image('p1', data=DATA, disk_format='qcow2',
                                     container_format='bare')
        self.stage(active['id'], status=409)
        self.assertEqual(1, len(self.staged_files()))

    def test_no_stage_into_a_token_vim(self):
        image = self.image()
        backends.get(base.VIM).auth_mode = 'token'
        resp = self.stage(image['id'], status=400)
        self.assertIn('auth_mode = token', resp.json['message'])
        self.assertEqual([], self.staged_files())

    def test_wrong_format_refused_nothing_kept(self):
        image = self.image(disk_format='qcow2')
        resp = self.stage(image['id'], data=b'\x00' * 4096, status=400)
        self.assertIn('qcow2', resp.json['message'])
        self.assertEqual([], self.staged_files())
        self.assertEqual([], db_api.staged_upload_get_all())
        shown = self.show(image['id'])
        self.assertEqual('queued', shown['status'])
        self.assertNotIn(staging.IMAGE_PROPERTY, shown)

    def test_delete_after_stage_leaves_nothing_staged(self):
        image = self.image()
        self.stage(image['id'])
        self.app.delete(IMAGES + '/' + image['id'], headers=self.headers(),
                        status=204)
        self.assertEqual([], self.staged_files())
        self.assertEqual([], db_api.staged_upload_get_all())

    def test_failed_push_back_to_queued_nothing_staged(self):
        image = self.image()
        self.stage(image['id'])
        self.fake.fail_upload = exception.BackendError(
            vim_id=base.VIM, reason='disk full')
        self.do_import(image['id'], {'method': {'name': 'glance-direct'}})
        [task] = self.wait_tasks(image['id'])
        self.assertEqual('failure', task['status'])
        self.assertIn('disk full', task['message'])
        self.assertIsNone(task['result'])
        shown = self.show(image['id'])
        self.assertEqual('queued', shown['status'])
        self.assertEqual('local', shown['os_glance_failed_import'])
        self.assertNotIn(staging.IMAGE_PROPERTY, shown)
        # The user's image is never deleted.
        self.assertIn(image['id'], self.fake.images)
        self.assertEqual([], self.staged_files())

    def test_importing_while_the_task_runs(self):
        self.useFixture(fixtures.MockPatchObject(
            engine.EmbeddedRunner, 'submit',
            lambda self, task_id, count: engine.save_flow(task_id, count)))
        image = self.image()
        self.stage(image['id'])
        self.do_import(image['id'], {'method': {'name': 'glance-direct'}})
        shown = self.show(image['id'])
        self.assertEqual('importing', shown['status'])
        [task] = self.tasks(image['id'])
        self.assertEqual('pending', task['status'])
        self.assertEqual(task['id'], shown['os_glance_import_task'])
        self.assertEqual('local', shown['os_glance_importing_to_stores'])
        # Not twice, and no second stage meanwhile.
        resp = self.do_import(image['id'],
                              {'method': {'name': 'glance-direct'}},
                              status=409)
        self.assertIn('imported already', resp.json['message'])
        self.stage(image['id'], status=409)

    def test_a_second_import_at_once_fails_alone(self):
        image = self.image()
        self.stage(image['id'])
        # Two import calls that both passed the API's check: the later
        # task fails without touching the image or its staged data.
        submit = engine.EmbeddedRunner.submit
        submitted = []

        def first_only_saved(runner, task_id, count):
            # The first task stays pending; the second one runs.
            if submitted:
                submit(runner, task_id, count)
            else:
                engine.save_flow(task_id, count)
            submitted.append(task_id)

        self.useFixture(fixtures.MockPatchObject(
            engine.EmbeddedRunner, 'submit', first_only_saved))
        self.do_import(image['id'], {'method': {'name': 'glance-direct'}})
        self.useFixture(fixtures.MockPatchObject(
            imports, '_running', lambda context, image_id: False))
        self.do_import(image['id'], {'method': {'name': 'glance-direct'}})
        first, second = submitted
        self.drain()
        row = db_api.task_get(second)
        self.assertEqual('failure', row['status'])
        self.assertIn('being imported by task %s' % first, row['message'])
        self.assertEqual(1, len(self.staged_files()))
        self.assertEqual('importing', self.show(image['id'])['status'])


class TestWebDownload(GlanceImportTestCase):

    def test_web_download(self):
        url = self.serve()
        image = self.image()
        self.do_import(image['id'], {'method': {'name': 'web-download',
                                                'uri': url},
                                     'all_stores': True})
        [task] = self.wait_tasks(image['id'])
        self.assertEqual('success', task['status'], task['message'])
        self.assertEqual(url, task['input']['import_req']['method']['uri'])
        shown = self.show(image['id'])
        self.assertEqual('active', shown['status'])
        self.assertEqual(hashlib.sha512(DATA).hexdigest(),
                         shown['os_hash_value'])

    def test_url_secrets_not_kept_with_the_task(self):
        url = self.serve() + '?sig=SECRET'
        image = self.image()
        self.do_import(image['id'], {'method': {'name': 'web-download',
                                                'uri': url}})
        [task] = self.wait_tasks(image['id'])
        self.assertEqual('success', task['status'], task['message'])
        # import_from alone keeps the URL whole, for the flow; never shown.
        [row] = db_api.task_get_all(image_id=image['id'])
        self.assertNotIn('SECRET', str(json.loads(row['input'])['import_req']))
        for path in ('/v1/tasks/' + task['id'], '/v1/tasks'):
            resp = self.app.get(path, headers=self.json_headers())
            self.assertNotIn('SECRET', resp.text)
        # glance-direct takes no uri, and keeps no credentials in it.
        image = self.image()
        self.stage(image['id'])
        self.do_import(image['id'], {'method': {
            'name': 'glance-direct', 'uri': 'http://bob:hunter2@h/x'}})
        self.wait_tasks(image['id'])
        [row] = db_api.task_get_all(image_id=image['id'])
        self.assertNotIn('hunter2', row['input'])

    def test_disallowed_url_is_400_image_stays_queued(self):
        image = self.image()
        resp = self.do_import(image['id'], {'method': {
            'name': 'web-download',
            'uri': 'http://169.254.169.254/latest/meta-data'}}, status=400)
        self.assertIn('169.254.169.254', resp.json['message'])
        self.assertEqual('queued', self.show(image['id'])['status'])
        self.assertEqual([], self.tasks(image['id']))

    def test_failed_download_leaves_the_image_queued(self):
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            port = s.getsockname()[1]
        self.config(allowed_networks=['127.0.0.1/32'], allowed_ports=[port],
                    group='task')
        image = self.image()
        self.do_import(image['id'], {'method': {
            'name': 'web-download',
            'uri': 'http://127.0.0.1:%d/gone.qcow2' % port}})
        [task] = self.wait_tasks(image['id'])
        self.assertEqual('failure', task['status'])
        shown = self.show(image['id'])
        self.assertEqual('queued', shown['status'])
        self.assertEqual('local', shown['os_glance_failed_import'])
        self.assertEqual([], self.staged_files())

    def test_staged_image_is_not_web_downloaded(self):
        image = self.image()
        self.stage(image['id'])
        self.do_import(image['id'], {'method': {
            'name': 'web-download', 'uri': 'http://example.com/x'}},
            status=409)


class TestRefusals(GlanceImportTestCase):

    def test_bad_requests(self):
        image = self.image()
        self.stage(image['id'])
        for body, message in (
                ({}, "'method'"),
                ({'method': {}}, "'name'"),
                ({'method': {'name': 'magic'}}, "Unknown import method"),
                ({'method': {'name': 'glance-download'}}, 'glance-download'),
                ({'method': {'name': 'glance-direct'}, 'all_stores': 'yes'},
                 'boolean'),
                ({'method': {'name': 'glance-direct'}, 'stores': []},
                 'no store'),
                ({'method': {'name': 'glance-direct'}, 'stores': ['local'],
                  'all_stores': True}, 'All_stores'),
                ({'method': {'name': 'web-download'}}, 'uri')):
            image2 = self.image()
            if body.get('method', {}).get('name') != 'web-download':
                target = image['id']
            else:
                target = image2['id']
            resp = self.do_import(target, body, status=400)
            self.assertIn(message, resp.json['message'])
        # A store the VIM does not have: Glance's 409.
        resp = self.do_import(image['id'], {
            'method': {'name': 'glance-direct'}, 'stores': ['backup']},
            status=409)
        self.assertIn('backup', resp.json['message'])
        # copy-image: the admin's (Glance's default), of an active image of
        # a VIM of several stores.
        resp = self.do_import(image['id'],
                              {'method': {'name': 'copy-image'}}, status=403)
        self.assertIn('copy_image', resp.json['message'])
        self.assertEqual([], self.tasks(image['id']))
        self.assertEqual('uploading', self.show(image['id'])['status'])
        self.assertNotIn('copy_image', [c[0] for c in self.fake.calls])

    def test_glance_direct_without_stage_or_on_active_is_409(self):
        image = self.image()
        resp = self.do_import(image['id'],
                              {'method': {'name': 'glance-direct'}},
                              status=409)
        self.assertIn('staged', resp.json['message'])
        active = self.fake.add_image('p1', data=DATA, disk_format='qcow2',
                                     container_format='bare')
        self.do_import(active['id'], {'method': {'name': 'glance-direct'}},
                       status=409)

    def test_the_store_by_name(self):
        image = self.image()
        self.stage(image['id'])
        self.do_import(image['id'], {'method': {'name': 'glance-direct'},
                                     'stores': ['local'],
                                     'all_stores_must_succeed': True})
        [task] = self.wait_tasks(image['id'])
        self.assertEqual('success', task['status'], task['message'])
        self.assertEqual(['local'], task['input']['backend'])

    def test_reserved_properties(self):
        image = self.image()
        resp = self.app.patch(
            IMAGES + '/' + image['id'],
            '[{"op": "add", "path": "/os_mcimage_staged_upload", '
            '"value": "x"}]',
            headers=self.json_headers(**{
                'Content-Type':
                    'application/openstack-images-v2.1-json-patch'}),
            expect_errors=True)
        self.assertEqual(403, resp.status_int, resp.text)
        resp = self.app.post_json(
            IMAGES, {'name': 'x', 'os_glance_import_task': 'x'},
            headers=self.json_headers(), expect_errors=True)
        self.assertEqual(403, resp.status_int, resp.text)

    def test_tasks_of_an_unknown_image_404(self):
        resp = self.app.get(IMAGES + '/%s/tasks' % ('1' * 8 + '-1111-1111-'
                                                    '1111-' + '1' * 12),
                            headers=self.json_headers(), expect_errors=True)
        self.assertEqual(404, resp.status_int)


class TestInfo(GlanceImportTestCase):

    def test_import_methods_are_mcimages(self):
        info = self.app.get('/glance/%s/v2/info/import' % base.VIM,
                            headers=self.headers()).json
        self.assertEqual(['glance-direct', 'web-download'],
                         info['import-methods']['value'])
        # Tasks cannot act with a caller's token.
        backends.get(base.VIM).auth_mode = 'token'
        info = self.app.get('/glance/%s/v2/info/import' % base.VIM,
                            headers=self.headers()).json
        self.assertEqual([], info['import-methods']['value'])

    def test_stores_are_the_vims(self):
        stores = self.app.get('/glance/%s/v2/info/stores' % base.VIM,
                              headers=self.headers()).json
        self.assertEqual([{'id': 'local', 'default': True}],
                         stores['stores'])
        self.fake.stores = ['backup', 'local']
        stores = self.app.get('/glance/%s/v2/info/stores' % base.VIM,
                              headers=self.headers()).json
        self.assertEqual([{'id': 'backup', 'default': True},
                          {'id': 'local'}], stores['stores'])

    def test_copy_image_offered_with_several_stores(self):
        self.fake.stores = ['backup', 'local']
        info = self.app.get('/glance/%s/v2/info/import' % base.VIM,
                            headers=self.headers()).json
        self.assertEqual(['glance-direct', 'web-download', 'copy-image'],
                         info['import-methods']['value'])
        # The VIM copies with the caller's token: offered there too.
        backends.get(base.VIM).auth_mode = 'token'
        info = self.app.get('/glance/%s/v2/info/import' % base.VIM,
                            headers=self.headers()).json
        self.assertEqual(['copy-image'], info['import-methods']['value'])


class TestStores(GlanceImportTestCase):
    """A VIM of two stores: imports into them, copies, deletes from one."""

    def setUp(self):
        super().setUp()
        self.fake.stores = ['backup', 'local']

    def imported(self, body):
        image = self.image()
        self.stage(image['id'])
        self.do_import(image['id'], dict(
            body, method={'name': 'glance-direct'}))
        [task] = self.wait_tasks(image['id'])
        return image['id'], task

    def test_all_stores(self):
        image_id, task = self.imported({'all_stores': True})
        self.assertEqual('success', task['status'], task['message'])
        self.assertEqual(['backup', 'local'], task['input']['backend'])
        # Written into the first store, copied by the VIM into the other.
        self.assertIn(('upload', 'p1', image_id, 'backup'), self.fake.calls)
        # As mcimage: the VIM's copy-image is the admin's.
        self.assertIn(('copy_image', 'p1', image_id, ['local'], True, True),
                      self.fake.calls)
        shown = self.show(image_id)
        self.assertEqual('active', shown['status'])
        self.assertEqual('backup,local', shown['stores'])
        self.assertEqual('', shown['os_glance_importing_to_stores'])
        self.assertEqual('', shown['os_glance_failed_import'])
        self.assertEqual(DATA, self.app.get(
            IMAGES + '/%s/file' % image_id, headers=self.headers()).body)
        self.assertEqual([], self.staged_files())

    def test_copies_asked_once(self):
        # A run resumed after a crash asks for no copy made or under way.
        image = self.fake.add_image('p1', data=DATA, disk_format='qcow2',
                                    container_format='bare')
        vim = backends.get(base.VIM)
        context = flows.task_context({'user_id': 'u', 'owner': 'p1',
                                      'project_name': 'p1',
                                      'roles': 'member'})
        targets.copy_to_stores(context, vim, 'p1', image['id'], ['local'],
                               True)
        targets.copy_to_stores(context, vim, 'p1', image['id'], ['local'],
                               True)
        self.assertEqual(1, [c[0] for c in self.fake.calls].count(
            'copy_image'))
        self.assertEqual('backup,local', self.fake.images[image['id']][
            'stores'])
        self.fake.images[image['id']].update(
            stores='backup', os_glance_importing_to_stores='local')
        targets.copy_to_stores(context, vim, 'p1', image['id'], ['local'],
                               True)
        self.assertEqual(1, [c[0] for c in self.fake.calls].count(
            'copy_image'))

    def test_import_methods_without_the_vims_stores(self):
        def down(*args, **kwargs):
            raise exception.BackendUnavailable(vim_id=base.VIM)

        self.fake.get_document = down
        info = self.app.get('/glance/%s/v2/info/import' % base.VIM,
                            headers=self.headers()).json
        self.assertEqual(['glance-direct', 'web-download'],
                         info['import-methods']['value'])

    def test_chosen_store_written_alone(self):
        image_id, task = self.imported({'stores': ['local']})
        self.assertEqual('success', task['status'], task['message'])
        self.assertIn(('upload', 'p1', image_id, 'local'), self.fake.calls)
        self.assertNotIn('copy_image', [c[0] for c in self.fake.calls])
        self.assertEqual('local', self.show(image_id)['stores'])

    def test_importing_shows_every_store(self):
        self.useFixture(fixtures.MockPatchObject(
            engine.EmbeddedRunner, 'submit',
            lambda self, task_id, count: engine.save_flow(task_id, count)))
        image = self.image()
        self.stage(image['id'])
        self.do_import(image['id'], {'method': {'name': 'glance-direct'},
                                     'stores': ['local', 'backup']})
        shown = self.show(image['id'])
        self.assertEqual('importing', shown['status'])
        self.assertEqual('local,backup',
                         shown['os_glance_importing_to_stores'])

    def test_a_failing_store_that_need_not_succeed(self):
        self.fake.fail_copy = {'local'}
        image_id, task = self.imported({'all_stores': True,
                                        'all_stores_must_succeed': False})
        self.assertEqual('success', task['status'], task['message'])
        self.assertIn(('copy_image', 'p1', image_id, ['local'], False,
                       True), self.fake.calls)
        shown = self.show(image_id)
        self.assertEqual('active', shown['status'])
        self.assertEqual('backup', shown['stores'])
        self.assertEqual('local', shown['os_glance_failed_import'])

    def test_copy_refused_fails_the_task_image_stays_active(self):
        def refused(*args, **kwargs):
            raise exception.Forbidden('VIM %s refused the request: no'
                                      % base.VIM)

        self.fake.copy_image = refused
        image_id, task = self.imported({'all_stores': True})
        self.assertEqual('failure', task['status'])
        self.assertIn('refused', task['message'])
        self.assertEqual('active', self.show(image_id)['status'])
        self.assertEqual([], self.staged_files())

    def test_unknown_store_refused_before_anything_is_written(self):
        image = self.image()
        self.stage(image['id'])
        resp = self.do_import(image['id'], {
            'method': {'name': 'glance-direct'},
            'stores': ['local', 'nowhere']}, status=409)
        self.assertIn('nowhere', resp.json['message'])
        self.assertEqual([], self.tasks(image['id']))
        self.assertEqual('uploading', self.show(image['id'])['status'])
        self.assertEqual(1, len(self.staged_files()))
        self.assertNotIn('upload', [c[0] for c in self.fake.calls])

    def copy(self, image_id, body, persona='admin', status=202):
        resp = self.app.post_json(
            IMAGES + '/%s/import' % image_id,
            dict(body, method={'name': 'copy-image'}),
            headers=self.json_headers(persona), expect_errors=status >= 400)
        self.assertEqual(status, resp.status_int, resp.text)
        return resp

    def test_copy_image(self):
        image = self.fake.add_image('p1', data=DATA, disk_format='qcow2',
                                    container_format='bare')
        self.assertEqual('backup', image['stores'])
        self.copy(image['id'], {'all_stores': True,
                                'all_stores_must_succeed': False})
        # As the admin's own project, which sees every image.
        self.assertIn(('copy_image', 'admin-project', image['id'], None,
                       False, False), self.fake.calls)
        shown = self.show(image['id'])
        self.assertEqual('backup,local', shown['stores'])
        self.assertEqual('', shown['os_glance_importing_to_stores'])
        self.assertEqual('', shown['os_glance_failed_import'])
        # No task of mcimage's: the VIM copies.
        self.assertEqual([], self.tasks(image['id']))
        # Into a store that holds it already: the VIM's 400.
        resp = self.copy(image['id'], {'stores': ['local']}, status=400)
        self.assertIn('already present', resp.json['message'])

    def test_copy_image_refusals(self):
        image = self.fake.add_image('p1', data=DATA, disk_format='qcow2',
                                    container_format='bare')
        calls = len(self.fake.calls)
        resp = self.copy(image['id'], {'all_stores': True},
                         persona='member', status=403)
        self.assertIn('mcimage:image:copy_image', resp.json['message'])
        resp = self.copy(image['id'], {'all_stores': True,
                                       'stores': ['local']}, status=400)
        self.assertIn('All_stores', resp.json['message'])
        queued = self.image()
        self.copy(queued['id'], {'all_stores': True}, status=409)
        self.copy('1' * 8 + '-1111-1111-1111-' + '1' * 12,
                  {'all_stores': True}, status=404)
        self.assertEqual('backup', self.fake.images[image['id']]['stores'])
        self.assertEqual(
            ['copy_image'], [c[0] for c in self.fake.calls[calls:]
                             if c[0] in ('copy_image', 'upload')])
        # One store: nothing to copy into.
        self.fake.stores = ['local']
        resp = self.copy(image['id'], {'all_stores': True}, status=400)
        self.assertIn('one store', resp.json['message'])

    def delete(self, store_id, image_id, persona='admin', status=204):
        resp = self.app.delete(
            '/glance/%s/v2/stores/%s/%s' % (base.VIM, store_id, image_id),
            headers=self.json_headers(persona), expect_errors=status >= 400)
        self.assertEqual(status, resp.status_int, resp.text)
        return resp

    def test_delete_from_store(self):
        self.fake.stores = ['backup', 'local', 'third']
        image = self.fake.add_image('p1', data=DATA, disk_format='qcow2',
                                    container_format='bare')
        self.copy(image['id'], {'all_stores': True})
        resp = self.delete('backup', image['id'], persona='member',
                           status=403)
        self.assertIn('mcimage:image:delete_from_store',
                      resp.json['message'])
        self.assertEqual('backup,local,third',
                         self.show(image['id'])['stores'])
        resp = self.delete('backup', image['id'])
        self.assertEqual(b'', resp.body)
        self.assertEqual('local,third', self.show(image['id'])['stores'])
        self.assertIn(('delete_from_store', 'admin-project', image['id'],
                       'backup'), self.fake.calls)
        # Glance's answers: not in that store, a store it has not.
        self.delete('backup', image['id'], status=404)
        self.delete('nowhere', image['id'], status=409)
        self.delete('third', image['id'])
        # Its last store: the image is deleted instead.
        resp = self.delete('local', image['id'], status=403)
        self.assertIn('only store', resp.json['message'])
        self.assertEqual('local', self.show(image['id'])['stores'])
        self.assertEqual(DATA, self.app.get(
            IMAGES + '/%s/file' % image['id'], headers=self.headers()).body)
        self.delete('local', '1' * 8 + '-1111-1111-1111-' + '1' * 12,
                    status=404)
        self.delete('local', 'not-an-id', status=404)
        path = '/glance/%s/v2/stores/local/%s' % (base.VIM, image['id'])
        self.app.get(path, headers=self.json_headers('admin'), status=405)


class TestOtherVims(GlanceImportTestCase):
    """An image id of another VIM is another image."""

    def test_an_import_in_another_vim_is_not_this_images(self):
        # p2 makes, in another VIM, an image of the same id as p1's and
        # starts an import into it that does not run.
        image = self.image()
        never_run = fixtures.MockPatchObject(engine.EmbeddedRunner,
                                             'submit', lambda *args: None)
        never_run.setUp()
        other = '/glance/%s/v2/images' % base.OTHER_VIM
        self.app.post_json(other, {'id': image['id'], 'name': 'same-id',
                                   'disk_format': 'qcow2',
                                   'container_format': 'bare'},
                           headers=self.headers('other_member'), status=201)
        self.app.post_json(
            other + '/%s/import' % image['id'],
            {'method': {'name': 'web-download', 'uri': self.serve()}},
            headers=self.json_headers('other_member'), status=202)
        never_run.cleanUp()
        [theirs] = db_api.task_get_all(image_id=image['id'])
        self.assertEqual('pending', theirs['status'])
        # p1's image shows no import of theirs, and takes its own.
        shown = self.show(image['id'])
        self.assertEqual('queued', shown['status'])
        self.assertNotIn(imports.IMPORT_TASK, shown)
        self.assertNotIn(theirs['id'], json.dumps(shown))
        self.do_import(image['id'], {'method': {'name': 'web-download',
                                                'uri': self.serve()}})
        [task] = self.wait_tasks(image['id'])
        self.assertEqual('success', task['status'], task['message'])
        self.assertEqual('active', self.show(image['id'])['status'])
        self.assertEqual('pending', db_api.task_get(theirs['id'])['status'])
