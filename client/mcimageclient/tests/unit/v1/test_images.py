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

import hashlib
import io
import json
import os
import re

import fixtures

from mcimageclient import exceptions
from mcimageclient.tests.unit import base
from mcimageclient.v1 import images

DATA = b'data' * 300000  # 1.2 MB: more than one piece of 1 MiB.
MD5 = hashlib.md5(DATA).hexdigest()
SHA512 = hashlib.sha512(DATA).hexdigest()


def read_body(request):
    """A request's body, read as a transport reads it (it streams)."""
    body = request.body
    return body if isinstance(body, bytes) else b''.join(body)


def form_parts(request, body):
    """[(name, filename, data)] of a multipart/form-data request."""
    boundary = re.search('boundary=(.+)',
                         request.headers['Content-Type']).group(1)
    pieces = body.split(b'--' + boundary.encode())
    # Before the first delimiter: nothing; after the last: '--\r\n'.
    assert pieces[0] == b'' and pieces[-1] == b'--\r\n', pieces[-1]
    parts = []
    for piece in pieces[1:-1]:
        head, _sep, content = piece[2:-2].partition(b'\r\n\r\n')
        disposition = head.decode().split('\r\n')[0]
        name = re.search(' name="([^"]*)"', disposition).group(1)
        filename = re.search('filename="([^"]*)"', disposition)
        parts.append((name, filename and filename.group(1), content))
    return parts


class Progress(object):

    def __init__(self):
        self.calls = []

    def __call__(self, done, total):
        self.calls.append((done, total))


