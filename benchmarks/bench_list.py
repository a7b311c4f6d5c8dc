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

"""Image list latency through mcimage vs straight to Glance.

DESIGN §8: ``GET /v1/{vim}/{tenant}/images?limit=20`` through mcimage-api
answers at most 15 ms later (median) than ``GET /v2/images?limit=20``
straight to the same Glance, asked by the same identity for the same
tenant.

The benchmark starts its own Glance (tools/glance_server.py, trusted
flavor) and mcimage-api (noauth, one trusted VIM) on free ports of
127.0.0.1, fills one tenant with images, then times the two requests in
turns (A/B, then B/A) over one keep-alive connection each, and stops both
servers by PID at the end, also on an error or Ctrl-C.  With
``--profile`` it then samples mcimage-api with py-spy during more
requests and prints where its time goes.  It exits 0 whatever the figures
are: it is a measurement, not a test::

    python benchmarks/bench_list.py [--requests 300] [--images 60]
"""

import argparse
import collections
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
import uuid

import requests


VIM = 'local_RegionOne'
LIMIT = 20
TARGET_MS = 15.0
HTTP_TIMEOUT = (10, 60)
# Where a py-spy sample of mcimage-api is counted: the first of these
# found from the innermost frame outwards names it.
PROFILE_CATEGORIES = [
    ('logging', ('/logging/', 'oslo_log/')),
    ('JSON encode/decode', ('/json/', 'oslo_serialization/jsonutils')),
    ('JSON Schema validation', ('jsonschema/', 'referencing/',
                                'mcimage/api/validation')),
    ('oslo.policy', ('oslo_policy/',)),
    ('HTTP to Glance (requests, urllib3, http.client, socket)',
     ('requests/', 'urllib3/', '/http/client.py', '/socket.py',
      '/ssl.py', '/selectors.py')),
    ('keystoneauth1 session/adapter', ('keystoneauth1/',)),
    ('glanceclient', ('glanceclient/',)),
    ('oslo.config', ('oslo_config/',)),
    ('mcimage', ('mcimage/',)),
    ('Pecan, WebOb, Paste, oslo.middleware',
     ('pecan/', 'webob/', 'paste/', 'oslo_middleware/', 'routes/')),
    ('cheroot (HTTP server)', ('cheroot/',)),
]


import bench_streaming as streaming  # noqa: E402
BenchError = streaming.BenchError


# -- the tenant ----------------------------------------------------------

def fill_tenant(glance, headers, count):
    """``count`` images straight into Glance: varied fields, some data."""
    ids = []
    session = requests.Session()
    for i in range(count):
        body = {'name': 'bench-list-%03d' % i,
                'disk_format': ('raw', 'qcow2', 'iso')[i % 3],
                'container_format': 'bare',
                'visibility': ('private', 'shared', 'community')[i % 3],
                'min_ram': 64 * (i % 5),
                'tags': ['bench', 'batch-%d' % (i % 4)],
                'os_distro': 'cirros', 'hw_disk_bus': 'virtio',
                'description': 'image %d of the list benchmark' % i}
        resp = session.post(glance.endpoint + '/v2/images', json=body,
                            headers=headers, timeout=HTTP_TIMEOUT)
        if resp.status_code != 201:
            raise BenchError('Glance image create: HTTP %s: %s' % (
                resp.status_code, resp.text[:500]))
        image_id = resp.json()['id']
        ids.append(image_id)
        if body['disk_format'] == 'raw':
            put_headers = dict(headers)
            put_headers['Content-Type'] = 'application/octet-stream'
            resp = session.put(
                glance.endpoint + '/v2/images/%s/file' % image_id,
                data=os.urandom(1024 + i), headers=put_headers,
                timeout=HTTP_TIMEOUT)
            if resp.status_code != 204:
                raise BenchError('Glance upload: HTTP %s: %s' % (
                    resp.status_code, resp.text[:500]))
    return ids


# -- timing ----------------------------------------------------------------

class Side(object):
    """One way to ask for the list: its URL, identity and connection."""

    def __init__(self, name, url, headers):
        self.name = name
        self.url = url
        self.headers = headers
        self.session = requests.Session()
        self.times = []

    def get(self):
        """One GET of the first page, read whole; (seconds, body)."""
        start = time.perf_counter()
        resp = self.session.get(self.url, params={'limit': str(LIMIT)},
                                headers=self.headers, timeout=HTTP_TIMEOUT)
        body = resp.content
        elapsed = time.perf_counter() - start
        if resp.status_code != 200:
            raise BenchError('%s list: HTTP %s: %s' % (
                self.name, resp.status_code, body[:1000]))
        return elapsed, body

    def timed(self):
        elapsed, _body = self.get()
        self.times.append(elapsed)


