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

"""The ONAP upload and download through mcimage into Glance."""

import hashlib
import http.client
import json
import os
import time
import uuid

import requests

from tests.functional import base
from tests.functional.fixtures import forms


def multipart_body(fields, file_name, data, boundary='mcimage-boundary'):
    """A multipart/form-data body: the fields, then the file part."""
    return (forms.head(fields, file_name, boundary) + data
            + forms.tail(boundary), forms.content_type(boundary))


class TestOnapUpload(base.FunctionalTestCase):

    def upload(self, data, fields=None, file_name='disk.img', **kw):
        fields = fields if fields is not None else [
            ('imageType', 'raw'), ('containerFormat', 'bare')]
        body, ctype = multipart_body(fields, file_name, data)
        headers = self.headers(**{'Content-Type': ctype})
        headers.update(kw.pop('headers', {}))
        return requests.post(self.images_url() + '/file', data=body,
                             headers=headers, timeout=120, **kw)

    def test_upload_and_download_round_trip(self):
        data = os.urandom(24 * 1024 * 1024 + 11)
        md5 = hashlib.md5(data).hexdigest()
        resp = self.upload(data, fields=[
            ('name', 'cirros.qcow2-not-really'),
            ('imageType', 'raw'),
            ('containerFormat', 'bare'),
            ('visibility', 'private'),
            ('checksum', md5),
            ('properties', json.dumps([{'keyName': 'os_distro',
                                        'value': 'cirros'}])),
        ])
        self.assertEqual(201, resp.status_code, resp.text)
        image = resp.json()
        self.assertEqual('active', image['status'])
        self.assertEqual(md5, image['checksum'])
        self.assertEqual('raw', image['imageType'])
        self.assertEqual('bare', image['containerFormat'])
        self.assertEqual(self.VIM, image['vimId'])
        self.assertEqual(self.tenant, image['tenantId'])
        self.assertNotIn('direct_url', image)
        self.assertNotIn('locations', image)
        self.assertEqual(resp.headers['Location'].split('127.0.0.1', 1)[1]
                         .split('/', 1)[1], image['self'].lstrip('/'))

        # What Glance itself recorded.
        recorded = self.glance.get_image(image['id'], self.tenant)
        self.assertEqual('active', recorded['status'])
        self.assertEqual(md5, recorded['checksum'])
        self.assertEqual(hashlib.sha512(data).hexdigest(),
                         recorded['os_hash_value'])
        self.assertEqual(len(data), recorded['size'])
        self.assertEqual('cirros.qcow2-not-really', recorded['name'])
        self.assertEqual('cirros', recorded['os_distro'])
        self.assertEqual(self.tenant, recorded['owner'])
        self.assertEqual('private', recorded['visibility'])

        sha256 = hashlib.sha256(data).hexdigest()
        for path in ('/file/%s' % image['id'], '/%s/file' % image['id']):
            got = requests.get(self.images_url() + path,
                               headers=self.headers(), stream=True,
                               timeout=120)
            self.assertEqual(200, got.status_code)
            self.assertEqual(str(len(data)), got.headers['Content-Length'])
            self.assertEqual(md5, got.headers['Content-MD5'])
            digest = hashlib.sha256()
            for chunk in got.iter_content(1024 * 1024):
                digest.update(chunk)
            self.assertEqual(sha256, digest.hexdigest())

        shown = requests.get(self.images_url() + '/' + image['id'],
                             headers=self.headers(), timeout=30)
        self.assertEqual(200, shown.status_code)
        self.assertEqual(md5, shown.json()['checksum'])

    def test_range_downloads(self):
        data = os.urandom(1024 * 1024 + 5)
        resp = self.upload(data)
        self.assertEqual(201, resp.status_code, resp.text)
        url = self.images_url() + '/%s/file' % resp.json()['id']
        for byte_range, first, last in (
                ('bytes=0-99', 0, 99), ('bytes=1000-', 1000, len(data) - 1),
                ('bytes=-10', len(data) - 10, len(data) - 1)):
            got = requests.get(url, timeout=30, headers=self.headers(
                Range=byte_range))
            self.assertEqual(206, got.status_code, got.text)
            self.assertEqual(data[first:last + 1], got.content)
            self.assertEqual('bytes %d-%d/%d' % (first, last, len(data)),
                             got.headers['Content-Range'])
            self.assertNotIn('Content-MD5', got.headers)
        got = requests.get(url, timeout=30, headers=self.headers(
            Range='bytes=%d-' % len(data)))
        self.assertError(got, 416)
        self.assertEqual('bytes */%d' % len(data),
                         got.headers['Content-Range'])

    def test_name_defaults_to_file_name_and_form_wins_over_it(self):
        resp = self.upload(b'\0' * 4096, file_name='ubuntu-22.04.iso',
                           fields=[('imageType', 'raw'),
                                   ('containerFormat', 'bare')])
        self.assertEqual(201, resp.status_code, resp.text)
        recorded = self.glance.get_image(resp.json()['id'], self.tenant)
        self.assertEqual('ubuntu-22.04.iso', recorded['name'])
        self.assertEqual('raw', recorded['disk_format'])

    def test_chunked_upload(self):
        data = os.urandom(3 * 1024 * 1024)
        body, ctype = multipart_body([('imageType', 'raw')], 'c.img', data)

        def gen():
            for i in range(0, len(body), 100000):
                yield body[i:i + 100000]
        resp = requests.post(self.images_url() + '/file', data=gen(),
                             headers=self.headers(**{'Content-Type': ctype}),
                             timeout=120)
        self.assertEqual(201, resp.status_code, resp.text)
        self.assertEqual(hashlib.md5(data).hexdigest(),
                         resp.json()['checksum'])

    def test_truncated_multipart_leaves_nothing(self):
        data = os.urandom(2 * 1024 * 1024)
        body, ctype = multipart_body([('imageType', 'raw')], 'x.img', data)
        resp = requests.post(self.images_url() + '/file',
                             data=body[:-40], timeout=60,
                             headers=self.headers(**{'Content-Type': ctype}))
        self.assertError(resp, 400, 'multipart')
        self.assertEqual([], self.glance_images())

    def test_missing_file_part_leaves_nothing(self):
        body = (b'--b\r\nContent-Disposition: form-data; name="imageType"'
                b'\r\n\r\nraw\r\n--b--\r\n')
        resp = requests.post(self.images_url() + '/file', data=body,
                             timeout=60, headers=self.headers(**{
                                 'Content-Type':
                                     'multipart/form-data; boundary=b'}))
        self.assertError(resp, 400, "'file'")
        self.assertEqual([], self.glance_images())

    def test_checksum_mismatch_leaves_nothing(self):
        resp = self.upload(b'abc' * 1000, fields=[
            ('imageType', 'raw'), ('checksum', '0' * 32)])
        self.assertError(resp, 400, 'checksum')
        self.assertEqual([], self.glance_images())

    def test_bad_form_value_names_field(self):
        resp = self.upload(b'abc', fields=[('imageType', 'qcow3')])
        self.assertError(resp, 400, 'disk_format')
        self.assertEqual([], self.glance_images())

    def test_unknown_vim(self):
        resp = requests.get(self.mcimage.url('/v1/nowhere_X/%s/images/abc' %
                                             self.tenant),
                            headers=self.headers(), timeout=30)
        self.assertError(resp, 404, 'nowhere_X')

    def test_unknown_image(self):
        resp = requests.get(self.images_url() +
                            '/3f9a6d5e-0000-4000-8000-000000000000',
                            headers=self.headers(), timeout=30)
        self.assertError(resp, 404, '3f9a6d5e')

    def test_policy_reader_and_other_project(self):
        resp = self.upload(b'abc', headers={'X-Roles': 'reader'})
        self.assertError(resp, 403)
        resp = self.upload(b'abc', headers={'X-Project-Id': 'someone-else'})
        self.assertError(resp, 403)
        resp = self.upload(b'abc', fields=[('imageType', 'raw'),
                                           ('visibility', 'public')])
        self.assertError(resp, 403, 'publicize')
        self.assertEqual([], self.glance_images())

    def test_reader_neither_downloads_nor_uploads(self):
        data = os.urandom(100000)
        resp = self.upload(data)
        self.assertEqual(201, resp.status_code, resp.text)
        url = self.images_url() + '/file/' + resp.json()['id']
        got = requests.get(url, headers=self.headers(roles='reader'),
                           timeout=30)
        self.assertError(got, 403, 'mcimage:image:download')
        got = requests.get(url, headers=self.headers(), timeout=30)
        self.assertEqual(200, got.status_code, got.text)
        self.assertEqual(data, got.content)
        refused = self.upload(data, headers={'X-Roles': 'reader'})
        self.assertError(refused, 403)
        self.assertEqual([resp.json()['id']],
                         [i['id'] for i in self.glance_images()])

    def test_request_id_follows_into_glance(self):
        request_id = 'req-%s' % uuid.uuid4()
        resp = self.upload(b'abc', headers={
            'X-OpenStack-Request-ID': request_id})
        self.assertEqual(201, resp.status_code, resp.text)
        with open(os.path.join(self.glance.log_dir, 'glance-api.log')) as f:
            self.assertIn(request_id, f.read())

    def test_owner_sees_what_others_do_not(self):
        resp = self.upload(b'secret' * 100)
        self.assertEqual(201, resp.status_code, resp.text)
        image_id = resp.json()['id']
        other = 'p-other-%s' % self.tenant
        url = self.images_url(tenant=other) + '/' + image_id
        # Glance itself hides it from the other project: 404, no leak.
        got = requests.get(url, headers=self.headers(tenant=other),
                           timeout=30)
        self.assertError(got, 404)
        # The other project may not use the owner's path at all.
        got = requests.get(self.images_url() + '/' + image_id,
                           headers=self.headers(tenant=other), timeout=30)
        self.assertError(got, 403)

    def test_download_of_queued_image_is_204(self):
        created = requests.post(
            self.glance.endpoint + '/v2/images',
            json={'name': 'empty', 'disk_format': 'raw',
                  'container_format': 'bare'},
            headers=self.glance.headers(self.tenant, roles='member,reader'),
            timeout=30)
        self.assertEqual(201, created.status_code, created.text)
        got = requests.get(self.images_url() + '/%s/file' %
                           created.json()['id'], headers=self.headers(),
                           timeout=30)
        self.assertEqual(204, got.status_code)
        self.assertEqual(b'', got.content)


