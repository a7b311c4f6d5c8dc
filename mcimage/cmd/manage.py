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

"""mcimage-manage db sync | db version"""

import sys

from oslo_config import cfg

from mcimage.common import service
from mcimage.db import migration
from mcimage.tasks import engine

CONF = cfg.CONF


def do_db_sync():
    migration.upgrade('head')
    print('Database is at revision %s' % migration.version())
    # The tasks' flow state: taskflow's own schema, in its own database.
    engine.upgrade_persistence()
    print('Task flow state database is up to date')


def do_db_version():
    print(migration.version() or 'None (run "mcimage-manage db sync")')


def add_command_parsers(subparsers):
    parser = subparsers.add_parser('db', help='Database schema.')
    db = parser.add_subparsers(dest='db_command', required=True)
    db.add_parser('sync', help='Upgrade the schema to the latest '
                  'revision.').set_defaults(func=do_db_sync)
    db.add_parser('version', help='Print the current '
                  'revision.').set_defaults(func=do_db_version)


command_opt = cfg.SubCommandOpt('command', title='Commands',
                                handler=add_command_parsers,
                                help='Available commands')


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    CONF.register_cli_opt(command_opt)
    service.prepare_service(argv)
    CONF.command.func()
    return 0


if __name__ == '__main__':
    sys.exit(main())
