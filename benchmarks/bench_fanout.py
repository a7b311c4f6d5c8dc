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

"""One upload to two VIMs through mcimage vs two sequential straight ones.

Target: ``POST /v1/images/file`` with two targets takes at most 0.70 times
the same image uploaded straight to one Glance, then to the other (both
under uWSGI), under the embedded server and under gunicorn alike::

    .venv/bin/python -m benchmarks.bench_fanout [--size-mib 1024]
        [--rounds 5]
"""

import json
import os
import sys
import uuid

from benchmarks import common

TARGET = 0.70


class Fanout(object):

    def __init__(self, glances, mcimages, payload):
        self.glances = glances
        self.mcimages = mcimages
        self.payload = payload
        self.tenant = 'bench-%s' % uuid.uuid4().hex[:12]
        self.client = common.Client()
        # {vim: [image id]}
        self.images = {vim: [] for vim in glances}

    def sequential(self):
        """The payload straight to each Glance in turn: (seconds, None)."""
        total = 0.0
        for vim, glance in self.glances.items():
            took, image_id = self.client.create_and_put(
                glance.endpoint + '/v2/images',
                common.glance_headers(self.tenant), self.payload.path)
            total += took
            self.images[vim].append(image_id)
        return total, None

    def fanout(self, kind):
        """One ONAP multipart upload to every VIM: (seconds, None)."""
        targets = [{'vim_id': vim, 'tenant_id': self.tenant}
                   for vim in self.glances]
        took, answer = self.client.post_form(
            self.mcimages[kind].url('/v1/images/file'),
            common.mcimage_headers(self.tenant), self.payload.path,
            [('imageType', 'raw'), ('containerFormat', 'bare'),
             ('targets', json.dumps(targets))])
        for image in answer['images']:
            self.images[image['vimId']].append(image['id'])
            if image.get('checksum') not in (None, self.payload.md5):
                raise common.BenchError('fan-out via %s: %s recorded '
                                        'checksum %s' % (
                                            kind, image['vimId'],
                                            image['checksum']))
        return took, None

    def clean(self):
        for vim, glance in self.glances.items():
            self.images[vim] = common.delete_images(glance, self.tenant,
                                                    self.images[vim])


def sides():
    """[(label, phase, kind)]; kind None is the straight side."""
    return [('two sequential straight', 'sequential', None)] + [
        ('one to both via %s' % kind, 'fanout %s' % kind, kind)
        for kind in common.MCIMAGE_SERVERS]


def run(args, workdir, servers):
    common.print_header('mcimage fan-out benchmark: %d MiB to %d VIMs, %d '
                        'round(s)' % (args.size_mib, len(common.VIMS),
                                      args.rounds))
    payload = common.Payload(os.path.join(workdir, 'payload.bin'),
                             args.size_mib)
    stack = common.Stack(servers, workdir, vims=len(common.VIMS))
    meter = stack.meter
    bench = Fanout(stack.glances, stack.mcimages, payload)
    for round_no in range(1, args.rounds + 1):
        for _label, phase, kind in common.rotated(sides(), round_no):
            if kind is None:
                meter.measure(phase, bench.sequential)
            else:
                meter.measure(phase, bench.fanout, kind)
            # benchmarks/README.rst, "Warm memory".
            bench.clean()
        common.print_rounds(meter, round_no, [row[1] for row in sides()])
        stack.check_alive()
    print()
    print('Results: %d MiB to 2 VIMs, %d round(s)' % (
        args.size_mib, args.rounds))
    rows = [(label, phase) for label, phase, _k in sides()]
    common.print_times(meter, rows, 'sequential')
    print()
    for label, phase, _kind in sides()[1:]:
        ratio = meter.ratio(phase, 'sequential')
        common.target_line(label + ' / two straight', ratio,
                           '<= %.2f' % TARGET, ratio <= TARGET)
    print()
    common.print_cpu(meter, rows, payload.size / common.GIB,
                     'GiB of payload')
    common.print_log_problems(stack.mcimages)


def main(argv=None):
    args = common.parser(__doc__.splitlines()[0],
                         size_mib=1024).parse_args(argv)
    return common.run_main(args, run, 'mcimage-bench-fanout-')


if __name__ == '__main__':
    sys.exit(main())
