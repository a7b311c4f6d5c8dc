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

"""openstack multicloud image member add|list|show|set|delete"""

from osc_lib.command import command

from mcimageclient.osc import utils
from mcimageclient.osc.v1 import images
_HIDDEN = ('schema',)


def _member_columns(member):
    return utils.dict_columns(member, hidden=_HIDDEN)


class _MemberCommand(object):

    def _parser(self, parser, members='one'):
        utils.add_vim_tenant(parser)
        parser.add_argument('image', metavar='<image>',
                            help='Image (name or id)')
        if members == 'one':
            parser.add_argument('member', metavar='<project>',
                                help='Member (project id)')
        elif members == 'many':
            parser.add_argument('members', metavar='<project>', nargs='+',
                                help='Member(s) (project id)')
        return parser

    @property
    def _members(self):
        return self.app.client_manager.multicloud.image_members


class AddImageMember(_MemberCommand, command.ShowOne):
    """Share an image with a project (its membership is pending)"""

    def get_parser(self, prog_name):
        return self._parser(super().get_parser(prog_name))

    def take_action(self, parsed_args):
        vim, tenant, image = images.find_image(self.app, parsed_args)
        return _member_columns(self._members.create(
            vim, tenant, image['id'], parsed_args.member))


class ListImageMember(_MemberCommand, command.Lister):
    """List the projects an image is shared with"""

    def get_parser(self, prog_name):
        return self._parser(super().get_parser(prog_name), members=None)

    def take_action(self, parsed_args):
        vim, tenant, image = images.find_image(self.app, parsed_args)
        members = self._members.list(vim, tenant, image['id'])
        fields = ('image_id', 'member_id', 'status')
        return (('Image ID', 'Member ID', 'Status'),
                ([m.get(f) for f in fields] for m in members))


class ShowImageMember(_MemberCommand, command.ShowOne):
    """Show a project's membership of an image"""

    def get_parser(self, prog_name):
        return self._parser(super().get_parser(prog_name))

    def take_action(self, parsed_args):
        vim, tenant, image = images.find_image(self.app, parsed_args)
        return _member_columns(self._members.get(
            vim, tenant, image['id'], parsed_args.member))


class SetImageMember(_MemberCommand, command.ShowOne):
    """Accept, reject (or make pending again) an image shared with you"""

    def get_parser(self, prog_name):
        parser = self._parser(super().get_parser(prog_name))
        group = parser.add_mutually_exclusive_group(required=True)
        for status, flag in (('accepted', '--accept'),
                             ('rejected', '--reject'),
                             ('pending', '--pending')):
            group.add_argument(flag, action='store_const', const=status,
                               dest='status',
                               help='Membership status: %s' % status)
        return parser

    def take_action(self, parsed_args):
        vim, tenant, image = images.find_image(self.app, parsed_args)
        return _member_columns(self._members.update(
            vim, tenant, image['id'], parsed_args.member,
            parsed_args.status))


class DeleteImageMember(_MemberCommand, command.Command):
    """Stop sharing an image with projects"""

    def get_parser(self, prog_name):
        return self._parser(super().get_parser(prog_name), members='many')

    def take_action(self, parsed_args):
        vim, tenant, image = images.find_image(self.app, parsed_args)
        utils.delete_each(
            parsed_args.members,
            lambda member: self._members.delete(vim, tenant, image['id'],
                                                member),
            'member', 'members')
