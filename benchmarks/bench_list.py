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

Target: ``GET /v1/{vim}/{tenant}/images?limit=20`` through mcimage answers
at most 5 ms later (median) than ``GET /v2/images?limit=20`` straight to
the same Glance under uWSGI, asked by the same identity for the same
tenant, under the embedded server and under gunicorn alike. With
``--profile N`` it then samples the embedded mcimage-api with py-spy during
N more requests and prints where its CPU goes, by layer and by library::

    .venv/bin/python -m benchmarks.bench_list [--requests 100]
        [--rounds 5] [--images 60]
"""

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

from benchmarks import common

VIM = common.VIMS[0]
LIMIT = 20
TARGET_MS = 5.0
# py-spy samples of mcimage-api are those of the thread that holds the GIL
# (--gil): the process's Python CPU, which is where a list request's time
# goes (its latency over straight follows that CPU). Each is counted twice:
# under the innermost layer its stack reaches (the first of PROFILE_LAYERS
# with a frame in the stack: a frame of the call to the VIM makes it "the
# call to the VIM" whatever called it), and under the library of its
# innermost frame (the first of PROFILE_LIBRARIES, from that frame out).
# py-spy names a frame "function (path:line)", the path relative to its
# sys.path entry: "(json/" is the standard library's json package.
PROFILE_LAYERS = [
    ('the call to the VIM (glanceclient, keystoneauth1, requests, '
     'urllib3, http.client)',
     ('glanceclient/', 'keystoneauth1/', 'requests/', 'urllib3/',
      '(http/client.py')),
    ('mcimage: controllers, services, policy, views',
     ('mcimage/api/controllers/', 'mcimage/api/views',
      'mcimage/api/validation', 'mcimage/api/utils', 'mcimage/api/forms',
      'mcimage/api/hooks', 'mcimage/api/versions', 'mcimage/images/',
      'mcimage/tasks/', 'mcimage/common/', 'mcimage/backends/',
      'mcimage/db/', 'mcimage/store/')),
    ('Pecan, WebOb, Paste, middleware',
     ('pecan/', 'webob/', 'paste/', 'oslo_middleware/',
      'mcimage/api/middleware', 'mcimage/api/app')),
    ('the HTTP server (cheroot)', ('cheroot/', 'mcimage/cmd/api')),
]
PROFILE_LIBRARIES = [
    ('logging', ('(logging/', 'oslo_log/')),
    ('JSON encode/decode', ('(json/', 'oslo_serialization/jsonutils')),
    ('JSON Schema validation', ('jsonschema/', 'referencing/',
                                'mcimage/api/validation')),
    ('oslo.policy', ('oslo_policy/',)),
    ('HTTP client (requests, urllib3, http.client, email, socket)',
     ('requests/', 'urllib3/', '(http/client.py', '(email/',
      '(socket.py', '(ssl.py')),
    ('keystoneauth1', ('keystoneauth1/',)),
    ('glanceclient', ('glanceclient/',)),
    ('oslo.config', ('oslo_config/',)),
    ('mcimage', ('mcimage/',)),
    ('Pecan, WebOb, Paste, oslo.middleware',
     ('pecan/', 'webob/', 'paste/', 'oslo_middleware/')),
    ('cheroot', ('cheroot/',)),
    ('threads, queues, selectors', ('(threading.py', '(queue.py',
                                    '(selectors.py')),
]
PROFILE_RATE = 1000


def fill_tenant(client, glance, tenant, count):
    """``count`` images straight into Glance: varied fields, some data."""
    headers = common.glance_headers(tenant)
    for i in range(count):
        body = {'name': 'bench-list-%03d' % i,
                'disk_format': ('raw', 'qcow2', 'iso')[i % 3],
                'container_format': 'bare',
                'visibility': ('private', 'shared', 'community')[i % 3],
                'min_ram': 64 * (i % 5),
                'tags': ['bench', 'batch-%d' % (i % 4)],
                'os_distro': 'cirros', 'hw_disk_bus': 'virtio',
                'description': 'image %d of the list benchmark' % i}
        resp = client.session.post(glance.endpoint + '/v2/images',
                                   json=body, headers=headers,
                                   timeout=common.HTTP_TIMEOUT)
        client.expect(resp, 201, 'Glance image create')
        if body['disk_format'] == 'raw':
            resp = client.session.put(
                glance.endpoint + '/v2/images/%s/file' % resp.json()['id'],
                data=os.urandom(1024 + i), headers=dict(headers, **{
                    'Content-Type': 'application/octet-stream'}),
                timeout=common.HTTP_TIMEOUT)
            client.expect(resp, 204, 'Glance upload')


class Side(object):
    """One way to ask for the list: its URL, identity and connection."""

    def __init__(self, name, url, headers):
        self.name = name
        self.url = url
        self.headers = headers
        self.client = common.Client()
        self.times = []

    def get(self):
        """One GET of the first page, read whole: (seconds, body)."""
        start = time.perf_counter()
        resp = self.client.session.get(
            self.url, params={'limit': str(LIMIT)}, headers=self.headers,
            timeout=common.HTTP_TIMEOUT)
        body = resp.content
        elapsed = time.perf_counter() - start
        self.client.expect(resp, 200, '%s list' % self.name)
        return elapsed, body

    def page_ids(self):
        page = json.loads(self.get()[1])
        return [i['id'] for i in page['images']], page


def one_round(sides, requests_each):
    """Interleaved GETs, rotating which side goes first: (seconds, {}).

    The second item maps each side to its median latency in the round.
    """
    for side in sides:
        side.times = []
    with common.Stopwatch() as watch:
        for i in range(requests_each):
            for side in common.rotated(sides, i):
                side.times.append(side.get()[0])
    return watch.seconds, {s.name: statistics.median(s.times) for s in sides}


# -- profile ---------------------------------------------------------------

def _py_spy():
    """py-spy's path: on the PATH or beside this Python, else None."""
    found = shutil.which('py-spy')
    if found:
        return found
    beside = os.path.join(os.path.dirname(sys.executable), 'py-spy')
    return beside if os.access(beside, os.X_OK) else None


