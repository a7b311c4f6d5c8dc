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

"""GET /v1/{vim_id}/{tenant_id}/images: Glance's filters, sort, paging."""

import urllib.parse
import uuid

from tests.unit.api import base
from tests.unit.api import response_schemas

URL = '/v1/%s/p1/images' % base.VIM


class ListTestCase(base.APITestCase):

    def add(self, owner='p1', visibility='private', **fields):
        fields.setdefault('name', 'img-%s' % uuid.uuid4().hex[:6])
        fields.setdefault('disk_format', 'raw')
        fields.setdefault('container_format', 'bare')
        return self.fake.add_image(owner, data=b'x', visibility=visibility,
                                   **fields)

    def list(self, query='', persona='member', status=200, url=URL):
        resp = self.app.get(url + ('?' + query if query else ''),
                            headers=self.headers(persona),
                            expect_errors=status >= 400)
        self.assertEqual(status, resp.status_int, resp.text)
        if status == 200:
            response_schemas.check(response_schemas.IMAGE_LIST, resp.json)
        return resp

    def ids(self, query='', persona='member', url=URL):
        return [i['id'] for i in self.list(query, persona,
                                           url=url).json['images']]

    def backend_params(self):
        """The query the last list sent to the VIM."""
        [call] = [c for c in self.fake.calls if c[0] == 'list_images']
        return call[2]

    def assertBadQuery(self, query, name, value):
        error = self.assertError(self.list(query, status=400), 400)
        self.assertIn("'%s" % name, error['detail'])
        self.assertIn(value, error['detail'])
        self.assertEqual([], [c for c in self.fake.calls
                              if c[0] == 'list_images'])
        return error


class TestList(ListTestCase):

    def test_own_images_with_links_into_mcimage(self):
        image = self.add(tags=['a'])
        resp = self.list()
        [body] = resp.json['images']
        self.assertEqual(image['id'], body['id'])
        self.assertEqual('%s/%s' % (URL, image['id']), body['self'])
        self.assertEqual(URL, resp.json['first'])
        self.assertEqual('/v1/%s/p1/schemas/images' % base.VIM,
                         resp.json['schema'])
        self.assertNotIn('next', resp.json)
        self.assertNotIn('/v2/', resp.text)
        self.assertNotIn('secret', resp.text)

    def test_reader_may_list(self):
        image = self.add()
        self.assertEqual([image['id']], self.ids(persona='reader'))

    def test_empty(self):
        resp = self.list()
        self.assertEqual([], resp.json['images'])

    def test_filters_passed_to_the_backend(self):
        query = ('name=in:a,b&visibility=all&member_status=all&owner=p1&'
                 'status=in:active,queued&tag=t1&tag=t2&disk_format=raw&'
                 'container_format=bare&size_min=1&size_max=99&'
                 'protected=false&os_hidden=false&'
                 'created_at=gte:2026-01-01T00:00:00Z&'
                 'updated_at=lt:2027-01-01&os_distro=cirros&'
                 'sort=name:asc&limit=5')
        self.list(query)
        self.assertEqual(
            {'name': 'in:a,b', 'visibility': 'all', 'member_status': 'all',
             'owner': 'p1', 'status': 'in:active,queued',
             'tag': ['t1', 't2'], 'disk_format': 'raw',
             'container_format': 'bare', 'size_min': '1',
             'size_max': '99', 'protected': 'false', 'os_hidden': 'false',
             'created_at': 'gte:2026-01-01T00:00:00Z',
             'updated_at': 'lt:2027-01-01', 'os_distro': 'cirros',
             'sort': 'name:asc', 'limit': '5'},
            self.backend_params())

    def test_classic_sort_keys_passed_as_lists(self):
        self.list('sort_key=name&sort_dir=asc&sort_key=size&sort_dir=desc')
        params = self.backend_params()
        self.assertEqual(['name', 'size'], params['sort_key'])
        self.assertEqual(['asc', 'desc'], params['sort_dir'])

    def test_filters(self):
        a = self.add(name='alpha', tags=['t1', 't2'], os_distro='cirros')
        b = self.add(name='beta', tags=['t1'], disk_format='qcow2')
        c = self.add(name='gamma', visibility='public')
        self.assertEqual([a['id']], self.ids('name=alpha'))
        self.assertEqual({a['id'], b['id']},
                         set(self.ids('name=in:alpha,beta')))
        self.assertEqual([a['id']], self.ids('tag=t1&tag=t2'))
        self.assertEqual({a['id'], b['id']}, set(self.ids('tag=t1')))
        self.assertEqual([b['id']], self.ids('disk_format=qcow2'))
        self.assertEqual([a['id']], self.ids('os_distro=cirros'))
        self.assertEqual([c['id']], self.ids('visibility=public'))
        self.assertEqual({a['id'], b['id']},
                         set(self.ids('visibility=private')))
        self.assertEqual({a['id'], b['id'], c['id']},
                         set(self.ids('owner=p1')))
        self.assertEqual([], self.ids('status=queued'))
        self.assertEqual(3, len(self.ids('status=in:active,queued')))

    def test_created_at_filter(self):
        first = self.add()
        second = self.add()
        self.assertEqual([second['id']], self.ids(
            'created_at=gt:' + first['created_at']))
        self.assertEqual([first['id']], self.ids(
            'created_at=lte:' + first['created_at']))

    def test_sort(self):
        names = ['delta', 'alpha', 'charlie', 'bravo']
        for name in names:
            self.add(name=name)
        for query, expected in (('sort=name:asc', sorted(names)),
                                ('sort=name:desc', sorted(names)[::-1]),
                                ('sort=name', sorted(names)[::-1]),
                                ('sort_key=name&sort_dir=asc',
                                 sorted(names))):
            got = [i['name'] for i in self.list(query).json['images']]
            self.assertEqual(expected, got, query)
        # Glance's default: newest first.
        got = [i['name'] for i in self.list().json['images']]
        self.assertEqual(names[::-1], got)


