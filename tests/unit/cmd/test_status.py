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

"""mcimage-status upgrade check."""

from oslo_upgradecheck import upgradecheck

from mcimage.cmd import status
from mcimage.tasks import engine
from tests import base


class TestUpgradeChecks(base.TestCase):

    def setUp(self):
        super().setUp()
        self.config(persistence_connection='sqlite:///%s/tf.sqlite' %
                    self.state_path, group='task')

    def check(self, name):
        checks = status.Checks()
        [func] = [f for n, f in checks._upgrade_checks if n == name]
        return func(checks)

    def test_database_and_flow_state_before_and_after_sync(self):
        self.assertEqual(upgradecheck.Code.FAILURE,
                         self.check('Database').code)
        result = self.check('Task flow state')
        self.assertEqual(upgradecheck.Code.FAILURE, result.code)
        self.assertIn('mcimage-manage db sync', result.details)
        self.sync_db()
        engine.upgrade_persistence()
        self.assertEqual(upgradecheck.Code.SUCCESS,
                         self.check('Database').code)
        self.assertEqual(upgradecheck.Code.SUCCESS,
                         self.check('Task flow state').code)