def profile(mcimage, side, count, out_file):
    """py-spy record of mcimage-api during ``count`` list requests.

    Returns read_profile()'s counts of the samples that hold the GIL, and
    the CPU seconds the process used meanwhile.
    """
    proc = subprocess.Popen(
        [_py_spy(), 'record', '--pid', str(mcimage.pid),
         '--rate', str(PROFILE_RATE), '--gil', '--nonblocking',
         '--format', 'raw', '--output', out_file],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, start_new_session=True)
    try:
        time.sleep(1.0)
        if proc.poll() is not None:
            raise common.BenchError('py-spy exited %s: %s' % (
                proc.returncode, proc.stderr.read().decode()[-1000:]))
        cpu = common.cpu_seconds([mcimage.pid])
        for _i in range(count):
            side.get()
        cpu = common.cpu_seconds([mcimage.pid]) - cpu
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return read_profile(out_file), cpu


def _layer(frames):
    for name, needles in PROFILE_LAYERS:
        if any(n in frame for frame in frames for n in needles):
            return name
    return 'other'


def _library(frames):
    for frame in reversed(frames):
        for name, needles in PROFILE_LIBRARIES:
            if any(n in frame for n in needles):
                return name
    return 'other'


def read_profile(path):
    """({layer: samples}, {library: samples}, {leaf: samples}, total)."""
    by_layer = collections.Counter()
    by_library = collections.Counter()
    by_leaf = collections.Counter()
    total = 0
    with open(path) as f:
        for line in f:
            stack, _sep, count = line.rstrip('\n').rpartition(' ')
            if not stack:
                continue
            samples = int(count)
            # The first frame is py-spy's name of the thread.
            frames = stack.split(';')[1:] or ['(unknown)']
            total += samples
            by_layer[_layer(frames)] += samples
            by_library[_library(frames)] += samples
            by_leaf[frames[-1]] += samples
    return by_layer, by_library, by_leaf, total


def check_same_page(sides):
    """Same question, same answer: the same 20 images in the same order."""
    expected, _page = sides[0].page_ids()
    for side in sides[1:]:
        ids, page = side.page_ids()
        if ids != expected or len(ids) != LIMIT:
            raise common.BenchError('%s lists %s, straight %s' % (
                side.name, ids, expected))
        if not page.get('next', '').startswith('/v1/'):
            raise common.BenchError('%s next link %r' % (side.name,
                                                         page.get('next')))


def print_profile(mcimage, side, count, workdir):
    out_file = os.path.join(workdir, 'mcimage-list.pyspy.txt')
    (by_layer, by_library, by_leaf, total), cpu = profile(
        mcimage, side, count, out_file)
    print()
    print('py-spy profile of the embedded mcimage-api over %d more list '
          'requests: %d samples holding the GIL at %d Hz, %.2f ms per '
          'request (its CPU meanwhile, py-spy slowing it: %.2f ms per '
          'request)' % (count, total, PROFILE_RATE,
                        1000.0 * total / PROFILE_RATE / count,
                        1000.0 * cpu / count))
    for title, counter in (('by layer', by_layer),
                           ('by the library of the innermost frame',
                            by_library)):
        print('  %s:' % title)
        for name, samples in counter.most_common():
            print('  %5.1f%%  %s' % (100.0 * samples / max(total, 1), name))
    print('  top frames (self time):')
    for frame, samples in by_leaf.most_common(12):
        print('  %5.1f%%  %s' % (100.0 * samples / max(total, 1),
                                 frame[:110]))


