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

"""POST /v1/images/file: one upload into two real Glance servers at once."""

import hashlib
import json
import os
import time

import requests

from tests.functional import base
from tests.functional import test_onap_upload

OTHER_VIM = 'local_RegionTwo'


class TestFanOut(base.FunctionalTestCase):

    EXTRA_VIMS = (OTHER_VIM,)
    EXTRA_CONF = '[upload]\ncleanup_interval = 1\n'

    def body(self, data, targets):
        return test_onap_upload.multipart_body(
            [('imageType', 'raw'), ('containerFormat', 'bare'),
             ('targets', json.dumps([{'vim_id': v, 'tenant_id': self.tenant}
                                     for v in targets]))],
            'fan.img', data)

    def assertNoImagesLeft(self, vim, timeout=30):
        """Nothing of the tenant in that VIM's Glance, within timeout."""
        deadline = time.monotonic() + timeout
        while self.glance_images(vim=vim) and time.monotonic() < deadline:
            time.sleep(0.5)
        self.assertEqual([], self.glance_images(vim=vim))

    def post(self, body, ctype):
        return requests.post(self.mcimage.url('/v1/images/file'), data=body,
                             headers=self.headers(**{'Content-Type': ctype}),
                             timeout=300)

    def test_one_upload_two_vims(self):
        data = os.urandom(32 * 1024 * 1024 + 1)
        resp = self.post(*self.body(data, [self.VIM, OTHER_VIM]))
        self.assertEqual(201, resp.status_code, resp.text)
        images = resp.json()['images']
        self.assertEqual([self.VIM, OTHER_VIM], [i['vimId'] for i in images])
        for image in images:
            recorded = self.glances[image['vimId']].get_image(image['id'],
                                                              self.tenant)
            self.assertEqual('active', recorded['status'])
            self.assertEqual(hashlib.md5(data).hexdigest(),
                             recorded['checksum'])
            got = requests.get(
                self.mcimage.url('/v1/%s/%s/images/file/%s' % (
                    image['vimId'], self.tenant, image['id'])),
                headers=self.headers(), timeout=120)
            self.assertEqual(hashlib.sha256(data).hexdigest(),
                             hashlib.sha256(got.content).hexdigest())

    def test_a_stopped_vim_leaves_nothing_in_either(self):
        body, ctype = self.body(os.urandom(8 * 1024 * 1024),
                                [self.VIM, OTHER_VIM])
        other = self.glances[OTHER_VIM]
        other.stop()
        self.addCleanup(other.restart)
        resp = self.post(body, ctype)
        self.assertIn(resp.status_code, (502, 503), resp.text)
        self.assertIn(OTHER_VIM, resp.json()['errors'][0]['detail'])
        self.assertEqual([], self.glance_images())
        other.restart()
        # Nothing could be made there; nor is anything left.
        self.assertNoImagesLeft(OTHER_VIM)

    def test_a_vim_killed_mid_stream_leaves_nothing_in_either(self):
        body, ctype = self.body(os.urandom(64 * 1024 * 1024),
                                [self.VIM, OTHER_VIM])
        other = self.glances[OTHER_VIM]
        self.addCleanup(other.restart)

        def slow_body():
            for i, start in enumerate(range(0, len(body), 1024 * 1024)):
                if i == 16:
                    # Both images are being filled by now.
                    other.kill()
                yield body[start:start + 1024 * 1024]

        resp = self.post(slow_body(), ctype)
        self.assertIn(resp.status_code, (502, 503), resp.text)
        self.assertIn(OTHER_VIM, resp.json()['errors'][0]['detail'])
        self.assertEqual([], self.glance_images())
        other.restart()
        # mcimage deletes the image it could not delete while that Glance
        # was down, once it is back.
        self.assertNoImagesLeft(OTHER_VIM)
