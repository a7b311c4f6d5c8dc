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

"""The alembic migrations against the models, on sqlite.

``MigrationsTestsMixin`` holds the tests; a backend's TestCase mixes it in
after pointing ``[database] connection`` at an empty database
(tests/functional/test_db_postgresql.py runs them on PostgreSQL).
"""

import datetime

from alembic import script as alembic_script
from oslo_db.sqlalchemy import test_migrations
import sqlalchemy as sa

from mcimage.db import api as db_api
from mcimage.db import migration
from mcimage.db import models
from tests import base

UPLOAD_COLUMNS = {'id', 'vim_id', 'tenant_id', 'image_id', 'user_id', 'host',
                  'state', 'image_created', 'created_at'}
UNIQUE_VIM_IMAGE = 'uniq_uploads0vim_id0image_id'


class MigrationsTestsMixin(test_migrations.ModelsMigrationsSync):
    """Migrations from an empty database of [database] connection.

    A revision may have ``_pre_upgrade_<revision>(engine)`` (runs just
    before it, returns data for the check) and ``_check_<revision>(engine,
    data)`` (runs just after it) hooks; ``test_walk_versions`` calls them.
    """

    # -- ModelsMigrationsSync ---------------------------------------------

    def get_engine(self):
        return db_api.get_engine()

    def get_metadata(self):
        return models.Base.metadata

    def db_sync(self, engine):
        migration.upgrade('head')

    # -- helpers ----------------------------------------------------------

    @staticmethod
    def _revisions():
        """Every revision id, oldest first."""
        scripts = alembic_script.ScriptDirectory.from_config(
            migration._config())
        return [r.revision for r in reversed(list(scripts.walk_revisions()))]

    def _tables(self):
        return set(sa.inspect(self.get_engine()).get_table_names())

    def _columns(self, table):
        return {c['name']: c
                for c in sa.inspect(self.get_engine()).get_columns(table)}

    def _head_tables(self):
        return set(self.get_metadata().tables) | {'alembic_version'}

    def _unique_constraints(self, table):
        return {u['name']: u['column_names'] for u in
                sa.inspect(self.get_engine()).get_unique_constraints(table)}

    # -- tests ------------------------------------------------------------

    def test_revisions_form_one_line(self):
        revisions = self._revisions()
        self.assertEqual(migration.head(), revisions[-1])
        # What the API checks at its start without alembic.
        self.assertEqual(migration.head(), db_api.SCHEMA_HEAD)
        self.assertEqual(len(revisions), len(set(revisions)))
        scripts = alembic_script.ScriptDirectory.from_config(
            migration._config())
        self.assertEqual(1, len(scripts.get_heads()))
        self.assertEqual(1, len(scripts.get_bases()))

    def test_upgrade_head_from_empty(self):
        self.assertIsNone(migration.version())
        self.assertIsNone(db_api.schema_revision())
        self.assertEqual(set(), self._tables())
        migration.upgrade('head')
        self.assertEqual(migration.head(), migration.version())
        self.assertEqual(migration.version(), db_api.schema_revision())
        self.assertEqual(self._head_tables(), self._tables())
        for name, table in self.get_metadata().tables.items():
            self.assertEqual(set(table.columns.keys()),
                             set(self._columns(name)), name)
        self.assertEqual({UNIQUE_VIM_IMAGE: ['vim_id', 'image_id']},
                         self._unique_constraints('uploads'))

    def test_upgrade_head_twice_keeps_rows(self):
        migration.upgrade('head')
        upload_id = db_api.upload_start('vim', 'tenant', 'image-1')
        migration.upgrade('head')
        self.assertEqual(migration.head(), migration.version())
        self.assertEqual([upload_id],
                         [r['id'] for r in db_api.upload_get_all()])

    def test_walk_versions(self):
        self.assertIsNone(migration.version())
        engine = self.get_engine()
        revisions = self._revisions()
        for revision in revisions:
            pre = getattr(self, '_pre_upgrade_%s' % revision, None)
            data = pre(engine) if pre else None
            migration.upgrade(revision)
            self.assertEqual(revision, migration.version())
            check = getattr(self, '_check_%s' % revision, None)
            if check:
                check(engine, data)
        self.assertEqual(migration.head(), migration.version())
        self.assertEqual(self._head_tables(), self._tables())
        # The rows written on the way are still there.
        self.assertEqual(['old', 'new'],
                         [r['image_id'] for r in db_api.upload_get_all()])

    # -- per revision -------------------------------------------------------

    def _check_0001_uploads(self, engine, data):
        self.assertEqual({'alembic_version', 'uploads'}, self._tables())
        columns = self._columns('uploads')
        self.assertEqual(UPLOAD_COLUMNS - {'image_created'}, set(columns))
        for name in ('id', 'vim_id', 'tenant_id', 'image_id', 'state',
                     'created_at'):
            self.assertFalse(columns[name]['nullable'], name)
        for name in ('user_id', 'host'):
            self.assertTrue(columns[name]['nullable'], name)
        self.assertEqual({UNIQUE_VIM_IMAGE: ['vim_id', 'image_id']},
                         self._unique_constraints('uploads'))

    def _pre_upgrade_0002_uploads_image_created(self, engine):
        # A row from before the column existed.
        row = {'vim_id': 'vim', 'tenant_id': 'tenant', 'image_id': 'old',
               'user_id': None, 'host': 'host-a', 'state': 'uploading',
               'created_at': datetime.datetime(2026, 11, 24, 12, 0, 0)}
        with engine.begin() as conn:
            conn.execute(sa.text(
                'INSERT INTO uploads (vim_id, tenant_id, image_id, user_id,'
                ' host, state, created_at) VALUES (:vim_id, :tenant_id,'
                ' :image_id, :user_id, :host, :state, :created_at)'), row)
        return row

    def _check_0002_uploads_image_created(self, engine, data):
        columns = self._columns('uploads')
        self.assertEqual(UPLOAD_COLUMNS, set(columns))
        self.assertFalse(columns['image_created']['nullable'])
        # sqlite's batch mode copies the table: the constraint survives.
        self.assertEqual({UNIQUE_VIM_IMAGE: ['vim_id', 'image_id']},
                         self._unique_constraints('uploads'))
        with engine.begin() as conn:
            # The old row (the data survived) and a row that does not name
            # the column both count as created by mcimage.
            conn.execute(sa.text(
                "INSERT INTO uploads (vim_id, tenant_id, image_id, state,"
                " created_at) VALUES ('vim', 'tenant', 'new', 'uploading',"
                " :created_at)"), {'created_at': data['created_at']})
            rows = conn.execute(sa.text(
                'SELECT image_id, host, created_at, image_created'
                ' FROM uploads ORDER BY id').columns(
                    image_id=sa.String, host=sa.String,
                    created_at=sa.DateTime, image_created=sa.Boolean)).all()
        self.assertEqual(
            [('old', 'host-a', data['created_at'], True),
             ('new', None, data['created_at'], True)],
            [tuple(r) for r in rows])

    def _pre_upgrade_0006_upload_intents(self, engine):
        with engine.begin() as conn:
            return [r[0] for r in conn.execute(sa.text(
                'SELECT id FROM uploads ORDER BY id')).all()]

    def _check_0006_upload_intents(self, engine, data):
        columns = self._columns('uploads')
        self.assertTrue(columns['image_id']['nullable'])
        self.assertTrue(columns['marker']['nullable'])
        self.assertEqual({UNIQUE_VIM_IMAGE: ['vim_id', 'image_id']},
                         self._unique_constraints('uploads'))
        # Rows from before are kept, with no marker.
        rows = db_api.upload_get_all()
        self.assertEqual(data, [r['id'] for r in rows])
        self.assertEqual([None] * len(rows), [r['marker'] for r in rows])

    def _pre_upgrade_0007_task_project_name(self, engine):
        # A task from before the column existed.
        with engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO tasks (id, type, status, input, owner, roles,"
                " created_at) VALUES ('old-task', 'import', 'success', '{}',"
                " 'p1', 'member', :created_at)"),
                {'created_at': datetime.datetime(2026, 12, 1)})

    def _check_0007_task_project_name(self, engine, data):
        # In SQL: the model has the columns of later revisions.
        self.assertTrue(self._columns('tasks')['project_name']['nullable'])
        with engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO tasks (id, type, status, input, owner,"
                " project_name, created_at) VALUES ('new-task', 'import',"
                " 'pending', '{}', 'p1', 'p1-name', :created_at)"),
                {'created_at': datetime.datetime(2026, 12, 2)})
            names = dict(conn.execute(sa.text(
                'SELECT id, project_name FROM tasks')).all())
        self.assertEqual({'old-task': None, 'new-task': 'p1-name'}, names)

    def _check_0008_task_image(self, engine, data):
        # In SQL: the model has the columns of later revisions.
        columns = self._columns('tasks')
        self.assertTrue(columns['image_id']['nullable'])
        self.assertTrue(columns['request_id']['nullable'])
        with engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO tasks (id, type, status, input, owner, image_id,"
                " request_id, created_at) VALUES ('image-task',"
                " 'api_image_import', 'pending', '{}', 'p1', 'i1', 'req-1',"
                " :created_at)"),
                {'created_at': datetime.datetime(2026, 12, 3)})
            rows = dict(conn.execute(sa.text(
                'SELECT id, image_id FROM tasks')).all())
        self.assertEqual({'old-task': None, 'new-task': None,
                          'image-task': 'i1'}, rows)

    def _check_0009_task_vim(self, engine, data):
        self.assertTrue(self._columns('tasks')['vim_id']['nullable'])
        self.assertIsNone(db_api.task_get('image-task')['vim_id'])
        self.assertEqual('req-1', db_api.task_get('image-task')['request_id'])
        db_api.task_create({'id': 'vim-task', 'type': 'import',
                            'status': 'pending', 'input': '{}',
                            'owner': 'p1', 'vim_id': 'vim1'})
        self.assertEqual(['vim-task'], [
            t['id'] for t in db_api.task_get_all(vim_id='vim1')])
        self.assertEqual(['image-task'], [
            t['id'] for t in db_api.task_get_all(image_id='i1')])


class TestMigrationsSqlite(MigrationsTestsMixin, base.TestCase):
    """On the sqlite file tests.base.TestCase configures."""
