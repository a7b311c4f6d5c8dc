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

"""POST /v1/images/file: one upload into several VIMs at once."""

import hashlib
import json

from mcimage.common import exception
from mcimage.db import api as db_api
from tests.unit.api import base
from tests.unit import fakes

URL = '/v1/images/file'
DATA = fakes.QCOW2_HEADER + bytes(range(256)) * 2000
BOTH = [{'vim_id': base.VIM, 'tenant_id': 'p1'},
        {'vim_id': base.OTHER_VIM, 'tenant_id': 'p1'}]


class TestFanOut(base.APITestCase):

    def upload(self, targets=BOTH, status=201, persona='member',
               extra=(), data=DATA):
        fields = [('imageType', 'qcow2')] + list(extra)
        if targets is not None:
            fields.append(('targets', targets if isinstance(targets, str)
                           else json.dumps(targets)))
        resp = self.app.post(URL, params=fields,
                             upload_files=[('file', 'disk.qcow2', data)],
                             headers=self.headers(persona),
                             expect_errors=status >= 400)
        self.assertEqual(status, resp.status_int, resp.text)
        self.assertEqual([], db_api.upload_get_all())
        return resp

    def assertNothingLeft(self):
        for fake in self.glance.values():
            self.assertEqual({}, fake.images)

    def test_two_vims_201(self):
        resp = self.upload()
        images = resp.json['images']
        self.assertEqual([base.VIM, base.OTHER_VIM],
                         [i['vimId'] for i in images])
        for image in images:
            fake = self.glance[image['vimId']]
            self.assertEqual(DATA, fake.data[image['id']])
            self.assertEqual(hashlib.md5(DATA).hexdigest(),
                             image['checksum'])
            self.assertEqual('p1', image['tenantId'])
            self.assertTrue(image['self'].startswith(
                '/v1/%s/p1/images/' % image['vimId']))

    def test_one_target_failing_leaves_nothing_anywhere(self):
        self.glance[base.OTHER_VIM].fail_upload = (
            exception.BackendUnavailable(vim_id=base.OTHER_VIM))
        resp = self.upload(status=503)
        error = self.assertError(resp, 503, base.OTHER_VIM)
        self.assertIn('tenant p1', error['detail'])
        self.assertNothingLeft()

    def test_bad_data_leaves_nothing_anywhere(self):
        resp = self.upload(status=400, extra=[('checksum', '0' * 32)])
        self.assertError(resp, 400, "'checksum'")
        self.assertNothingLeft()
        resp = self.upload(status=400, data=b'not qcow2' * 100)
        self.assertError(resp, 400, 'not the disk_format qcow2')
        self.assertNothingLeft()

    def test_targets_checked_before_anything(self):
        for targets, status, detail in (
                (None, 400, "'targets'"),
                ('[', 400, 'targets'),
                ([], 400, 'targets'),
                ([{'vim_id': base.VIM}], 400, 'tenant_id'),
                ([{'vim_id': base.VIM, 'tenant_id': 'p1', 'x': 1}], 400,
                 "'targets.0.x'"),
                (BOTH + BOTH[:1], 400, 'named twice'),
                ([{'vim_id': 'nowhere_X', 'tenant_id': 'p1'}], 404,
                 'nowhere_X'),
                # Not the caller's tenant.
                ([{'vim_id': base.VIM, 'tenant_id': 'p1'},
                  {'vim_id': base.OTHER_VIM, 'tenant_id': 'p2'}], 403,
                 'mcimage:image:upload')):
            resp = self.upload(targets=targets, status=status)
            self.assertError(resp, status, detail)
            self.assertNothingLeft()

    def test_targets_nested_too_deep(self):
        for targets in ('[' * 60000, '[' * 30000 + ']' * 30000,
                        '[' * 33 + ']' * 33):
            resp = self.upload(targets=targets, status=400)
            self.assertError(resp, 400, "'targets'")
            self.assertIn('nested deeper than', resp.text)
            self.assertNothingLeft()

    def test_reader_403(self):
        resp = self.upload(persona='reader', status=403)
        self.assertError(resp, 403)
        self.assertNothingLeft()

    def test_admin_any_tenants(self):
        resp = self.upload(persona='admin', targets=[
            {'vim_id': base.VIM, 'tenant_id': 'p1'},
            {'vim_id': base.OTHER_VIM, 'tenant_id': 'p2'}])
        self.assertEqual(['p1', 'p2'],
                         [i['owner'] for i in resp.json['images']])
