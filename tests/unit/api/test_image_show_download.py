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

"""GET .../images/{id}, .../images/{id}/file and .../images/file/{id}."""

import hashlib
import uuid

from tests.unit.api import base

DATA = b'image bytes \x00\xff' * 10000


class ImageTestCase(base.APITestCase):

    def add(self, owner='p1', visibility='private', data=DATA, vim=None,
            **fields):
        fake = self.glance[vim or base.VIM]
        return fake.add_image(owner, data=data, visibility=visibility,
                              disk_format='raw', container_format='bare',
                              name='img-%s' % owner, **fields)

    def url(self, image_id, tenant='p1', vim=base.VIM, suffix=''):
        return '/v1/%s/%s/images/%s%s' % (vim, tenant, image_id, suffix)

    def get(self, url, persona='member', status=200):
        resp = self.app.get(url, headers=self.headers(persona),
                            expect_errors=status >= 400)
        self.assertEqual(status, resp.status_int, resp.body[:1000])
        return resp

    def assertNotFound(self, resp, image_id):
        error = self.assertError(resp, 404, image_id)
        self.assertEqual('mcimage.image_not_found', error['code'])
        return error


class TestShow(ImageTestCase):

    def test_owner_member_200(self):
        image = self.add()
        resp = self.get(self.url(image['id']))
        body = resp.json
        self.assertEqual(image['id'], body['id'])
        self.assertEqual('img-p1', body['name'])
        self.assertEqual('p1', body['owner'])
        self.assertEqual(len(DATA), body['size'])
        self.assertEqual(
            hashlib.md5(DATA, usedforsecurity=False).hexdigest(),
            body['checksum'])
        self_link = '/v1/%s/p1/images/%s' % (base.VIM, image['id'])
        self.assertEqual(self_link, body['self'])
        self.assertEqual(self_link + '/file', body['file'])
        for hidden in ('direct_url', 'locations', 'stores'):
            self.assertNotIn(hidden, body)
        self.assertEqual('/v1/%s/p1/schemas/image' % base.VIM, body['schema'])
        self.assertNotIn('/v2/', resp.text)
        self.assertNotIn('secret', resp.text)
        # Not the ONAP upload's answer: no ONAP view keys.
        self.assertNotIn('vimId', body)

    def test_reader_200(self):
        image = self.add()
        resp = self.get(self.url(image['id']), persona='reader')
        self.assertEqual(image['id'], resp.json['id'])

    def test_private_image_of_another_project_404(self):
        theirs = self.add(owner='p2')
        resp = self.get(self.url(theirs['id']), status=404)
        concealed = self.assertNotFound(resp, theirs['id'])
        self.assertNotIn('p2', resp.text)
        missing_id = str(uuid.uuid4())
        resp = self.get(self.url(missing_id), status=404)
        missing = self.assertNotFound(resp, missing_id)
        # The same answer as for an image that does not exist at all.
        for error in (concealed, missing):
            del error['request_id']
        concealed['detail'] = concealed['detail'].replace(theirs['id'],
                                                          missing_id)
        self.assertEqual(missing, concealed)

    def test_private_image_of_another_project_404_reader(self):
        theirs = self.add(owner='p2')
        resp = self.get(self.url(theirs['id']), persona='reader',
                        status=404)
        self.assertNotFound(resp, theirs['id'])

    def test_public_and_community_of_others_200(self):
        for visibility in ('public', 'community'):
            theirs = self.add(owner='p2', visibility=visibility)
            for persona in ('member', 'reader'):
                resp = self.get(self.url(theirs['id']), persona=persona)
                self.assertEqual(visibility, resp.json['visibility'])
                self.assertEqual('p2', resp.json['owner'])

    def test_shared_accepted_200(self):
        theirs = self.add(owner='p2', visibility='shared')
        self.fake.members[(theirs['id'], 'p1')] = 'accepted'
        resp = self.get(self.url(theirs['id']))
        self.assertEqual(theirs['id'], resp.json['id'])

    def test_shared_any_member_status_200_no_member_404(self):
        # As in Glance, the member's status only decides what its lists
        # show: a pending or rejected member still reads the image.
        theirs = self.add(owner='p2', visibility='shared')
        for status in ('pending', 'rejected'):
            self.fake.members[(theirs['id'], 'p1')] = status
            resp = self.get(self.url(theirs['id']))
            self.assertEqual(theirs['id'], resp.json['id'])
        self.fake.members[(theirs['id'], 'p1')] = None
        resp = self.get(self.url(theirs['id']), status=404)
        self.assertNotFound(resp, theirs['id'])
        # Accepted by another project: still not p1's.
        self.fake.members[(theirs['id'], 'p1')] = None
        self.fake.members[(theirs['id'], 'p3')] = 'accepted'
        resp = self.get(self.url(theirs['id']), status=404)
        self.assertNotFound(resp, theirs['id'])

    def test_shared_own_image_200(self):
        mine = self.add(visibility='shared')
        self.get(self.url(mine['id']))

    def test_path_tenant_not_mine_403(self):
        theirs = self.add(owner='p2', visibility='public')
        for persona in ('member', 'reader'):
            resp = self.get(self.url(theirs['id'], tenant='p2'),
                            persona=persona, status=403)
            error = self.assertError(resp, 403)
            self.assertEqual('mcimage.forbidden', error['code'])

    def test_admin_any_200(self):
        theirs = self.add(owner='p2')
        for tenant in ('p1', 'p2', 'admin-project'):
            resp = self.get(self.url(theirs['id'], tenant=tenant),
                            persona='admin')
            self.assertEqual(theirs['id'], resp.json['id'])
            self.assertEqual(
                '/v1/%s/%s/images/%s' % (base.VIM, tenant, theirs['id']),
                resp.json['self'])

    def test_admin_missing_404(self):
        missing_id = str(uuid.uuid4())
        resp = self.get(self.url(missing_id), persona='admin', status=404)
        self.assertNotFound(resp, missing_id)

    def test_image_of_vim_one_on_vim_two_404(self):
        image = self.add()
        resp = self.get(self.url(image['id'], vim=base.OTHER_VIM),
                        status=404)
        error = self.assertNotFound(resp, image['id'])
        self.assertIn(base.OTHER_VIM, error['detail'])

    def test_unknown_vim_404(self):
        image = self.add()
        resp = self.get(self.url(image['id'], vim='nowhere_RegionX'),
                        status=404)
        error = self.assertError(resp, 404, 'nowhere_RegionX')
        self.assertEqual('mcimage.vim_not_found', error['code'])

    def test_no_role_403(self):
        image = self.add()
        resp = self.app.get(self.url(image['id']),
                            headers=self.headers(**{'X-Roles': ''}),
                            expect_errors=True)
        self.assertError(resp, 403)

    def test_unknown_subresource_404(self):
        image = self.add()
        resp = self.get(self.url(image['id'], suffix='/nothing'),
                        status=404)
        self.assertError(resp, 404)

    def test_put_405(self):
        image = self.add()
        resp = self.app.put(self.url(image['id']), params='{}',
                            headers=self.headers(), expect_errors=True)
        self.assertError(resp, 405)
        self.assertIn(image['id'], self.fake.images)


