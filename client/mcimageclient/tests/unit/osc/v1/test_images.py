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

import io
import json
import os
from unittest import mock

import fixtures
from osc_lib import exceptions as osc_exceptions

from mcimageclient import exceptions
from mcimageclient.osc.v1 import image_members
from mcimageclient.osc.v1 import image_tags
from mcimageclient.osc.v1 import images
from mcimageclient.tests.unit import base
from mcimageclient.tests.unit.osc import base as osc_base
from mcimageclient.tests.unit.v1 import test_images

VT = ['--vim', base.VIM, '--tenant', base.TENANT]
IMAGE = base.image(os_distro='cirros', tags=['a', 'b'])


class TestListShow(osc_base.CommandTestCase):

    def test_list(self):
        self.requests.get(
            base.TENANT_URL + '/images?os_distro=cirros&name=disk&'
            'status=active&visibility=public&tag=a&tag=b&sort=name',
            complete_qs=True, json={'images': [IMAGE]})
        columns, rows = self.listing(images.ListImage, VT + [
            '--property', 'os_distro=cirros', '--name', 'disk', '--status',
            'active', '--public', '--tag', 'a', '--tag', 'b', '--sort',
            'name'])
        self.assertEqual(['ID', 'Name', 'Status'], columns)
        self.assertEqual([[base.IMAGE_ID, 'disk', 'active']], rows)
        self.assertMicroversion()

    def test_list_long_paged_tenant_from_the_token(self):
        self.with_token('p1')
        url = base.TENANT_URL + '/images'
        self.requests.get(url + '?limit=2', json={'images': [IMAGE]})
        self.requests.get(url, json={'images': [IMAGE], 'next':
                                     '/v1/x/y/images?marker=' + IMAGE['id']})
        self.requests.get(url + '?marker=' + IMAGE['id'],
                          json={'images': [IMAGE]})
        columns, rows = self.listing(images.ListImage, [
            '--vim', base.VIM, '--long', '--limit', '2'])
        self.assertEqual(['ID', 'Name', 'Status', 'Disk Format',
                          'Container Format', 'Size', 'Checksum',
                          'Visibility', 'Protected', 'Owner', 'Tags'],
                         columns)
        self.assertEqual([base.IMAGE_ID, 'disk', 'active', 'raw', 'bare', 4,
                          IMAGE['checksum'], 'private', False, 'p1', 'a, b'],
                         rows[0])
        self.assertEqual(2, len(rows))

    def test_no_tenant_without_a_token(self):
        e = self.assertRaises(osc_exceptions.CommandError, self.take,
                              images.ListImage, ['--vim', base.VIM])
        self.assertIn('--tenant', str(e))
        self.assertEqual([], self.api_requests())

    def test_show_by_name(self):
        self.requests.get(base.TENANT_URL + '/images?name=disk',
                          json={'images': [IMAGE]})
        shown = self.show(images.ShowImage, VT + ['disk'])
        self.assertEqual(base.IMAGE_ID, shown['id'])
        self.assertEqual("os_distro='cirros'", shown['properties'])
        self.assertEqual('a, b', shown['tags'])
        for link in ('self', 'file', 'schema'):
            self.assertNotIn(link, shown)


