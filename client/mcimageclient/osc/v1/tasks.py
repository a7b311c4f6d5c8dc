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

"""openstack multicloud task create|list|show|delete: import tasks"""

from osc_lib.cli import format_columns
from osc_lib.cli import parseractions
from osc_lib.command import command

from mcimageclient.osc import progress
from mcimageclient.osc import utils

_STATUSES = ['pending', 'processing', 'success', 'failure']


class ProgressColumn(format_columns.DictColumn):
    """A task's bytes: '1.0 GiB of 2.0 GiB (50%)' to a person."""

    def human_readable(self):
        value = self._value or {}
        return progress.describe(value.get('bytes_done') or 0,
                                 value.get('bytes_total'))


class TargetsColumn(format_columns.ListDictColumn):
    """A task's targets: one 'vim/tenant image status' line each."""

    def human_readable(self):
        return '\n'.join(
            '%s/%s %s %s' % (t.get('vim_id'), t.get('tenant_id'),
                             t.get('image_id') or '-', t.get('status'))
            for t in self._value or [])


class InputColumn(format_columns.DictColumn):
    """A task's input: a 'name: value' line each; targets 'vim/tenant'."""

    def human_readable(self):
        lines = []
        for name, value in sorted((self._value or {}).items()):
            if name == 'targets':
                value = ', '.join('%s/%s' % (t.get('vim_id'),
                                             t.get('tenant_id'))
                                  for t in value or [])
            elif isinstance(value, dict):
                value = format_columns.DictColumn(value).human_readable()
            lines.append('%s: %s' % (name, value))
        return '\n'.join(lines)


def task_columns(task):
    result = task.get('result') or {}
    shown = dict(task)
    shown.pop('self', None)
    shown['input'] = InputColumn(task.get('input') or {})
    shown['progress'] = ProgressColumn(task.get('progress') or {})
    shown['result'] = TargetsColumn(result.get('targets') or [])
    columns = tuple(sorted(shown))
    return columns, tuple(shown[c] for c in columns)


def _add_wait(parser):
    parser.add_argument('--wait', action='store_true', default=False,
                        help='Wait for the task to end, showing its bytes')
    parser.add_argument('--timeout', metavar='<seconds>', type=int,
                        action=parseractions.NonNegativeAction,
                        help='Wait at most this long (default: no limit)')
    parser.add_argument('--poll-interval', metavar='<seconds>', type=int,
                        default=2, action=parseractions.NonNegativeAction,
                        help='Seconds between two looks at the task '
                             '(default: 2)')
    utils.add_progress(parser)


class _WaitingCommand(command.ShowOne):
    """Shows a task (waited for with --wait); exit 1 if it failed."""

    _failed = None

    def _show(self, parsed_args, task):
        if parsed_args.wait:
            bar = utils.progress_bar(self.app, parsed_args,
                                     'Task %s' % task['id'])
            try:
                task = self.app.client_manager.multicloud.tasks.wait(
                    task['id'], timeout=parsed_args.timeout,
                    poll_interval=parsed_args.poll_interval,
                    progress_callback=bar)
            finally:
                if bar is not None:
                    bar.finish()
            if task.get('status') == 'failure':
                self._failed = task
        return task_columns(task)

    def run(self, parsed_args):
        result = super().run(parsed_args)
        if self._failed is not None:
            self.app.stderr.write('Task %s failed: %s\n' % (
                self._failed['id'], self._failed.get('message') or
                'no message'))
            return 1
        return result


