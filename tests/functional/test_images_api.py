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

"""The images API (issue 4) through a real mcimage-api into real Glance.

Lists are compared with Glance's own answer to the same query, asked with
the same identity: what mcimage shows is what Glance shows, minus what
mcimage's policy hides (a shared image only once its membership is
accepted; doc/source/contributor/architecture.rst), in the same order,
whatever the page size. Patches and tags are applied to two twin images,
one through mcimage and one straight to Glance, and must end the same.
"""

import collections
import socket
import time
import urllib.parse
import uuid

import jsonschema
import requests

from tests.functional import base

TIMEOUT = 30
PATCH_2_1 = 'application/openstack-images-v2.1-json-patch'
PATCH_2_0 = 'application/openstack-images-v2.0-json-patch'
# What a VIM says that mcimage's callers must never see, and mcimage's own
# links (Glance's point into /v2/).
HIDDEN = ('direct_url', 'locations', 'stores')
LINKS = ('self', 'file', 'schema')
# Glance shows where it keeps the data: the hiding is then put to a test.
SHOW_LOCATIONS = ('[DEFAULT]\nshow_image_direct_url = true\n'
                  'show_multiple_locations = true\n')
MEMBER_ROLES = 'member,reader'
ADMIN_ROLES = 'admin,member,reader'


def comparable(image, *also):
    """An image body without links, hidden fields and ``also``."""
    skip = set(LINKS + HIDDEN + also)
    body = {k: v for k, v in image.items() if k not in skip}
    if 'tags' in body:
        # Glance keeps tags in a set: their order means nothing.
        body['tags'] = sorted(body['tags'])
    return body


class ImagesTestCase(base.FunctionalTestCase):
    """Helpers shared by the classes of this module (no tests here)."""

    # -- requests -------------------------------------------------------------

    @classmethod
    def mc(cls, method, tenant, path='', roles=MEMBER_ROLES, vim=None,
           headers=None, **kwargs):
        """A request to /v1/{vim}/{tenant}/images{path} as the tenant."""
        all_headers = {'X-Project-Id': tenant, 'X-User-Id': 'u-%s' % tenant,
                       'X-Roles': roles}
        all_headers.update(headers or {})
        url = cls.mcimage.url('/v1/%s/%s/images%s' % (
            vim or cls.VIM, tenant, path))
        return requests.request(method, url, headers=all_headers,
                                timeout=TIMEOUT, **kwargs)

    @classmethod
    def gl(cls, method, tenant, path='', roles=MEMBER_ROLES, vim=None,
           headers=None, **kwargs):
        """The same request straight to /v2/images{path} of the Glance."""
        glance = cls.glances[vim or cls.VIM]
        all_headers = glance.headers(tenant, user_id='u-%s' % tenant,
                                     roles=roles)
        all_headers.update(headers or {})
        return requests.request(method, glance.endpoint + '/v2/images' +
                                path, headers=all_headers, timeout=TIMEOUT,
                                **kwargs)

    @classmethod
    def create(cls, tenant, vim=None, **fields):
        """POST .../images through mcimage; the 201's image."""
        resp = cls.mc('POST', tenant, json=fields, vim=vim)
        if resp.status_code != 201:
            raise AssertionError('create %s: %s %s' % (
                fields, resp.status_code, resp.text))
        return resp.json()

    @classmethod
    def create_straight(cls, tenant, vim=None, **fields):
        resp = cls.gl('POST', tenant, json=fields, vim=vim)
        if resp.status_code != 201:
            raise AssertionError('create in Glance %s: %s %s' % (
                fields, resp.status_code, resp.text))
        return resp.json()

    @classmethod
    def upload_straight(cls, tenant, image_id, data, vim=None):
        """Image data straight into Glance (PUT .../file)."""
        resp = cls.gl('PUT', tenant, '/%s/file' % image_id, data=data,
                      vim=vim,
                      headers={'Content-Type': 'application/octet-stream'})
        if resp.status_code != 204:
            raise AssertionError('upload to %s: %s %s' % (
                image_id, resp.status_code, resp.text))

    @classmethod
    def glance_show(cls, tenant, image_id, vim=None, roles=MEMBER_ROLES):
        resp = cls.gl('GET', tenant, '/' + image_id, vim=vim, roles=roles)
        if resp.status_code == 404:
            return None
        if resp.status_code != 200:
            raise AssertionError('Glance show %s: %s %s' % (
                image_id, resp.status_code, resp.text))
        return resp.json()

    def patch(self, tenant, image_id, ops, media_type=PATCH_2_1,
              straight=False, roles=MEMBER_ROLES):
        call = self.gl if straight else self.mc
        return call('PATCH', tenant, '/' + image_id, json=ops, roles=roles,
                    headers={'Content-Type': media_type})

    # -- checks ---------------------------------------------------------------

    def assertNoBackendDetails(self, text):
        """Nothing of the VIM: its URL, its /v2/ paths, where data lives."""
        for glance in self.glances.values():
            self.assertNotIn(glance.endpoint, text)
            self.assertNotIn(':%d' % glance.port, text)
        self.assertNotIn('/v2/', text)
        for field in HIDDEN:
            self.assertNotIn('"%s"' % field, text)
        self.assertNotIn('file://', text)

    def assertImageBody(self, image, tenant, vim=None):
        """mcimage's links, nothing hidden, valid per the served schema."""
        root = '/v1/%s/%s' % (vim or self.VIM, tenant)
        self.assertEqual('%s/images/%s' % (root, image['id']), image['self'])
        self.assertEqual('%s/images/%s/file' % (root, image['id']),
                         image['file'])
        self.assertEqual(root + '/schemas/image', image['schema'])
        for field in HIDDEN:
            self.assertNotIn(field, image)
        jsonschema.validate(image, self.served_schema('image', tenant, vim))

    _schemas = None

    def served_schema(self, name, tenant, vim=None):
        """mcimage's GET .../schemas/{name} (the VIM's, links rewritten)."""
        cls = type(self)
        if cls._schemas is None:
            cls._schemas = {}
        key = (name, vim or self.VIM)
        if key not in cls._schemas:
            resp = requests.get(self.mcimage.url('/v1/%s/%s/schemas/%s' % (
                vim or self.VIM, tenant, name)),
                headers=self.headers(tenant=tenant), timeout=TIMEOUT)
            self.assertEqual(200, resp.status_code, resp.text)
            cls._schemas[key] = resp.json()
        return cls._schemas[key]


# -- list: filters, sort, paging ----------------------------------------------

NAMES = ('alpha', 'beta', 'gamma', 'delta', 'epsilon')
DISK_FORMATS = ('raw', 'qcow2', 'iso', 'vmdk')
CONTAINER_FORMATS = ('bare', 'ovf', 'docker')
VISIBILITIES = ('private', 'shared', 'community')
IMAGES = 34
MAX_LIMIT = 10
# mcimage pages and Glance pages of different sizes: the order must not
# depend on where a page ends.
MC_LIMIT = 5
GLANCE_LIMIT = 8