class PartialUpload(object):
    """An ONAP upload sent by hand, a piece at a time."""

    def __init__(self, test, size):
        self.test = test
        self.size = size
        boundary = 'partialb'
        self.head = (
            '--%s\r\nContent-Disposition: form-data; name="imageType"'
            '\r\n\r\nraw\r\n--%s\r\nContent-Disposition: form-data; '
            'name="file"; filename="big.img"\r\n\r\n' %
            (boundary, boundary)).encode()
        self.tail = ('\r\n--%s--\r\n' % boundary).encode()
        self.conn = http.client.HTTPConnection(
            '127.0.0.1', test.mcimage.port, timeout=60)
        test.addCleanup(self.conn.close)
        self.conn.putrequest('POST', '/v1/%s/%s/images/file' % (
            test.VIM, test.tenant))
        for name, value in test.headers(**{
                'Content-Type': 'multipart/form-data; boundary=%s' %
                boundary}).items():
            self.conn.putheader(name, value)
        self.conn.putheader('Content-Length',
                            str(len(self.head) + size + len(self.tail)))
        self.conn.endheaders()
        self.conn.send(self.head)
        self.sent = 0
        self.chunk = os.urandom(1024 * 1024)

    def send_until_image_in_glance(self):
        """Send file data until Glance holds the image; its id."""
        deadline = time.monotonic() + 60
        images = []
        while time.monotonic() < deadline and self.sent < self.size // 2:
            self.conn.send(self.chunk)
            self.sent += len(self.chunk)
            images = self.test.glance_images()
            if images and self.sent >= 8 * len(self.chunk):
                break
        self.test.assertEqual(1, len(images), images)
        self.test.assertIn(images[0]['status'], ('queued', 'saving'))
        return images[0]['id']

    def finish(self):
        """Send the rest; the response."""
        try:
            while self.sent < self.size:
                piece = self.chunk[:self.size - self.sent]
                self.conn.send(piece)
                self.sent += len(piece)
            self.conn.send(self.tail)
        except OSError:
            pass
        return self.conn.getresponse()

    def wait_gone(self, image_id, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.test.glance.get_image(image_id,
                                          self.test.tenant) is None:
                return
            time.sleep(0.5)
        self.test.fail('image %s is still in Glance: %s' % (
            image_id, self.test.glance.get_image(image_id,
                                                 self.test.tenant)))


class TestVimDown(base.FunctionalTestCase):

    EXTRA_CONF = '[upload]\ncleanup_interval = 1\n'

    def test_stopped_glance_is_503_and_nothing_left(self):
        body, ctype = multipart_body([('imageType', 'raw')], 'x.img',
                                     b'x' * 100000)
        self.glance.stop()
        self.addCleanup(self.glance.restart)
        resp = requests.post(self.images_url() + '/file', data=body,
                             timeout=60,
                             headers=self.headers(**{'Content-Type': ctype}))
        error = self.assertError(resp, 503, self.VIM)
        self.assertNotIn('127.0.0.1', error['detail'])
        vim = requests.get(self.mcimage.url('/v1/vims/' + self.VIM),
                           headers=self.headers(), timeout=30)
        self.assertEqual(200, vim.status_code)
        self.assertFalse(vim.json()['reachable'])
        self.glance.restart()
        self.assertEqual([], self.glance_images())
        # And it works again once the VIM is back.
        resp = requests.post(self.images_url() + '/file', data=body,
                             timeout=60,
                             headers=self.headers(**{'Content-Type': ctype}))
        self.assertEqual(201, resp.status_code, resp.text)

    def test_vim_killed_mid_upload_then_back(self):
        upload = PartialUpload(self, 48 * 1024 * 1024)
        image_id = upload.send_until_image_in_glance()
        self.glance.kill()
        self.addCleanup(self.glance.restart)
        resp = upload.finish()
        self.assertIn(resp.status, (502, 503))
        body = json.loads(resp.read())
        self.assertEqual(resp.status, body['errors'][0]['status'])
        self.glance.restart()
        # mcimage could not delete the image while Glance was down; it
        # does so once Glance is back.
        upload.wait_gone(image_id)
        resp = requests.post(
            self.images_url() + '/file', timeout=60,
            data=multipart_body([('imageType', 'raw')], 'x.img', b'y')[0],
            headers=self.headers(**{
                'Content-Type': 'multipart/form-data; '
                                'boundary=mcimage-boundary'}))
        self.assertEqual(201, resp.status_code, resp.text)


class TestCrashRecovery(base.FunctionalTestCase):

    def test_killed_mcimage_mid_upload_leaves_no_image(self):
        upload = PartialUpload(self, 64 * 1024 * 1024)
        image_id = upload.send_until_image_in_glance()
        self.mcimage.kill()
        upload.conn.close()
        self.mcimage.start()
        upload.wait_gone(image_id)
        self.assertIn('interrupted by a stop of mcimage',
                      self.mcimage.log_tail(200000))
