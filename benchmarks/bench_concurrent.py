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

"""8 concurrent uploads through mcimage vs the same straight to Glance.

DESIGN section 8: the aggregate throughput through mcimage must be at least
0.9x that of the same uploads sent straight to the same Glance. Glance and
mcimage-api are started here on free ports and stopped by PID at the end.

    .venv/bin/python benchmarks/bench_concurrent.py [--uploads 8]
        [--size-mib 256] [--rounds 2]
"""

import argparse
import concurrent.futures
import os
import statistics
import sys
import time
import uuid

import requests

import bench_streaming as streaming  # noqa: E402

VIM = 'local_RegionOne'
TARGET = 0.9


def through_mcimage(mcimage, tenant, payload):
    body, ctype = streaming.multipart_body(payload, [
        ('imageType', 'raw'), ('containerFormat', 'bare')])
    resp = requests.post(
        mcimage.url('/v1/%s/%s/images/file' % (VIM, tenant)), data=body,
        headers={'X-Project-Id': tenant, 'X-User-Id': 'bench-user',
                 'X-Roles': 'member,reader', 'Content-Type': ctype},
        timeout=3600)
    if resp.status_code != 201:
        raise streaming.BenchError('mcimage upload: %s %s' % (
            resp.status_code, resp.text[:300]))
    return resp.json()['id']


def at_once(count, upload):
    """Wall time of count uploads started together; their image ids."""
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(count) as pool:
        ids = list(pool.map(lambda _i: upload(), range(count)))
    return time.perf_counter() - started, ids


def run(args, workdir):
    print('mcimage concurrency benchmark: %d uploads of %d MiB at once, %d '
          'round(s)' % (args.uploads, args.size_mib, args.rounds))
    print('machine: %d CPU(s); load average at start: %s' % (
        os.cpu_count() or 0, streaming.loadavg()))
    payload = os.path.join(workdir, 'payload.bin')
    streaming.make_payload(payload, args.size_mib)
    glance = streaming.load_glance_server_module().GlanceServer(
        os.path.join(workdir, 'glance'))
    mcimage = streaming.MCImageProcess(os.path.join(workdir, 'mcimage'),
                                       {}, debug=False)
    tenant = 'bench-%s' % uuid.uuid4().hex[:12]
    try:
        glance.start()
        mcimage.vims = {VIM: glance.endpoint}
        mcimage.start()
        headers = glance.headers(tenant, user_id='bench-user',
                                 roles='member,reader')

        def straight():
            return streaming.straight_upload(glance, headers, payload)[1]

        def mcimage_side():
            return through_mcimage(mcimage, tenant, payload)

        sides = {'straight': straight, 'mcimage': mcimage_side}
        times = {name: [] for name in sides}
        for round_no in range(1, args.rounds + 1):
            order = list(sides) if round_no % 2 else list(sides)[::-1]
            for name in order:
                took, ids = at_once(args.uploads, sides[name])
                times[name].append(took)
                print('round %d: %-8s %d uploads in %.3f s' % (
                    round_no, name, args.uploads, took))
                for image_id in ids:
                    glance.delete_image(image_id, tenant)
        total = args.uploads * args.size_mib
        rates = {name: total / statistics.median(t)
                 for name, t in times.items()}
        ratio = rates['mcimage'] / rates['straight']
        print()
        print('Results: %d x %d MiB at once, medians' % (args.uploads,
                                                         args.size_mib))
        for name in sides:
            print('  %-8s %8.3f s  %7.1f MiB/s aggregate' % (
                name, statistics.median(times[name]), rates[name]))
        print('  throughput ratio %.3f, target >= %.2f: %s' % (
            ratio, TARGET, 'ok' if ratio >= TARGET else 'MISSED'))
        print('load average at end: %s' % streaming.loadavg())
    finally:
        mcimage.stop()
        glance.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--uploads', type=int, default=8)
    parser.add_argument('--size-mib', type=int, default=256)
    parser.add_argument('--rounds', type=int, default=2)
    parser.add_argument('--workdir')
    args = parser.parse_args(argv)
    if min(args.uploads, args.size_mib, args.rounds) < 1:
        parser.error('--uploads, --size-mib and --rounds must be >= 1')
    return streaming.run_main(args, run, 'mcimage-bench-concurrent-',
                              keep_out=('payload.bin',))


if __name__ == '__main__':
    sys.exit(main())