def report(args, meter, sides):
    print('Results: %d round(s) of %d interleaved requests each way; the '
          'median latency of each round, in ms:' % (args.rounds,
                                                    args.requests))
    print('%-24s %9s %9s %9s' % ('', 'median', 'min', 'max'))
    per_round = {s.name: meter.times[s.name] for s in sides}
    for side in sides:
        med, low, high = common.spread(per_round[side.name])
        print('%-24s %9.2f %9.2f %9.2f' % (side.name, med * 1000,
                                           low * 1000, high * 1000))
    print()
    for side in sides[1:]:
        diffs = [(a - b) * 1000 for a, b in zip(per_round[side.name],
                                                per_round['straight'])]
        med, low, high = common.spread(diffs)
        common.target_line('%s - straight, ms (min %+.2f, max %+.2f)' % (
            side.name, low, high), med, '<= +%.0f' % TARGET_MS,
            med <= TARGET_MS)
    print()
    # The mcimage servers work for their own side's requests only; Glance
    # and the client for every request of every side.
    mine = {s.name: args.requests for s in sides[1:]}
    print('CPU ms per request (median of the rounds): %s' % ', '.join(
        '%s %.2f' % (name, statistics.median(meter.cpu['round', name])
                     * 1000 / mine.get(name, args.requests * len(sides)))
        for name in sorted({n for (_p, n) in meter.cpu})))


def run(args, workdir, servers):
    common.print_header('mcimage list benchmark: GET images?limit=%d, %d '
                        'images in the tenant, %d round(s) of %d requests '
                        'each way' % (LIMIT, args.images, args.rounds,
                                      args.requests))
    stack = common.Stack(servers, workdir)
    tenant = 'bench-%s' % uuid.uuid4().hex[:12]
    fill_tenant(common.Client(), stack.glance, tenant, args.images)
    sides = [Side('straight', stack.glance.endpoint + '/v2/images',
                  common.glance_headers(tenant))] + [
        Side(kind, server.url('/v1/%s/%s/images' % (VIM, tenant)),
             common.mcimage_headers(tenant))
        for kind, server in stack.mcimages.items()]
    check_same_page(sides)
    one_round(sides, args.warmup)
    for round_no in range(1, args.rounds + 1):
        _wall, medians = stack.meter.measure('round', one_round, sides,
                                             args.requests)
        for name, seconds in medians.items():
            stack.meter.times.setdefault(name, []).append(seconds)
        print('round %d: median %s' % (round_no, ', '.join(
            '%s %.2f ms' % (name, seconds * 1000)
            for name, seconds in medians.items())))
        sys.stdout.flush()
        stack.check_alive()
    print()
    report(args, stack.meter, sides)
    if args.profile:
        print_profile(stack.mcimages['embedded'], sides[1], args.profile,
                      workdir)
    common.print_log_problems(stack.mcimages)


def main(argv=None):
    parser = common.parser(__doc__.splitlines()[0])
    parser.add_argument('--requests', type=int, default=100,
                        help='timed requests each way per round (default '
                             '100)')
    parser.add_argument('--images', type=int, default=60,
                        help='images in the tenant (default 60, more than '
                             '%d)' % LIMIT)
    parser.add_argument('--warmup', type=int, default=20,
                        help='untimed requests each way first (default 20)')
    parser.add_argument('--profile', type=int, default=0, metavar='N',
                        help='then sample the embedded mcimage-api with '
                             'py-spy during N more requests')
    args = parser.parse_args(argv)
    if args.requests < 1 or args.images <= LIMIT or args.warmup < 1:
        parser.error('--requests and --warmup must be at least 1, --images '
                     'more than %d' % LIMIT)
    if args.profile and _py_spy() is None:
        # Found out before the servers start, not after the rounds.
        parser.error('--profile needs py-spy on the PATH or beside %s '
                     '(%s -m pip install py-spy)'
                     % (sys.executable, sys.executable))
    return common.run_main(args, run, 'mcimage-bench-list-')


if __name__ == '__main__':
    sys.exit(main())
