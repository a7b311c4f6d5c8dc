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

"""Commands run as openstackclient runs them, against requests-mock."""

import io
from unittest import mock

from mcimageclient.tests.unit import base


class TTY(io.StringIO):

    def isatty(self):
        return True


class BinaryStdout(io.TextIOWrapper):
    """A redirected standard output: text, and bytes through .buffer."""

    def __init__(self):
        super().__init__(io.BytesIO(), encoding='utf-8')

    def isatty(self):
        return False


class CommandTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.app = mock.Mock(spec=['client_manager', 'stdout', 'stderr',
                                   'options'])
        self.app.client_manager = mock.Mock(spec=['multicloud', 'auth_ref'])
        self.app.client_manager.multicloud = self.client
        # --os-auth-type none: no token, so no project to default to.
        self.app.client_manager.auth_ref = None
        self.app.stdout = BinaryStdout()
        self.app.stderr = io.StringIO()

    def with_token(self, project_id=base.TENANT):
        self.app.client_manager.auth_ref = mock.Mock(project_id=project_id)

    def command(self, cls, argv):
        """(command, parsed arguments)."""
        cmd = cls(self.app, None)
        return cmd, cmd.get_parser('openstack multicloud').parse_args(argv)

    def take(self, cls, argv):
        cmd, parsed = self.command(cls, argv)
        return cmd.take_action(parsed)

    def show(self, cls, argv):
        """A ShowOne's {column: human-readable value}."""
        columns, values = self.take(cls, argv)
        return dict(zip(columns, [self.human(v) for v in values]))

    def listing(self, cls, argv):
        """A Lister's (columns, [[human-readable values]])."""
        columns, rows = self.take(cls, argv)
        return list(columns), [[self.human(v) for v in row]
                               for row in rows]

    @staticmethod
    def human(value):
        readable = getattr(value, 'human_readable', None)
        return readable() if readable else value