class TestDownload(ImageTestCase):

    def download_urls(self, image_id, tenant='p1', vim=base.VIM):
        return ('/v1/%s/%s/images/%s/file' % (vim, tenant, image_id),
                '/v1/%s/%s/images/file/%s' % (vim, tenant, image_id))

    def test_download_both_routes(self):
        image = self.add()
        for url in self.download_urls(image['id']):
            resp = self.get(url)
            self.assertEqual(DATA, resp.body)
            self.assertEqual('application/octet-stream', resp.content_type)
            self.assertEqual(str(len(DATA)), resp.headers['Content-Length'])
            self.assertEqual(
                hashlib.md5(DATA, usedforsecurity=False).hexdigest(),
                resp.headers['Content-MD5'])

    def test_reader_may_not_download_even_its_own_image(self):
        # As Glance's download_image: a reader sees the image, a member
        # takes its data.
        image = self.add()
        for url in self.download_urls(image['id']):
            resp = self.get(url, persona='reader', status=403)
            self.assertError(resp, 403, 'mcimage:image:download')
            self.assertNotIn(DATA[:12], resp.body)
            self.assertEqual(DATA, self.get(url).body)

    def test_concealed_private_image_404(self):
        theirs = self.add(owner='p2')
        for url in self.download_urls(theirs['id']):
            for persona in ('member', 'reader'):
                resp = self.get(url, persona=persona, status=404)
                self.assertNotFound(resp, theirs['id'])
                self.assertNotIn(DATA[:12], resp.body)

    def test_public_image_of_others(self):
        theirs = self.add(owner='p2', visibility='public')
        for url in self.download_urls(theirs['id']):
            self.assertEqual(DATA, self.get(url).body)

    def test_shared_download_by_any_member_not_by_others(self):
        theirs = self.add(owner='p2', visibility='shared')
        for url in self.download_urls(theirs['id']):
            self.get(url, status=404)
        for status in ('pending', 'accepted'):
            self.fake.members[(theirs['id'], 'p1')] = status
            for url in self.download_urls(theirs['id']):
                self.assertEqual(DATA, self.get(url).body)

    def test_path_tenant_not_mine_403(self):
        theirs = self.add(owner='p2', visibility='public')
        for url in self.download_urls(theirs['id'], tenant='p2'):
            self.assertError(self.get(url, status=403), 403)

    def test_admin_downloads_any(self):
        theirs = self.add(owner='p2')
        for url in self.download_urls(theirs['id']):
            self.assertEqual(DATA, self.get(url, persona='admin').body)

    def test_no_data_204(self):
        image = self.add(data=None)
        self.assertEqual('queued', image['status'])
        for url in self.download_urls(image['id']):
            resp = self.get(url, status=204)
            self.assertEqual(b'', resp.body)

    def test_missing_image_404(self):
        missing_id = str(uuid.uuid4())
        for url in self.download_urls(missing_id):
            self.assertNotFound(self.get(url, status=404), missing_id)

    def test_other_vim_404(self):
        image = self.add()
        for url in self.download_urls(image['id'], vim=base.OTHER_VIM):
            self.assertNotFound(self.get(url, status=404), image['id'])

    def test_download_post_405(self):
        image = self.add()
        for url in self.download_urls(image['id']):
            resp = self.app.post(url, params=b'x',
                                 content_type='application/octet-stream',
                                 headers=self.headers(), expect_errors=True)
            self.assertError(resp, 405)
            self.assertEqual('GET, PUT', resp.headers['Allow'])

    def test_download_extra_path_404(self):
        image = self.add()
        for url in self.download_urls(image['id']):
            self.assertError(self.get(url + '/more', status=404), 404)
