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

"""openstack multicloud image list|show|create|set|unset|delete|upload|
download: Glance's image commands, per VIM and tenant."""

import sys

from osc_lib.cli import format_columns
from osc_lib.cli import parseractions
from osc_lib.command import command
from osc_lib import exceptions as osc_exceptions

from mcimageclient.osc import utils

DEFAULT_DISK_FORMAT = 'raw'
DEFAULT_CONTAINER_FORMAT = 'bare'
_LONG_COLUMNS = (('disk_format', 'Disk Format'),
                 ('container_format', 'Container Format'),
                 ('size', 'Size'), ('checksum', 'Checksum'),
                 ('visibility', 'Visibility'), ('protected', 'Protected'),
                 ('owner', 'Owner'), ('tags', 'Tags'))


def find_image(app, parsed_args, name_or_id=None):
    """(vim, tenant, image) of --vim, --tenant and an image name or id."""
    tenant = utils.tenant(app, parsed_args)
    image = app.client_manager.multicloud.images.find(
        parsed_args.vim, tenant, name_or_id or parsed_args.image)
    return parsed_args.vim, tenant, image


def _add_image_fields(parser, create):
    parser.add_argument('--min-disk', metavar='<disk-gb>', type=int,
                        action=parseractions.NonNegativeAction,
                        help='Minimum disk size needed to boot the image, '
                             'in gigabytes')
    parser.add_argument('--min-ram', metavar='<ram-mb>', type=int,
                        action=parseractions.NonNegativeAction,
                        help='Minimum RAM size needed to boot the image, '
                             'in megabytes')
    parser.add_argument(
        '--container-format', metavar='<container-format>',
        default=DEFAULT_CONTAINER_FORMAT if create else None,
        help='Image container format (%s)' % (
            'default: %s' % DEFAULT_CONTAINER_FORMAT if create else
            'bare, ovf, ova, docker...'))
    parser.add_argument(
        '--disk-format', metavar='<disk-format>',
        default=DEFAULT_DISK_FORMAT if create else None,
        help='Image disk format (%s)' % (
            'default: %s' % DEFAULT_DISK_FORMAT if create else
            'raw, qcow2, vmdk, iso...'))
    utils.add_protection(parser)
    utils.add_visibility(parser)
    utils.add_hidden(parser)
    parser.add_argument('--property', metavar='<key=value>', default={},
                        action=parseractions.KeyValueAction,
                        dest='properties',
                        help='Set a custom property (repeat for several)')
    parser.add_argument('--tag', metavar='<tag>', action='append',
                        default=[], dest='tags',
                        help='Set a tag (repeat for several)')


def _image_fields(parsed_args):
    """Glance's fields that the options set (None: not set)."""
    fields = dict(parsed_args.properties)
    for name, value in (('name', getattr(parsed_args, 'name', None)),
                        ('min_disk', parsed_args.min_disk),
                        ('min_ram', parsed_args.min_ram),
                        ('container_format', parsed_args.container_format),
                        ('disk_format', parsed_args.disk_format),
                        ('protected', parsed_args.protected),
                        ('visibility', parsed_args.visibility),
                        ('os_hidden', parsed_args.hidden)):
        if value is not None:
            fields[name] = value
    return fields


def _open_file(path):
    """--file: a path, or '-' for standard input."""
    return sys.stdin.buffer if path == '-' else path


class ListImage(command.Lister):
    """List the images of a tenant in a VIM"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        utils.add_vim_tenant(parser)
        utils.add_visibility(parser)
        parser.add_argument('--name', metavar='<name>',
                            help='Only images of this name')
        parser.add_argument('--status', metavar='<status>',
                            help='Only images of this status (active...)')
        parser.add_argument('--member-status', metavar='<member-status>',
                            choices=['accepted', 'pending', 'rejected',
                                     'all'],
                            help='Only shared images of this member status')
        parser.add_argument('--owner', metavar='<project>',
                            help='Only images this project owns')
        parser.add_argument('--disk-format', metavar='<disk-format>',
                            help='Only images of this disk format')
        parser.add_argument('--container-format',
                            metavar='<container-format>',
                            help='Only images of this container format')
        parser.add_argument('--tag', metavar='<tag>', action='append',
                            default=[], dest='tags',
                            help='Only images with this tag (repeat: every '
                                 'tag)')
        parser.add_argument('--property', metavar='<key=value>',
                            default={}, action=parseractions.KeyValueAction,
                            dest='properties',
                            help='Only images with this property value')
        parser.add_argument('--hidden', action='store_true', default=None,
                            help='Only the hidden images')
        parser.add_argument('--sort', metavar='<key>[:<direction>]',
                            help="Sort by keys and directions, "
                                 "comma-separated (Glance's sort)")
        parser.add_argument('--limit', metavar='<num-images>', type=int,
                            action=parseractions.NonNegativeAction,
                            help='At most this many images')
        parser.add_argument('--marker', metavar='<image>',
                            help='The images after this one (an id)')
        parser.add_argument('--long', action='store_true', default=False,
                            help='More columns')
        return parser

    def take_action(self, parsed_args):
        filters = dict(parsed_args.properties)
        for name, value in (('name', parsed_args.name),
                            ('status', parsed_args.status),
                            ('visibility', parsed_args.visibility),
                            ('member_status', parsed_args.member_status),
                            ('owner', parsed_args.owner),
                            ('disk_format', parsed_args.disk_format),
                            ('container_format',
                             parsed_args.container_format),
                            ('os_hidden', parsed_args.hidden),
                            ('tag', parsed_args.tags or None)):
            if value is not None:
                filters[name] = value
        images = self.app.client_manager.multicloud.images.list(
            parsed_args.vim, utils.tenant(self.app, parsed_args),
            filters=filters, sort=parsed_args.sort, limit=parsed_args.limit,
            marker=parsed_args.marker)
        fields = [('id', 'ID'), ('name', 'Name'), ('status', 'Status')]
        if parsed_args.long:
            fields += _LONG_COLUMNS
        return ([title for _f, title in fields],
                ([format_columns.ListColumn(image.get(f) or [])
                  if f == 'tags' else image.get(f) for f, _t in fields]
                 for image in images))


class ShowImage(command.ShowOne):
    """Show an image of a tenant in a VIM"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        utils.add_vim_tenant(parser)
        parser.add_argument('image', metavar='<image>',
                            help='Image (name or id)')
        return parser

    def take_action(self, parsed_args):
        _vim, _tenant, image = find_image(self.app, parsed_args)
        return utils.image_columns(image)