class TestCreate(osc_base.CommandTestCase):

    def setUp(self):
        super().setUp()
        self.path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                                 'disk.img')
        with open(self.path, 'wb') as f:
            f.write(b'data')

    def capture(self, url, body):
        def reply(request, context):
            self.sent = test_images.read_body(request)
            return body
        self.requests.post(url, status_code=201, json=reply)

    def test_without_data(self):
        self.requests.post(base.TENANT_URL + '/images', status_code=201,
                           json=base.image(status='queued'))
        shown = self.show(images.CreateImage, VT + [
            '--id', base.IMAGE_ID, '--min-disk', '1', '--protected',
            '--hidden', '--property', 'k=v', '--tag', 't', 'disk'])
        self.assertEqual('queued', shown['status'])
        self.assertJsonBody({
            'id': base.IMAGE_ID, 'name': 'disk', 'min_disk': 1,
            'protected': True, 'os_hidden': True, 'k': 'v', 'tags': ['t'],
            'disk_format': 'raw', 'container_format': 'bare'})

    def test_with_data(self):
        self.capture(base.TENANT_URL + '/images/file', base.image())
        self.show(images.CreateImage, VT + [
            '--file', self.path, '--disk-format', 'qcow2', '--checksum',
            'c' * 32, '--private', 'disk'])
        parts = test_images.form_parts(self.last(), self.sent)
        self.assertEqual([('name', None, b'disk'),
                          ('visibility', None, b'private'),
                          ('disk_format', None, b'qcow2'),
                          ('container_format', None, b'bare'),
                          ('checksum', None, b'c' * 32),
                          ('size', None, b'4'),
                          ('file', 'disk.img', b'data')], parts)
        # Not a terminal: no progress bar unless asked.
        self.assertEqual('', self.app.stderr.getvalue())

    def test_progress_bar(self):
        self.capture(base.TENANT_URL + '/images/file', base.image())
        self.app.stderr = osc_base.TTY()
        self.show(images.CreateImage, VT + ['--file', self.path])
        shown = self.app.stderr.getvalue()
        self.assertIn('Uploading [', shown)
        self.assertIn('4 B of 4 B (100%)', shown)
        self.assertTrue(shown.endswith('\n'))

    def test_into_several_vims(self):
        self.with_token('p9')
        self.capture(base.V1 + '/images/file', {
            'images': [base.image(vimId='v1', tenantId='t1', id='i1'),
                       base.image(vimId='v2', tenantId='p9', id='i2')],
            'staged_upload': {'id': 's1'}})
        shown = self.show(images.CreateImage, [
            '--target', 'v1:t1', '--target', 'v2', '--file', self.path,
            'disk'])
        self.assertEqual('v1/t1 i1, v2/p9 i2', shown['images'])
        self.assertEqual('s1', shown['staged_upload_id'])
        self.assertNotIn('id', shown)
        parts = test_images.form_parts(self.last(), self.sent)
        self.assertEqual(
            [{'vim_id': 'v1', 'tenant_id': 't1'},
             {'vim_id': 'v2', 'tenant_id': 'p9'}], json.loads(parts[0][2]))

    def test_refused_combinations(self):
        for argv in (VT + ['--target', 'v2', '--file', self.path],
                     ['--tenant', 't', 'disk'],
                     ['--target', 'v2', '--tenant', 't'],
                     VT + ['--checksum', 'c' * 32],
                     VT + ['--id', base.IMAGE_ID, '--file', self.path]):
            self.assertRaises(osc_exceptions.CommandError, self.take,
                              images.CreateImage, argv)
        self.assertEqual([], self.api_requests())