def page_ids(side):
    _elapsed, body = side.get()
    page = json.loads(body)
    return [i['id'] for i in page['images']], page


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(
        fraction * (len(ordered) - 1)))))
    return ordered[index]


def summary(times):
    ms = [t * 1000.0 for t in times]
    return {'median': statistics.median(ms), 'p90': percentile(ms, 0.9),
            'mean': statistics.fmean(ms), 'min': min(ms), 'max': max(ms)}


# -- profile ---------------------------------------------------------------

def profile(mcimage, side, count, out_file):
    """py-spy record of mcimage-api during ``count`` list requests.

    Returns {category: samples} and the total, from py-spy's raw
    (collapsed stacks) output; idle threads are not sampled.
    """
    py_spy = shutil.which('py-spy') or os.path.join(
        os.path.dirname(sys.executable), 'py-spy')
    proc = subprocess.Popen(
        [py_spy, 'record', '--pid', str(mcimage.pid), '--rate', '1000',
         '--format', 'raw', '--output', out_file, '--gil'],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, start_new_session=True)
    try:
        time.sleep(1.0)
        if proc.poll() is not None:
            raise BenchError('py-spy exited %s: %s' % (
                proc.returncode, proc.stderr.read().decode()[-1000:]))
        for _i in range(count):
            side.get()
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return read_profile(out_file)


def read_profile(path):
    by_category = collections.Counter()
    by_leaf = collections.Counter()
    total = 0
    with open(path) as f:
        for line in f:
            stack, _sep, count = line.rstrip('\n').rpartition(' ')
            if not stack:
                continue
            samples = int(count)
            frames = stack.split(';')
            total += samples
            category = 'other'
            for frame in reversed(frames):
                found = [name for name, needles in PROFILE_CATEGORIES
                         if any(n in frame for n in needles)]
                if found:
                    category = found[0]
                    break
            by_category[category] += samples
            by_leaf[frames[-1]] += samples
    return by_category, by_leaf, total


# -- main ------------------------------------------------------------------

