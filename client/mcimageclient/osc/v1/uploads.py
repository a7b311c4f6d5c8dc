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

"""openstack multicloud upload list|show|delete: staged uploads"""

from osc_lib.cli import parseractions
from osc_lib.command import command

from mcimageclient.osc import utils


class ListUpload(command.Lister):
    """List your project's staged uploads"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--status', metavar='<status>',
                            choices=['saving', 'active'],
                            help='Only uploads of this status (saving, '
                                 'active)')
        parser.add_argument('--limit', metavar='<num-uploads>', type=int,
                            action=parseractions.NonNegativeAction,
                            help='At most this many uploads')
        parser.add_argument('--marker', metavar='<upload>',
                            help='The uploads after this one (an id)')
        return parser

    def take_action(self, parsed_args):
        uploads = self.app.client_manager.multicloud.uploads.list(
            status=parsed_args.status, limit=parsed_args.limit,
            marker=parsed_args.marker)
        fields = (('id', 'ID'), ('name', 'Name'), ('status', 'Status'),
                  ('size', 'Size'), ('disk_format', 'Disk Format'),
                  ('expires_at', 'Expires At'))
        return ([title for _f, title in fields],
                ([u.get(f) for f, _t in fields] for u in uploads))


class ShowUpload(command.ShowOne):
    """Show a staged upload"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('upload', metavar='<upload>',
                            help='Staged upload id')
        return parser

    def take_action(self, parsed_args):
        return utils.dict_columns(
            self.app.client_manager.multicloud.uploads.get(
                parsed_args.upload))


class DeleteUpload(command.Command):
    """Delete staged uploads (their data is freed)"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('uploads', metavar='<upload>', nargs='+',
                            help='Staged upload id(s)')
        return parser

    def take_action(self, parsed_args):
        utils.delete_each(parsed_args.uploads,
                          self.app.client_manager.multicloud.uploads.delete,
                          'staged upload', 'staged uploads')
