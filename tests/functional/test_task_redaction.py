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

"""A signed import URL: used whole by the task, shown to no one.

A local web server on 127.0.0.1 (allowed by [task] allowed_networks and
allowed_ports) stands in for object storage handing out pre-signed URLs;
it ignores the query, and records what it was asked for.
"""

import hashlib
import os
import time

import requests

from tests.functional import base
from tests.functional.fixtures import web

DATA = os.urandom(256 * 1024)
SECRET = 'Zs3cr3tSignatureValue9'
CREDENTIAL = 'AKIAEXAMPLECREDENTIAL7'
QUERY = ('X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=%s&'
         'X-Amz-Signature=%s' % (CREDENTIAL, SECRET))
SHOWN_QUERY = 'X-Amz-Algorithm=***&X-Amz-Credential=***&X-Amz-Signature=***'


class TestSignedURLRedaction(base.FunctionalTestCase):

    @classmethod
    def setUpClass(cls):
        cls.web = web.HTTPSourceFixture({'/disk.img': DATA})
        cls.web.setUp()
        cls.addClassCleanup(cls.web.cleanUp)
        cls.EXTRA_CONF = cls.web.task_conf()
        super().setUpClass()

    def setUp(self):
        super().setUp()
        self.web.requests[:] = []

    def create(self, url, status=201):
        resp = requests.post(self.mcimage.url('/v1/tasks'), json={
            'type': 'import',
            'input': {'import_from': url, 'import_from_format': 'raw',
                      'targets': [{'vim_id': self.VIM,
                                   'tenant_id': self.tenant}]}},
            headers=self.headers(), timeout=60)
        self.assertEqual(status, resp.status_code, resp.text)
        self.assertHidden(resp.text)
        return resp

    def get(self, task_id):
        resp = requests.get(self.mcimage.url('/v1/tasks/' + task_id),
                            headers=self.headers(), timeout=30)
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertHidden(resp.text)
        return resp.json()

    def wait(self, task_id, timeout=120):
        deadline = time.monotonic() + timeout
        while True:
            task = self.get(task_id)
            if task['status'] in ('success', 'failure'):
                return task
            self.assertLess(time.monotonic(), deadline, task)
            time.sleep(0.2)

    def listed(self):
        resp = requests.get(self.mcimage.url('/v1/tasks'),
                            headers=self.headers(), timeout=30)
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertHidden(resp.text)
        return resp.json()['tasks']

    def assertHidden(self, text):
        self.assertNotIn(SECRET, text)
        self.assertNotIn(CREDENTIAL, text)

    def assertLogHidden(self):
        for path in (self.mcimage.log_file, self.mcimage.out_file):
            with open(path, errors='replace') as f:
                self.assertHidden(f.read())

    def test_signed_url_imported_and_never_shown(self):
        url = self.web.url('/disk.img?%s#%s' % (QUERY, SECRET))
        shown = self.web.url('/disk.img?' + SHOWN_QUERY)
        resp = self.create(url)
        self.assertEqual(shown, resp.json()['input']['import_from'])
        task = self.wait(resp.json()['id'])
        self.assertEqual('success', task['status'], task['message'])
        self.assertEqual(shown, task['input']['import_from'])
        self.assertEqual([shown], [t['input']['import_from']
                                   for t in self.listed()])
        # The flow asked for the URL whole (a fragment is never sent).
        self.assertEqual(['/disk.img?' + QUERY], self.web.requests)
        [target] = task['result']['targets']
        image = self.glance.get_image(target['image_id'], self.tenant)
        self.assertEqual('active', image['status'])
        self.assertEqual(hashlib.md5(DATA).hexdigest(), image['checksum'])
        self.assertLogHidden()

    def test_failure_message_redacted(self):
        url = self.web.url('/missing.img?' + QUERY)
        resp = self.create(url)
        task = self.wait(resp.json()['id'])
        self.assertEqual('failure', task['status'])
        self.assertIn('The import source %s failed: HTTP 404'
                      % self.web.url('/missing.img?' + SHOWN_QUERY),
                      task['message'])
        self.assertEqual(['/missing.img?' + QUERY], self.web.requests)
        self.listed()
        self.assertEqual([], self.glance_images())
        self.assertLogHidden()

    def test_refusals_do_not_echo_secrets(self):
        for url, detail in (
                # Credentials, refused: the refusal does not repeat them.
                ('http://user:%s@127.0.0.1:%d/disk.img' % (
                    SECRET, self.web.port), 'credentials'),
                # A port not allowed: the query's keys only.
                ('http://127.0.0.1:1/disk.img?' + QUERY,
                 'http://127.0.0.1:1/disk.img?' + SHOWN_QUERY),
                # Too long for the schema.
                (self.web.url('/disk.img?%s&pad=%s' % (QUERY, 'x' * 2048)),
                 'input.import_from')):
            resp = self.create(url, status=400)
            self.assertError(resp, 400, detail)
        self.assertEqual([], self.listed())
        self.assertEqual([], self.web.requests)
        self.assertLogHidden()
