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

"""Path values, list paging and HEAD headers against a real Glance.

Through the real mcimage-api process (cheroot decodes %3F, %23, %00 and
CR/LF into PATH_INFO, and keeps %2F encoded), with raw requests so that
nothing on the client side normalizes the paths or the answers:

* a hostile id in any path position never makes Glance do anything but
  what the route names: the image, its tags and members survive;
* list paging never names an image the caller may not see, when the
  VIM's account (here: the caller's Glance admin role, which mcimage's
  policy does not count as admin) lists more than the caller may see;
* HEAD sends only RFC 9110 token header names, whatever property names
  Glance holds.
"""

import http.client
import json
import os
import re
import shutil
import socket
import sqlite3
import tempfile
import urllib.parse
import uuid

import requests

from tests.functional import base

TIMEOUT = 30
PATCH_2_1 = 'application/openstack-images-v2.1-json-patch'
MEMBER_ROLES = 'member,reader'
# Glance's admin, not mcimage's: mcimage's admin_api asks for another role
# here, so the VIM's account sees more than mcimage lets the caller see.
GLANCE_ADMIN_ROLES = 'admin,member,reader'
# mcimage's policy for this module: its admin is another role, and the
# owner's members may tag an image but not delete it (a common operator
# choice), which the exploit bypassed.
POLICY = '''\
"admin_api": "role:mcimage_admin"
"mcimage:image:delete": "rule:admin_api"
"mcimage:member:delete": "rule:admin_api"
'''
TOKEN = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