class CreateTask(_WaitingCommand):
    """Import a URL, a staged upload or an image into several VIMs"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--import-from', metavar='<source>', required=True,
            help='An http(s) URL, upload:<staged upload id> or '
                 'vim:<vim>/<tenant>/<image id>')
        utils.add_tenant(parser)
        utils.add_targets(parser, required=True, help_text=(
            'A VIM (and tenant: default as --tenant) to import into; '
            'repeat it for several'))
        parser.add_argument('--disk-format', metavar='<disk-format>',
                            help="The source's disk format (needed for a "
                                 "URL)")
        parser.add_argument('--name', metavar='<name>',
                            help='Name of the new images')
        parser.add_argument('--container-format',
                            metavar='<container-format>',
                            help='Container format of the new images')
        parser.add_argument('--min-disk', metavar='<disk-gb>', type=int,
                            action=parseractions.NonNegativeAction)
        parser.add_argument('--min-ram', metavar='<ram-mb>', type=int,
                            action=parseractions.NonNegativeAction)
        utils.add_protection(parser)
        utils.add_visibility(parser)
        parser.add_argument('--property', metavar='<key=value>', default={},
                            action=parseractions.KeyValueAction,
                            dest='properties',
                            help='A custom property of the new images')
        parser.add_argument('--tag', metavar='<tag>', action='append',
                            default=[], dest='tags',
                            help='A tag of the new images')
        parser.add_argument('--best-effort', action='store_false',
                            dest='all_must_succeed', default=None,
                            help='Keep the images of the targets that '
                                 'succeed when others fail')
        parser.add_argument('--force', action='store_true', default=None,
                            help='Import even into a target that holds '
                                 'the same image already')
        parser.add_argument('--any-name', action='store_false',
                            dest='match_name', default=None,
                            help='An image of the same data is the same '
                                 'image whatever its name')
        parser.add_argument('--sha512', metavar='<hex>',
                            help="The sha512 of the URL's data: finds "
                                 "targets that hold it already")
        _add_wait(parser)
        return parser

    def take_action(self, parsed_args):
        properties = dict(parsed_args.properties)
        for name, value in (('name', parsed_args.name),
                            ('container_format',
                             parsed_args.container_format),
                            ('min_disk', parsed_args.min_disk),
                            ('min_ram', parsed_args.min_ram),
                            ('protected', parsed_args.protected),
                            ('visibility', parsed_args.visibility),
                            ('tags', parsed_args.tags or None)):
            if value is not None:
                properties[name] = value
        task = self.app.client_manager.multicloud.tasks.create(
            parsed_args.import_from, utils.targets(self.app, parsed_args),
            import_from_format=parsed_args.disk_format,
            image_properties=properties or None,
            all_targets_must_succeed=parsed_args.all_must_succeed,
            force=parsed_args.force, match_name=parsed_args.match_name,
            os_hash_value=parsed_args.sha512)
        return self._show(parsed_args, task)


class ListTask(command.Lister):
    """List your project's tasks, newest first"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--status', metavar='<status>',
                            choices=_STATUSES,
                            help='Only tasks of this status (%s)' %
                                 ', '.join(_STATUSES))
        parser.add_argument('--type', metavar='<type>', choices=['import'],
                            help='Only tasks of this type (import)')
        parser.add_argument('--sort-key', metavar='<key>',
                            choices=['created_at', 'updated_at', 'status',
                                     'type', 'id'],
                            help='Sort by this key (default: created_at)')
        parser.add_argument('--sort-dir', metavar='<dir>',
                            choices=['asc', 'desc'],
                            help='Sort direction (default: desc)')
        parser.add_argument('--limit', metavar='<num-tasks>', type=int,
                            action=parseractions.NonNegativeAction,
                            help='At most this many tasks')
        parser.add_argument('--marker', metavar='<task>',
                            help='The tasks after this one (an id)')
        return parser

    def take_action(self, parsed_args):
        tasks = self.app.client_manager.multicloud.tasks.list(
            status=parsed_args.status, type=parsed_args.type,
            sort_key=parsed_args.sort_key, sort_dir=parsed_args.sort_dir,
            limit=parsed_args.limit, marker=parsed_args.marker)
        return (('ID', 'Type', 'Status', 'Progress', 'Source',
                 'Created At'),
                ((t.get('id'), t.get('type'), t.get('status'),
                  ProgressColumn(t.get('progress') or {}),
                  (t.get('input') or {}).get('import_from'),
                  t.get('created_at')) for t in tasks))


class ShowTask(_WaitingCommand):
    """Show a task: its status, bytes and targets"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('task', metavar='<task>', help='Task id')
        _add_wait(parser)
        return parser

    def take_action(self, parsed_args):
        task = self.app.client_manager.multicloud.tasks.get(parsed_args.task)
        return self._show(parsed_args, task)


class DeleteTask(command.Command):
    """Cancel running tasks (rolled back), delete finished ones"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('tasks', metavar='<task>', nargs='+',
                            help='Task id(s)')
        return parser

    def take_action(self, parsed_args):
        tasks = self.app.client_manager.multicloud.tasks

        def delete(task_id):
            if tasks.delete(task_id):
                self.app.stdout.write(
                    'Task %s is being cancelled: its images are removed, '
                    'then it shows failure\n' % task_id)

        utils.delete_each(parsed_args.tasks, delete, 'task', 'tasks')