class TestImageMetadata(base.TestCase):

    def test_list_filters_and_pages(self):
        url = base.TENANT_URL + '/images'
        first = url + ('?tag=a&tag=b&protected=false&os_distro=cirros'
                       '&sort=name%3Aasc&limit=1')
        self.requests.get(first, complete_qs=True, json={
            'images': [base.image(id='i1')],
            'next': '/v1/%s/%s/images?tag=a&tag=b&protected=false&'
                    'os_distro=cirros&sort=name%%3Aasc&limit=1&marker=i1'
                    % (base.VIM, base.TENANT)})
        self.requests.get(first + '&marker=i1', complete_qs=True,
                          json={'images': [base.image(id='i2')]})
        listed = self.client.images.list(
            base.VIM, base.TENANT,
            filters={'tag': ['a', 'b'], 'protected': False,
                     'os_distro': 'cirros'},
            sort='name:asc', page_size=1)
        self.assertEqual(['i1', 'i2'], [i['id'] for i in listed])
        self.assertEqual(2, len(self.api_requests()))
        self.assertMicroversion()

    def test_path_values_are_one_segment_each(self):
        self.requests.get(base.V1 + '/a%2Fb/t%20%3F/images/x%2F..',
                          json=base.image())
        self.client.images.get('a/b', 't ?', 'x/..')
        self.assertEqual(1, len(self.api_requests()))

    def test_get_and_accept(self):
        self.requests.get(base.IMAGE_URL, json=base.image())
        self.assertEqual(base.image(), self.client.images.get(
            base.VIM, base.TENANT, base.IMAGE_ID))
        self.assertEqual('application/json', self.last().headers['Accept'])

    def test_find_by_id_then_by_name(self):
        self.requests.get(base.IMAGE_URL, json=base.image())
        self.assertEqual(base.IMAGE_ID, self.client.images.find(
            base.VIM, base.TENANT, base.IMAGE_ID)['id'])
        self.requests.get(base.TENANT_URL + '/images?name=disk&limit=2',
                          complete_qs=True,
                          json={'images': [base.image(id='i9')]})
        self.assertEqual('i9', self.client.images.find(
            base.VIM, base.TENANT, 'disk')['id'])

    def test_find_a_uuid_name(self):
        self.requests.get(base.IMAGE_URL, status_code=404,
                          json=base.api_error(404, 'mcimage.image_not_found',
                                              'no image'))
        self.requests.get(base.TENANT_URL + '/images?name=' + base.IMAGE_ID,
                          json={'images': [base.image(id='i9')]})
        self.assertEqual('i9', self.client.images.find(
            base.VIM, base.TENANT, base.IMAGE_ID)['id'])

    def test_find_in_an_unknown_vim(self):
        self.requests.get(base.IMAGE_URL, status_code=404,
                          json=base.api_error(404, 'mcimage.vim_not_found',
                                              'VIM acme is not known'))
        e = self.assertRaises(exceptions.NotFound, self.client.images.find,
                              base.VIM, base.TENANT, base.IMAGE_ID)
        self.assertEqual('mcimage.vim_not_found', e.code)
        self.assertEqual(1, len(self.api_requests()))

    def test_find_none_or_many(self):
        url = base.TENANT_URL + '/images?name=disk&limit=2'
        self.requests.get(base.TENANT_URL + '/images?name=disk', json={
            'images': []})
        e = self.assertRaises(exceptions.NotFound, self.client.images.find,
                              base.VIM, base.TENANT, 'disk')
        self.assertIn("'disk'", str(e))
        self.requests.get(base.TENANT_URL + '/images?name=disk', json={
            'images': [base.image(id='a'), base.image(id='b')],
            'next': url + '&marker=b'})
        self.assertRaises(exceptions.NoUniqueMatch, self.client.images.find,
                          base.VIM, base.TENANT, 'disk')

    def test_create(self):
        self.requests.post(base.TENANT_URL + '/images', status_code=201,
                           json=base.image(status='queued'))
        image = self.client.images.create(base.VIM, base.TENANT, name='n',
                                          disk_format='qcow2', os_distro='c')
        self.assertEqual('queued', image['status'])
        self.assertJsonBody({'name': 'n', 'disk_format': 'qcow2',
                             'os_distro': 'c'})

    def test_update_is_one_json_patch(self):
        self.requests.get(base.IMAGE_URL, json=base.image(os_distro='c',
                                                          old='x'))
        self.requests.patch(base.IMAGE_URL, json=base.image(name='new'))
        image = self.client.images.update(
            base.VIM, base.TENANT, base.IMAGE_ID, name='new', hw_x='1',
            remove_props=['old', 'absent'])
        self.assertEqual('new', image['name'])
        patch = self.last()
        self.assertEqual('application/openstack-images-v2.1-json-patch',
                         patch.headers['Content-Type'])
        self.assertJsonBody([
            {'op': 'replace', 'path': '/name', 'value': 'new'},
            {'op': 'add', 'path': '/hw_x', 'value': '1'},
            {'op': 'remove', 'path': '/old'}])

    def test_update_with_nothing_to_do_sends_nothing(self):
        self.requests.get(base.IMAGE_URL, json=base.image())
        self.client.images.update(base.VIM, base.TENANT, base.IMAGE_ID,
                                  remove_props=['absent'])
        self.assertEqual([('GET', base.IMAGE_URL)], self.history())

    def test_delete_actions_and_tags_ask_no_json(self):
        self.requests.delete(base.IMAGE_URL, status_code=204)
        for action in ('deactivate', 'reactivate'):
            self.requests.post(base.IMAGE_URL + '/actions/' + action,
                               status_code=204)
        self.requests.put(base.IMAGE_URL + '/tags/a%2Fb%20c',
                          status_code=204)
        self.requests.delete(base.IMAGE_URL + '/tags/t', status_code=204)
        mgr = self.client.images
        mgr.delete(base.VIM, base.TENANT, base.IMAGE_ID)
        mgr.deactivate(base.VIM, base.TENANT, base.IMAGE_ID)
        mgr.reactivate(base.VIM, base.TENANT, base.IMAGE_ID)
        mgr.add_tag(base.VIM, base.TENANT, base.IMAGE_ID, 'a/b c')
        mgr.remove_tag(base.VIM, base.TENANT, base.IMAGE_ID, 't')
        self.assertEqual([
            ('DELETE', base.IMAGE_URL),
            ('POST', base.IMAGE_URL + '/actions/deactivate'),
            ('POST', base.IMAGE_URL + '/actions/reactivate'),
            ('PUT', base.IMAGE_URL + '/tags/a%2Fb%20c'),
            ('DELETE', base.IMAGE_URL + '/tags/t')], self.history())
        # mcimage answers 406 to Accept: application/json on these.
        for request in self.api_requests():
            self.assertNotEqual('application/json',
                                request.headers.get('Accept'))
        self.assertMicroversion()


