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

"""Every benchmark in turn with its defaults, or one with its options.

    .venv/bin/python -m benchmarks                  # all of them
    .venv/bin/python -m benchmarks bench_list --requests 50
"""

import importlib
import sys

from benchmarks import common

BENCHMARKS = ('bench_multipart', 'bench_list', 'bench_streaming',
              'bench_fanout', 'bench_concurrent', 'bench_import')


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in BENCHMARKS:
        return importlib.import_module(
            'benchmarks.' + argv[0]).main(argv[1:])
    if argv:
        print('usage: python -m benchmarks [{%s} [OPTIONS]]' % ','.join(
            BENCHMARKS), file=sys.stderr)
        return 2
    worst = 0
    common.stop_on_sigterm()
    # Once for all of them (each benchmark would otherwise warm the
    # memory the one before it freed).
    with common.warm_memory() as warmed:
        common.print_warmed(warmed)
        for name in BENCHMARKS:
            print('=' * 20, name, '=' * 20)
            sys.stdout.flush()
            status = importlib.import_module('benchmarks.' + name).main([])
            if status == 130:
                return status
            worst = max(worst, status)
            print()
    return worst


def _main():
    try:
        return main()
    except KeyboardInterrupt:
        print('interrupted', file=sys.stderr)
        return 130


if __name__ == '__main__':
    sys.exit(_main())