class TestPaging(ListTestCase):

    def test_walk_next_to_the_end(self):
        created = [self.add(name='img-%02d' % i)['id'] for i in range(7)]
        seen = []
        url = '%s?limit=3&sort=name:asc' % URL
        pages = 0
        while url:
            resp = self.app.get(url, headers=self.headers())
            response_schemas.check(response_schemas.IMAGE_LIST, resp.json)
            seen += [i['id'] for i in resp.json['images']]
            url = resp.json.get('next')
            if url:
                self.assertTrue(url.startswith(URL + '?'), url)
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(
                    url).query)
                self.assertEqual(['3'], query['limit'])
                self.assertEqual(['name:asc'], query['sort'])
                self.assertEqual([seen[-1]], query['marker'])
            pages += 1
        self.assertEqual(created, seen)
        self.assertEqual(3, pages)

    def test_first_link_keeps_the_query_without_marker(self):
        images = [self.add() for _i in range(3)]
        resp = self.list('limit=1&name=in:%s&marker=%s' % (
            ','.join(i['name'] for i in images), images[2]['id']))
        first = resp.json['first']
        self.assertTrue(first.startswith(URL + '?'), first)
        self.assertNotIn('marker', first)
        self.assertIn('limit=1', first)

    def test_limit_capped_by_max_limit(self):
        self.config(max_limit=2, group='api')
        for _i in range(5):
            self.add()
        resp = self.list('limit=4')
        self.assertEqual('2', self.backend_params()['limit'])
        self.assertEqual(2, len(resp.json['images']))
        self.assertIn('limit=2', resp.json['next'])

    def test_limit_under_max_limit_kept(self):
        self.list('limit=7')
        self.assertEqual('7', self.backend_params()['limit'])

    def test_unknown_marker_400(self):
        self.add()
        marker = str(uuid.uuid4())
        resp = self.list('marker=%s' % marker, status=400)
        error = self.assertError(resp, 400, marker)
        self.assertIn('marker', error['detail'].lower())


