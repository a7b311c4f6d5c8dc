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

"""openstack multicloud image tag add|remove"""

from osc_lib.command import command

from mcimageclient.osc import utils
from mcimageclient.osc.v1 import images


class _TagCommand(command.Command):

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        utils.add_vim_tenant(parser)
        parser.add_argument('image', metavar='<image>',
                            help='Image (name or id)')
        parser.add_argument('tag', metavar='<tag>', help='Tag')
        return parser


class AddImageTag(_TagCommand):
    """Add a tag to an image"""

    def take_action(self, parsed_args):
        vim, tenant, image = images.find_image(self.app, parsed_args)
        self.app.client_manager.multicloud.images.add_tag(
            vim, tenant, image['id'], parsed_args.tag)


class RemoveImageTag(_TagCommand):
    """Remove a tag from an image"""

    def take_action(self, parsed_args):
        vim, tenant, image = images.find_image(self.app, parsed_args)
        self.app.client_manager.multicloud.images.remove_tag(
            vim, tenant, image['id'], parsed_args.tag)
