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

"""Functional tests: a real mcimage-api process in front of real Glance.

Every server is a child process started here on 127.0.0.1 and stopped by
its PID at cleanup, also when a test or a start fails.  A test class may
run several Glance servers, one per VIM of its mcimage-api (``VIM`` and
``EXTRA_VIMS``).
"""

import uuid

import fixtures
import testtools
from testtools import content
from testtools import content_type

from tests.functional.fixtures import glance as glance_fixtures
from tests.functional.fixtures import mcimage as mcimage_fixtures
from tests.functional.fixtures import postgresql as pg_fixtures


class FunctionalTestCase(testtools.TestCase):
    """Glance and one mcimage per test class; a new tenant per test.

    ``VIM`` is the first VIM of the class's mcimage-api, served by
    ``glance``; each of ``EXTRA_VIMS`` is one more VIM with a Glance of its
    own. ``glances`` maps every VIM id to its Glance (GlanceServer).
    """

    VIM = 'local_RegionOne'
    # More VIM ids, each with its own Glance, e.g. ('local_RegionTwo',).
    EXTRA_VIMS = ()
    # More mcimage.conf lines for the class's mcimage-api.
    EXTRA_CONF = ''
    # How mcimage-api is served: 'embedded' or 'gunicorn' (the production
    # example, etc/mcimage/mcimage-api-gunicorn.conf.py).
    MCIMAGE_SERVER = 'embedded'
    # More glance-api.conf lines for every Glance of the class (oslo.config
    # merges a section given twice: they may name [DEFAULT] again).
    GLANCE_CONF = ''
    # How every Glance of the class is served: 'uwsgi' or 'gunicorn'
    # (None: the fixture's default).
    GLANCE_SERVER = None
    # mcimage's database: 'sqlite' (the embedded default) or 'postgresql'
    # (a PostgreSQL server of the class's own).
    DATABASE = 'sqlite'
    _servers = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._servers = fixtures.Fixture()
        cls._servers.setUp()
        try:
            cls.glances = {}
            for vim_id in (cls.VIM,) + tuple(cls.EXTRA_VIMS):
                cls.glances[vim_id] = cls._servers.useFixture(
                    glance_fixtures.GlanceFixture(
                        extra_conf=cls.GLANCE_CONF,
                        server=cls.GLANCE_SERVER)).server
            cls.glance = cls.glances[cls.VIM]
            extra_conf = cls.EXTRA_CONF
            if cls.DATABASE == 'postgresql':
                cls.postgres = cls._servers.useFixture(
                    pg_fixtures.PostgresFixture()).server
                extra_conf += (
                    '\n[database]\nconnection = %s\n'
                    '[task]\npersistence_connection = %s\n' % (
                        cls.postgres.create_database('mcimage'),
                        cls.postgres.create_database('mcimage_flows')))
            cls.mcimage = cls._servers.useFixture(
                mcimage_fixtures.MCImageFixture(
                    {vim_id: glance.endpoint
                     for vim_id, glance in cls.glances.items()},
                    extra_conf=extra_conf,
                    server=cls.MCIMAGE_SERVER)).server
        except BaseException:
            cls._servers.cleanUp()
            raise

    @classmethod
    def tearDownClass(cls):
        cls._servers.cleanUp()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.Timeout(300, gentle=True))
        self.tenant = 'p-%s' % uuid.uuid4().hex[:12]
        self.addDetail('mcimage-log', content.Content(
            content_type.UTF8_TEXT,
            lambda: [self.mcimage.log_tail(20000).encode()]))

    def headers(self, roles='member,reader', tenant=None, **extra):
        headers = {'X-Project-Id': tenant or self.tenant,
                   'X-User-Id': 'u-%s' % (tenant or self.tenant),
                   'X-Roles': roles}
        headers.update(extra)
        return headers

    def glance_headers(self, roles='member,reader', tenant=None, **extra):
        """The identity of headers() as Glance's trusted flavor takes it.

        mcimage (auth_mode = trusted) asserts the same to the VIM.
        """
        tenant = tenant or self.tenant
        headers = self.glance.headers(tenant, user_id='u-%s' % tenant,
                                      roles=roles)
        headers.update(extra)
        return headers

    def images_url(self, tenant=None, vim=None):
        return self.mcimage.url('/v1/%s/%s/images' % (
            vim or self.VIM, tenant or self.tenant))

    def glance_images(self, tenant=None, vim=None):
        """What Glance itself holds for the tenant (all statuses)."""
        tenant = tenant or self.tenant
        glance = self.glances[vim] if vim else self.glance
        return [i for i in glance.list_images(tenant)
                if i.get("owner") == tenant]

    def mcimage_errors(self):
        """The ERROR and Traceback lines of mcimage-api's log."""
        with open(self.mcimage.log_file, errors='replace') as f:
            return [line for line in f if ' ERROR ' in line
                    or line.startswith('Traceback')]

    def expect_no_mcimage_errors(self):
        """Fail the test if mcimage-api logs an error while it runs.

        A refused request is an answer, never an error of mcimage's.
        """
        before = self.mcimage_errors()
        self.addCleanup(lambda: self.assertEqual(
            before, self.mcimage_errors()))

    def assertError(self, resp, status, detail_contains=None):
        self.assertEqual(status, resp.status_code, resp.text)
        self.assertEqual('application/json',
                         resp.headers['Content-Type'].split(';')[0])
        [error] = resp.json()['errors']
        self.assertEqual(status, error['status'])
        self.assertEqual(
            {'request_id', 'code', 'status', 'title', 'detail'}, set(error))
        self.assertNotIn('Traceback', resp.text)
        if detail_contains:
            self.assertIn(detail_contains, error['detail'])
        return error