class TestSetUnsetDelete(osc_base.CommandTestCase):

    def setUp(self):
        super().setUp()
        self.requests.get(base.IMAGE_URL, json=IMAGE)

    def test_set(self):
        self.requests.patch(base.IMAGE_URL, json=IMAGE)
        self.requests.put(base.IMAGE_URL + '/tags/new', status_code=204)
        self.requests.post(base.IMAGE_URL + '/actions/deactivate',
                           status_code=204)
        self.assertIsNone(self.take(images.SetImage, VT + [
            base.IMAGE_ID, '--name', 'n', '--property', 'os_distro=x',
            '--property', 'hw=y', '--public', '--unprotected', '--tag',
            'new', '--deactivate']))
        patch = [r for r in self.api_requests()
                 if r.method == 'PATCH'][0]
        self.assertEqual(
            sorted([{'op': 'replace', 'path': '/os_distro', 'value': 'x'},
                    {'op': 'add', 'path': '/hw', 'value': 'y'},
                    {'op': 'replace', 'path': '/name', 'value': 'n'},
                    {'op': 'replace', 'path': '/protected', 'value': False},
                    {'op': 'replace', 'path': '/visibility',
                     'value': 'public'}], key=lambda o: o['path']),
            sorted(json.loads(patch.body), key=lambda o: o['path']))
        self.assertEqual(
            [('PUT', base.IMAGE_URL + '/tags/new'),
             ('POST', base.IMAGE_URL + '/actions/deactivate')],
            self.history()[-2:])

    def test_activate_only(self):
        self.requests.post(base.IMAGE_URL + '/actions/reactivate',
                           status_code=204)
        self.take(images.SetImage, VT + [base.IMAGE_ID, '--activate'])
        self.assertEqual([('GET', base.IMAGE_URL),
                          ('POST', base.IMAGE_URL + '/actions/reactivate')],
                         self.history())

    def test_unset(self):
        self.requests.delete(base.IMAGE_URL + '/tags/a', status_code=204)
        self.requests.patch(base.IMAGE_URL, json=IMAGE)
        self.take(images.UnsetImage, VT + [base.IMAGE_ID, '--tag', 'a',
                                           '--property', 'os_distro'])
        self.assertJsonBody([{'op': 'remove', 'path': '/os_distro'}])
        self.assertIn(('DELETE', base.IMAGE_URL + '/tags/a'), self.history())

    def test_unset_an_absent_property(self):
        e = self.assertRaises(osc_exceptions.CommandError, self.take,
                              images.UnsetImage,
                              VT + [base.IMAGE_ID, '--property', 'nope'])
        self.assertIn('nope', str(e))
        self.assertEqual([('GET', base.IMAGE_URL)], self.history())

    def test_delete_goes_on_after_a_failure(self):
        other = '0d9b3c33-1c53-4a3a-9d55-2f0f1d8e0b1a'
        other_url = base.TENANT_URL + '/images/' + other
        self.requests.get(other_url, json=base.image(id=other))
        self.requests.delete(base.IMAGE_URL, status_code=409,
                             json=base.api_error(409, 'mcimage.conflict',
                                                 'protected'))
        self.requests.delete(other_url, status_code=204)
        e = self.assertRaises(osc_exceptions.CommandError, self.take,
                              images.DeleteImage,
                              VT + [base.IMAGE_ID, other])
        self.assertEqual('Failed to delete 1 of 2 images', str(e))
        self.assertIn(('DELETE', other_url), self.history())


class TestData(osc_base.CommandTestCase):

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.requests.get(base.IMAGE_URL, json=base.image(
            size=len(test_images.DATA), os_hash_value=test_images.SHA512))

    def test_upload(self):
        path = os.path.join(self.dir, 'disk.img')
        with open(path, 'wb') as f:
            f.write(test_images.DATA)

        def reply(request, context):
            self.sent = test_images.read_body(request)
            context.headers['OpenStack-Staged-Upload-Id'] = 's1'
            return ''
        self.requests.put(base.IMAGE_URL + '/file', status_code=204,
                          text=reply)
        shown = self.show(images.UploadImage, VT + [
            base.IMAGE_ID, '--file', path, '--checksum', test_images.MD5])
        self.assertEqual(test_images.DATA, self.sent)
        self.assertEqual('s1', shown['staged_upload_id'])
        self.assertEqual(test_images.MD5,
                         self.api_requests()[1].headers[
                             'Content-MD5'])

    def serve(self, md5=test_images.MD5):
        self.requests.get(base.IMAGE_URL + '/file',
                          content=test_images.DATA,
                          headers={'Content-MD5': md5})

    def test_download_to_a_file(self):
        self.serve()
        path = os.path.join(self.dir, 'back.img')
        self.take(images.DownloadImage, VT + [base.IMAGE_ID, '--file', path,
                                              '--no-progress'])
        with open(path, 'rb') as f:
            self.assertEqual(test_images.DATA, f.read())

    def test_download_to_standard_output(self):
        self.serve()
        self.take(images.DownloadImage, VT + [base.IMAGE_ID])
        self.app.stdout.flush()
        self.assertEqual(test_images.DATA,
                         self.app.stdout.buffer.getvalue())

    def test_download_refuses_a_terminal(self):
        self.app.stdout = osc_base.TTY()
        self.assertRaises(osc_exceptions.CommandError, self.take,
                          images.DownloadImage, VT + [base.IMAGE_ID])
        self.assertEqual([], self.api_requests())

    def test_download_of_bad_data(self):
        self.serve(md5='0' * 32)
        path = os.path.join(self.dir, 'back.img')
        self.assertRaises(exceptions.ChecksumMismatch, self.take,
                          images.DownloadImage,
                          VT + [base.IMAGE_ID, '--file', path])
        self.assertFalse(os.path.exists(path))
        self.take(images.DownloadImage, VT + [base.IMAGE_ID, '--file', path,
                                              '--no-verify'])
        self.assertTrue(os.path.exists(path))


