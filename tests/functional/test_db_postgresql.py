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

"""The database tests of the unit suite, on a real PostgreSQL.

One cluster (the postgresql fixture) per test class, started in
setUpClass and stopped by a class cleanup, so also when a test or the
start fails; a fresh database per test.
"""

import uuid

from mcimage.db import api as db_api
from tests import base
from tests.functional.fixtures import postgresql as pg_fixtures
from tests.unit.db import test_api
from tests.unit.db import test_migrations


class PostgreSQLTestCase(base.TestCase):
    """tests.base.TestCase with [database] on an empty PostgreSQL database.

    ``postgres`` is the class's PostgresServer.
    """

    postgres = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        server = pg_fixtures.PostgresServer()
        # Registered first: stop() also cleans up after a failed start().
        cls.addClassCleanup(server.stop)
        server.start()
        cls.postgres = server

    def setUp(self):
        super().setUp()
        name = 'mcimage_%s' % uuid.uuid4().hex
        url = self.postgres.create_database(name)
        # Cleanups run last-in first-out: the engine lets go of its
        # connections before the database is dropped.
        self.addCleanup(self.postgres.drop_database, name)
        self.addCleanup(self._release_engine)
        self.config(connection=url, group='database')
        db_api.dispose()
        # The tests run on this database, not on a default.
        engine = db_api.get_engine()
        self.assertEqual(('postgresql', 'psycopg2', self.postgres.port,
                          name),
                         (engine.dialect.name, engine.dialect.driver,
                          engine.url.port, engine.url.database))

    @staticmethod
    def _release_engine():
        # dispose() only forgets the engine: close its pooled connections.
        db_api.get_engine().dispose()
        db_api.dispose()


class TestMigrationsPostgreSQL(test_migrations.MigrationsTestsMixin,
                               PostgreSQLTestCase):
    pass


class TestDBAPIPostgreSQL(test_api.DBAPITestsMixin, PostgreSQLTestCase):
    pass
