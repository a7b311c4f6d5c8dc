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

"""mcimage-status upgrade check"""

import contextlib
import sys

from oslo_config import cfg
from oslo_log import log as logging
from oslo_upgradecheck import common_checks
from oslo_upgradecheck import upgradecheck

from mcimage import backends
from mcimage.common import exception
from mcimage.conf import opts
from mcimage.db import migration
from mcimage.i18n import _
from mcimage.tasks import engine

CONF = cfg.CONF


class Checks(upgradecheck.UpgradeCommands):

    def _check_database(self):
        try:
            current, head = migration.version(), migration.head()
        except Exception as e:
            return upgradecheck.Result(
                upgradecheck.Code.FAILURE,
                _('Cannot read the database: %s') % e)
        if current != head:
            return upgradecheck.Result(
                upgradecheck.Code.FAILURE,
                _('The database is at revision %(cur)s, not at the head '
                  '%(head)s: run "mcimage-manage db sync".') %
                {'cur': current, 'head': head})
        return upgradecheck.Result(upgradecheck.Code.SUCCESS)

    def _check_vims(self):
        try:
            registry = backends.init(CONF)
        except exception.ConfigInvalid as e:
            return upgradecheck.Result(upgradecheck.Code.FAILURE, str(e))
        if not registry.vims:
            return upgradecheck.Result(
                upgradecheck.Code.WARNING,
                _('[DEFAULT] enabled_vims is empty: no VIM is served.'))
        return upgradecheck.Result(upgradecheck.Code.SUCCESS)

    def _check_task_flows(self):
        try:
            with contextlib.closing(
                    engine.persistence().get_connection()) as conn:
                # Reads the logbooks table: missing until db sync.
                next(iter(conn.get_logbooks(lazy=True)), None)
        except Exception as e:
            return upgradecheck.Result(
                upgradecheck.Code.FAILURE,
                _('Cannot read the task flow state database ([task] '
                  'persistence_connection): %s. Run "mcimage-manage db '
                  'sync".') % type(e).__name__)
        finally:
            engine.reset()
        return upgradecheck.Result(upgradecheck.Code.SUCCESS)

    _upgrade_checks = (
        (_('Database'), _check_database),
        (_('Task flow state'), _check_task_flows),
        (_('VIMs'), _check_vims),
        (_('Policy File'), (common_checks.check_policy_json,
                            {'conf': CONF})),
    )


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    logging.register_options(CONF)
    opts.set_lib_defaults()
    return upgradecheck.main(CONF, project='mcimage',
                             upgrade_command=Checks(), argv=argv)


if __name__ == '__main__':
    sys.exit(main())