class TestBadQuery(ListTestCase):

    def test_bad_sort_key(self):
        self.assertBadQuery('sort=nope:asc', 'sort', 'nope')
        self.assertBadQuery('sort=name:asc,locations', 'sort', 'locations')

    def test_bad_sort_direction(self):
        self.assertBadQuery('sort=name:up', 'sort', 'name:up')

    def test_bad_classic_sort(self):
        self.assertBadQuery('sort_dir=up', 'sort_dir', 'up')
        self.assertBadQuery('sort_key=nope', 'sort_key', 'nope')

    def test_sort_with_classic_sort_400(self):
        resp = self.list('sort=name:asc&sort_key=name', status=400)
        self.assertError(resp, 400, 'sort_key')

    def test_bad_limit(self):
        for value in ('-1', 'ten', '1.5', ''):
            self.assertBadQuery('limit=' + value, 'limit', repr(value))

    def test_bad_marker(self):
        self.assertBadQuery('marker=not-an-id', 'marker', 'not-an-id')

    def test_repeated_key(self):
        for key in ('name', 'limit', 'marker', 'visibility', 'os_distro'):
            error = self.assertBadQuery('%s=a&%s=b' % (key, key), key, "'b'")
            self.assertIn('more than once', error['detail'])

    def test_bad_date_operator(self):
        self.assertBadQuery('created_at=foo:2026-01-01', 'created_at',
                            'foo:2026-01-01')
        self.assertBadQuery('updated_at=gt:yesterday', 'updated_at',
                            'gt:yesterday')
        self.assertBadQuery('created_at=2026-01-01', 'created_at',
                            '2026-01-01')

    def test_bad_enum_values(self):
        self.assertBadQuery('visibility=everyone', 'visibility', 'everyone')
        self.assertBadQuery('member_status=maybe', 'member_status', 'maybe')
        self.assertBadQuery('status=in:active,nope', 'status', 'nope')
        self.assertBadQuery('disk_format=floppy', 'disk_format', 'floppy')
        self.assertBadQuery('protected=yes', 'protected', 'yes')
        self.assertBadQuery('size_min=big', 'size_min', 'big')


class TestListPolicy(ListTestCase):
    """The VIM's account lists more than the caller may see."""

    def setUp(self):
        super().setUp()
        self.mine = self.add()
        self.private = self.add(owner='p2')
        self.public = self.add(owner='p2', visibility='public')
        self.community = self.add(owner='p2', visibility='community')
        self.accepted = self.add(owner='p2', visibility='shared')
        self.fake.members[(self.accepted['id'], 'p1')] = 'accepted'
        self.pending = self.add(owner='p2', visibility='shared')
        self.fake.members[(self.pending['id'], 'p1')] = 'pending'
        self.rejected = self.add(owner='p2', visibility='shared')
        self.fake.members[(self.rejected['id'], 'p1')] = 'rejected'
        # Shared with another project, not with p1: FakeGlance still lists
        # it to p1 (like a VIM account with the admin role would).
        self.not_mine = self.add(owner='p2', visibility='shared')
        self.fake.members[(self.not_mine['id'], 'p3')] = 'accepted'

    def test_member_sees_only_what_it_may_get(self):
        for persona in ('member', 'reader'):
            self.assertEqual(
                {self.mine['id'], self.public['id'], self.accepted['id']},
                set(self.ids(persona=persona)))

    def test_every_visibility(self):
        ids = set(self.ids('visibility=all'))
        self.assertEqual({self.mine['id'], self.public['id'],
                          self.community['id'], self.accepted['id']}, ids)
        self.assertEqual([self.community['id']],
                         self.ids('visibility=community'))

    def test_member_status_filter_shows_the_members_shares_only(self):
        # As in Glance: a member lists its pending or rejected shares when
        # it asks for them; a share it is no member of never shows.
        for status, shown in (
                ('accepted', {self.accepted['id']}),
                ('pending', {self.pending['id']}),
                ('rejected', {self.rejected['id']}),
                ('all', {self.accepted['id'], self.pending['id'],
                         self.rejected['id']})):
            ids = set(self.ids('visibility=shared&member_status=' + status))
            self.assertEqual(shown, ids, status)
            self.assertNotIn(self.not_mine['id'], ids, status)

    def test_member_status_filter_when_the_vim_lists_every_share(self):
        # A VIM account with the admin role lists shares whatever the
        # caller's status (Glance ignores member_status for an admin):
        # mcimage applies Glance's member filter itself.
        listed = self.fake._listed
        self.fake._listed = lambda image, tenant_id, params: listed(
            image, tenant_id, dict(params, member_status='all'))
        for query, shown in (
                ('', {self.mine['id'], self.public['id'],
                      self.accepted['id']}),
                ('member_status=pending', {self.mine['id'],
                                           self.public['id'],
                                           self.pending['id']}),
                ('visibility=shared&member_status=all',
                 {self.accepted['id'], self.pending['id'],
                  self.rejected['id']})):
            self.assertEqual(shown, set(self.ids(query)), query)

    def test_admin_sees_every_image(self):
        ids = set(self.ids('visibility=all&member_status=all',
                           persona='admin'))
        self.assertEqual({self.mine['id'], self.private['id'],
                          self.public['id'], self.community['id'],
                          self.accepted['id'], self.pending['id'],
                          self.rejected['id'], self.not_mine['id']}, ids)

    def test_other_project(self):
        # p2 owns everything but mine; it must not see p1's private image.
        ids = set(self.ids(persona='other_member',
                           url='/v1/%s/p2/images' % base.VIM))
        self.assertNotIn(self.mine['id'], ids)
        self.assertIn(self.private['id'], ids)

    def test_someone_elses_tenant_403(self):
        for persona in ('member', 'reader'):
            resp = self.list(persona=persona, status=403,
                             url='/v1/%s/p2/images' % base.VIM)
            self.assertError(resp, 403)
        self.assertEqual([], [c for c in self.fake.calls
                              if c[0] == 'list_images'])

    def test_unknown_vim_404(self):
        resp = self.list(status=404, url='/v1/nowhere_RegionX/p1/images')
        error = self.assertError(resp, 404, 'nowhere_RegionX')
        self.assertEqual('mcimage.vim_not_found', error['code'])

    def test_each_vim_its_own_images(self):
        other = self.glance[base.OTHER_VIM].add_image(
            'p1', data=b'x', visibility='private', name='over-there')
        url = '/v1/%s/p1/images' % base.OTHER_VIM
        self.assertEqual([other['id']], self.ids(url=url))
        self.assertNotIn(other['id'], self.ids())


