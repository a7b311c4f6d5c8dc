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

"""One upload to two VIMs at once vs two sequential straight uploads.

DESIGN section 8: POST /v1/images/file with two targets must take at most
0.75x the time of the same image uploaded straight to one Glance, then to
the other. Both Glance servers and mcimage-api are started here on free
ports of 127.0.0.1 and stopped by PID at the end.

    .venv/bin/python benchmarks/bench_fanout.py [--size-mib 512]
        [--rounds 3]
"""

import argparse
import json
import os
import statistics
import sys
import time
import uuid

import requests

import bench_streaming as streaming  # noqa: E402

VIMS = ('local_RegionOne', 'local_RegionTwo')
TARGET = 0.75


def fanout(mcimage, tenant, payload):
    body, ctype = streaming.multipart_body(payload, [
        ('imageType', 'raw'), ('containerFormat', 'bare'),
        ('targets', json.dumps([{'vim_id': v, 'tenant_id': tenant}
                                for v in VIMS]))])
    started = time.perf_counter()
    resp = requests.post(mcimage.url('/v1/images/file'), data=body,
                         headers={'X-Project-Id': tenant,
                                  'X-User-Id': 'bench-user',
                                  'X-Roles': 'member,reader',
                                  'Content-Type': ctype},
                         timeout=3600)
    elapsed = time.perf_counter() - started
    if resp.status_code != 201:
        raise streaming.BenchError('fan-out upload: %s %s' % (
            resp.status_code, resp.text[:300]))
    return elapsed, [(i['vimId'], i['id']) for i in resp.json()['images']]


def run(args, workdir):
    print('mcimage fan-out benchmark: %d MiB payload, %d round(s)' % (
        args.size_mib, args.rounds))
    print('machine: %d CPU(s); load average at start: %s' % (
        os.cpu_count() or 0, streaming.loadavg()))
    payload = os.path.join(workdir, 'payload.bin')
    streaming.make_payload(payload, args.size_mib)
    glance_server = streaming.load_glance_server_module()
    glances = {vim: glance_server.GlanceServer(os.path.join(workdir, vim))
               for vim in VIMS}
    mcimage = streaming.MCImageProcess(os.path.join(workdir, 'mcimage'),
                                       {}, debug=False)
    tenant = 'bench-%s' % uuid.uuid4().hex[:12]
    try:
        for glance in glances.values():
            glance.start()
        mcimage.vims = {vim: glances[vim].endpoint for vim in VIMS}
        mcimage.start()
        headers = {vim: glances[vim].headers(tenant, user_id='bench-user',
                                             roles='member,reader')
                   for vim in VIMS}
        seq_times, fan_times = [], []
        for round_no in range(1, args.rounds + 1):
            made = []
            seq = 0.0
            for vim in VIMS:
                took, image_id = streaming.straight_upload(
                    glances[vim], headers[vim], payload)
                seq += took
                made.append((vim, image_id))
            fan, images = fanout(mcimage, tenant, payload)
            made += images
            seq_times.append(seq)
            fan_times.append(fan)
            print('round %d: two sequential straight uploads %.3f s, one '
                  'upload to both through mcimage %.3f s (%.3f)' % (
                      round_no, seq, fan, fan / seq))
            for vim, image_id in made:
                glances[vim].delete_image(image_id, tenant)
        seq_m, fan_m = (statistics.median(seq_times),
                        statistics.median(fan_times))
        ratio = fan_m / seq_m
        mib = args.size_mib
        print()
        print('Results: %d MiB to 2 VIMs, %d round(s), medians' % (
            mib, args.rounds))
        print('  two sequential straight uploads  %8.3f s  %7.1f MiB/s' % (
            seq_m, 2 * mib / seq_m))
        print('  one upload to both via mcimage   %8.3f s  %7.1f MiB/s' % (
            fan_m, 2 * mib / fan_m))
        print('  ratio %.3f, target <= %.2f: %s' % (
            ratio, TARGET, 'ok' if ratio <= TARGET else 'MISSED'))
        print('load average at end: %s' % streaming.loadavg())
    finally:
        mcimage.stop()
        for glance in glances.values():
            glance.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(
        description='One upload to two VIMs through mcimage vs two '
                    'sequential straight uploads (DESIGN section 8).')
    parser.add_argument('--size-mib', type=int, default=512)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--workdir')
    args = parser.parse_args(argv)
    if args.size_mib < 1 or args.rounds < 1:
        parser.error('--size-mib and --rounds must be at least 1')
    return streaming.run_main(args, run, 'mcimage-bench-fanout-',
                              keep_out=('payload.bin',))


if __name__ == '__main__':
    sys.exit(main())
