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

import contextlib
import gc

from sqlalchemy.sql import schema
from taskflow.persistence import models

from mcimage.tasks import engine
from tests import base


def _metadata_alive():
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, schema.MetaData))


class TestPersistenceMemory(base.TestCase):
    """The flow-state backend keeps nothing of the connections it closed."""

    def setUp(self):
        super().setUp()
        self.config(persistence_connection='sqlite:///%s/tf.sqlite' %
                    self.state_path, group='task')
        self.addCleanup(engine.reset)
        engine.reset()
        engine.upgrade_persistence()

    def test_connections_leave_no_tables_behind(self):
        # taskflow's backend makes new MetaData and tables for each
        # connection object, which the engine's dialect keeps alive for
        # ever (doc/source/contributor/tasks.rst).
        backend = engine.persistence()
        with contextlib.closing(backend.get_connection()) as conn:
            conn.save_logbook(models.LogBook('book'))
        before = _metadata_alive()
        for _i in range(30):
            with contextlib.closing(backend.get_connection()) as conn:
                self.assertEqual(['book'],
                                 [b.name for b in conn.get_logbooks()])
        self.assertLessEqual(_metadata_alive() - before, 2)