class TestUpload(base.TestCase):

    def setUp(self):
        super().setUp()
        self.path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                                 'disk.img')
        with open(self.path, 'wb') as f:
            f.write(DATA)

    def answer(self, method, url, status_code, **kwargs):
        """Answer ``method url``; the body sent lands in self.sent."""
        answer = kwargs.pop('body', None)

        def reply(request, context):
            self.sent = read_body(request)
            return answer
        getattr(self.requests, method)(url, status_code=status_code,
                                       json=reply, **kwargs)

    def body(self):
        return self.sent

    def test_put_a_path(self):
        self.answer('put', base.IMAGE_URL + '/file', 204,
                    headers={'OpenStack-Staged-Upload-Id': 's1'})
        progress = Progress()
        staged = self.client.images.upload(
            base.VIM, base.TENANT, base.IMAGE_ID, self.path, checksum=MD5,
            progress_callback=progress)
        self.assertEqual('s1', staged)
        request = self.last()
        self.assertEqual('application/octet-stream',
                         request.headers['Content-Type'])
        self.assertEqual(MD5, request.headers['Content-MD5'])
        self.assertEqual(str(len(DATA)), request.headers['Content-Length'])
        self.assertEqual(DATA, self.body())
        self.assertEqual([(0, len(DATA)), (1024 * 1024, len(DATA)),
                          (len(DATA), len(DATA))], progress.calls)
        self.assertMicroversion()

    def test_put_a_stream_of_unknown_size_is_chunked(self):
        self.answer('put', base.IMAGE_URL + '/file', 204)

        class Pipe(io.RawIOBase):
            def __init__(self):
                self._data = io.BytesIO(DATA)

            def readable(self):
                return True

            def read(self, size=-1):
                return self._data.read(size)

        progress = Progress()
        self.assertIsNone(self.client.images.upload(
            base.VIM, base.TENANT, base.IMAGE_ID, Pipe(),
            progress_callback=progress))
        self.assertEqual('chunked',
                         self.last().headers['Transfer-Encoding'])
        self.assertNotIn('Content-Length', self.last().headers)
        self.assertEqual(DATA, self.body())
        self.assertEqual((len(DATA), None), progress.calls[-1])

    def test_a_file_that_shrinks_fails(self):
        self.answer('put', base.IMAGE_URL + '/file', 204)

        class Shrinking(io.BytesIO):
            def read(self, size=-1):
                return super().read(min(size, 1000))[:999]

        source = Shrinking(DATA[:2000])
        e = self.assertRaises(exceptions.ClientException,
                              self.client.images.upload, base.VIM,
                              base.TENANT, base.IMAGE_ID, source)
        self.assertIn('ended after', str(e))

    def test_create_with_data_is_one_form(self):
        self.answer('post', base.TENANT_URL + '/images/file', 201,
                    body=base.image(imageType='raw'),
                    headers={'OpenStack-Staged-Upload-Id': 's2'})
        progress = Progress()
        with open(self.path, 'rb') as f:
            image = self.client.images.create_with_data(
                base.VIM, base.TENANT, f, 'qcow2', checksum=MD5,
                progress_callback=progress, name='n', protected=True,
                tags=['a', 'b'], min_disk=2, os_distro='cirros')
        self.assertEqual('s2', image['staged_upload_id'])
        self.assertEqual('application/json', self.last().headers['Accept'])
        parts = form_parts(self.last(), self.sent)
        self.assertEqual([
            ('name', None, b'n'), ('protected', None, b'true'),
            ('tags', None, b'["a", "b"]'), ('min_disk', None, b'2'),
            ('disk_format', None, b'qcow2'),
            ('container_format', None, b'bare'),
            ('properties', None, b'{"os_distro": "cirros"}'),
            ('checksum', None, MD5.encode()),
            ('size', None, str(len(DATA)).encode()),
            ('file', 'disk.img', DATA)], parts)
        self.assertEqual(len(self.body()),
                         int(self.last().headers['Content-Length']))
        self.assertEqual((len(DATA), len(DATA)), progress.calls[-1])

    def test_a_file_name_cannot_forge_a_header(self):
        self.answer('post', base.TENANT_URL + '/images/file', 201,
                    body=base.image())
        source = io.BytesIO(b'x')
        source.name = 'a"b\r\nX: y.img'
        self.client.images.create_with_data(base.VIM, base.TENANT, source,
                                            'raw')
        self.assertEqual(('file', 'a_b__X: y.img', b'x'),
                         form_parts(self.last(), self.sent)[-1])

    def test_fan_out(self):
        body = {'images': [base.image(vimId='v1'), base.image(vimId='v2')],
                'staged_upload': {'id': 's3'}}
        self.answer('post', base.V1 + '/images/file', 201, body=body)
        self.assertEqual(body, self.client.images.fan_out(
            [('v1', 't1'), {'vim_id': 'v2', 'tenant_id': 't2'}], self.path,
            'raw', name='n'))
        parts = form_parts(self.last(), self.sent)
        self.assertEqual(('targets', None, json.dumps(
            [{'vim_id': 'v1', 'tenant_id': 't1'},
             {'vim_id': 'v2', 'tenant_id': 't2'}]).encode()), parts[0])
        self.assertEqual(('file', 'disk.img', DATA), parts[-1])
        self.assertMicroversion()

    def test_refused_upload(self):
        self.requests.post(base.TENANT_URL + '/images/file', status_code=413,
                           json=base.api_error(413, 'mcimage.too_large',
                                               'over quota'))
        e = self.assertRaises(exceptions.RequestEntityTooLarge,
                              self.client.images.create_with_data,
                              base.VIM, base.TENANT, self.path, 'raw')
        self.assertEqual('mcimage.too_large', e.code)