class CreateImage(command.ShowOne):
    """Create an image in a VIM, or in several at once (--target)"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<image-name>', nargs='?',
                            help='New image name (default with --file: '
                                 'the file name)')
        utils.add_vim_tenant(parser, vim_required=False)
        utils.add_targets(parser, help_text=(
            'Upload --file into this VIM (and tenant: default as --tenant) '
            'and every other --target at once, all or nothing; instead of '
            '--vim'))
        parser.add_argument('--id', metavar='<id>',
                            help='Image id to reserve (without --file)')
        _add_image_fields(parser, create=True)
        parser.add_argument('--file', metavar='<file>',
                            help="Upload the image's data from this file "
                                 "('-': standard input)")
        parser.add_argument('--checksum', metavar='<md5>',
                            help='The md5 (hex) the data must have: '
                                 'mcimage refuses other data')
        utils.add_progress(parser)
        return parser

    def _check(self, parsed_args):
        if parsed_args.targets and parsed_args.vim:
            raise osc_exceptions.CommandError(
                'Give --vim, or a --target for every VIM, not both')
        if not parsed_args.targets and not parsed_args.vim:
            raise osc_exceptions.CommandError(
                '--vim or --target is required')
        if parsed_args.file is None:
            if parsed_args.targets:
                raise osc_exceptions.CommandError(
                    '--target uploads data: give it with --file')
            if parsed_args.checksum:
                raise osc_exceptions.CommandError(
                    '--checksum is the md5 of --file: give the file')
        elif parsed_args.id or parsed_args.hidden is not None:
            raise osc_exceptions.CommandError(
                '--id and --hidden are for an image created without '
                'data: create it, then "openstack multicloud image '
                'upload" its data')

    def take_action(self, parsed_args):
        self._check(parsed_args)
        images = self.app.client_manager.multicloud.images
        fields = _image_fields(parsed_args)
        if parsed_args.tags:
            fields['tags'] = parsed_args.tags
        if parsed_args.file is None:
            if parsed_args.id:
                fields['id'] = parsed_args.id
            return utils.image_columns(images.create(
                parsed_args.vim, utils.tenant(self.app, parsed_args),
                **fields))
        disk_format = fields.pop('disk_format')
        container_format = fields.pop('container_format')
        bar = utils.progress_bar(self.app, parsed_args, 'Uploading')
        try:
            if parsed_args.targets:
                body = images.fan_out(
                    utils.targets(self.app, parsed_args),
                    _open_file(parsed_args.file), disk_format,
                    container_format, checksum=parsed_args.checksum,
                    progress_callback=bar, **fields)
                return _fan_out_columns(body)
            return utils.image_columns(images.create_with_data(
                parsed_args.vim, utils.tenant(self.app, parsed_args),
                _open_file(parsed_args.file), disk_format, container_format,
                checksum=parsed_args.checksum, progress_callback=bar,
                **fields))
        finally:
            if bar is not None:
                bar.finish()


def _fan_out_columns(body):
    """One upload's images: what they share, and each one's place."""
    images = body['images']
    columns, values = utils.image_columns(images[0])
    shared = dict(zip(columns, values))
    for name in ('id', 'owner', 'created_at', 'updated_at'):
        shared.pop(name, None)
    shared['images'] = format_columns.ListColumn(
        ['%s/%s %s' % (i.get('vimId'), i.get('tenantId'), i.get('id'))
         for i in images])
    if body.get('staged_upload'):
        shared['staged_upload_id'] = body['staged_upload'].get('id')
    columns = tuple(sorted(shared))
    return columns, tuple(shared[c] for c in columns)


class SetImage(command.Command):
    """Set an image's fields, properties and tags"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        utils.add_vim_tenant(parser)
        parser.add_argument('image', metavar='<image>',
                            help='Image (name or id)')
        parser.add_argument('--name', metavar='<name>',
                            help='New image name')
        _add_image_fields(parser, create=False)
        group = parser.add_mutually_exclusive_group()
        group.add_argument('--deactivate', action='store_true',
                           help='Deactivate the image (its data cannot be '
                                'read)')
        group.add_argument('--activate', action='store_true',
                           help='Reactivate a deactivated image')
        return parser

    def take_action(self, parsed_args):
        images = self.app.client_manager.multicloud.images
        vim, tenant, image = find_image(self.app, parsed_args)
        fields = _image_fields(parsed_args)
        if fields:
            images.update(vim, tenant, image['id'], **fields)
        for tag in parsed_args.tags:
            images.add_tag(vim, tenant, image['id'], tag)
        if parsed_args.deactivate:
            images.deactivate(vim, tenant, image['id'])
        if parsed_args.activate:
            images.reactivate(vim, tenant, image['id'])