class TestPagingHidesWhatPolicyHides(ListTestCase):
    """Paging never names an image the caller may not see.

    The VIM's account lists other tenants' private images (service mode
    with an account that sees more); a page is filled from further VIM
    pages when policy left some out.
    """

    def setUp(self):
        super().setUp()
        self.visible = []
        self.hidden = []

    def make(self, pattern):
        """'v' a p1 image, 'h' one p1 may not see, in creation order."""
        for kind in pattern:
            if kind == 'v':
                self.visible.append(self.add()['id'])
            elif kind == 'h':
                self.hidden.append(self.add(owner='p2')['id'])
            else:
                # A share p1 is no member of: hidden as well.
                image = self.add(owner='p2', visibility='shared')
                self.fake.members[(image['id'], 'p3')] = 'accepted'
                self.hidden.append(image['id'])

    def list_calls(self):
        return [c for c in self.fake.calls if c[0] == 'list_images']

    def walk(self, query):
        """Every page of the list: [(ids, response body)]."""
        pages = []
        url = '%s?%s' % (URL, query)
        while url:
            resp = self.app.get(url, headers=self.headers())
            response_schemas.check(response_schemas.IMAGE_LIST, resp.json)
            for hidden in self.hidden:
                self.assertNotIn(hidden, resp.text)
            pages.append(([i['id'] for i in resp.json['images']],
                          resp.json))
            url = resp.json.get('next')
            self.assertLess(len(pages), 50, 'paging does not end')
        return pages

    def assertWalk(self, query, limit):
        pages = self.walk(query)
        seen = [i for ids, _body in pages for i in ids]
        self.assertEqual(self.visible, seen)
        for ids, body in pages[:-1]:
            self.assertEqual(limit, len(ids), body)
            marker = urllib.parse.parse_qs(urllib.parse.urlsplit(
                body['next']).query)['marker']
            self.assertEqual([ids[-1]], marker)
        return pages

    def test_hidden_in_the_middle(self):
        self.make('vhhvhvvhhhvvhv')
        self.assertWalk('limit=3&sort=created_at:asc', 3)

    def test_hidden_at_vim_page_ends(self):
        # The VIM's pages of 2 end on hidden images: its next marker is
        # one, and must never show.
        self.make('vhvhvhvh')
        self.assertWalk('limit=2&sort=created_at:asc', 2)

    def test_shares_of_others_hidden_too(self):
        self.make('vpvpvpp')
        self.assertWalk('limit=2&sort=created_at:asc', 2)

    def test_first_page_filled_from_further_vim_pages(self):
        self.make('vhhhhhhvhv')
        resp = self.list('limit=3&sort=created_at:asc')
        self.assertEqual(self.visible,
                         [i['id'] for i in resp.json['images']])
        self.assertNotIn('next', resp.json)
        # Asked for more each time, the caller's limit first.
        limits = [c[2]['limit'] for c in self.list_calls()]
        self.assertEqual('3', limits[0])
        self.assertEqual(sorted(limits, key=int), limits)
        self.assertGreater(int(limits[1]), 3)

    def test_vim_page_growth_capped_by_max_limit(self):
        self.config(max_limit=4, group='api')
        self.make('v' + 'h' * 30 + 'v')
        resp = self.list('limit=2&sort=created_at:asc')
        self.assertEqual(self.visible,
                         [i['id'] for i in resp.json['images']])
        limits = [int(c[2]['limit']) for c in self.list_calls()]
        self.assertEqual(2, limits[0])
        self.assertEqual(4, max(limits))

    def test_one_vim_call_when_nothing_is_hidden(self):
        self.make('vvvvvv')
        resp = self.list('limit=3&sort=created_at:asc')
        self.assertEqual(self.visible[:3],
                         [i['id'] for i in resp.json['images']])
        self.assertEqual(1, len(self.list_calls()))
        self.assertIn('marker=' + self.visible[2], resp.json['next'])
        self.fake.calls.clear()
        resp = self.list('sort=created_at:asc')
        self.assertEqual(1, len(self.list_calls()))

    def test_no_limit_fills_the_vims_default_page(self):
        self.make('vh' * 30)
        pages = self.walk('sort=created_at:asc')
        self.assertEqual(fakes_default_limit(), len(pages[0][0]))
        self.assertEqual(self.visible, [i for ids, _b in pages for i in ids])
        for _ids, body in pages:
            self.assertNotIn('limit=', body.get('next', ''))

    def test_scan_bound_reached_page_answered_with_what_was_found(self):
        self.config(max_list_scan=6, group='api')
        self.make('vhhhhhhhhhvv')
        resp = self.list('limit=3&sort=created_at:asc')
        self.assertEqual(self.visible[:1],
                         [i['id'] for i in resp.json['images']])
        # The next page starts after the last image shown.
        self.assertIn('marker=' + self.visible[0], resp.json['next'])
        # No more images were asked of the VIM than the bound.
        self.assertLessEqual(
            sum(int(c[2]['limit']) for c in self.list_calls()), 6)

    def test_scan_bound_reached_with_nothing_shown(self):
        self.config(max_list_scan=5, group='api')
        self.make('hhhhhhhhv')
        resp = self.list('limit=3&sort=created_at:asc')
        self.assertEqual([], resp.json['images'])
        # No image to point after: the list ends here, naming nothing.
        self.assertNotIn('next', resp.json)

    def test_hidden_marker_is_an_unknown_marker(self):
        self.make('vhvpv')
        unknown = str(uuid.uuid4())
        answers = []
        for marker in (unknown, self.hidden[0], self.hidden[1]):
            self.fake.calls.clear()
            resp = self.list('marker=%s&sort=created_at:asc' % marker,
                             status=400)
            error = self.assertError(resp, 400, marker)
            answers.append((error['code'], error['title'],
                            error['detail'].replace(marker, 'X')))
            self.assertEqual([], self.list_calls())
        self.assertEqual(1, len(set(answers)), answers)
        # A marker the caller may see works.
        resp = self.list('marker=%s&sort=created_at:asc' % self.visible[0])
        self.assertEqual(self.visible[1:],
                         [i['id'] for i in resp.json['images']])

    def test_hidden_marker_with_filters_no_oracle(self):
        self.make('vhv')
        for marker in (self.hidden[0], str(uuid.uuid4())):
            resp = self.list('marker=%s&name=nothing' % marker, status=400)
            self.assertError(resp, 400, marker)


def fakes_default_limit():
    from tests.unit import fakes
    return fakes.DEFAULT_LIMIT