def run(args, workdir):
    print('mcimage list benchmark: GET images?limit=%d, %d requests each '
          'way, %d images in the tenant' % (
              LIMIT, args.requests, args.images))
    print('machine: %d CPU(s); load average at start: %s' % (
        os.cpu_count() or 0, streaming.loadavg()))
    print('mcimage: %s' % streaming.mcimage_version())
    print('mcimage-api debug logging: %s' % ('on' if args.debug else 'off'))
    sys.stdout.flush()

    glance_server = streaming.load_glance_server_module()
    glance = glance_server.GlanceServer(os.path.join(workdir, 'glance'))
    mcimage = streaming.MCImageProcess(os.path.join(workdir, 'mcimage'),
                                       {VIM: None}, debug=args.debug)
    try:
        glance.start()
        mcimage.vims = {VIM: glance.endpoint}
        mcimage.start()
        glance_pids = streaming.child_pids(glance.pid)
        print('Glance %s (gunicorn master PID %d, worker PID(s) %s)' % (
            glance.endpoint, glance.pid,
            ','.join(str(p) for p in glance_pids) or '?'))
        print('mcimage-api %s (PID %d)' % (mcimage.endpoint, mcimage.pid))

        tenant = 'bench-%s' % uuid.uuid4().hex[:12]
        user = 'bench-user'
        glance_headers = glance.headers(tenant, user_id=user,
                                        roles='member,reader')
        started = time.perf_counter()
        fill_tenant(glance, glance_headers, args.images)
        print('tenant %s: %d images made in %.1f s' % (
            tenant, args.images, time.perf_counter() - started))
        straight = Side('straight', glance.endpoint + '/v2/images',
                        glance_headers)
        through = Side('mcimage', mcimage.endpoint +
                       '/v1/%s/%s/images' % (VIM, tenant),
                       {'X-Project-Id': tenant, 'X-User-Id': user,
                        'X-Roles': 'member,reader'})

        # Same question, same answer: the same 20 images in the same order.
        straight_ids, _page = page_ids(straight)
        through_ids, page = page_ids(through)
        if straight_ids != through_ids or len(through_ids) != LIMIT:
            raise BenchError('the two lists differ: straight %s, mcimage '
                             '%s' % (straight_ids, through_ids))
        if not page.get('next', '').startswith('/v1/'):
            raise BenchError('mcimage next link %r' % page.get('next'))
        for _i in range(args.warmup):
            straight.get()
            through.get()
        print('warm-up: %d requests each way; both list the same %d '
              'images' % (args.warmup, LIMIT))
        print()
        sys.stdout.flush()

        cpu_before = (streaming.cpu_seconds([mcimage.pid]),
                      sum(streaming.cpu_seconds(glance_pids)),
                      time.process_time())
        wall = time.perf_counter()
        for i in range(args.requests):
            order = (straight, through) if i % 2 == 0 else (through, straight)
            for side in order:
                side.timed()
        wall = time.perf_counter() - wall
        cpu_after = (streaming.cpu_seconds([mcimage.pid]),
                     sum(streaming.cpu_seconds(glance_pids)),
                     time.process_time())
        mcimage.check_alive()

        a, b = summary(straight.times), summary(through.times)
        print('Results: %d interleaved requests each way in %.1f s '
              '(ms)' % (args.requests, wall))
        print('%-10s %8s %8s %8s %8s %8s' % ('', 'median', 'p90', 'mean',
                                             'min', 'max'))
        for name, s in (('straight', a), ('mcimage', b)):
            print('%-10s %8.2f %8.2f %8.2f %8.2f %8.2f' % (
                name, s['median'], s['p90'], s['mean'], s['min'],
                s['max']))
        diff = b['median'] - a['median']
        print('%-10s %+8.2f %+8.2f %+8.2f' % (
            'difference', diff, b['p90'] - a['p90'], b['mean'] - a['mean']))
        print()
        print('median difference %+.2f ms, target <= +%.0f ms: %s' % (
            diff, TARGET_MS, 'ok' if diff <= TARGET_MS else 'MISSED'))
        count = float(args.requests)
        mc_user = cpu_after[0][0] - cpu_before[0][0]
        mc_sys = cpu_after[0][1] - cpu_before[0][1]
        print('CPU per request: mcimage-api %.2f ms (user %.2f, sys %.2f);'
              ' Glance worker %.2f ms (both ways alike); client %.2f ms' % (
                  (mc_user + mc_sys) * 1000 / count, mc_user * 1000 / count,
                  mc_sys * 1000 / count,
                  (cpu_after[1] - cpu_before[1]) * 1000 / (2 * count),
                  (cpu_after[2] - cpu_before[2]) * 1000 / (2 * count)))
        sys.stdout.flush()

        if args.profile:
            out_file = os.path.join(workdir, 'mcimage-list.pyspy.txt')
            by_category, by_leaf, total = profile(mcimage, through,
                                                  args.profile, out_file)
            print()
            print('py-spy profile of mcimage-api over %d more list '
                  'requests: %d samples at 1 kHz (busy threads only)' % (
                      args.profile, total))
            print('  by the innermost library in the stack:')
            for name, samples in by_category.most_common():
                print('  %5.1f%%  %s' % (100.0 * samples / max(total, 1),
                                         name))
            print('  top frames (self time):')
            for frame, samples in by_leaf.most_common(12):
                print('  %5.1f%%  %s' % (100.0 * samples / max(total, 1),
                                         frame[:110]))
            if args.workdir:
                print('  raw stacks: %s' % out_file)
        streaming.print_log_problems(mcimage)
    finally:
        mcimage.stop()
        glance.stop()
    print('load average at end: %s' % streaming.loadavg())


def main(argv=None):
    parser = argparse.ArgumentParser(
        description='GET images?limit=20 through mcimage vs straight to '
                    'Glance (DESIGN section 8).')
    parser.add_argument('--requests', type=int, default=300,
                        help='timed requests each way (default 300)')
    parser.add_argument('--images', type=int, default=60,
                        help='images in the tenant (default 60, at least '
                             '%d)' % (LIMIT + 1))
    parser.add_argument('--warmup', type=int, default=20,
                        help='untimed requests each way first (default '
                             '20)')
    parser.add_argument('--debug', action='store_true',
                        help='run mcimage-api with debug logging, as the '
                             'functional tests do')
    parser.add_argument('--profile', type=int, default=0, metavar='N',
                        help='then sample mcimage-api with py-spy during N '
                             'more requests and print where its time goes')
    parser.add_argument('--workdir',
                        help='keep configuration files, databases, logs '
                             'and the profile here instead of a temp dir '
                             'removed at the end')
    args = parser.parse_args(argv)
    if args.requests < 2 or args.images <= LIMIT or args.warmup < 0:
        parser.error('--requests must be at least 2, --images more than '
                     '%d' % LIMIT)

    return streaming.run_main(args, run, 'mcimage-bench-list-')


if __name__ == '__main__':
    sys.exit(main())
