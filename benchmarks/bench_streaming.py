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

"""Streaming upload and download through mcimage vs straight to Glance.

Targets: an upload (stream mode, both the Glance-v2-style PUT route and
the ONAP multipart route) or a download through mcimage takes at most
1.05 times the same transfer straight to/from Glance under uWSGI, under
the embedded server and under gunicorn alike; mcimage's RSS stays under
100 MiB, idle and during transfers, flat in image size::

    .venv/bin/python -m benchmarks.bench_streaming [--size-mib 1024]
        [--rounds 5] [--downloads 5]
"""

import hashlib
import os
import sys
import time
import uuid

from benchmarks import common

VIM = common.VIMS[0]
RATIO_TARGET = 1.05
RSS_TARGET_MIB = 100
FORM = [('imageType', 'raw'), ('containerFormat', 'bare')]


class Streaming(object):
    """The transfers of one run: every side through the same Client."""

    def __init__(self, glance, mcimages, payload):
        self.glance = glance
        self.mcimages = mcimages
        self.payload = payload
        self.tenant = 'bench-%s' % uuid.uuid4().hex[:12]
        self.client = common.Client()
        self.images = []

    def images_url(self, side):
        if side == 'straight':
            return self.glance.endpoint + '/v2/images'
        return self.mcimages[side].url('/v1/%s/%s/images' % (VIM,
                                                             self.tenant))

    def headers(self, side):
        if side == 'straight':
            return common.glance_headers(self.tenant)
        return common.mcimage_headers(self.tenant)

    def put(self, side, path=None):
        took, image_id = self.client.create_and_put(
            self.images_url(side), self.headers(side),
            path or self.payload.path)
        self.images.append(image_id)
        return took, image_id

    def multipart(self, side, path=None, md5=None):
        took, image = self.client.post_form(
            self.images_url(side) + '/file', self.headers(side),
            path or self.payload.path, FORM)
        self.images.append(image['id'])
        if image.get('checksum') != (md5 or self.payload.md5):
            raise common.BenchError('multipart upload via %s recorded '
                                    'checksum %s' % (side,
                                                     image.get('checksum')))
        return took, image['id']

    def download(self, side, image_id, size=None, digest=None):
        return self.client.get_file(
            '%s/%s/file' % (self.images_url(side), image_id),
            self.headers(side), size or self.payload.size, digest)

    def check_sha256(self, side, image_id):
        digest = hashlib.sha256()
        self.download(side, image_id, digest=digest)
        if digest.hexdigest() != self.payload.sha256:
            raise common.BenchError('image %s read via %s has sha256 %s, '
                                    'not the payload\'s' % (
                                        image_id, side, digest.hexdigest()))

    def clean(self):
        self.images = common.delete_images(self.glance, self.tenant,
                                           self.images)


def uploads():
    """[(label, phase, side, route)] of the timed uploads."""
    rows = [('upload straight', 'up straight', 'straight', 'put')]
    for kind in common.MCIMAGE_SERVERS:
        rows.append(('upload %s PUT' % kind, 'up %s PUT' % kind, kind,
                     'put'))
        rows.append(('upload %s multipart' % kind,
                     'up %s multipart' % kind, kind, 'multipart'))
    return rows


def downloads():
    return [('download %s' % side, 'down %s' % side, side)
            for side in ('straight',) + common.MCIMAGE_SERVERS]


def warm_up(bench, workdir):
    """A 1 MiB transfer each way on every side, untimed."""
    small = os.path.join(workdir, 'payload-warmup.bin')
    data = os.urandom(common.MIB)
    with open(small, 'wb') as f:
        f.write(data)
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    for _label, _phase, side, route in uploads():
        if route == 'put':
            _t, image_id = bench.put(side, small)
        else:
            bench.multipart(side, small, md5)
    for _label, _phase, side in downloads():
        bench.download(side, image_id, size=common.MIB)
    bench.clean()