class TestTagsAndMembers(osc_base.CommandTestCase):

    def setUp(self):
        super().setUp()
        self.requests.get(base.IMAGE_URL, json=IMAGE)
        self.member = {'member_id': 'p2', 'image_id': base.IMAGE_ID,
                       'status': 'pending', 'created_at': 'c',
                       'updated_at': 'u', 'schema': '/v1/x/schemas/member'}

    def test_tags(self):
        self.requests.put(base.IMAGE_URL + '/tags/t', status_code=204)
        self.requests.delete(base.IMAGE_URL + '/tags/t', status_code=204)
        self.take(image_tags.AddImageTag, VT + [base.IMAGE_ID, 't'])
        self.take(image_tags.RemoveImageTag, VT + [base.IMAGE_ID, 't'])
        self.assertEqual([('PUT', base.IMAGE_URL + '/tags/t'),
                          ('DELETE', base.IMAGE_URL + '/tags/t')],
                         [h for h in self.history() if h[0] != 'GET'])

    def test_members(self):
        members = base.IMAGE_URL + '/members'
        self.requests.post(members, json=self.member)
        self.requests.get(members, json={'members': [self.member]})
        self.requests.get(members + '/p2', json=self.member)
        self.requests.put(members + '/p2', json=dict(self.member,
                                                     status='accepted'))
        self.requests.delete(members + '/p2', status_code=204)
        shown = self.show(image_members.AddImageMember,
                          VT + [base.IMAGE_ID, 'p2'])
        self.assertEqual({'created_at': 'c', 'image_id': base.IMAGE_ID,
                          'member_id': 'p2', 'status': 'pending',
                          'updated_at': 'u'}, shown)
        self.assertEqual(
            (['Image ID', 'Member ID', 'Status'],
             [[base.IMAGE_ID, 'p2', 'pending']]),
            self.listing(image_members.ListImageMember,
                         VT + [base.IMAGE_ID]))
        self.assertEqual('pending', self.show(
            image_members.ShowImageMember,
            VT + [base.IMAGE_ID, 'p2'])['status'])
        self.assertEqual('accepted', self.show(
            image_members.SetImageMember,
            VT + [base.IMAGE_ID, 'p2', '--accept'])['status'])
        self.assertJsonBody({'status': 'accepted'})
        self.take(image_members.DeleteImageMember,
                  VT + [base.IMAGE_ID, 'p2'])
        self.assertEqual(('DELETE', members + '/p2'), self.history()[-1])

    def test_set_member_needs_a_status(self):
        self.assertRaises(SystemExit, self.command,
                          image_members.SetImageMember,
                          VT + [base.IMAGE_ID, 'p2'])


class TestStdin(osc_base.CommandTestCase):

    def test_upload_from_standard_input(self):
        self.requests.get(base.IMAGE_URL, json=IMAGE)

        def reply(request, context):
            self.sent = test_images.read_body(request)
            return ''
        self.requests.put(base.IMAGE_URL + '/file', status_code=204,
                          text=reply)
        stdin = mock.Mock(buffer=io.BufferedReader(io.BytesIO(b'piped')))
        with mock.patch('sys.stdin', stdin):
            self.take(images.UploadImage,
                      VT + [base.IMAGE_ID, '--file', '-'])
        self.assertEqual(b'piped', self.sent)
