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

"""The base TestCase: configuration, policy and database fixtures."""

import os

import fixtures
from oslo_config import cfg
from oslo_config import fixture as config_fixture
from oslo_log import log as logging
from oslotest import base as oslotest_base

from mcimage import backends
from mcimage.common import policy
from mcimage import conf as mcimage_conf  # noqa: F401 (registers options)
from mcimage.conf import opts
from mcimage.db import api as db_api
from mcimage.db import migration
from mcimage import store as staging_store
from mcimage.tasks import engine as tasks_engine

CONF = cfg.CONF
logging.register_options(CONF)
opts.set_lib_defaults()


class TestCase(oslotest_base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.Timeout(
            int(os.environ.get('OS_TEST_TIMEOUT', 120)), gentle=True))
        self.state_path = self.useFixture(fixtures.TempDir()).path
        self.config = self.useFixture(config_fixture.Config(CONF)).config
        CONF([], project='mcimage', default_config_files=[])
        self.config(state_path=self.state_path)
        self.config(connection='sqlite:///%s/mcimage.sqlite' %
                    self.state_path, group='database')
        self.addCleanup(self._reset_globals)
        self._reset_globals()

    @staticmethod
    def _reset_globals():
        backends.reset()
        policy.reset()
        db_api.dispose()
        staging_store.reset()
        tasks_engine.reset()

    def sync_db(self):
        migration.upgrade('head')
