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

"""Concurrent uploads through mcimage vs the same straight to Glance.

Target: the aggregate throughput of 8 uploads of 256 MiB at once through
mcimage (ONAP multipart route) is at least 0.95 times that of the same
uploads straight to the same Glance under uWSGI, under the embedded server
and under gunicorn alike::

    .venv/bin/python -m benchmarks.bench_concurrent [--uploads 8]
        [--size-mib 256] [--rounds 5]
"""

import concurrent.futures
import os
import sys
import threading
import uuid

from benchmarks import common

VIM = common.VIMS[0]
TARGET = 0.95
FORM = [('imageType', 'raw'), ('containerFormat', 'bare')]


class Concurrent(object):

    def __init__(self, glance, mcimages, payload, uploads):
        self.glance = glance
        self.mcimages = mcimages
        self.payload = payload
        self.uploads = uploads
        self.tenant = 'bench-%s' % uuid.uuid4().hex[:12]
        self.images = []
        self._local = threading.local()

    def _client(self):
        # One connection per upload thread, as separate users would have.
        if not hasattr(self._local, 'client'):
            self._local.client = common.Client()
        return self._local.client

    def one(self, kind):
        if kind is None:
            _t, image_id = self._client().create_and_put(
                self.glance.endpoint + '/v2/images',
                common.glance_headers(self.tenant), self.payload.path)
            return image_id
        _t, image = self._client().post_form(
            self.mcimages[kind].url('/v1/%s/%s/images/file' % (
                VIM, self.tenant)),
            common.mcimage_headers(self.tenant), self.payload.path, FORM)
        if image.get('checksum') != self.payload.md5:
            raise common.BenchError('upload via %s recorded checksum %s' % (
                kind, image.get('checksum')))
        return image['id']

    def at_once(self, kind):
        """Wall time of the uploads started together: (seconds, None)."""
        with common.Stopwatch() as watch:
            with concurrent.futures.ThreadPoolExecutor(self.uploads) as pool:
                self.images += pool.map(self.one, [kind] * self.uploads)
        return watch.seconds, None

    def clean(self):
        self.images = common.delete_images(self.glance, self.tenant,
                                           self.images)


def sides():
    return [('straight', 'straight', None)] + [
        ('via %s' % kind, kind, kind) for kind in common.MCIMAGE_SERVERS]


def run(args, workdir, servers):
    common.print_header('mcimage concurrency benchmark: %d uploads of %d '
                        'MiB at once, %d round(s)' % (
                            args.uploads, args.size_mib, args.rounds))
    payload = common.Payload(os.path.join(workdir, 'payload.bin'),
                             args.size_mib)
    stack = common.Stack(servers, workdir)
    meter = stack.meter
    bench = Concurrent(stack.glance, stack.mcimages, payload, args.uploads)
    for round_no in range(1, args.rounds + 1):
        for _label, phase, kind in common.rotated(sides(), round_no):
            meter.measure(phase, bench.at_once, kind)
            bench.clean()
        common.print_rounds(meter, round_no, [row[1] for row in sides()])
        stack.check_alive()
    total = args.uploads * payload.size
    print()
    print('Results: %d x %d MiB at once, %d round(s); MiB/s is the '
          'aggregate' % (args.uploads, args.size_mib, args.rounds))
    rows = [(label, phase) for label, phase, _k in sides()]
    common.print_times(meter, rows, 'straight', total)
    print()
    for label, phase, _kind in sides()[1:]:
        # Throughput ratio: the inverse of the time ratio.
        ratio = 1.0 / meter.ratio(phase, 'straight')
        common.target_line('throughput %s / straight' % label, ratio,
                           '>= %.2f' % TARGET, ratio >= TARGET)
    print()
    common.print_cpu(meter, rows, total / common.GIB, 'GiB')
    common.print_log_problems(stack.mcimages)


def main(argv=None):
    parser = common.parser(__doc__.splitlines()[0], size_mib=256)
    parser.add_argument('--uploads', type=int, default=8,
                        help='uploads at once (default 8)')
    args = parser.parse_args(argv)
    return common.run_main(args, run, 'mcimage-bench-concurrent-')


if __name__ == '__main__':
    sys.exit(main())
