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

"""Alembic migrations, for mcimage-manage and mcimage-status."""

import os

from alembic import command as alembic_command
from alembic import config as alembic_config
from alembic import migration as alembic_migration
from alembic import script as alembic_script

from mcimage.db import api as db_api


def _config():
    path = os.path.join(os.path.dirname(__file__), 'alembic.ini')
    config = alembic_config.Config(path)
    config.set_main_option('script_location', 'mcimage.db:alembic')
    return config


def upgrade(revision='head'):
    config = _config()
    with db_api.get_engine().begin() as connection:
        config.attributes['connection'] = connection
        alembic_command.upgrade(config, revision)


def version():
    """The revision the database is at, or None if it was never synced."""
    with db_api.get_engine().connect() as connection:
        context = alembic_migration.MigrationContext.configure(connection)
        return context.get_current_revision()


def head():
    return alembic_script.ScriptDirectory.from_config(
        _config()).get_current_head()
