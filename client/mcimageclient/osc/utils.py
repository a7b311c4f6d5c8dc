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

"""What the commands share: --vim/--tenant, targets, progress, columns."""

import logging

from osc_lib.cli import format_columns
from osc_lib import exceptions as osc_exceptions

from mcimageclient import exceptions
from mcimageclient.osc import progress as progress_mod

LOG = logging.getLogger(__name__)


def add_vim_tenant(parser, vim_required=True):
    parser.add_argument(
        '--vim', metavar='<vim>', required=vim_required,
        help='The VIM (cloud) of the image, as "openstack multicloud vim '
             'list" names it')
    add_tenant(parser)


def add_tenant(parser):
    parser.add_argument(
        '--tenant', metavar='<tenant>',
        help='The tenant (project id) in the VIM (default: the project '
             'of your token; needed with --os-auth-type none)')


def tenant(app, parsed_args):
    """--tenant, else the project of the token."""
    if parsed_args.tenant:
        return parsed_args.tenant
    auth_ref = app.client_manager.auth_ref
    project_id = auth_ref.project_id if auth_ref is not None else None
    if not project_id:
        raise osc_exceptions.CommandError(
            'Give the tenant with --tenant: there is no project-scoped '
            'token to take it from')
    return project_id


def add_targets(parser, required=False, help_text=None):
    parser.add_argument(
        '--target', metavar='<vim[:tenant]>', dest='targets',
        action='append', default=[], required=required,
        help=help_text or 'A VIM (and tenant: default as --tenant) to '
                          'send the image to; repeat it for several')


def targets(app, parsed_args):
    """[(vim_id, tenant_id)] of the --target options (VIM[:TENANT])."""
    out = []
    for value in parsed_args.targets:
        vim_id, _sep, tenant_id = value.partition(':')
        if not vim_id:
            raise osc_exceptions.CommandError(
                '--target %r: expected VIM or VIM:TENANT' % value)
        out.append((vim_id, tenant_id or tenant(app, parsed_args)))
    return out


def add_progress(parser):
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        '--progress', action='store_true', default=None,
        help='Show a progress bar (default when standard error is a '
             'terminal)')
    group.add_argument(
        '--no-progress', action='store_false', dest='progress',
        help='Show no progress bar')


def progress_bar(app, parsed_args, label):
    """A progress callback (finish() it), or None when not wanted.

    Drawn on the app's standard error, by default when it is a terminal.
    """
    stream = app.stderr
    show = parsed_args.progress
    if show is None:
        show = stream.isatty()
    return progress_mod.ProgressBar(label, stream) if show else None


def add_visibility(parser):
    group = parser.add_mutually_exclusive_group()
    for name in ('public', 'private', 'community', 'shared'):
        group.add_argument(
            '--' + name, action='store_const', const=name,
            dest='visibility',
            help='Image is %s' % ('accessible to everyone' if name ==
                                  'public' else name))


def add_protection(parser):
    group = parser.add_mutually_exclusive_group()
    group.add_argument('--protected', action='store_true', default=None,
                       help='Prevent the image from being deleted')
    group.add_argument('--unprotected', action='store_false',
                       dest='protected',
                       help='Allow the image to be deleted (default)')


def add_hidden(parser):
    group = parser.add_mutually_exclusive_group()
    group.add_argument('--hidden', action='store_true', default=None,
                       dest='hidden',
                       help='Hide the image from default lists')
    group.add_argument('--unhidden', action='store_false', dest='hidden',
                       help='Show the image in default lists')


# Glance's core fields: everything else of an image is a custom property.
IMAGE_FIELDS = ('checksum', 'container_format', 'created_at', 'disk_format',
                'id', 'min_disk', 'min_ram', 'name', 'os_hash_algo',
                'os_hash_value', 'os_hidden', 'owner', 'protected', 'size',
                'status', 'tags', 'updated_at', 'virtual_size', 'visibility')
# Links and mcimage's ONAP names of the same fields: never shown.
_NOT_SHOWN = frozenset(('self', 'file', 'schema', 'imageType',
                        'containerFormat', 'vimId', 'tenantId', 'locations',
                        'direct_url', 'stores', 'staged_upload_id'))


def image_columns(image):
    """(columns, values) of an image, its properties as one dict."""
    shown = {name: image.get(name) for name in IMAGE_FIELDS}
    shown['tags'] = format_columns.ListColumn(image.get('tags') or [])
    shown['properties'] = format_columns.DictColumn(
        {k: v for k, v in image.items()
         if k not in IMAGE_FIELDS and k not in _NOT_SHOWN})
    if image.get('staged_upload_id'):
        shown['staged_upload_id'] = image['staged_upload_id']
    columns = tuple(sorted(shown))
    return columns, tuple(shown[c] for c in columns)


def dict_columns(body, formatters=None, hidden=('self', 'links')):
    """(columns, values) of a flat resource, sorted, links left out."""
    formatters = formatters or {}
    columns = tuple(sorted(k for k in body if k not in hidden))
    return columns, tuple(formatters[c](body[c]) if c in formatters
                          else body[c] for c in columns)


def delete_each(names, delete, what, whats):
    """delete(name) for each name, every failure logged.

    Then one CommandError for them all, as openstackclient's deletes do.
    """
    failed = 0
    for name in names:
        try:
            delete(name)
        except exceptions.ClientException as e:
            failed += 1
            LOG.error('Failed to delete %s %s: %s', what, name, e)
    if failed:
        raise osc_exceptions.CommandError(
            'Failed to delete %d of %d %s' % (failed, len(names), whats))