class PathSafetyTestCase(base.FunctionalTestCase):

    _policy_dir = None

    @classmethod
    def setUpClass(cls):
        cls._policy_dir = tempfile.mkdtemp(prefix='mcimage-policy-')
        policy_file = os.path.join(cls._policy_dir, 'policy.yaml')
        with open(policy_file, 'w') as f:
            f.write(POLICY)
        cls.EXTRA_CONF = ('[oslo_policy]\npolicy_file = %s\n'
                          '[api]\nmax_list_scan = 1000\n' % policy_file)
        try:
            super().setUpClass()
        except BaseException:
            shutil.rmtree(cls._policy_dir, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            shutil.rmtree(cls._policy_dir, ignore_errors=True)

    # -- requests ---------------------------------------------------------

    def raw(self, method, path, tenant=None, roles=MEMBER_ROLES, body=None,
            content_type=None):
        """One request with the path sent exactly as given.

        (status, [(name bytes, value bytes)], body bytes), read from the
        socket as the server wrote it.
        """
        host, port = urllib.parse.urlsplit(self.mcimage.endpoint).netloc \
            .split(':')
        lines = ['%s %s HTTP/1.1' % (method, path),
                 'Host: %s:%s' % (host, port),
                 'X-Project-Id: %s' % (tenant or self.tenant),
                 'X-User-Id: u-%s' % (tenant or self.tenant),
                 'X-Roles: %s' % roles,
                 'Connection: close']
        data = (body or '').encode()
        if body is not None or method in ('POST', 'PUT', 'PATCH'):
            lines.append('Content-Length: %d' % len(data))
        if content_type:
            lines.append('Content-Type: %s' % content_type)
        request = ('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1') + data
        with socket.create_connection((host, int(port)),
                                      timeout=TIMEOUT) as sock:
            sock.sendall(request)
            answer = b''
            while True:
                piece = sock.recv(65536)
                if not piece:
                    break
                answer += piece
        head, _sep, rest = answer.partition(b'\r\n\r\n')
        status_line, *header_lines = head.split(b'\r\n')
        status = int(status_line.split()[1])
        headers = []
        for line in header_lines:
            name, _colon, value = line.partition(b':')
            headers.append((name, value.strip()))
        return status, headers, head, rest

    def gl(self, method, path, tenant=None, roles=MEMBER_ROLES, **kwargs):
        headers = self.glance.headers(tenant or self.tenant,
                                      user_id='u-%s' % (tenant or
                                                        self.tenant),
                                      roles=roles)
        headers.update(kwargs.pop('headers', {}))
        return requests.request(method, self.glance.endpoint + path,
                                headers=headers, timeout=TIMEOUT, **kwargs)

    def glance_image(self, image_id, tenant=None):
        resp = self.gl('GET', '/v2/images/' + image_id, tenant=tenant)
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        return resp.json()

    def glance_create(self, tenant=None, **fields):
        resp = self.gl('POST', '/v2/images', tenant=tenant, json=fields)
        self.assertEqual(201, resp.status_code, resp.text)
        image = resp.json()
        self.addCleanup(self.glance.delete_image, image['id'],
                        tenant or self.tenant)
        return image

    def mc_json(self, method, path, tenant=None, roles=MEMBER_ROLES,
                **kwargs):
        url = self.mcimage.url('/v1/%s/%s/images%s' % (
            self.VIM, tenant or self.tenant, path))
        return requests.request(method, url, headers=self.headers(
            roles=roles, tenant=tenant), timeout=TIMEOUT, **kwargs)


class TestHostilePathValues(PathSafetyTestCase):

    def setUp(self):
        super().setUp()
        self.other = 'p-%s' % uuid.uuid4().hex[:12]
        self.image = self.glance_create(name='keep-me', disk_format='raw',
                                        container_format='bare',
                                        visibility='shared', tags=['t'])
        resp = self.gl('POST', '/v2/images/%s/members' % self.image['id'],
                       json={'member': self.other})
        self.assertEqual(200, resp.status_code, resp.text)

    def assertIntact(self):
        image = self.glance_image(self.image['id'])
        self.assertIsNotNone(image, 'Glance deleted the image')
        self.assertEqual(['t'], image['tags'])
        self.assertEqual('keep-me', image['name'])
        self.assertEqual('shared', image['visibility'])
        self.assertEqual('queued', image['status'])
        resp = self.gl('GET', '/v2/images/%s/members' % self.image['id'])
        self.assertEqual([self.other],
                         [m['member_id'] for m in resp.json()['members']])

    def test_the_exploit_is_refused_and_the_image_survives(self):
        # The member may tag the image, not delete it: the id ending in
        # %3F made the tag delete a DELETE /v2/images/{id}?/tags/t.
        base_path = '/v1/%s/%s/images/' % (self.VIM, self.tenant)
        for path in (base_path + self.image['id'] + '%3F/tags/t',
                     base_path + self.image['id'] + '%3F/members/' +
                     self.other,
                     base_path + self.image['id'] + '%23/tags/t'):
            status, _headers, _head, body = self.raw('DELETE', path)
            self.assertIntact()
            self.assertEqual(400, status, body)
            error = json.loads(body)['errors'][0]
            self.assertIn('image_id', error['detail'])
            self.assertIn(self.image['id'], error['detail'])
        # What policy refuses stays refused, and the tag route still works.
        resp = self.mc_json('DELETE', '/' + self.image['id'])
        self.assertEqual(403, resp.status_code, resp.text)
        resp = self.mc_json('PUT', '/%s/tags/new' % self.image['id'])
        self.assertEqual(204, resp.status_code, resp.text)
        resp = self.mc_json('DELETE', '/%s/tags/new' % self.image['id'])
        self.assertEqual(204, resp.status_code, resp.text)
        self.assertIntact()

    def test_every_id_position_of_every_route(self):
        real = self.image['id']
        root = '/v1/%s/%s/images' % (self.VIM, self.tenant)
        suffixes = ('%3F', '%3F/tags/t', '%2F..', '%2F..%2F' + real,
                    '%23', '%00', '%0D%0A', '%0D%0AX-Roles:%20admin')
        values = ('..', '%2E%2E', '.', '%3F', '%23', '%00', '%0D%0A')

        def routes(image_id=real, tag='t', member=None):
            member = member or self.other
            image = '%s/%s' % (root, image_id)
            return [
                ('GET', image, None, None),
                ('HEAD', image, None, None),
                ('PATCH', image, '[]', PATCH_2_1),
                ('DELETE', image, None, None),
                ('GET', image + '/file', None, None),
                ('PUT', image + '/file', 'x', 'application/octet-stream'),
                ('GET', '%s/file/%s' % (root, image_id), None, None),
                ('PUT', '%s/tags/%s' % (image, tag), None, None),
                ('DELETE', '%s/tags/%s' % (image, tag), None, None),
                ('POST', image + '/actions/deactivate', None, None),
                ('GET', image + '/members', None, None),
                ('GET', '%s/members/%s' % (image, member), None, None),
                ('PUT', '%s/members/%s' % (image, member),
                 '{"status": "accepted"}', 'application/json'),
                ('DELETE', '%s/members/%s' % (image, member), None, None),
            ]

        cases = []
        for value in [real + s for s in suffixes] + list(values):
            cases += [(c, (400, 404)) for c in routes(image_id=value)]
        for value in ('..', '%2E%2E', '.', '%00', 't%0D%0A', 't%0A'):
            cases += [(c, (400,)) for c in routes(tag=value)[7:9]]
        # cheroot keeps %2F encoded in PATH_INFO: the tag is the literal
        # text, added then removed again, to this image only.
        for value in ('t%2F..', 't%2F..%2F..'):
            cases += [(c, (204, 400, 404)) for c in routes(tag=value)[7:9]]
        for value in ('..', '%2E%2E', '%00', 'p%0D%0AX:%20y'):
            cases += [(c, (400,)) for c in routes(member=value)[11:]]
        for value in ('p%3F', 'p%23', 'p%2F..'):
            cases += [(c, (400, 403, 404)) for c in routes(member=value)[11:]]
        for tenant in ('p%00', 'p%0D%0A', '..'):
            cases.append((('GET', '/v1/%s/%s/images' % (self.VIM, tenant),
                           None, None), (400, 403, 404, 405)))
        for (method, path, body, ctype), allowed in cases:
            status, headers, head, answer = self.raw(method, path, body=body,
                                                     content_type=ctype)
            where = '%s %s: %s %s' % (method, path, status, answer[:300])
            self.assertIn(status, allowed, where)
            self.assertNotIn(b'Traceback', answer, where)
            for name, _value in headers:
                self.assertTrue(TOKEN.fullmatch(name), where)
        self.assertIntact()


class TestListPaging(PathSafetyTestCase):
    """Glance lists more than the caller may see; mcimage never tells.

    The caller is Glance's admin but not mcimage's: Glance lists every
    tenant's private images to it, mcimage must show only its own.
    """

    def setUp(self):
        super().setUp()
        self.stranger = 'p-%s' % uuid.uuid4().hex[:12]
        self.mine = []
        self.theirs = []
        mine, theirs = 'mine-' + self.tenant, 'theirs-' + self.tenant
        for kind in 'vhhvhvvhhhvh':
            if kind == 'v':
                image = self.glance_create(name=mine, disk_format='raw',
                                           container_format='bare')
                self.mine.append(image['id'])
            else:
                image = self.glance_create(tenant=self.stranger,
                                           name=theirs, disk_format='raw',
                                           container_format='bare')
                self.theirs.append(image['id'])
        self.query = 'name=in:%s,%s&sort=created_at:asc,id:asc' % (mine,
                                                                   theirs)
        # Glance's own order (created_at ties broken by id), as the VIM's
        # account lists it; the caller's is that without theirs.
        resp = self.gl('GET', '/v2/images?%s&limit=50' % self.query,
                       roles=GLANCE_ADMIN_ROLES)
        self.assertEqual(200, resp.status_code, resp.text)
        self.vim_order = [i['id'] for i in resp.json()['images']]
        self.mine = [i for i in self.vim_order if i in self.mine]

    def list(self, query, status=200, given=()):
        resp = self.mc_json('GET', '?' + query, roles=GLANCE_ADMIN_ROLES)
        self.assertEqual(status, resp.status_code, resp.text)
        for hidden in set(self.theirs) - set(given):
            self.assertNotIn(hidden, resp.text)
        return resp.json()

    def test_glance_lists_theirs_to_this_caller(self):
        # The premise: the VIM's view is larger than the caller's.
        self.assertEqual(set(self.theirs) | set(self.mine),
                         set(self.vim_order))

    def test_walk_names_no_hidden_image_and_fills_pages(self):
        seen = []
        url = '%s&limit=2' % self.query
        pages = 0
        while url is not None:
            body = self.list(url)
            ids = [i['id'] for i in body['images']]
            seen += ids
            pages += 1
            if 'next' in body:
                self.assertEqual(2, len(ids), body)
                query = urllib.parse.urlsplit(body['next']).query
                self.assertEqual([ids[-1]],
                                 urllib.parse.parse_qs(query)['marker'])
                url = query
            else:
                url = None
            self.assertLess(pages, 20)
        self.assertEqual(self.mine, seen)

    def test_hidden_marker_answers_like_an_unknown_one(self):
        answers = set()
        for marker in (self.theirs[0], str(uuid.uuid4())):
            body = self.list('%s&marker=%s' % (self.query, marker),
                             status=400, given=[marker])
            [error] = body['errors']
            self.assertIn(marker, error['detail'])
            answers.add((error['code'],
                         error['detail'].replace(marker, 'X')))
        self.assertEqual(1, len(answers), answers)
        body = self.list('%s&marker=%s' % (self.query, self.mine[0]))
        self.assertEqual(self.mine[1:], [i['id'] for i in body['images']])


class TestHeadHeaderNames(PathSafetyTestCase):

    NAMES = ('hw:cpu_policy', 'with space', 'caf\u00e9', '50%',
             'a\r\nSet-Cookie: owned=1', 'nl\n', 'x\r\n\r\n<html>')

    def setUp(self):
        super().setUp()
        self.image = self.glance_create(name='props', disk_format='raw',
                                        container_format='bare')
        # Whatever Glance's API lets through; the rest straight into its
        # database, as an operator's tool could.
        for name in self.NAMES:
            self.gl('PATCH', '/v2/images/' + self.image['id'],
                    headers={'Content-Type': PATCH_2_1},
                    json=[{'op': 'add', 'path': '/' + name.replace(
                        '~', '~0').replace('/', '~1'),
                        'value': 'v\r\nX-Injected: 1'}])
        image = self.glance_image(self.image['id'])
        # Glance strips a name's trailing newline, for one.
        missing = [n for n in self.NAMES if n not in image]
        if missing:
            with sqlite3.connect(self.glance.db_file, timeout=30) as db:
                for name in missing:
                    db.execute(
                        'INSERT INTO image_properties (image_id, name, '
                        'value, created_at, deleted) VALUES '
                        "(?, ?, ?, datetime('now'), 0)",
                        (self.image['id'], name, 'v\r\nX-Injected: 1'))
        image = self.glance_image(self.image['id'])
        for name in self.NAMES:
            self.assertIn(name, image)

    def test_only_token_header_names_on_the_wire(self):
        path = '/v1/%s/%s/images/%s' % (self.VIM, self.tenant,
                                        self.image['id'])
        status, headers, head, _body = self.raw('HEAD', path)
        self.assertEqual(200, status, head)
        # No bare CR or LF anywhere in the head: the response is one.
        self.assertNotIn(b'\r\n', head.replace(b'\r\n', b''))
        self.assertNotIn(b'\n', head.replace(b'\r\n', b''))
        self.assertNotIn(b'\r', head.replace(b'\r\n', b''))
        names = [name for name, _value in headers]
        for name, value in headers:
            self.assertTrue(TOKEN.fullmatch(name), head)
            self.assertIsNone(re.search(rb'[\x00-\x1f\x7f]', value), head)
        self.assertNotIn(b'Set-Cookie', names)
        self.assertNotIn(b'X-Injected', names)
        prefix = b'X-Image-Meta-Property-'
        decoded = {urllib.parse.unquote(name[len(prefix):].decode()): value
                   for name, value in headers if name.startswith(prefix)}
        for name in self.NAMES:
            self.assertEqual(b'v%0D%0AX-Injected: 1', decoded.get(name),
                             name)
        conn = http.client.HTTPConnection(
            urllib.parse.urlsplit(self.mcimage.endpoint).netloc,
            timeout=TIMEOUT)
        try:
            conn.request('HEAD', path, headers=self.headers())
            resp = conn.getresponse()
            self.assertEqual(200, resp.status)
            self.assertIn('X-Image-Meta-Property-hw%3Acpu_policy',
                          resp.headers)
        finally:
            conn.close()
