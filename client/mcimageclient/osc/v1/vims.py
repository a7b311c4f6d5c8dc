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

"""openstack multicloud vim list|show"""

from osc_lib.cli import format_columns
from osc_lib.command import command


class ListVim(command.Lister):
    """List the VIMs (clouds) mcimage serves"""

    def take_action(self, parsed_args):
        vims = self.app.client_manager.multicloud.vims.list()
        return (('ID', 'Description'),
                ((v['id'], v.get('description')) for v in vims))


class ShowVim(command.ShowOne):
    """Show a VIM: whether it answers, its API versions, import methods"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('vim', metavar='<vim>', help='VIM id')
        return parser

    def take_action(self, parsed_args):
        vim = self.app.client_manager.multicloud.vims.get(parsed_args.vim)
        columns = ('api_versions', 'description', 'id', 'import_methods',
                   'reachable')
        return columns, (format_columns.ListColumn(vim.get('api_versions')),
                         vim.get('description'), vim.get('id'),
                         format_columns.ListColumn(vim.get('import_methods')),
                         vim.get('reachable'))
