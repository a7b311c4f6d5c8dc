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

"""Bodies a route does not take cost the real mcimage-api no memory.

The peak resident size of the server process (VmHWM, reset through
/proc/<pid>/clear_refs before each request) stays flat while a 64 MiB
form, or text, goes to a route that does not take it.
"""

import os

import requests

from tests.functional import base

MiB = 1024 * 1024
FORM = 'application/x-www-form-urlencoded'
# Far less than the body: a server that holds it whole shows it.
MAX_GROWTH = 16 * MiB


def _peak_kib(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1])
    raise AssertionError('no VmHWM for %d' % pid)


def _reset_peak(pid):
    # "5" resets the peak resident set size to the current one.
    with open('/proc/%d/clear_refs' % pid, 'w') as f:
        f.write('5')


class TestRefusedBodies(base.FunctionalTestCase):

    def growth(self, method, url, body, headers):
        """(response, bytes the server's peak RSS grew by)."""
        pid = self.mcimage.pid
        # Warm: the first requests of a thread allocate for themselves.
        requests.get(self.mcimage.url('/v1/vims'), headers=self.headers(),
                     timeout=30)
        _reset_peak(pid)
        before = _peak_kib(pid)
        resp = requests.request(method, url, data=body, headers=headers,
                                timeout=120)
        return resp, (_peak_kib(pid) - before) * 1024

    def body(self, size, chunked):
        piece = b'a' * MiB
        if not chunked:
            return piece * (size // MiB)
        return (piece for _ in range(size // MiB))

    def test_form_to_json_routes_415_without_memory(self):
        image = requests.post(self.images_url(), headers=self.headers(),
                              json={'disk_format': 'raw',
                                    'container_format': 'bare'},
                              timeout=30)
        self.assertEqual(201, image.status_code, image.text)
        routes = [('POST', self.mcimage.url('/v1/tasks')),
                  ('POST', self.images_url()),
                  ('PATCH', self.images_url() + '/' + image.json()['id'])]
        for method, url in routes:
            for chunked in (False, True):
                resp, grown = self.growth(
                    method, url, self.body(64 * MiB, chunked),
                    self.headers(**{'Content-Type': FORM}))
                error = self.assertError(resp, 415, FORM)
                self.assertEqual('mcimage.unsupported_media_type',
                                 error['code'])
                self.assertLess(grown, MAX_GROWTH, (method, url, chunked))
        # Nothing was made of any of it.
        self.assertEqual([image.json()['id']],
                         [i['id'] for i in self.glance_images()])
        tasks = requests.get(self.mcimage.url('/v1/tasks'),
                             headers=self.headers(), timeout=30)
        self.assertEqual([], tasks.json()['tasks'])

    def test_text_plain_task_refused_without_memory(self):
        resp, grown = self.growth(
            'POST', self.mcimage.url('/v1/tasks'),
            self.body(64 * MiB, chunked=True),
            self.headers(**{'Content-Type': 'text/plain'}))
        self.assertError(resp, 415, 'application/json')
        self.assertLess(grown, MAX_GROWTH)

    def test_form_to_put_file_415_without_memory(self):
        image = requests.post(self.images_url(), headers=self.headers(),
                              json={'disk_format': 'raw',
                                    'container_format': 'bare'},
                              timeout=30).json()
        for chunked in (False, True):
            resp, grown = self.growth(
                'PUT', self.images_url() + '/%s/file' % image['id'],
                self.body(64 * MiB, chunked),
                self.headers(**{'Content-Type': FORM}))
            self.assertError(resp, 415, 'application/octet-stream')
            self.assertLess(grown, MAX_GROWTH, chunked)
        [held] = self.glance_images()
        self.assertEqual('queued', held['status'])

    def test_the_connection_still_serves_after_a_refusal(self):
        with requests.Session() as session:
            resp = session.post(self.mcimage.url('/v1/tasks'),
                                data=os.urandom(3 * MiB),
                                headers=self.headers(**{
                                    'Content-Type': 'text/plain'}),
                                timeout=60)
            self.assertError(resp, 415, 'text/plain')
            resp = session.get(self.mcimage.url('/v1/vims'),
                               headers=self.headers(), timeout=30)
            self.assertEqual(200, resp.status_code, resp.text)