def dataset_fields(i):
    """The i-th image of the list tests' tenant: every filter has hits."""
    tags = ['even' if i % 2 == 0 else 'odd']
    if i % 3 == 0:
        tags.append('three')
    return {'name': NAMES[i % len(NAMES)],
            'disk_format': DISK_FORMATS[i % len(DISK_FORMATS)],
            'container_format': CONTAINER_FORMATS[i % len(CONTAINER_FORMATS)],
            'visibility': VISIBILITIES[(i // 2) % len(VISIBILITIES)],
            'tags': tags,
            'mc_tier': ('gold', 'silver')[(i // 3) % 2],
            'min_ram': 64 * (i % 6),
            'protected': i % 7 == 0,
            'os_hidden': i % 8 == 5}


def dataset_data(i):
    """Data for the raw images only (Glance checks the format of data)."""
    if DISK_FORMATS[i % len(DISK_FORMATS)] == 'raw':
        return b'%03d' % i * (30 * (i + 1))
    return None


FILTER_QUERIES = [
    [],
    [('name', 'alpha')],
    [('name', 'in:alpha,gamma')],
    [('visibility', 'private')],
    [('visibility', 'shared')],
    [('visibility', 'community')],
    [('visibility', 'all')],
    [('status', 'active')],
    [('status', 'queued')],
    [('status', 'in:active,queued')],
    [('tag', 'even')],
    [('tag', 'even'), ('tag', 'three')],
    [('disk_format', 'qcow2')],
    [('disk_format', 'in:raw,iso')],
    [('container_format', 'ovf')],
    [('container_format', 'in:bare,docker')],
    [('size_min', '1000')],
    [('size_max', '1500')],
    [('size_min', '500'), ('size_max', '2500')],
    [('protected', 'true')],
    [('protected', 'false')],
    [('os_hidden', 'true')],
    [('os_hidden', 'false')],
    [('mc_tier', 'gold')],
    [('mc_tier', 'silver'), ('name', 'beta')],
    [('visibility', 'all'), ('tag', 'odd'), ('disk_format', 'raw')],
    [('visibility', 'all'), ('os_hidden', 'true'), ('protected', 'false')],
]

# Glance sorts by name, status, container_format, disk_format, size, id,
# created_at and updated_at only. Glance 33 cannot page through a sort on
# a key that is null for some images (size of a queued image): its marker
# then loops for ever (size:desc) or ends the list early (size:asc), with
# or without mcimage in front. Sorts on size keep to images that have one.
SORT_QUERIES = [
    [('sort', 'name:asc,size:desc'), ('size_min', '1')],
    [('sort', 'disk_format:desc,created_at:asc')],
    [('sort', 'size:desc'), ('status', 'active')],
    [('sort', 'size:asc'), ('status', 'active'), ('visibility', 'all')],
    [('sort', 'status')],
    [('sort', 'status:asc,name:desc'), ('visibility', 'all')],
    [('sort', 'updated_at:asc')],
    [('sort', 'container_format:asc,id:desc'), ('tag', 'even')],
    [('sort_key', 'name'), ('sort_dir', 'desc')],
    [('sort_key', 'container_format'), ('sort_key', 'size'),
     ('sort_dir', 'asc'), ('sort_dir', 'desc'), ('size_max', '100000')],
    [('sort_key', 'disk_format'), ('sort_key', 'name'), ('sort_dir', 'asc')],
    [('sort_key', 'id'), ('tag', 'three'), ('tag', 'even')],
]

MEMBER_STATUS_QUERIES = [
    [('member_status', 'accepted')],
    [('member_status', 'pending')],
    [('member_status', 'rejected')],
    [('member_status', 'all')],
    [('visibility', 'shared'), ('member_status', 'all')],
    [('visibility', 'shared'), ('member_status', 'pending')],
    [('visibility', 'all'), ('member_status', 'all'),
     ('sort', 'name:desc')],
]


class TestImageList(ImagesTestCase):
    """GET .../images against Glance's own answer, over 40 images.

    The class's tenant holds IMAGES images made through mcimage, in two
    batches a second apart (for created_at); another project shares
    images with it (accepted, pending, rejected) and has a community and
    a private one.
    """

    EXTRA_CONF = '[api]\nmax_limit = %d\n' % MAX_LIMIT

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls._make_images()
        except BaseException:
            cls._servers.cleanUp()
            raise

    @classmethod
    def _make_images(cls):
        suffix = uuid.uuid4().hex[:10]
        cls.owner = 'p-list-%s' % suffix
        cls.other = 'p-sharer-%s' % suffix
        # id -> the owner's membership status, for images of cls.other.
        cls.membership = {}
        cls.own_ids = []
        for i in range(IMAGES):
            if i == IMAGES // 2:
                # created_at=gt:/lt: this second splits the two batches.
                now = time.time()
                time.sleep(int(now) + 1.05 - now)
                cls.boundary = time.strftime('%Y-%m-%dT%H:%M:%SZ',
                                             time.gmtime(int(time.time())))
                time.sleep(0.05)
            image = cls.create(cls.owner, **dataset_fields(i))
            cls.own_ids.append(image['id'])
            data = dataset_data(i)
            if data:
                cls.upload_straight(cls.owner, image['id'], data)
        for status in ('accepted', 'pending', 'rejected'):
            image = cls.create(cls.other, name='shared-%s' % status,
                               disk_format='raw', container_format='bare',
                               visibility='shared', tags=['even'])
            resp = cls.mc('POST', cls.other, '/%s/members' % image['id'],
                          json={'member': cls.owner})
            if resp.status_code != 200:
                raise AssertionError('share: %s' % resp.text)
            if status != 'pending':
                resp = cls.mc('PUT', cls.owner, '/%s/members/%s' % (
                    image['id'], cls.owner), json={'status': status})
                if resp.status_code != 200:
                    raise AssertionError('%s: %s' % (status, resp.text))
            cls.membership[image['id']] = status
        cls.create(cls.other, name='other-community', disk_format='raw',
                   container_format='bare', visibility='community',
                   tags=['odd'])
        cls.create(cls.other, name='other-shared-not-member',
                   disk_format='raw', container_format='bare',
                   visibility='shared')
        cls.create(cls.other, name='other-private', disk_format='raw',
                   container_format='bare', visibility='private')

    # -- walking both -------------------------------------------------------

    def mc_visible(self, image):
        """The visibility rule, the filter mcimage adds to Glance's answer."""
        if (image['owner'] == self.owner
                or image['visibility'] in ('public', 'community')):
            return True
        # A member of a share, whatever its status (Glance's answer then
        # decides whether the list shows it).
        return (image['visibility'] == 'shared'
                and image['id'] in self.membership)

    def assertSameQuery(self, query, link, markers=1):
        """A link asks what the first request asked (next: from a marker).

        Every value of a repeated parameter (tag, sort_key, sort_dir) is
        kept, which Glance's own links do not do.
        """
        asked = sorted(query)
        kept = urllib.parse.parse_qsl(urllib.parse.urlsplit(link).query)
        self.assertEqual(markers, len([v for k, v in kept
                                       if k == 'marker']), link)
        self.assertEqual(asked, sorted((k, v) for k, v in kept
                                       if k != 'marker'), link)

    def walk_mcimage(self, query, limit=MC_LIMIT):
        """Every page through mcimage: (images, number of pages)."""
        params = list(query) + [('limit', str(limit))]
        capped = [(k, v) if k != 'limit' else
                  (k, str(min(int(v), MAX_LIMIT))) for k, v in params]
        prefix = '/v1/%s/%s/images?' % (self.VIM, self.owner)
        resp = self.mc('GET', self.owner, params=params)
        images, pages = [], 0
        while True:
            self.assertEqual(200, resp.status_code, resp.text)
            self.assertNoBackendDetails(resp.text)
            body = resp.json()
            pages += 1
            self.assertLessEqual(len(body['images']), min(limit, MAX_LIMIT))
            self.assertEqual(prefix[:-1].replace('/images', '/schemas/images'),
                             body['schema'])
            self.assertTrue(body['first'].startswith(prefix), body['first'])
            self.assertSameQuery(capped, body['first'], markers=0)
            images.extend(body['images'])
            link = body.get('next')
            if link is None:
                break
            self.assertTrue(link.startswith(prefix), link)
            self.assertSameQuery(capped, link)
            self.assertLess(pages, 100, 'next never ends')
            resp = requests.get(self.mcimage.url(link),
                                headers=self.headers(tenant=self.owner),
                                timeout=TIMEOUT)
        return images, pages

    def walk_glance(self, query, limit=GLANCE_LIMIT):
        """Every page of Glance's answer to the same query.

        Glance 33's links keep one value of a repeated parameter (tag,
        sort_key, sort_dir: the serializer makes a dict of the query), so
        each next page is the first query again with the marker of
        Glance's next link.
        """
        params = list(query) + [('limit', str(limit))]
        resp = self.gl('GET', self.owner, params=params)
        images, pages = [], 0
        while True:
            self.assertEqual(200, resp.status_code, resp.text)
            body = resp.json()
            pages += 1
            images.extend(body['images'])
            link = body.get('next')
            if link is None:
                break
            self.assertLess(pages, 100, 'next never ends')
            marker = dict(urllib.parse.parse_qsl(
                urllib.parse.urlsplit(link).query))['marker']
            resp = self.gl('GET', self.owner,
                           params=params + [('marker', marker)])
        return images, pages

    def compare_queries(self, queries):
        """Each query's ids in order: mcimage's == Glance's (policy applied).

        Returns {query: (mcimage ids, Glance ids)}; fails naming every
        query that differs.
        """
        mismatches = []
        answers = {}
        for query in queries:
            mc_images, mc_pages = self.walk_mcimage(query)
            gl_images, _pages = self.walk_glance(query)
            mc_ids = [i['id'] for i in mc_images]
            gl_ids = [i['id'] for i in gl_images]
            expected = [i['id'] for i in gl_images if self.mc_visible(i)]
            answers[tuple(query)] = (mc_ids, gl_ids)
            if mc_ids != expected:
                mismatches.append('%s: mcimage %s, Glance %s (policy '
                                  'applied: %s)' % (query, mc_ids, gl_ids,
                                                    expected))
            elif not mc_ids:
                mismatches.append('%s: nothing listed, the query proves '
                                  'nothing' % query)
            elif len(mc_ids) > MC_LIMIT:
                self.assertGreater(mc_pages, 1, query)
            self.assertEqual(len(mc_ids), len(set(mc_ids)), query)
        self.assertEqual([], mismatches)
        return answers

    # -- tests --------------------------------------------------------------

    def test_dataset(self):
        """What the comparisons rest on is in Glance as it was made."""
        own = [i for hidden in ('true', 'false')
               for i in self.walk_glance([('owner', self.owner),
                                          ('visibility', 'all'),
                                          ('os_hidden', hidden)])[0]]
        self.assertEqual(sorted(self.own_ids), sorted(i['id'] for i in own))
        self.assertGreaterEqual(len(own), 30)
        statuses = collections.Counter(i['status'] for i in own)
        self.assertEqual({'active', 'queued'}, set(statuses))
        self.assertEqual(len(set(i['size'] for i in own
                                 if i['size'] is not None)),
                         statuses['active'])

    def test_filters_match_glance(self):
        answers = self.compare_queries(FILTER_QUERIES)
        # The filters reached Glance: they do not all give the same list.
        self.assertGreater(len(set(tuple(ids) for ids, _g in
                                   answers.values())), len(answers) // 2)

    def test_created_and_updated_at_match_glance(self):
        answers = self.compare_queries([
            [('created_at', 'gt:' + self.boundary)],
            [('created_at', 'lt:' + self.boundary)],
            [('created_at', 'gte:' + self.boundary), ('visibility', 'all')],
            [('created_at', 'lte:' + self.boundary), ('sort', 'name:asc')],
            [('updated_at', 'gt:' + self.boundary)],
        ])
        after = set(answers[('created_at', 'gt:' + self.boundary),][0])
        before = set(answers[('created_at', 'lt:' + self.boundary),][0])
        self.assertEqual(set(), after & before)
        self.assertEqual(set(self.own_ids[IMAGES // 2:]) - after,
                         set(i for i in self.own_ids[IMAGES // 2:]
                             if dataset_fields(self.own_ids.index(i))[
                                 'os_hidden']))

    def test_owner_filter_matches_glance(self):
        self.compare_queries([[('owner', self.owner)],
                              [('owner', self.other),
                               ('visibility', 'all')]])

    def test_sort_matches_glance(self):
        answers = self.compare_queries(SORT_QUERIES)
        by_name = answers[(('sort_key', 'name'), ('sort_dir', 'desc'))][0]
        names = [dataset_fields(self.own_ids.index(i))['name']
                 for i in by_name if i in self.own_ids]
        self.assertEqual(sorted(names, reverse=True), names)

    def test_member_status_follows_glance_and_policy(self):
        answers = self.compare_queries(MEMBER_STATUS_QUERIES)
        accepted, pending, rejected = [
            i for s in ('accepted', 'pending', 'rejected')
            for i, status in self.membership.items() if status == s]
        mc_ids, gl_ids = answers[(('member_status', 'all'),)]
        self.assertIn(accepted, mc_ids)
        # As Glance, mcimage lists a pending or rejected share to its
        # member when asked for that status, never by default, and lets the
        # member read it whatever its status.
        default_ids = [i['id'] for i in self.walk_mcimage([])[0]]
        for query, share in ((('member_status', 'pending'),), pending), (
                (('member_status', 'rejected'),), rejected):
            mc_ids, gl_ids = answers[query]
            self.assertIn(share, gl_ids)
            self.assertIn(share, mc_ids)
            self.assertNotIn(share, default_ids)
            resp = self.mc('GET', self.owner, '/' + share)
            self.assertEqual(200, resp.status_code, resp.text)
            self.assertEqual(share, resp.json()['id'])

    def test_limit_is_capped_by_max_limit(self):
        resp = self.mc('GET', self.owner, params={'limit': '1000'})
        self.assertEqual(200, resp.status_code, resp.text)
        body = resp.json()
        self.assertEqual(MAX_LIMIT, len(body['images']))
        query = dict(urllib.parse.parse_qsl(
            urllib.parse.urlsplit(body['next']).query))
        self.assertEqual(str(MAX_LIMIT), query['limit'])
        # Walking with the capped limit still lists everything, in order.
        mc_images, pages = self.walk_mcimage([('visibility', 'all')],
                                             limit=1000)
        gl_images, _pages = self.walk_glance([('visibility', 'all')])
        self.assertEqual([i['id'] for i in gl_images
                          if self.mc_visible(i)],
                         [i['id'] for i in mc_images])
        self.assertGreater(pages, len(mc_images) // MAX_LIMIT - 1)

    def test_pages_are_glance_images_with_mcimage_links(self):
        query = [('visibility', 'all'), ('sort', 'name:asc')]
        mc_images, _pages = self.walk_mcimage(query)
        gl_images = {i['id']: i for i in self.walk_glance(query)[0]}
        schema = self.served_schema('images', self.owner)
        for image in mc_images:
            self.assertImageBody(image, self.owner)
            self.assertEqual(comparable(gl_images[image['id']]),
                             comparable(image))
        resp = self.mc('GET', self.owner, params={'limit': '3'})
        jsonschema.validate(resp.json(), schema)
        self.assertNoBackendDetails(resp.text)

    def test_bad_query_is_400_naming_it(self):
        marker = '6d3c2e8a-0000-4000-8000-00000000dead'
        # A private image of another project is no marker either.
        [private] = [i['id'] for i in self.glance.list_images(self.other)
                     if i['name'] == 'other-private']
        for params, names in [
                ({'sort': 'shoe_size:asc'}, ['sort', 'shoe_size']),
                # Glance has no such sort key either.
                ({'sort': 'min_ram:asc'}, ['sort', 'min_ram']),
                ({'sort_key': 'visibility'}, ['sort_key', 'visibility']),
                ({'sort': 'name:sideways'}, ['sort', 'sideways']),
                ({'sort_key': 'shoe_size'}, ['sort_key', 'shoe_size']),
                ({'sort_dir': 'up'}, ['sort_dir', 'up']),
                ({'limit': 'ten'}, ['limit', 'ten']),
                ({'limit': '-1'}, ['limit', '-1']),
                ({'marker': 'not-an-id'}, ['marker', 'not-an-id']),
                ({'marker': marker}, ['marker', marker]),
                ({'marker': private}, ['marker', private]),
                ({'size_min': 'big'}, ['size_min', 'big']),
                ({'created_at': 'after:2020-01-01'},
                 ['created_at', 'after:2020-01-01']),
                ({'visibility': 'everyone'}, ['visibility', 'everyone']),
                ({'status': 'in:active,gone'}, ['status', 'gone']),
                ({'sort': 'name:asc', 'sort_key': 'name'}, ['sort'])]:
            resp = self.mc('GET', self.owner, params=params)
            error = self.assertError(resp, 400)
            for name in names:
                self.assertIn(name, error['detail'], params)
            self.assertNoBackendDetails(resp.text)
        resp = self.mc('GET', self.owner, params=[('name', 'alpha'),
                                                  ('name', 'beta')])
        self.assertError(resp, 400, 'name')


# -- one image: patch, members, tags, HEAD, delete, actions -------------------

class TestImageOperations(ImagesTestCase):
    """What one image goes through, next to Glance's own behaviour."""

    GLANCE_CONF = SHOW_LOCATIONS

    def make_twins(self, **fields):
        """(through mcimage, straight to Glance): the same fields."""
        fields = dict({'name': 'twin', 'disk_format': 'raw',
                       'container_format': 'bare', 'mc_note': 'zero'},
                      **fields)
        return (self.create(self.tenant, **fields),
                self.create_straight(self.tenant, **fields))

    def assertTwinsAlike(self, ours, theirs):
        skip = ('id', 'created_at', 'updated_at')
        self.assertEqual(comparable(theirs, *skip), comparable(ours, *skip))

    def assertShowsAsGlance(self, image):
        """What mcimage answered is what Glance now shows of the image."""
        self.assertImageBody(image, self.tenant)
        recorded = self.glance_show(self.tenant, image['id'])
        self.assertEqual(comparable(recorded), comparable(image))

    # -- PATCH --------------------------------------------------------------

    def test_patch_round_trip_2_1(self):
        image = self.create(self.tenant, name='before', disk_format='raw',
                            container_format='bare', mc_note='zero',
                            mc_gone='soon')
        steps = [
            [{'op': 'add', 'path': '/mc_new', 'value': 'one'},
             {'op': 'replace', 'path': '/mc_note', 'value': 'two'},
             {'op': 'remove', 'path': '/mc_gone'},
             {'op': 'replace', 'path': '/name', 'value': 'after'},
             {'op': 'replace', 'path': '/min_ram', 'value': 2048},
             {'op': 'replace', 'path': '/protected', 'value': True},
             {'op': 'replace', 'path': '/visibility', 'value': 'community'}],
            [{'op': 'replace', 'path': '/protected', 'value': False},
             {'op': 'replace', 'path': '/visibility', 'value': 'private'},
             {'op': 'remove', 'path': '/mc_new'}],
        ]
        for ops in steps:
            resp = self.patch(self.tenant, image['id'], ops)
            self.assertEqual(200, resp.status_code, resp.text)
            self.assertNoBackendDetails(resp.text)
            image = resp.json()
            self.assertShowsAsGlance(image)
        recorded = self.glance_show(self.tenant, image['id'])
        self.assertEqual('after', recorded['name'])
        self.assertEqual(2048, recorded['min_ram'])
        self.assertEqual('two', recorded['mc_note'])
        self.assertNotIn('mc_gone', recorded)
        self.assertNotIn('mc_new', recorded)
        self.assertFalse(recorded['protected'])
        self.assertEqual('private', recorded['visibility'])

    def test_patch_round_trip_2_0(self):
        image = self.create(self.tenant, name='old', disk_format='raw',
                            container_format='bare', mc_gone='soon')
        resp = self.patch(self.tenant, image['id'], [
            {'add': '/mc_new', 'value': 'one'},
            {'replace': '/name', 'value': 'new'},
            {'replace': '/min_ram', 'value': 512},
            {'replace': '/protected', 'value': True},
            {'replace': '/visibility', 'value': 'shared'},
            {'remove': '/mc_gone'}], media_type=PATCH_2_0)
        self.assertEqual(200, resp.status_code, resp.text)
        image = resp.json()
        self.assertShowsAsGlance(image)
        self.assertEqual(('new', 512, True, 'shared', 'one'),
                         (image['name'], image['min_ram'], image['protected'],
                          image['visibility'], image['mc_new']))
        self.assertNotIn('mc_gone', image)
        resp = self.patch(self.tenant, image['id'], [
            {'replace': '/protected', 'value': False}], media_type=PATCH_2_0)
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertShowsAsGlance(resp.json())

    def test_patch_like_glance(self):
        """Each document, applied to twins, answers and ends the same."""
        ours, theirs = self.make_twins()
        documents = [
            (PATCH_2_1, [{'op': 'add', 'path': '/mc_note', 'value': 'a'},
                         {'op': 'add', 'path': '/mc_other', 'value': 'b'},
                         {'op': 'add', 'path': '/name', 'value': 'added'}]),
            (PATCH_2_1, [{'op': 'remove', 'path': '/mc_absent'}]),
            (PATCH_2_1, [{'op': 'replace', 'path': '/mc_absent',
                          'value': 'x'}]),
            (PATCH_2_1, [{'op': 'replace', 'path': '/tags',
                          'value': ['x', 'y']},
                         {'op': 'replace', 'path': '/os_hidden',
                          'value': True},
                         {'op': 'replace', 'path': '/min_disk', 'value': 3}]),
            (PATCH_2_1, [{'op': 'replace', 'path': '/min_ram',
                          'value': '12'}]),
            (PATCH_2_1, [{'op': 'replace', 'path': '/visibility',
                          'value': 'public'}]),
            (PATCH_2_1, [{'op': 'replace', 'path': '/disk_format',
                          'value': 'qcow2'},
                         {'op': 'replace', 'path': '/container_format',
                          'value': 'ovf'}]),
            (PATCH_2_0, [{'replace': '/mc_other', 'value': 'c'},
                         {'remove': '/mc_note'}]),
            (PATCH_2_0, [{'remove': '/mc_note'}]),
        ]
        for media_type, ops in documents:
            mine = self.patch(self.tenant, ours['id'], ops, media_type)
            glance = self.patch(self.tenant, theirs['id'], ops, media_type,
                                straight=True)
            self.assertEqual(glance.status_code, mine.status_code,
                             '%s: %s' % (ops, mine.text))
            if mine.status_code == 200:
                self.assertTwinsAlike(mine.json(), glance.json())
                self.assertShowsAsGlance(mine.json())
            else:
                self.assertError(mine, glance.status_code)
            self.assertTwinsAlike(
                self.glance_show(self.tenant, ours['id']),
                self.glance_show(self.tenant, theirs['id']))

    def test_patch_read_only_field_is_400_and_changes_nothing(self):
        image = self.create(self.tenant, name='ro', disk_format='raw',
                            container_format='bare')
        self.upload_straight(self.tenant, image['id'], b'ro' * 100)
        before = self.glance_show(self.tenant, image['id'])
        self.assertIn('direct_url', before)
        for path, value in [('/status', 'queued'), ('/size', 1),
                            ('/checksum', '0' * 32),
                            ('/id', '6d3c2e8a-0000-4000-8000-000000000000'),
                            ('/created_at', '2020-01-01T00:00:00Z'),
                            ('/os_hash_value', '0' * 128),
                            ('/direct_url', 'file:///etc/passwd'),
                            ('/locations', [{'url': 'file:///etc/passwd',
                                             'metadata': {}}])]:
            for op in ('replace', 'add'):
                # A valid change first: nothing of the document applies.
                ops = [{'op': 'replace', 'path': '/name', 'value': 'new'},
                       {'op': op, 'path': path, 'value': value}]
                resp = self.patch(self.tenant, image['id'], ops)
                error = self.assertError(resp, 400, path[1:])
                self.assertIn('read-only', error['detail'])
            resp = self.patch(self.tenant, image['id'],
                              [{'replace': path, 'value': value}],
                              media_type=PATCH_2_0)
            self.assertError(resp, 400, path[1:])
        # Glance itself says 403 to these (mcimage: 400, issue 4 §6), and
        # to removing a core field, which mcimage also refuses first.
        resp = self.patch(self.tenant, image['id'],
                          [{'op': 'replace', 'path': '/status',
                            'value': 'queued'}], straight=True)
        self.assertEqual(403, resp.status_code, resp.text)
        resp = self.patch(self.tenant, image['id'],
                          [{'op': 'remove', 'path': '/name'}])
        self.assertError(resp, 400, 'name')
        # owner: an admin's to change (mcimage:image:set_owner).
        resp = self.patch(self.tenant, image['id'], [
            {'op': 'replace', 'path': '/name', 'value': 'new'},
            {'op': 'replace', 'path': '/owner', 'value': 'x'}])
        self.assertError(resp, 403, 'mcimage:image:set_owner')
        self.assertEqual(before, self.glance_show(self.tenant, image['id']))

    def test_patch_needs_a_patch_media_type(self):
        image = self.create(self.tenant, name='m', disk_format='raw',
                            container_format='bare')
        for media_type in ('application/json', 'text/plain'):
            resp = self.patch(self.tenant, image['id'],
                              [{'op': 'replace', 'path': '/name',
                                'value': 'x'}], media_type=media_type)
            self.assertError(resp, 415, PATCH_2_1)
            glance = self.patch(self.tenant, image['id'],
                                [{'op': 'replace', 'path': '/name',
                                  'value': 'x'}], media_type=media_type,
                                straight=True)
            self.assertEqual(415, glance.status_code)
        self.assertEqual('m', self.glance_show(self.tenant,
                                               image['id'])['name'])

    # -- members -------------------------------------------------------------

    def test_members_workflow(self):
        owner, member = self.tenant, self.tenant + '-member'
        image = self.create(owner, name='shared', disk_format='raw',
                            container_format='bare', visibility='shared')
        image_id = image['id']
        members = '/%s/members' % image_id
        mine = '%s/%s' % (members, member)

        def member_ids(tenant):
            resp = self.mc('GET', tenant, members)
            self.assertEqual(200, resp.status_code, resp.text)
            jsonschema.validate(resp.json(),
                                self.served_schema('members', tenant))
            return [(m['member_id'], m['status'])
                    for m in resp.json()['members']]

        def listed(tenant, **params):
            return image_id in [i['id'] for i in self.walk(tenant, params)]

        # The member cannot share it further, nor see it yet.
        self.assertError(self.mc('POST', member, members,
                                 json={'member': 'p-third'}), 404)
        self.assertError(self.mc('GET', member, '/' + image_id), 404)

        resp = self.mc('POST', owner, members, json={'member': member})
        self.assertEqual(200, resp.status_code, resp.text)
        body = resp.json()
        self.assertEqual((member, image_id, 'pending'),
                         (body['member_id'], body['image_id'],
                          body['status']))
        self.assertEqual('/v1/%s/%s/schemas/member' % (self.VIM, owner),
                         body['schema'])
        jsonschema.validate(body, self.served_schema('member', owner))
        glance_members = self.gl('GET', owner, members).json()['members']
        self.assertEqual([(member, 'pending')],
                         [(m['member_id'], m['status'])
                          for m in glance_members])
        # Added twice: Glance's 409.
        self.assertError(self.mc('POST', owner, members,
                                 json={'member': member}), 409)

        self.assertEqual([(member, 'pending')], member_ids(owner))
        self.assertEqual([(member, 'pending')], member_ids(member))
        resp = self.mc('GET', member, mine)
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual('pending', resp.json()['status'])
        # As Glance: listed only when asked for, readable already.
        self.assertFalse(listed(member))
        self.assertTrue(listed(member, member_status='pending'))
        resp = self.mc('GET', member, '/' + image_id)
        self.assertEqual(200, resp.status_code, resp.text)

        # Only the member answers for itself (Glance: 403 to the owner).
        self.assertError(self.mc('PUT', owner, mine,
                                 json={'status': 'accepted'}), 403)
        self.assertError(self.mc('PUT', member, mine,
                                 json={'status': 'maybe'}), 400, 'status')
        resp = self.mc('PUT', member, mine, json={'status': 'accepted'})
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual('accepted', resp.json()['status'])
        self.assertEqual('accepted', self.gl(
            'GET', member, mine).json()['status'])
        self.assertTrue(listed(member))
        self.assertTrue(listed(member, visibility='shared'))
        self.assertFalse(listed(member, member_status='pending'))
        resp = self.mc('GET', member, '/' + image_id)
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertImageBody(resp.json(), member)
        # A member may read, not write.
        resp = self.patch(member, image_id, [
            {'op': 'replace', 'path': '/name', 'value': 'mine'}])
        self.assertError(resp, 403)

        resp = self.mc('PUT', member, mine, json={'status': 'rejected'})
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual('rejected', self.gl(
            'GET', owner, mine).json()['status'])
        self.assertFalse(listed(member))
        self.assertTrue(listed(member, member_status='rejected'))
        self.assertTrue(listed(member, member_status='all'))
        resp = self.mc('GET', member, '/' + image_id)
        self.assertEqual(200, resp.status_code, resp.text)

        resp = self.mc('DELETE', owner, mine)
        self.assertEqual(204, resp.status_code, resp.text)
        self.assertEqual([], self.gl('GET', owner, members).json()['members'])
        self.assertEqual([], member_ids(owner))
        self.assertError(self.mc('GET', member, mine), 404)
        self.assertError(self.mc('DELETE', owner, mine), 404)

    def walk(self, tenant, params):
        images, url = [], None
        resp = self.mc('GET', tenant, params=params)
        while True:
            self.assertEqual(200, resp.status_code, resp.text)
            images.extend(resp.json()['images'])
            url = resp.json().get('next')
            if not url:
                return images
            resp = requests.get(self.mcimage.url(url), timeout=TIMEOUT,
                                headers=self.headers(tenant=tenant))

    def test_only_a_shared_image_gets_members(self):
        for visibility in ('private', 'community'):
            image = self.create(self.tenant, name=visibility,
                                disk_format='raw', container_format='bare',
                                visibility=visibility)
            members = '/%s/members' % image['id']
            resp = self.mc('POST', self.tenant, members,
                           json={'member': 'p-friend'})
            self.assertError(resp, 403, 'shared')
            # Glance says the same, and has no member for it.
            self.assertEqual(403, self.gl('POST', self.tenant, members,
                                          json={'member': 'p-x'}).status_code)
            self.assertEqual(403, self.gl('GET', self.tenant,
                                          members).status_code)
            self.assertEqual(200, self.mc('GET', self.tenant,
                                          '/' + image['id']).status_code)
        resp = self.mc('POST', self.tenant, members, json={'who': 'p-x'})
        self.assertError(resp, 400, 'member')
        resp = self.mc('POST', self.tenant, members,
                       json={'member': 'p-x', 'who': 'p-y'})
        self.assertError(resp, 400, 'who')

    # -- tags -----------------------------------------------------------------

    def test_tags_like_glance(self):
        ours, theirs = self.make_twins(tags=['start'])
        for method, tag in [('PUT', 'alpha'), ('PUT', 'alpha'),
                            ('PUT', 'beta'), ('PUT', 'with space'),
                            ('PUT', 'ünïcode'), ('DELETE', 'alpha'),
                            ('DELETE', 'alpha'), ('DELETE', 'never'),
                            ('PUT', 't' * 255), ('PUT', 't' * 256),
                            ('DELETE', 'start')]:
            path = '/tags/' + urllib.parse.quote(tag, safe='')
            mine = self.mc(method, self.tenant, '/' + ours['id'] + path)
            glance = self.gl(method, self.tenant, '/' + theirs['id'] + path)
            self.assertEqual(glance.status_code, mine.status_code,
                             '%s %s: %s' % (method, tag, mine.text))
            if mine.status_code == 204:
                self.assertEqual(b'', mine.content)
            else:
                self.assertError(mine, glance.status_code)
            self.assertEqual(
                sorted(self.glance_show(self.tenant, theirs['id'])['tags']),
                sorted(self.glance_show(self.tenant, ours['id'])['tags']))
        tags = self.mc('GET', self.tenant, '/' + ours['id']).json()['tags']
        # Glance 33 (gunicorn) stores a non-ASCII tag of this route as
        # the latin-1 reading of its UTF-8 bytes; so it does through
        # mcimage (compared above), whose own path decoding is right.
        self.assertEqual(sorted(['beta', 'with space', 't' * 255]),
                         sorted(t for t in tags if t.isascii()))
        self.assertEqual(4, len(tags))
        # Readers and other projects do not tag.
        self.assertError(self.mc('PUT', self.tenant, '/%s/tags/r' % ours[
            'id'], roles='reader'), 403)
        self.assertError(self.mc('PUT', self.tenant + '-x', '/%s/tags/r' %
                                 ours['id']), 404)

    # -- HEAD -----------------------------------------------------------------

    def head_raw(self, tenant, image_id):
        """(status line, headers, bytes after them) of a HEAD, to the EOF."""
        request = ('HEAD /v1/%s/%s/images/%s HTTP/1.1\r\nHost: 127.0.0.1\r\n'
                   'X-Project-Id: %s\r\nX-User-Id: u-%s\r\nX-Roles: %s\r\n'
                   'Connection: close\r\n\r\n' % (
                       self.VIM, tenant, image_id, tenant, tenant,
                       MEMBER_ROLES)).encode()
        with socket.create_connection(('127.0.0.1', self.mcimage.port),
                                      timeout=TIMEOUT) as sock:
            sock.sendall(request)
            raw = b''
            while True:
                piece = sock.recv(65536)
                if not piece:
                    break
                raw += piece
        head, _sep, rest = raw.partition(b'\r\n\r\n')
        lines = head.decode('latin-1').split('\r\n')
        headers = {}
        for line in lines[1:]:
            name, _sep, value = line.partition(':')
            headers[name.strip().lower()] = value.strip()
        return lines[0], headers, rest

    def test_head_headers_are_the_image_fields(self):
        data = b'head data ' * 1000
        image = self.create(self.tenant, name='Ubuntu 22.04 café',
                            disk_format='raw', container_format='bare',
                            min_ram=256, mc_note='a note: ünïcode & more',
                            os_distro='ubuntu', tags=['t1'])
        self.upload_straight(self.tenant, image['id'], data)
        recorded = self.glance_show(self.tenant, image['id'])
        self.assertIn('direct_url', recorded)

        resp = self.mc('HEAD', self.tenant, '/' + image['id'])
        self.assertEqual(200, resp.status_code)
        self.assertEqual(b'', resp.content)
        headers = {k.lower(): urllib.parse.unquote(v)
                   for k, v in resp.headers.items()}
        expected = {
            'Id': recorded['id'], 'Name': recorded['name'],
            'Disk_format': 'raw', 'Container_format': 'bare',
            'Size': str(len(data)), 'Checksum': recorded['checksum'],
            'Status': 'active', 'Visibility': recorded['visibility'],
            'Is_public': 'False', 'Owner': self.tenant,
            'Created_at': recorded['created_at'],
            'Updated_at': recorded['updated_at'],
            'Min_ram': '256', 'Min_disk': '0', 'Protected': 'False',
            'Property-mc_note': 'a note: ünïcode & more',
            'Property-os_distro': 'ubuntu'}
        for name, value in expected.items():
            self.assertEqual(value, headers.get('x-image-meta-' +
                                                name.lower()), name)
        properties = sorted(h for h in headers
                            if h.startswith('x-image-meta-property-'))
        self.assertEqual(['x-image-meta-property-mc_note',
                          'x-image-meta-property-os_distro'], properties)
        self.assertNoBackendDetails(str(resp.headers))

        # No body on the wire either.
        status, raw_headers, rest = self.head_raw(self.tenant, image['id'])
        self.assertIn(' 200 ', status)
        self.assertEqual(b'', rest)
        self.assertIn(raw_headers.get('content-length'), (None, '0'))

        # A queued image: no size, no checksum; a public one (admin).
        queued = self.create(self.tenant, name='q', disk_format='raw',
                             container_format='bare')
        headers = self.mc('HEAD', self.tenant, '/' + queued['id']).headers
        self.assertEqual('', headers['X-Image-Meta-Size'])
        self.assertEqual('', headers['X-Image-Meta-Checksum'])
        self.assertEqual('queued', headers['X-Image-Meta-Status'])
        resp = self.mc('POST', self.tenant, roles=ADMIN_ROLES, json={
            'name': 'pub', 'disk_format': 'raw', 'container_format': 'bare',
            'visibility': 'public'})
        self.assertEqual(201, resp.status_code, resp.text)
        headers = self.mc('HEAD', self.tenant,
                          '/' + resp.json()['id']).headers
        self.assertEqual('True', headers['X-Image-Meta-Is_public'])
        self.assertEqual('public', headers['X-Image-Meta-Visibility'])
        self.gl('DELETE', self.tenant, '/' + resp.json()['id'],
                roles=ADMIN_ROLES)
        # Unknown: 404, still no body.
        resp = self.mc('HEAD', self.tenant,
                       '/6d3c2e8a-0000-4000-8000-000000000000')
        self.assertEqual(404, resp.status_code)
        self.assertEqual(b'', resp.content)

    # -- delete, deactivate ---------------------------------------------------

    def test_delete_protected_image(self):
        image = self.create(self.tenant, name='keep', disk_format='raw',
                            container_format='bare', protected=True)
        resp = self.mc('DELETE', self.tenant, '/' + image['id'])
        self.assertError(resp, 403, 'protected')
        self.assertEqual('keep', self.glance_show(self.tenant,
                                                  image['id'])['name'])
        # An admin cannot either.
        resp = self.mc('DELETE', self.tenant, '/' + image['id'],
                       roles=ADMIN_ROLES)
        self.assertError(resp, 403, 'protected')
        self.assertIsNotNone(self.glance_show(self.tenant, image['id']))

        resp = self.patch(self.tenant, image['id'], [
            {'op': 'replace', 'path': '/protected', 'value': False}])
        self.assertEqual(200, resp.status_code, resp.text)
        # A reader may not delete.
        resp = self.mc('DELETE', self.tenant, '/' + image['id'],
                       roles='reader')
        self.assertError(resp, 403)
        resp = self.mc('DELETE', self.tenant, '/' + image['id'])
        self.assertEqual(204, resp.status_code, resp.text)
        self.assertEqual(b'', resp.content)
        self.assertIsNone(self.glance_show(self.tenant, image['id']))
        self.assertError(self.mc('GET', self.tenant, '/' + image['id']), 404)
        self.assertError(self.mc('DELETE', self.tenant, '/' + image['id']),
                         404)

    def test_deactivate_and_reactivate_as_admin(self):
        data = b'deactivate me ' * 100
        image = self.create(self.tenant, name='d', disk_format='raw',
                            container_format='bare')
        self.upload_straight(self.tenant, image['id'], data)
        action = '/%s/actions/%%s' % image['id']

        # A reader may not; an admin or a member of the owner may.
        resp = self.mc('POST', self.tenant, action % 'deactivate',
                       roles='reader')
        self.assertError(resp, 403)
        self.assertEqual('active', self.glance_show(self.tenant,
                                                    image['id'])['status'])
        resp = self.mc('POST', self.tenant, action % 'deactivate',
                       roles=ADMIN_ROLES)
        self.assertEqual(204, resp.status_code, resp.text)
        self.assertEqual('deactivated', self.glance_show(
            self.tenant, image['id'])['status'])
        shown = self.mc('GET', self.tenant, '/' + image['id']).json()
        self.assertEqual('deactivated', shown['status'])
        # Its data is refused, as Glance refuses it to a non-admin.
        resp = self.mc('GET', self.tenant, '/%s/file' % image['id'])
        self.assertError(resp, 403)
        self.assertEqual(403, self.gl('GET', self.tenant, '/%s/file' %
                                      image['id']).status_code)

        resp = self.mc('POST', self.tenant, action % 'reactivate',
                       roles='reader')
        self.assertError(resp, 403)
        resp = self.mc('POST', self.tenant, action % 'reactivate',
                       roles=ADMIN_ROLES)
        self.assertEqual(204, resp.status_code, resp.text)
        self.assertEqual('active', self.glance_show(self.tenant,
                                                    image['id'])['status'])
        resp = self.mc('GET', self.tenant, '/%s/file' % image['id'])
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual(data, resp.content)
        self.assertError(self.mc('POST', self.tenant, action % 'explode',
                                 roles=ADMIN_ROLES), 404)

    # -- what a response never carries ----------------------------------------

    def test_no_backend_details_in_any_answer(self):
        image = self.create(self.tenant, name='where', disk_format='raw',
                            container_format='bare', visibility='shared')
        self.assertImageBody(image, self.tenant)
        self.create(self.tenant, name='second', disk_format='raw',
                    container_format='bare')
        self.upload_straight(self.tenant, image['id'], b'where' * 100)
        # Glance itself tells where the data lives (SHOW_LOCATIONS).
        recorded = self.glance_show(self.tenant, image['id'])
        self.assertTrue(recorded['direct_url'].startswith('file://'))
        self.assertTrue(recorded['locations'])
        self.assertTrue(recorded['self'].startswith('/v2/'))

        path = '/' + image['id']
        answers = [
            self.mc('GET', self.tenant, path),
            self.mc('GET', self.tenant, params={'visibility': 'all',
                                                'limit': '1'}),
            self.patch(self.tenant, image['id'], [
                {'op': 'add', 'path': '/mc_note', 'value': 'x'}]),
            self.patch(self.tenant, image['id'], [
                {'op': 'remove', 'path': '/mc_absent'}]),
            self.patch(self.tenant, image['id'], [
                {'op': 'replace', 'path': '/min_ram', 'value': '1'}],
                straight=False),
            self.mc('POST', self.tenant, path + '/members',
                    json={'member': 'p-friend'}),
            self.mc('GET', self.tenant, path + '/members'),
            self.mc('GET', self.tenant, path + '/members/p-friend'),
            self.mc('GET', self.tenant, params={
                'marker': '6d3c2e8a-0000-4000-8000-000000000000'}),
            self.mc('GET', self.tenant,
                    '/6d3c2e8a-0000-4000-8000-000000000000'),
            self.mc('POST', self.tenant, json={
                'name': 'x', 'disk_format': 'raw',
                'container_format': 'bare', 'mc_note': 'y'}),
            self.mc('GET', self.tenant, path + '/file'),
        ]
        for name in ('image', 'images', 'member', 'members'):
            answers.append(requests.get(
                self.mcimage.url('/v1/%s/%s/schemas/%s' % (
                    self.VIM, self.tenant, name)),
                headers=self.headers(), timeout=TIMEOUT))
        for resp in answers:
            self.assertLess(resp.status_code, 500, resp.text)
            if resp.url.endswith('/file'):
                self.assertEqual(b'where' * 100, resp.content)
                continue
            self.assertNoBackendDetails(resp.text)
            self.assertNoBackendDetails(str(resp.headers))
        for resp in (answers[0], answers[2], answers[10]):
            self.assertImageBody(resp.json(), self.tenant)
        for listed in answers[1].json()['images']:
            self.assertImageBody(listed, self.tenant)
        self.assertTrue(answers[1].json()['next'].startswith('/v1/'))
        location = answers[10].headers['Location']
        self.assertTrue(location.endswith(answers[10].json()['self']),
                        location)
        for name, resp in zip(('image', 'images', 'member', 'members'),
                              answers[-4:]):
            for link in resp.json().get('links', []):
                self.assertFalse(link['href'].startswith('/v2'), link)
        head = self.mc('HEAD', self.tenant, path).headers
        self.assertNoBackendDetails(str(head))
        self.assertFalse([h for h in head if 'direct_url' in h.lower()
                          or 'locations' in h.lower()])


# -- two VIMs -----------------------------------------------------------------

class TestTwoVims(ImagesTestCase):
    """Two real Glance servers as two VIMs of one mcimage-api."""

    VIM = 'local_RegionOne'
    OTHER_VIM = 'local_RegionTwo'
    EXTRA_VIMS = (OTHER_VIM,)

    def test_vims_are_listed(self):
        resp = requests.get(self.mcimage.url('/v1/vims'),
                            headers=self.headers(), timeout=TIMEOUT)
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual({self.VIM, self.OTHER_VIM},
                         {v['id'] for v in resp.json()['vims']})

    def test_each_vim_shows_its_own_images(self):
        one = [self.create(self.tenant, name='one-%d' % i, disk_format='raw',
                           container_format='bare')['id'] for i in range(3)]
        two = [self.create(self.tenant, vim=self.OTHER_VIM, name='two-%d' % i,
                           disk_format='qcow2',
                           container_format='bare')['id'] for i in range(2)]
        for vim, ids in ((self.VIM, one), (self.OTHER_VIM, two)):
            self.assertEqual(sorted(ids), sorted(
                i['id'] for i in self.glance_images(vim=vim)))
            resp = self.mc('GET', self.tenant, vim=vim,
                           params={'sort': 'name:asc'})
            self.assertEqual(200, resp.status_code, resp.text)
            self.assertNoBackendDetails(resp.text)
            listed = resp.json()['images']
            self.assertEqual(ids, [i['id'] for i in listed])
            for image in listed:
                self.assertImageBody(image, self.tenant, vim=vim)
            straight = self.gl('GET', self.tenant, vim=vim,
                               params={'sort': 'name:asc'}).json()
            self.assertEqual(ids, [i['id'] for i in straight['images']])

    def test_image_of_one_vim_is_404_in_the_other(self):
        image = self.create(self.tenant, name='only-one', disk_format='raw',
                            container_format='bare', protected=False)
        path = '/' + image['id']
        other = {'vim': self.OTHER_VIM}
        self.assertError(self.mc('GET', self.tenant, path, **other), 404,
                         self.OTHER_VIM)
        self.assertEqual(404, self.mc('HEAD', self.tenant, path,
                                      **other).status_code)
        self.assertError(self.patch_in(self.OTHER_VIM, image['id']), 404)
        self.assertError(self.mc('PUT', self.tenant, path + '/tags/x',
                                 **other), 404)
        self.assertError(self.mc('GET', self.tenant, path + '/members',
                                 **other), 404)
        self.assertError(self.mc('GET', self.tenant, path + '/file',
                                 **other), 404)
        self.assertError(self.mc('DELETE', self.tenant, path, **other), 404)
        # Untouched where it lives.
        recorded = self.glance_show(self.tenant, image['id'])
        self.assertEqual('only-one', recorded['name'])
        self.assertEqual([], recorded['tags'])
        self.assertIsNone(self.glance_show(self.tenant, image['id'],
                                           vim=self.OTHER_VIM))
        resp = self.mc('GET', self.tenant, path)
        self.assertEqual(200, resp.status_code, resp.text)

    def patch_in(self, vim, image_id):
        return self.mc('PATCH', self.tenant, '/' + image_id, vim=vim,
                       json=[{'op': 'replace', 'path': '/name',
                              'value': 'moved'}],
                       headers={'Content-Type': PATCH_2_1})

    def test_onap_path_names_the_vim(self):
        """/v1/{cloud_owner}/{cloud_region_id}/{tenant_id}/images."""
        one = self.create(self.tenant, name='one', disk_format='raw',
                          container_format='bare')
        onap = '/v1/local/RegionTwo/%s/images' % self.tenant
        resp = requests.post(self.mcimage.url(onap), headers=self.headers(),
                             timeout=TIMEOUT,
                             json={'name': 'two', 'imageType': 'qcow2',
                                   'containerFormat': 'bare'})
        self.assertEqual(201, resp.status_code, resp.text)
        two = resp.json()
        self.assertImageBody(two, self.tenant, vim=self.OTHER_VIM)
        recorded = self.glance_show(self.tenant, two['id'],
                                    vim=self.OTHER_VIM)
        self.assertEqual(('two', 'qcow2', 'bare'),
                         (recorded['name'], recorded['disk_format'],
                          recorded['container_format']))
        self.assertIsNone(self.glance_show(self.tenant, two['id']))

        for owner_region, image in (('local/RegionOne', one),
                                    ('local/RegionTwo', two)):
            base_path = '/v1/%s/%s/images' % (owner_region, self.tenant)
            resp = requests.get(self.mcimage.url(base_path),
                                headers=self.headers(), timeout=TIMEOUT)
            self.assertEqual(200, resp.status_code, resp.text)
            self.assertEqual([image['id']],
                             [i['id'] for i in resp.json()['images']])
            resp = requests.get(self.mcimage.url(base_path + '/' +
                                                 image['id']),
                                headers=self.headers(), timeout=TIMEOUT)
            self.assertEqual(200, resp.status_code, resp.text)
            self.assertEqual(comparable(image, 'updated_at'),
                             comparable(resp.json(), 'updated_at'))
        resp = requests.get(self.mcimage.url(
            '/v1/local/RegionTwo/%s/images/%s' % (self.tenant, one['id'])),
            headers=self.headers(), timeout=TIMEOUT)
        self.assertError(resp, 404, self.OTHER_VIM)
        resp = requests.get(self.mcimage.url(
            '/v1/local/RegionThree/%s/images' % self.tenant),
            headers=self.headers(), timeout=TIMEOUT)
        self.assertError(resp, 404)
