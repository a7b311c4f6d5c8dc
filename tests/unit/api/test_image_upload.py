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

"""POST /v1/{vim_id}/{tenant_id}/images/file: the ONAP multipart upload."""

import hashlib
import json

from mcimage.common import exception
from mcimage.db import api as db_api
from tests.unit.api import base
from tests.unit.api import test_multipart
from tests.unit import fakes

URL = '/v1/%s/p1/images/file' % base.VIM
# A qcow2 image (the inspector checks what an upload declares) several
# chunks of [upload] chunk_size long (4096 in these tests), full of bytes
# that look like the start of a delimiter.
DATA = fakes.QCOW2_HEADER + (
    bytes(range(256)) * 97 + b'\r\n--' + b'\x00' * 10) * 3
# What a raw declaration takes: no format's header (a qcow2 is refused).
RAW_DATA = DATA[len(fakes.QCOW2_HEADER):]


def md5(data):
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def sha256(data):
    return hashlib.sha256(data).hexdigest()


class UploadTestCase(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.config(chunk_size=4096, group='upload')

    def upload(self, fields=(('imageType', 'qcow2'),), data=DATA,
               filename='disk.qcow2', persona='member', url=URL,
               status=201):
        resp = self.app.post(url, params=list(fields),
                             upload_files=[('file', filename, data)],
                             headers=self.headers(persona),
                             expect_errors=status >= 400)
        self.assertEqual(status, resp.status_int, resp.text)
        self.assertNoUploadRow()
        return resp

    def post_raw(self, body, content_type=None, persona='member', url=URL):
        # Not app.post(): webtest re-encodes any multipart params itself.
        resp = self.app.request(
            url, method='POST', body=body,
            content_type=content_type or test_multipart.CTYPE,
            headers=self.headers(persona), expect_errors=True)
        self.assertNoUploadRow()
        return resp

    def assertNoUploadRow(self):
        self.assertEqual([], db_api.upload_get_all())

    def assertNothingCreated(self):
        self.assertEqual({}, self.fake.images)
        self.assertEqual({}, self.fake.data)
        self.assertEqual([], [c for c in self.fake.calls
                              if c[0] == 'create_image'])

    def assertCreatedThenDeleted(self):
        """The upload got as far as the VIM, and nothing stayed there."""
        created = [c for c in self.fake.calls if c[0] == 'create_image']
        deleted = [c for c in self.fake.calls if c[0] == 'delete_image']
        self.assertEqual(1, len(created))
        self.assertEqual(1, len(deleted))
        self.assertEqual({}, self.fake.images)
        self.assertEqual({}, self.fake.data)

    def image(self, resp):
        """The image in the fake VIM that a 201 answer describes."""
        return self.fake.images[resp.json['id']]


class TestUpload(UploadTestCase):

    def test_upload_201(self):
        resp = self.upload(fields=[('name', 'cirros'),
                                   ('imageType', 'qcow2'),
                                   ('containerFormat', 'bare')])
        body = resp.json
        image_id = body['id']
        self_link = '/v1/%s/p1/images/%s' % (base.VIM, image_id)
        self.assertEqual('http://localhost' + self_link,
                         resp.headers['Location'])
        self.assertEqual(self_link, body['self'])
        self.assertEqual(self_link + '/file', body['file'])
        # Glance's fields...
        self.assertEqual('cirros', body['name'])
        self.assertEqual('active', body['status'])
        self.assertEqual('qcow2', body['disk_format'])
        self.assertEqual('bare', body['container_format'])
        self.assertEqual('p1', body['owner'])
        self.assertEqual(len(DATA), body['size'])
        self.assertEqual(md5(DATA), body['checksum'])
        self.assertEqual('sha512', body['os_hash_algo'])
        self.assertEqual(hashlib.sha512(DATA).hexdigest(),
                         body['os_hash_value'])
        # ... and ONAP's view keys.
        self.assertEqual('qcow2', body['imageType'])
        self.assertEqual('bare', body['containerFormat'])
        self.assertEqual(base.VIM, body['vimId'])
        self.assertEqual('p1', body['tenantId'])
        for hidden in ('direct_url', 'locations', 'stores'):
            self.assertNotIn(hidden, body)
        self.assertEqual('/v1/%s/p1/schemas/image' % base.VIM, body['schema'])
        self.assertNotIn('secret', resp.text)
        # The bytes that reached the VIM are the bytes sent.
        self.assertEqual(sha256(DATA), sha256(self.fake.data[image_id]))
        self.assertEqual('active', self.image(resp)['status'])
        self.assertEqual({}, self.glance[base.OTHER_VIM].images)

    def test_glance_field_names(self):
        resp = self.upload(fields=[('disk_format', 'raw'),
                                   ('container_format', 'ovf')])
        image = self.image(resp)
        self.assertEqual('raw', image['disk_format'])
        self.assertEqual('ovf', image['container_format'])
        self.assertEqual('raw', resp.json['imageType'])
        self.assertEqual('ovf', resp.json['containerFormat'])

    def test_container_format_defaults_to_bare(self):
        resp = self.upload()
        self.assertEqual('bare', self.image(resp)['container_format'])

    def test_alias_and_name_agreeing(self):
        resp = self.upload(fields=[('imageType', 'raw'),
                                   ('disk_format', 'raw')], data=RAW_DATA)
        self.assertEqual('raw', self.image(resp)['disk_format'])

    def test_alias_and_name_disagreeing_400(self):
        for fields, name in (
                ([('imageType', 'raw'), ('disk_format', 'qcow2')],
                 'disk_format'),
                ([('imageType', 'raw'), ('containerFormat', 'bare'),
                  ('container_format', 'ovf')], 'container_format')):
            resp = self.upload(fields=fields, status=400)
            self.assertError(resp, 400, "'%s'" % name)
            self.assertIn('twice', resp.json['errors'][0]['detail'])
        self.assertNothingCreated()

    def test_name_defaults_to_file_name(self):
        resp = self.upload(fields=[('imageType', 'raw')],
                           filename='disk.qcow2', data=RAW_DATA)
        self.assertEqual('disk.qcow2', resp.json['name'])
        self.assertEqual('disk.qcow2', self.image(resp)['name'])
        self.assertEqual('raw', self.image(resp)['disk_format'])

    def test_explicit_name_wins(self):
        resp = self.upload(fields=[('imageType', 'qcow2'),
                                   ('name', 'ubuntu-24.04')],
                           filename='disk.qcow2')
        self.assertEqual('ubuntu-24.04', self.image(resp)['name'])

    def test_other_vim(self):
        resp = self.upload(url='/v1/%s/p1/images/file' % base.OTHER_VIM)
        other = self.glance[base.OTHER_VIM]
        self.assertEqual(DATA, other.data[resp.json['id']])
        self.assertEqual(base.OTHER_VIM, resp.json['vimId'])
        self.assertEqual({}, self.fake.images)

    def test_typed_fields(self):
        resp = self.upload(fields=[('imageType', 'qcow2'),
                                   ('visibility', 'private'),
                                   ('min_disk', '10'), ('min_ram', '512'),
                                   ('protected', 'true'),
                                   ('tags', 'a, b,c')])
        image = self.image(resp)
        self.assertEqual('private', image['visibility'])
        self.assertEqual(10, image['min_disk'])
        self.assertEqual(512, image['min_ram'])
        self.assertIs(True, image['protected'])
        self.assertEqual(['a', 'b', 'c'], image['tags'])

    def test_tags_as_json(self):
        resp = self.upload(fields=[('imageType', 'qcow2'),
                                   ('tags', '["x,y", "z"]')])
        self.assertEqual(['x,y', 'z'], self.image(resp)['tags'])

    def test_bad_typed_fields_400(self):
        for name, value in (('min_disk', 'ten'), ('min_ram', '-1'),
                            ('protected', 'maybe'),
                            ('visibility', 'secret')):
            resp = self.upload(fields=[('imageType', 'qcow2'),
                                       (name, value)], status=400)
            error = self.assertError(resp, 400, "'%s'" % name)
            self.assertIn(value, error['detail'])
        self.assertNothingCreated()

    def test_field_twice_400(self):
        resp = self.upload(fields=[('imageType', 'qcow2'),
                                   ('name', 'a'), ('name', 'b')],
                           status=400)
        self.assertError(resp, 400, "'name'")
        self.assertNothingCreated()

    def test_field_sent_as_a_file_400(self):
        resp = self.app.post(
            URL, params=[('imageType', 'qcow2')],
            upload_files=[('name', 'name.txt', b'x'),
                          ('file', 'disk.qcow2', DATA)],
            headers=self.headers(), expect_errors=True)
        self.assertError(resp, 400, "'name'")
        self.assertNothingCreated()
        self.assertNoUploadRow()

    def test_empty_file(self):
        # An empty image is raw; declared qcow2 it would be refused.
        resp = self.upload(fields=[('imageType', 'raw')], data=b'')
        self.assertEqual(0, resp.json['size'])
        self.assertEqual(md5(b''), resp.json['checksum'])


class TestUploadProperties(UploadTestCase):

    def test_properties_object(self):
        props = {'os_distro': 'ubuntu', 'hw_disk_bus': 'virtio',
                 'onap:vnf': 'vFW'}
        resp = self.upload(fields=[('imageType', 'qcow2'),
                                   ('properties', json.dumps(props))])
        image = self.image(resp)
        for key, value in props.items():
            self.assertEqual(value, image[key])
            self.assertEqual(value, resp.json[key])
        self.assertNotIn('properties', image)

    def test_properties_onap_array(self):
        props = [{'keyName': 'os_distro', 'value': 'ubuntu'},
                 {'keyName': 'os_version', 'value': '24.04'}]
        resp = self.upload(fields=[('imageType', 'qcow2'),
                                   ('properties', json.dumps(props))])
        image = self.image(resp)
        self.assertEqual('ubuntu', image['os_distro'])
        self.assertEqual('24.04', image['os_version'])
        self.assertNotIn('keyName', image)

    def test_properties_do_not_override_fields(self):
        resp = self.upload(fields=[
            ('imageType', 'qcow2'),
            ('properties', json.dumps({'os_distro': 'x'}))])
        self.assertEqual('qcow2', self.image(resp)['disk_format'])

    def assertBadProperties(self, value, *detail):
        resp = self.upload(fields=[('imageType', 'qcow2'),
                                   ('properties', value)], status=400)
        error = self.assertError(resp, 400, "'properties")
        for text in detail:
            self.assertIn(text, error['detail'])
        self.assertNothingCreated()
        return error

    def test_properties_bad_json(self):
        self.assertBadProperties('{"os_distro": ', 'JSON')
        self.assertBadProperties('[{"keyName": "a", "value": "b"}',
                                 'JSON')

    def test_properties_not_an_object(self):
        self.assertBadProperties('ubuntu', 'ubuntu')
        self.assertBadProperties('"ubuntu"')

    def test_properties_wrong_array_items(self):
        self.assertBadProperties('["os_distro"]', "'properties[0]'")
        self.assertBadProperties(
            '[{"keyName": "a", "value": "b"}, {"keyName": "c"}]',
            "'properties[1]'", 'keyName')
        self.assertBadProperties(
            '[{"key": "a", "value": "b"}]', "'properties[0]'")
        self.assertBadProperties(
            '[{"keyName": "a", "value": "b", "extra": 1}]',
            "'properties[0]'")

    def test_properties_reserved_names(self):
        for name in ('owner', 'id', 'status', 'visibility', 'imageType',
                     'direct_url'):
            self.assertBadProperties(json.dumps({name: 'x'}),
                                     "'%s'" % name, 'reserved')
            self.assertBadProperties(
                json.dumps([{'keyName': name, 'value': 'x'}]),
                "'%s'" % name, 'reserved')

    def test_properties_bad_names(self):
        self.assertBadProperties(json.dumps({'a b': 'x'}), "'a b'")
        self.assertBadProperties(json.dumps({'': 'x'}))

    def test_properties_nested_too_deep(self):
        # 64 KiB of '[': json's parser raises RecursionError.
        for depth in (30000, 33):
            self.assertBadProperties('[' * depth + ']' * depth,
                                     'nested deeper than')
        for depth in (9000, 33):
            self.assertBadProperties('{"a": ' * depth + '1' + '}' * depth,
                                     'nested deeper than')

    def test_properties_lone_surrogate(self):
        self.assertBadProperties('{"os_distro": "\\ud800"}', 'surrogate')

    def test_properties_non_string_value(self):
        for value in (1, True, None, ['x'], {'a': 'b'}):
            self.assertBadProperties(json.dumps({'os_distro': value}),
                                     "'properties.os_distro'")
        self.assertBadProperties(
            json.dumps([{'keyName': 'os_distro', 'value': 7}]),
            "'properties.os_distro'")


class TestUploadRefused(UploadTestCase):

    def test_missing_image_type_400(self):
        resp = self.upload(fields=[('name', 'x')], status=400)
        error = self.assertError(resp, 400, "'disk_format'")
        self.assertEqual('mcimage.missing_parameter', error['code'])
        self.assertNothingCreated()

    def test_bad_image_type_400(self):
        resp = self.upload(fields=[('imageType', 'qcow3')], status=400)
        error = self.assertError(resp, 400, 'qcow3')
        self.assertIn("'disk_format'", error['detail'])
        self.assertIn('qcow2', error['detail'])
        self.assertNothingCreated()

    def test_bad_container_format_400(self):
        resp = self.upload(fields=[('imageType', 'raw'),
                                   ('containerFormat', 'zip')], status=400)
        error = self.assertError(resp, 400, 'zip')
        self.assertIn("'container_format'", error['detail'])
        self.assertNothingCreated()

    def test_unknown_field_400(self):
        resp = self.upload(fields=[('imageType', 'qcow2'),
                                   ('colour', 'blue')], status=400)
        self.assertError(resp, 400, "'colour'")
        self.assertNothingCreated()

    def test_onap_view_keys_are_not_fields(self):
        resp = self.upload(fields=[('imageType', 'qcow2'),
                                   ('vimId', 'x')], status=400)
        self.assertError(resp, 400, "'vimId'")
        self.assertNothingCreated()

    def test_missing_file_part_400(self):
        resp = self.app.post(URL, params=[('imageType', 'qcow2'),
                                          ('name', 'x')],
                             content_type='multipart/form-data',
                             headers=self.headers(), expect_errors=True)
        error = self.assertError(resp, 400, "'file'")
        self.assertEqual('mcimage.missing_parameter', error['code'])
        self.assertNothingCreated()
        self.assertNoUploadRow()

    def test_field_after_file_400(self):
        body = test_multipart.build([('imageType', None, b'qcow2'),
                                     ('file', 'disk.qcow2', DATA),
                                     ('name', None, b'late')])
        resp = self.post_raw(body)
        error = self.assertError(resp, 400, "'name'")
        self.assertEqual('mcimage.invalid_multipart', error['code'])
        self.assertIn('before the file', error['detail'])
        self.assertCreatedThenDeleted()

    def test_second_file_part_400(self):
        body = test_multipart.build([('imageType', None, b'qcow2'),
                                     ('file', 'disk.qcow2', DATA),
                                     ('file', 'disk2.qcow2', DATA)])
        resp = self.post_raw(body)
        self.assertError(resp, 400, "'file'")
        self.assertCreatedThenDeleted()

    def test_no_boundary_400(self):
        body = test_multipart.build([('imageType', None, b'qcow2'),
                                     ('file', 'disk.qcow2', DATA)])
        resp = self.post_raw(body, content_type='multipart/form-data')
        error = self.assertError(resp, 400, 'boundary')
        self.assertEqual('mcimage.invalid_multipart', error['code'])
        self.assertNothingCreated()

    def test_wrong_boundary_400(self):
        body = test_multipart.build([('imageType', None, b'qcow2'),
                                     ('file', 'disk.qcow2', DATA)])
        resp = self.post_raw(body,
                             content_type='multipart/form-data; boundary=Q')
        self.assertError(resp, 400, 'Malformed multipart')
        self.assertNothingCreated()

    def test_truncated_body_400(self):
        body = test_multipart.build([('imageType', None, b'qcow2'),
                                     ('file', 'disk.qcow2', DATA)],
                                    close=False)
        resp = self.post_raw(body)
        self.assertError(resp, 400, 'Malformed multipart')
        self.assertCreatedThenDeleted()

    def test_truncated_in_the_fields_400(self):
        body = test_multipart.build([('imageType', None, b'qcow2'),
                                     ('file', 'disk.qcow2', DATA)])
        resp = self.post_raw(body[:30])
        self.assertError(resp, 400, 'Malformed multipart')
        self.assertNothingCreated()

    def test_data_after_closing_boundary_400(self):
        body = test_multipart.build([('imageType', None, b'qcow2'),
                                     ('file', 'disk.qcow2', DATA)],
                                    epilogue=b'trailing junk')
        resp = self.post_raw(body)
        self.assertError(resp, 400, 'after the closing boundary')
        self.assertCreatedThenDeleted()

    def test_closing_boundary_split_by_a_read(self):
        # The last read of the body ends right after "--XYZ--", before its
        # CR LF: still a valid body.
        fields = [('imageType', None, b'raw')]
        size = len(test_multipart.build(fields + [('file', 'd', b'')]))
        data = b'z' * (3 * 4096 - size + 2)
        body = test_multipart.build(fields + [('file', 'd', data)])
        self.assertEqual(3 * 4096 + 2, len(body))
        resp = self.post_raw(body)
        self.assertEqual(201, resp.status_int, resp.text)
        self.assertEqual(data, self.fake.data[resp.json['id']])

    def test_checksum_mismatch_400(self):
        resp = self.upload(fields=[('imageType', 'qcow2'),
                                   ('checksum', md5(b'other data'))],
                           status=400)
        error = self.assertError(resp, 400, "'checksum'")
        self.assertEqual('mcimage.checksum_mismatch', error['code'])
        self.assertIn(md5(b'other data'), error['detail'])
        self.assertIn(md5(DATA), error['detail'])
        self.assertCreatedThenDeleted()

    def test_checksum_match_201(self):
        for declared in (md5(DATA), md5(DATA).upper()):
            resp = self.upload(fields=[('imageType', 'qcow2'),
                                       ('checksum', declared)])
            self.assertEqual(md5(DATA), resp.json['checksum'])
            self.assertEqual(DATA, self.fake.data[resp.json['id']])

    def test_checksum_not_md5_400(self):
        resp = self.upload(fields=[('imageType', 'qcow2'),
                                   ('checksum', 'abc')], status=400)
        self.assertError(resp, 400, "'checksum'")
        self.assertNothingCreated()

    def test_size_mismatch_400(self):
        for declared in (len(DATA) + 1, len(DATA) - 1, 0):
            resp = self.upload(fields=[('imageType', 'qcow2'),
                                       ('size', str(declared))],
                               status=400)
            error = self.assertError(resp, 400, "'size'")
            self.assertIn(str(declared), error['detail'])
            self.assertEqual({}, self.fake.images)

    def test_size_match_201(self):
        resp = self.upload(fields=[('imageType', 'qcow2'),
                                   ('size', str(len(DATA)))])
        self.assertEqual(len(DATA), resp.json['size'])

    def test_size_not_integer_400(self):
        resp = self.upload(fields=[('imageType', 'qcow2'),
                                   ('size', 'big')], status=400)
        self.assertError(resp, 400, "'size'")
        self.assertNothingCreated()

    def test_over_size_cap_413(self):
        self.config(image_size_cap=len(DATA) - 1, group='upload')
        resp = self.upload(status=413)
        error = self.assertError(resp, 413, 'image_size_cap')
        self.assertEqual('mcimage.too_large', error['code'])
        self.assertCreatedThenDeleted()

    def test_at_size_cap_201(self):
        self.config(image_size_cap=len(DATA), group='upload')
        self.upload()

    def test_declared_size_over_cap_413(self):
        self.config(image_size_cap=1000, group='upload')
        resp = self.upload(fields=[('imageType', 'qcow2'),
                                   ('size', '1001')], data=b'x' * 10,
                           status=413)
        self.assertError(resp, 413, 'image_size_cap')
        self.assertNothingCreated()

    def test_backend_failure_503(self):
        self.fake.fail_upload = exception.BackendUnavailable(
            vim_id=base.VIM)
        resp = self.upload(status=503)
        error = self.assertError(resp, 503, base.VIM)
        self.assertEqual('mcimage.vim_unavailable', error['code'])
        self.assertCreatedThenDeleted()

    def test_backend_error_502(self):
        self.fake.fail_upload = exception.BackendError(
            vim_id=base.VIM, reason='disk full')
        resp = self.upload(status=502)
        self.assertError(resp, 502, 'disk full')
        self.assertCreatedThenDeleted()

    def test_retry_after_backend_failure(self):
        self.fake.fail_upload = exception.BackendUnavailable(
            vim_id=base.VIM)
        self.upload(status=503)
        self.fake.fail_upload = None
        resp = self.upload()
        self.assertEqual([resp.json['id']], list(self.fake.images))

    def test_vim_records_other_bytes_502(self):
        upload = self.fake.upload

        def corrupting_upload(context, tenant_id, image_id, reader,
                              size=None):
            upload(context, tenant_id, image_id, reader)
            self.fake.images[image_id]['checksum'] = md5(b'corrupt')

        self.fake.upload = corrupting_upload
        # A declared md5 is computed, and the VIM's checked against it.
        resp = self.upload(status=502, fields=[('imageType', 'qcow2'),
                                               ('checksum', md5(DATA))])
        self.assertError(resp, 502, 'checksum')
        self.assertCreatedThenDeleted()

    def test_vim_records_other_bytes_sha512_502(self):
        # Without a declared md5, the VIM is verified by sha512.
        upload = self.fake.upload

        def corrupting_upload(context, tenant_id, image_id, reader,
                              size=None):
            upload(context, tenant_id, image_id, reader)
            self.fake.images[image_id]['os_hash_value'] = 'f' * 128

        self.fake.upload = corrupting_upload
        resp = self.upload(status=502)
        self.assertError(resp, 502, 'sha512 checksum ffff')
        self.assertCreatedThenDeleted()

    def test_json_post_415(self):
        resp = self.app.post_json(URL, {'imageType': 'qcow2'},
                                  headers=self.headers(),
                                  expect_errors=True)
        error = self.assertError(resp, 415, 'multipart/form-data')
        self.assertEqual('mcimage.unsupported_media_type', error['code'])
        self.assertNothingCreated()

    def test_octet_stream_post_415(self):
        resp = self.app.post(URL, params=DATA,
                             content_type='application/octet-stream',
                             headers=self.headers(), expect_errors=True)
        self.assertError(resp, 415)
        self.assertNothingCreated()

    def test_get_405(self):
        resp = self.app.get(URL, headers=self.headers(), expect_errors=True)
        self.assertError(resp, 405)
        self.assertEqual('POST', resp.headers['Allow'])

    def test_unknown_vim_404(self):
        resp = self.upload(url='/v1/nowhere_RegionX/p1/images/file',
                           status=404)
        self.assertError(resp, 404, 'nowhere_RegionX')
        self.assertNothingCreated()


class TestUploadPolicy(UploadTestCase):

    def test_reader_403(self):
        resp = self.upload(persona='reader', status=403)
        self.assertError(resp, 403, 'mcimage:image:upload')
        self.assertNothingCreated()

    def test_other_project_403(self):
        for persona in ('other_member', 'other_reader'):
            resp = self.upload(persona=persona, status=403)
            self.assertError(resp, 403)
        self.assertNothingCreated()

    def test_other_project_bad_body_still_403(self):
        # An outsider's body is not read at all: its faults do not show.
        resp = self.post_raw(b'garbage', persona='other_member')
        self.assertError(resp, 403)
        self.assertNothingCreated()

    def test_member_public_403(self):
        resp = self.upload(fields=[('imageType', 'qcow2'),
                                   ('visibility', 'public')], status=403)
        self.assertError(resp, 403, 'mcimage:image:publicize')
        self.assertNothingCreated()

    def test_admin_public_201(self):
        resp = self.upload(fields=[('imageType', 'qcow2'),
                                   ('visibility', 'public')],
                           persona='admin')
        image = self.image(resp)
        self.assertEqual('public', image['visibility'])
        self.assertEqual('p1', image['owner'])

    def test_member_community_201(self):
        resp = self.upload(fields=[('imageType', 'qcow2'),
                                   ('visibility', 'community')])
        self.assertEqual('community', self.image(resp)['visibility'])

    def test_reader_community_403(self):
        resp = self.upload(fields=[('imageType', 'qcow2'),
                                   ('visibility', 'community')],
                           persona='reader', status=403)
        self.assertError(resp, 403)
        self.assertNothingCreated()

    def test_member_own_project_201(self):
        resp = self.upload(url='/v1/%s/p2/images/file' % base.VIM,
                           persona='other_member')
        self.assertEqual('p2', self.image(resp)['owner'])

    def test_admin_any_project_201(self):
        resp = self.upload(url='/v1/%s/p9/images/file' % base.VIM,
                           persona='admin')
        self.assertEqual('p9', self.image(resp)['owner'])
        self.assertEqual('p9', resp.json['tenantId'])


MARKER = 'mcimage_upload_id'


def corrupt_recorded(fake):
    upload = fake.upload

    def corrupting(context, tenant_id, image_id, reader, size=None):
        upload(context, tenant_id, image_id, reader, size=size)
        # Other bytes than sent: both hashes differ.
        fake.images[image_id].update(checksum='0' * 32,
                                     os_hash_value='0' * 128)

    fake.upload = corrupting


class TestUploadUnverified(UploadTestCase):

    def test_502_image_deleted_and_said_so(self):
        corrupt_recorded(self.fake)
        resp = self.upload(status=502)
        error = self.assertError(resp, 502, 'The image was deleted.')
        self.assertIn('did not record the data sent', error['detail'])
        self.assertCreatedThenDeleted()

    def test_fan_out_502_every_image_deleted(self):
        corrupt_recorded(self.glance[base.OTHER_VIM])
        targets = [{'vim_id': base.VIM, 'tenant_id': 'p1'},
                   {'vim_id': base.OTHER_VIM, 'tenant_id': 'p1'}]
        resp = self.upload(
            fields=[('imageType', 'qcow2'),
                    ('targets', json.dumps(targets))],
            url='/v1/images/file', status=502)
        error = self.assertError(resp, 502, 'The image was deleted.')
        self.assertIn(base.OTHER_VIM, error['detail'])
        for fake in self.glance.values():
            self.assertEqual({}, fake.images)


class TestUploadIntent(UploadTestCase):
    """The row comes first; the image carries the marker, never shown."""

    def test_row_before_the_image_marker_hidden(self):
        seen = []
        create = self.fake.create_image

        def watching(context, tenant_id, fields):
            seen.append((db_api.upload_get_all(), dict(fields)))
            return create(context, tenant_id, fields)

        self.fake.create_image = watching
        resp = self.upload(fields=[('imageType', 'qcow2'),
                                   ('name', 'marked')])
        [(rows, fields)] = seen
        [row] = rows
        self.assertIsNone(row['image_id'])
        self.assertEqual(row['marker'], fields[MARKER])
        self.assertEqual(row['marker'], self.image(resp)[MARKER])
        self.assertNotIn(MARKER, resp.json)
        self.assertNotIn(row['marker'], resp.text)
        for url in ('/v1/%s/p1/images/%s' % (base.VIM, resp.json['id']),
                    '/v1/%s/p1/images' % base.VIM):
            got = self.app.get(url, headers=self.headers())
            self.assertNotIn(MARKER, got.text)
        head = self.app.head('/v1/%s/p1/images/%s' % (base.VIM,
                                                      resp.json['id']),
                             headers=self.headers())
        self.assertNotIn(MARKER, str(head.headers).lower())

    def test_marker_reserved(self):
        resp = self.app.post_json(
            '/v1/%s/p1/images' % base.VIM,
            {'disk_format': 'raw', MARKER: 'mine'},
            headers=self.headers(), expect_errors=True)
        self.assertError(resp, 400, MARKER)
        image = self.fake.add_image('p1', disk_format='raw')
        for op in ({'op': 'add', 'path': '/' + MARKER, 'value': 'x'},
                   {'op': 'remove', 'path': '/' + MARKER}):
            resp = self.app.patch(
                '/v1/%s/p1/images/%s' % (base.VIM, image['id']),
                json.dumps([op]), headers=self.headers(
                    **{'Content-Type': 'application/'
                       'openstack-images-v2.1-json-patch'}),
                expect_errors=True)
            self.assertError(resp, 400, MARKER)
        resp = self.app.post(
            URL, params=[('imageType', 'qcow2'),
                         ('properties', json.dumps({MARKER: 'x'}))],
            upload_files=[('file', 'd', DATA)], headers=self.headers(),
            expect_errors=True)
        self.assertError(resp, 400, MARKER)
        self.assertNoUploadRow()
