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

"""Range downloads (206, Content-Range, 416) through the whole pipeline."""

import ddt
import fixtures

from tests.unit.api import base

DATA = bytes(range(256)) * 40


@ddt.ddt
class TestRange(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.image = self.fake.add_image('p1', data=DATA, disk_format='raw',
                                         container_format='bare')

    def get(self, byte_range, status):
        return self.app.get(
            '/v1/%s/p1/images/%s/file' % (base.VIM, self.image['id']),
            headers=self.headers(Range=byte_range), status=status,
            expect_errors=status >= 400)

    @ddt.data(('bytes=0-99', 0, 99), ('bytes=100-', 100, len(DATA) - 1),
              ('bytes=-50', len(DATA) - 50, len(DATA) - 1),
              ('bytes=10200-99999', 10200, len(DATA) - 1))
    @ddt.unpack
    def test_one_range_206(self, byte_range, first, last):
        resp = self.get(byte_range, 206)
        self.assertEqual(DATA[first:last + 1], resp.body)
        self.assertEqual('bytes %d-%d/%d' % (first, last, len(DATA)),
                         resp.headers['Content-Range'])
        self.assertEqual(str(last - first + 1),
                         resp.headers['Content-Length'])
        # The image's md5 is not the part's.
        self.assertNotIn('Content-MD5', resp.headers)

    def test_unsatisfiable_416(self):
        resp = self.get('bytes=%d-' % len(DATA), 416)
        self.assertError(resp, 416, 'bytes=%d-' % len(DATA))
        self.assertEqual('bytes */%d' % len(DATA),
                         resp.headers['Content-Range'])

    @ddt.data('bytes=0-1,5-9', 'items=0-5', 'bytes=a-b')
    def test_other_forms_ignored_whole_image(self, byte_range):
        resp = self.get(byte_range, 200)
        self.assertEqual(DATA, resp.body)
        self.assertEqual(self.image['checksum'], resp.headers['Content-MD5'])
        self.assertNotIn('Content-Range', resp.headers)

    def asked_ranges(self):
        """The Range values the VIM is asked for, from now on."""
        asked = []
        download = self.fake.download

        def recording(context, tenant_id, image_id, byte_range=None):
            asked.append(byte_range)
            return download(context, tenant_id, image_id,
                            byte_range=byte_range)
        self.useFixture(fixtures.MockPatchObject(self.fake, 'download',
                                                 recording))
        return asked

    @ddt.data('bytes=5-2', 'bytes=100-99')
    def test_invalid_range_ignored_whole_image(self, byte_range):
        # Last before first: invalid (RFC 9110, 14.1.1), so ignored; Glance
        # would answer 416 "outside the image" for a range that is not.
        asked = self.asked_ranges()
        resp = self.get(byte_range, 200)
        self.assertEqual(DATA, resp.body)
        self.assertEqual([None], asked)

    def test_zero_suffix_416_without_asking_the_vim(self):
        # Never satisfiable (RFC 9110, 14.1.1); Glance answers it 206.
        asked = self.asked_ranges()
        resp = self.get('bytes=-0', 416)
        self.assertError(resp, 416, 'bytes=-0')
        self.assertEqual('bytes */%d' % len(DATA),
                         resp.headers['Content-Range'])
        self.assertEqual([], asked)