class UnsetImage(command.Command):
    """Remove an image's tags and properties"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        utils.add_vim_tenant(parser)
        parser.add_argument('image', metavar='<image>',
                            help='Image (name or id)')
        parser.add_argument('--tag', metavar='<tag>', action='append',
                            default=[], dest='tags',
                            help='Remove this tag (repeat for several)')
        parser.add_argument('--property', metavar='<key>', action='append',
                            default=[], dest='properties',
                            help='Remove this property (repeat for several)')
        return parser

    def take_action(self, parsed_args):
        images = self.app.client_manager.multicloud.images
        vim, tenant, image = find_image(self.app, parsed_args)
        missing = [p for p in parsed_args.properties if p not in image]
        if missing:
            raise osc_exceptions.CommandError(
                'Image %s has no property %s' % (image['id'],
                                                 ', '.join(missing)))
        for tag in parsed_args.tags:
            images.remove_tag(vim, tenant, image['id'], tag)
        if parsed_args.properties:
            images.update(vim, tenant, image['id'],
                          remove_props=parsed_args.properties)


class DeleteImage(command.Command):
    """Delete images of a tenant in a VIM"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        utils.add_vim_tenant(parser)
        parser.add_argument('images', metavar='<image>', nargs='+',
                            help='Image(s) to delete (name or id)')
        return parser

    def take_action(self, parsed_args):
        images = self.app.client_manager.multicloud.images

        def delete(name_or_id):
            vim, tenant, image = find_image(self.app, parsed_args,
                                            name_or_id)
            images.delete(vim, tenant, image['id'])

        utils.delete_each(parsed_args.images, delete, 'image', 'images')


class UploadImage(command.ShowOne):
    """Upload the data of an image created without it"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        utils.add_vim_tenant(parser)
        parser.add_argument('image', metavar='<image>',
                            help='Image (name or id), queued')
        parser.add_argument('--file', metavar='<file>', required=True,
                            help="The image's data ('-': standard input)")
        parser.add_argument('--checksum', metavar='<md5>',
                            help='The md5 (hex) the data must have: '
                                 'mcimage refuses other data')
        utils.add_progress(parser)
        return parser

    def take_action(self, parsed_args):
        images = self.app.client_manager.multicloud.images
        vim, tenant, image = find_image(self.app, parsed_args)
        bar = utils.progress_bar(self.app, parsed_args, 'Uploading')
        try:
            staged = images.upload(vim, tenant, image['id'],
                                   _open_file(parsed_args.file),
                                   checksum=parsed_args.checksum,
                                   progress_callback=bar)
        finally:
            if bar is not None:
                bar.finish()
        image = images.get(vim, tenant, image['id'])
        if staged:
            image['staged_upload_id'] = staged
        return utils.image_columns(image)


class DownloadImage(command.Command):
    """Download an image's data, checked against its checksums"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        utils.add_vim_tenant(parser)
        parser.add_argument('image', metavar='<image>',
                            help='Image (name or id)')
        parser.add_argument('--file', metavar='<file>',
                            help='Write the data here (default: standard '
                                 'output)')
        parser.add_argument('--no-verify', action='store_false',
                            dest='verify', default=True,
                            help="Check neither the md5 nor the image's "
                                 "hash of the data")
        utils.add_progress(parser)
        return parser

    def take_action(self, parsed_args):
        if parsed_args.file is None:
            dest = getattr(self.app.stdout, 'buffer', self.app.stdout)
            if self.app.stdout.isatty():
                raise osc_exceptions.CommandError(
                    'Give --file, or redirect standard output: image data '
                    'is no text for a terminal')
        else:
            dest = parsed_args.file
        vim, tenant, image = find_image(self.app, parsed_args)
        bar = utils.progress_bar(self.app, parsed_args, 'Downloading')
        try:
            self.app.client_manager.multicloud.images.download(
                vim, tenant, image['id'], dest, progress_callback=bar,
                verify=parsed_args.verify)
        finally:
            if bar is not None:
                bar.finish()
