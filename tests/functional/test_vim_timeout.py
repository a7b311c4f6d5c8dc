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

"""[vim:ID] timeout bounds each read and connect, never a whole transfer."""

import hashlib
import os
import time

import requests

from tests.functional import base
from tests.functional import test_onap_upload


class TestVimTimeout(base.FunctionalTestCase):

    # keystoneauth's session timeout, passed to requests: per socket
    # operation.
    EXTRA_CONF = '[vim:local_RegionOne]\ntimeout = 2\n'

    def test_transfer_longer_than_the_timeout(self):
        # The option is in force for this VIM.
        self.assertRegex(self.mcimage.log_tail(10 ** 6),
                         r'vim:local_RegionOne\.timeout\s+= 2\b')
        data = os.urandom(12 * 1024 * 1024)
        body, ctype = test_onap_upload.multipart_body(
            [('imageType', 'raw')], 'slow.img', data)

        def slow():
            for start in range(0, len(body), 1024 * 1024):
                time.sleep(0.35)
                yield body[start:start + 1024 * 1024]

        started = time.monotonic()
        resp = requests.post(self.images_url() + '/file', data=slow(),
                             headers=self.headers(**{'Content-Type': ctype}),
                             timeout=120)
        self.assertGreater(time.monotonic() - started, 4)
        self.assertEqual(201, resp.status_code, resp.text)
        self.assertEqual(hashlib.md5(data).hexdigest(),
                         resp.json()['checksum'])
        # A download read slowly, longer than the timeout too.
        got = requests.get(self.images_url() + '/%s/file' %
                           resp.json()['id'], headers=self.headers(),
                           stream=True, timeout=120)
        digest = hashlib.md5()
        started = time.monotonic()
        for chunk in got.iter_content(1024 * 1024):
            digest.update(chunk)
            time.sleep(0.35)
        self.assertGreater(time.monotonic() - started, 4)
        self.assertEqual(hashlib.md5(data).hexdigest(), digest.hexdigest())