def one_round(bench, meter, round_no, verify, downloads_per_round,
              download_id):
    """The timed transfers of one round, in rotated order.

    Every image uploaded is deleted once measured (and checked, when
    ``verify``), so that each upload writes into memory the last one
    freed (benchmarks/README.rst, "Warm memory"); the downloads read
    ``download_id``, uploaded untimed once for the whole run.
    """
    for _label, phase, side, route in common.rotated(uploads(), round_no):
        func = bench.put if route == 'put' else bench.multipart
        _t, image_id = meter.measure(phase, func, side)
        if verify:
            # Untimed: hashing would add the same client CPU to every side.
            bench.check_sha256('straight', image_id)
        bench.clean()
    # A download takes half a second, so one stall of the machine moves
    # its time by half: several per round, each side in turn.
    for turn in range(downloads_per_round):
        for _label, phase, side in common.rotated(
                downloads(), round_no + turn):
            meter.measure(phase, bench.download, side, download_id)
    if verify:
        for kind in common.MCIMAGE_SERVERS:
            bench.check_sha256(kind, download_id)
    common.print_rounds(meter, round_no, [
        row[1] for row in uploads() + downloads()])


def report(args, bench, meter, idle):
    size = bench.payload.size
    print()
    print('Results: %d MiB, %d round(s), %d download(s) of each side a '
          'round; ratio = median / median of the straight transfer' % (
              args.size_mib, args.rounds, args.downloads))
    common.print_times(meter, [(r[0], r[1]) for r in uploads()],
                       'up straight', size)
    common.print_times(meter, [(r[0], r[1]) for r in downloads()],
                       'down straight', size)
    print()
    for label, phase, side, _route in uploads()[1:]:
        ratio = meter.ratio(phase, 'up straight')
        common.target_line(label + ' / straight', ratio,
                           '<= %.2f' % RATIO_TARGET, ratio <= RATIO_TARGET)
    for label, phase, side in downloads()[1:]:
        ratio = meter.ratio(phase, 'down straight')
        common.target_line(label + ' / straight', ratio,
                           '<= %.2f' % RATIO_TARGET, ratio <= RATIO_TARGET)
    print()
    print('RSS of mcimage (MiB; gunicorn: its largest worker), target < %d '
          'MiB, flat in size:' % RSS_TARGET_MIB)
    for kind in common.MCIMAGE_SERVERS:
        peak = max(meter.peak_mib(kind, phase) for _l, phase, side, *_r
                   in uploads() + downloads() if side == kind)
        now = meter.rss_mib(kind)
        common.target_line('%s: idle %.1f, at the end %.1f, peak' % (
            kind, idle[kind], now), peak, '< %d' % RSS_TARGET_MIB,
            max(peak, idle[kind], now) < RSS_TARGET_MIB)
    print('Glance worker peak RSS: %.1f MiB' % max(
        meter.peak_mib('glance', r[1]) for r in uploads() + downloads()))
    print()
    rows = [(r[0], r[1]) for r in uploads() + downloads()]
    common.print_cpu(meter, rows, size / common.GIB, 'GiB')
    print()
    common.print_log_problems(bench.mcimages)


def run(args, workdir, servers):
    common.print_header('mcimage streaming benchmark: %d MiB payload, %d '
                        'round(s)' % (args.size_mib, args.rounds))
    payload = common.Payload(os.path.join(workdir, 'payload.bin'),
                             args.size_mib)
    stack = common.Stack(servers, workdir)
    bench = Streaming(stack.glance, stack.mcimages, payload)
    warm_up(bench, workdir)
    time.sleep(0.5)
    idle = {kind: stack.meter.rss_mib(kind) for kind in stack.mcimages}
    print('warm-up done; idle RSS %s' % ', '.join(
        '%s %.1f MiB' % item for item in idle.items()))
    print()
    _t, download_id = bench.put('straight')
    bench.images.remove(download_id)
    try:
        for round_no in range(1, args.rounds + 1):
            one_round(bench, stack.meter, round_no,
                      round_no == 1 or args.verify_all, args.downloads,
                      download_id)
            stack.check_alive()
    finally:
        bench.images.append(download_id)
        bench.clean()
    report(args, bench, stack.meter, idle)


def main(argv=None):
    parser = common.parser(__doc__.splitlines()[0], size_mib=1024)
    parser.add_argument('--verify-all', action='store_true',
                        help='check the sha256 of every image each round, '
                             'not only in the first')
    parser.add_argument('--downloads', type=int, default=5, metavar='N',
                        help='downloads of each side per round (default '
                             '5); the report takes the median of all')
    args = parser.parse_args(argv)
    if args.downloads < 1:
        parser.error('--downloads must be at least 1')
    return common.run_main(args, run, 'mcimage-bench-streaming-')


if __name__ == '__main__':
    sys.exit(main())