class TestDownload(base.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.dest = os.path.join(self.dir, 'back.img')

    def serve(self, md5=MD5, sha512=SHA512, size=len(DATA), data=DATA,
              status=200):
        self.requests.get(base.IMAGE_URL, json=base.image(
            size=size, os_hash_value=sha512))
        self.requests.get(base.IMAGE_URL + '/file', status_code=status,
                          content=data,
                          headers={'Content-MD5': md5} if md5 else {})

    def test_to_a_path_checked(self):
        self.serve()
        progress = Progress()
        got = self.client.images.download(base.VIM, base.TENANT,
                                          base.IMAGE_ID, self.dest,
                                          progress_callback=progress)
        with open(self.dest, 'rb') as f:
            self.assertEqual(DATA, f.read())
        self.assertEqual({'size': len(DATA), 'checksum': MD5,
                          'os_hash_algo': 'sha512',
                          'os_hash_value': SHA512}, got)
        self.assertEqual((len(DATA), len(DATA)), progress.calls[-1])
        self.assertNotEqual('application/json',
                            self.last().headers.get('Accept'))
        self.assertMicroversion()

    def test_to_a_file_md5_in_base64(self):
        import base64
        self.serve(md5=base64.b64encode(bytes.fromhex(MD5)).decode())
        out = io.BytesIO()
        self.client.images.download(base.VIM, base.TENANT, base.IMAGE_ID,
                                    out)
        self.assertEqual(DATA, out.getvalue())

    def assertRefused(self, reason, **serve):
        self.serve(**serve)
        e = self.assertRaises(exceptions.ChecksumMismatch,
                              self.client.images.download, base.VIM,
                              base.TENANT, base.IMAGE_ID, self.dest)
        self.assertIn(reason, str(e))
        # What was written is gone: no file looks like the image.
        self.assertEqual([], os.listdir(self.dir))

    def test_md5_mismatch(self):
        self.assertRefused('the VIM sent 0000', md5='0' * 32)

    def test_hash_mismatch(self):
        self.assertRefused('the sha512 of the data received',
                           sha512='ab' * 64)

    def test_size_mismatch(self):
        self.assertRefused('the image has 5', md5=None, size=5)

    def test_no_verify(self):
        self.serve(md5='0' * 32)
        self.client.images.download(base.VIM, base.TENANT, base.IMAGE_ID,
                                    self.dest, verify=False)
        self.assertEqual([('GET', base.IMAGE_URL + '/file')], self.history())

    def test_no_data(self):
        self.serve(status=204, data=b'')
        self.assertRaises(exceptions.NoData, self.client.images.download,
                          base.VIM, base.TENANT, base.IMAGE_ID, self.dest)
        self.assertEqual([], os.listdir(self.dir))

    def test_error(self):
        self.requests.get(base.IMAGE_URL + '/file', status_code=503,
                          json=base.api_error(503, 'mcimage.vim_unavailable',
                                              'VIM down'))
        self.assertRaises(exceptions.ServiceUnavailable,
                          self.client.images.download, base.VIM,
                          base.TENANT, base.IMAGE_ID, self.dest, verify=False)
        self.assertEqual([], os.listdir(self.dir))


class TestFormFields(base.TestCase):

    def test_none_is_left_out(self):
        self.assertEqual([('name', 'n')], images._form_fields(
            {'name': 'n', 'min_ram': None}, None, None))
