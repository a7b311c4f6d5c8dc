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

DESIGN §8: uploading (stream mode) or downloading an image through
mcimage-api takes at most 1.10 times as long as the same transfer straight
to/from the same Glance, and mcimage's peak RSS stays under 150 MiB, flat
in image size.

The benchmark starts its own Glance (tools/glance_server.py, trusted
flavor) and its own mcimage-api child process (noauth, one trusted VIM),
both on free ports of 127.0.0.1, and stops both by PID at the end, also on
an error or Ctrl-C.  Each round runs, in alternating order so that noise
hits both alike: a straight upload (POST /v2/images, PUT .../file) and an
ONAP multipart upload through mcimage; then a straight download and a
download through mcimage of the same image.  It prints a report and exits
0 whatever the figures are: it is a measurement, not a test::

    python benchmarks/bench_streaming.py [--size-mib 1024] [--rounds 3]
"""

import argparse
import hashlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import requests

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The functional tests' server fixtures.
sys.path.insert(0, REPO_ROOT)
from tests.functional.fixtures import glance as glance_fixture  # noqa: E402
from tests.functional.fixtures import mcimage as mcimage_fixture  # noqa: E402,E501

MIB = 1024 * 1024
CHUNK = MIB
VIM = 'local_RegionOne'
RATIO_TARGET = 1.10
RSS_TARGET_MIB = 150
SAMPLE_INTERVAL = 0.05
START_TIMEOUT = 60
STOP_TIMEOUT = 15
# (connect, read) seconds: a read never waits this long on a healthy server.
HTTP_TIMEOUT = (10, 600)
CLK_TCK = os.sysconf('SC_CLK_TCK')


class BenchError(Exception):
    """The benchmark could not run (a server failed, an answer was wrong)."""


# -- /proc ---------------------------------------------------------------

def read_rss_kib(pid, field=b'VmRSS'):
    """VmRSS (or another Vm field: VmHWM...) of the process in KiB.

    None if the process is gone.
    """
    try:
        with open('/proc/%d/status' % pid, 'rb') as f:
            for line in f:
                if line.startswith(field + b':'):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def print_log_problems(mcimage):
    """The WARNING/ERROR lines of mcimage-api's log, for the report."""
    count, lines = mcimage.log_problems()
    print()
    print('mcimage-api log: %d WARNING/ERROR line(s)%s' % (
        count, ':' if lines else ''))
    for line in lines:
        print('  ' + line[:200])


def _stat_fields(pid):
    """/proc/PID/stat from the state field on (comm may hold spaces)."""
    with open('/proc/%d/stat' % pid, 'rb') as f:
        stat = f.read()
    return stat[stat.rfind(b')') + 2:].split()


def cpu_seconds(pids):
    """(user, system) CPU seconds used so far by the processes."""
    user = system = 0
    for pid in pids:
        try:
            fields = _stat_fields(pid)
        except OSError:
            continue
        # utime and stime are fields 14 and 15 of stat, 12 and 13 here.
        user += int(fields[11])
        system += int(fields[12])
    return user / CLK_TCK, system / CLK_TCK


def child_pids(ppid):
    """PIDs of the live (not zombie) children of ppid."""
    children = []
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        try:
            fields = _stat_fields(int(name))
        except OSError:
            continue
        if int(fields[1]) == ppid and fields[0] not in (b'Z', b'X'):
            children.append(int(name))
    return sorted(children)


# -- servers -------------------------------------------------------------

def load_glance_server_module():
    return glance_fixture


# mcimage-api as the functional tests run it (noauth, trusted VIMs, debug
# logging); it raises RuntimeError when it cannot start.
MCImageProcess = mcimage_fixture.MCImageServer


# -- RSS sampling ----------------------------------------------------------

class RSSSampler(threading.Thread):
    """Samples VmRSS of mcimage-api and of Glance's worker(s) every 50 ms.

    The main thread names the current ``phase``; the sampler keeps the peak
    of each process per phase and per (phase, round).
    """

    def __init__(self, mcimage_pid, glance_master_pid,
                 interval=SAMPLE_INTERVAL):
        super().__init__(name='rss-sampler', daemon=True)
        self.mcimage_pid = mcimage_pid
        self.glance_master_pid = glance_master_pid
        self.interval = interval
        self.phase = 'idle'
        self.round = 0
        self.peaks = {}
        self.samples = 0
        self._glance_workers = []
        self._workers_checked = 0.0
        self._stop_event = threading.Event()
        self._lock = threading.Lock()

    def glance_workers(self):
        now = time.monotonic()
        alive = all(os.path.exists('/proc/%d' % p)
                    for p in self._glance_workers)
        if not self._glance_workers or not alive or (
                now - self._workers_checked > 1.0):
            self._glance_workers = child_pids(self.glance_master_pid)
            self._workers_checked = now
        return list(self._glance_workers)

    def _record(self, who, kib):
        if kib is None:
            return
        with self._lock:
            for key in ((who, self.phase), (who, self.phase, self.round)):
                if kib > self.peaks.get(key, 0):
                    self.peaks[key] = kib

    def sample(self):
        self._record('mcimage', read_rss_kib(self.mcimage_pid))
        worker_rss = [read_rss_kib(p) for p in self.glance_workers()]
        worker_rss = [r for r in worker_rss if r is not None]
        if worker_rss:
            # One worker (-w 1); a respawn briefly shows two: the largest.
            self._record('glance', max(worker_rss))
        self.samples += 1

    def run(self):
        while not self._stop_event.is_set():
            try:
                self.sample()
            except Exception:  # noqa: S110 - a vanished PID mid-read
                pass
            self._stop_event.wait(self.interval)

    def stop(self):
        self._stop_event.set()
        self.join(5)

    def set_phase(self, phase, round_no=None):
        # One sample at each boundary, so that even a transfer shorter
        # than the interval is seen.
        self.sample()
        with self._lock:
            self.phase = phase
            if round_no is not None:
                self.round = round_no
        self.sample()

    def peak_mib(self, who, *phase_prefixes, round_no=None):
        """The peak over every phase starting with one of the prefixes."""
        best = 0
        with self._lock:
            for key, kib in self.peaks.items():
                if key[0] != who or not key[1].startswith(phase_prefixes):
                    continue
                if round_no is None and len(key) == 2:
                    best = max(best, kib)
                elif round_no is not None and len(key) == 3 and (
                        key[2] == round_no):
                    best = max(best, kib)
        return best / 1024.0


# -- request bodies ------------------------------------------------------

class StreamedBody(object):
    """``head``, then the file in 1 MiB chunks, then ``tail``.

    requests sends an iterable with a length with that Content-Length, not
    chunked, and never holds more than one chunk of it.
    """

    def __init__(self, path, head=b'', tail=b''):
        self.path = path
        self.head = head
        self.tail = tail
        self.size = os.path.getsize(path)

    def __len__(self):
        return len(self.head) + self.size + len(self.tail)

    def __iter__(self):
        if self.head:
            yield self.head
        with open(self.path, 'rb') as f:
            while True:
                chunk = f.read(CHUNK)
                if not chunk:
                    break
                yield chunk
        if self.tail:
            yield self.tail


def multipart_body(path, fields, file_name='bench.img'):
    """(body, Content-Type): the ONAP form, fields first, streamed."""
    boundary = 'mcimage-bench-%s' % uuid.uuid4().hex
    head = []
    for name, value in fields:
        head.append(('--%s\r\nContent-Disposition: form-data; name="%s"'
                     '\r\n\r\n%s\r\n' % (boundary, name, value)).encode())
    head.append(('--%s\r\nContent-Disposition: form-data; name="file"; '
                 'filename="%s"\r\nContent-Type: application/octet-stream'
                 '\r\n\r\n' % (boundary, file_name)).encode())
    tail = ('\r\n--%s--\r\n' % boundary).encode()
    return (StreamedBody(path, b''.join(head), tail),
            'multipart/form-data; boundary=%s' % boundary)


def make_payload(path, size_mib):
    """Write size_mib MiB of random bytes; (md5, sha256) hex digests."""
    md5 = hashlib.md5(usedforsecurity=False)
    sha256 = hashlib.sha256()
    with open(path, 'wb') as f:
        for _i in range(size_mib):
            chunk = os.urandom(CHUNK)
            md5.update(chunk)
            sha256.update(chunk)
            f.write(chunk)
    return md5.hexdigest(), sha256.hexdigest()


def straight_upload(glance, headers, payload):
    """Create an image in Glance and PUT the payload: (seconds, id)."""
    started = time.perf_counter()
    created = requests.post(glance.endpoint + '/v2/images', json={
        'disk_format': 'raw', 'container_format': 'bare'},
        headers=headers, timeout=60)
    created.raise_for_status()
    image_id = created.json()['id']
    put = requests.put(
        glance.endpoint + '/v2/images/%s/file' % image_id,
        data=StreamedBody(payload),
        headers=dict(headers, **{'Content-Type': 'application/octet-stream'}),
        timeout=3600)
    if put.status_code != 204:
        raise BenchError('straight PUT: %s %s' % (put.status_code,
                                                  put.text[:300]))
    return time.perf_counter() - started, image_id


# -- the transfers ---------------------------------------------------------

class Bench(object):

    def __init__(self, glance, mcimage, payload, payload_md5, tenant):
        self.glance = glance
        self.mcimage = mcimage
        self.payload = payload
        self.payload_md5 = payload_md5
        self.size = os.path.getsize(payload)
        self.tenant = tenant
        self.session = requests.Session()
        self.glance_headers = glance.headers(tenant, user_id='bench-user',
                                             roles='member,reader')
        self.mcimage_headers = {'X-Project-Id': tenant,
                                'X-User-Id': 'bench-user',
                                'X-Roles': 'member,reader'}
        self.images = set()

    def _expect(self, resp, status, what):
        if resp.status_code != status:
            raise BenchError('%s: HTTP %s (expected %s): %s' % (
                what, resp.status_code, status, resp.text[:2000]))

    def upload_straight(self, path=None):
        """POST /v2/images then PUT its file; (seconds, image id)."""
        body = StreamedBody(path or self.payload)
        start = time.perf_counter()
        resp = self.session.post(
            self.glance.endpoint + '/v2/images',
            json={'name': 'bench-straight', 'disk_format': 'raw',
                  'container_format': 'bare'},
            headers=self.glance_headers, timeout=HTTP_TIMEOUT)
        self._expect(resp, 201, 'Glance image create')
        image_id = resp.json()['id']
        self.images.add(image_id)
        headers = dict(self.glance_headers)
        headers['Content-Type'] = 'application/octet-stream'
        resp = self.session.put(
            self.glance.endpoint + '/v2/images/%s/file' % image_id,
            data=body, headers=headers, timeout=HTTP_TIMEOUT)
        self._expect(resp, 204, 'Glance upload')
        return time.perf_counter() - start, image_id

    def upload_mcimage(self, path=None, expect_md5=None):
        """The ONAP multipart POST; (seconds, image id)."""
        body, ctype = multipart_body(path or self.payload, [
            ('imageType', 'raw'), ('containerFormat', 'bare')])
        headers = dict(self.mcimage_headers)
        headers['Content-Type'] = ctype
        url = self.mcimage.endpoint + '/v1/%s/%s/images/file' % (
            VIM, self.tenant)
        start = time.perf_counter()
        resp = self.session.post(url, data=body, headers=headers,
                                 timeout=HTTP_TIMEOUT)
        elapsed = time.perf_counter() - start
        self._expect(resp, 201, 'mcimage upload')
        image = resp.json()
        self.images.add(image['id'])
        expect_md5 = expect_md5 or self.payload_md5
        if (image.get('checksum') != expect_md5
                or image.get('size') != body.size):
            raise BenchError('mcimage upload recorded size %s checksum %s, '
                             'sent %d bytes md5 %s' % (
                                 image.get('size'), image.get('checksum'),
                                 body.size, expect_md5))
        return elapsed, image['id']

    def straight_file_url(self, image_id):
        return self.glance.endpoint + '/v2/images/%s/file' % image_id

    def mcimage_file_url(self, image_id):
        return self.mcimage.endpoint + '/v1/%s/%s/images/file/%s' % (
            VIM, self.tenant, image_id)

    def download(self, url, headers, digest=None, size=None):
        """GET the image data in 1 MiB reads; seconds (hashing if asked)."""
        size = self.size if size is None else size
        received = 0
        start = time.perf_counter()
        with self.session.get(url, headers=headers, stream=True,
                              timeout=HTTP_TIMEOUT) as resp:
            self._expect(resp, 200, 'download %s' % url)
            for chunk in resp.iter_content(CHUNK):
                received += len(chunk)
                if digest is not None:
                    digest.update(chunk)
        elapsed = time.perf_counter() - start
        if received != size:
            raise BenchError('download %s: %d bytes, expected %d' % (
                url, received, size))
        return elapsed

    def download_straight(self, image_id, digest=None, size=None):
        return self.download(self.straight_file_url(image_id),
                             self.glance_headers, digest, size)

    def download_mcimage(self, image_id, digest=None, size=None):
        return self.download(self.mcimage_file_url(image_id),
                             self.mcimage_headers, digest, size)

    def delete_images(self):
        for image_id in sorted(self.images):
            try:
                self.glance.delete_image(image_id, self.tenant)
            except requests.RequestException as e:
                print('warning: could not delete image %s: %s' % (
                    image_id, e), file=sys.stderr)
                continue
            self.images.discard(image_id)


# -- reporting -----------------------------------------------------------

def mcimage_version(python=sys.executable):
    """Where the mcimage that mcimage-api imports lives, and its commit.

    The commit is followed by '+dirty' when mcimage/ or etc/ differ from
    it.
    """
    try:
        top = subprocess.run(
            [python, '-c', 'import os, mcimage; print(os.path.dirname('
                           'os.path.dirname(os.path.abspath('
                           'mcimage.__file__))))'],
            capture_output=True, text=True, timeout=60, check=True,
            stdin=subprocess.DEVNULL).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return 'mcimage cannot be imported'
    try:
        head = subprocess.run(
            ['git', '-C', top, 'rev-parse', '--short', 'HEAD'],
            capture_output=True, text=True, timeout=10, check=True)
        dirty = subprocess.run(
            ['git', '-C', top, 'status', '--porcelain', '--',
             'mcimage', 'etc'],
            capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return '%s (not a git checkout)' % top
    return '%s at commit %s%s' % (top, head.stdout.strip(),
                                  '+dirty' if dirty.stdout.strip() else '')


def loadavg():
    return '%.2f %.2f %.2f' % os.getloadavg()


def mibps(size, seconds):
    return size / MIB / seconds if seconds > 0 else float('inf')


def verdict(ok):
    return 'ok' if ok else 'MISSED'


def print_report(args, size, results, cpu, sampler, baseline_mib,
                 final_mib):
    print()
    print('Results: %d MiB, %d round(s), medians' % (args.size_mib,
                                                     args.rounds))
    print('%-9s %9s %9s %9s %9s %7s %s' % (
        '', 'straight', 'straight', 'mcimage', 'mcimage', 'ratio',
        'target'))
    print('%-9s %9s %9s %9s %9s %7s %s' % (
        '', 's', 'MiB/s', 's', 'MiB/s', '', ''))
    for kind in ('upload', 'download'):
        straight = statistics.median(results[kind, 'straight'])
        through = statistics.median(results[kind, 'mcimage'])
        ratio = through / straight
        print('%-9s %9.3f %9.1f %9.3f %9.1f %7.3f <= %.2f %s' % (
            kind, straight, mibps(size, straight), through,
            mibps(size, through), ratio, RATIO_TARGET,
            verdict(ratio <= RATIO_TARGET)))
    print()
    up = sampler.peak_mib('mcimage', 'upload-mcimage')
    down = sampler.peak_mib('mcimage', 'download-mcimage')
    print('peak RSS of mcimage-api (target < %d MiB, flat in size):'
          % RSS_TARGET_MIB)
    print('  during uploads   %7.1f MiB  %s' % (
        up, verdict(up < RSS_TARGET_MIB)))
    print('  during downloads %7.1f MiB  %s' % (
        down, verdict(down < RSS_TARGET_MIB)))
    print('  idle after warm-up %5.1f MiB, at the end %.1f MiB' % (
        baseline_mib, final_mib))
    print('peak RSS of the Glance worker, for comparison:')
    print('  during uploads   %7.1f MiB straight, %7.1f MiB via mcimage' % (
        sampler.peak_mib('glance', 'upload-straight'),
        sampler.peak_mib('glance', 'upload-mcimage')))
    print('  during downloads %7.1f MiB straight, %7.1f MiB via mcimage' % (
        sampler.peak_mib('glance', 'download-straight'),
        sampler.peak_mib('glance', 'download-mcimage')))
    print()
    print('CPU seconds per GiB (median; the client is this process):')
    print('%-19s %12s %12s %9s %9s' % (
        '', 'mcimage usr', 'mcimage sys', 'glance', 'client'))
    gib = size / (1024.0 * MIB)
    for kind in ('upload', 'download'):
        for path in ('straight', 'mcimage'):
            row = [statistics.median(cpu[kind, path, who]) / gib
                   for who in ('mcimage-user', 'mcimage-sys', 'glance',
                               'client')]
            print('%-19s %12.2f %12.2f %9.2f %9.2f' % (
                '%s %s' % (kind, path), row[0], row[1], row[2], row[3]))


# -- main ------------------------------------------------------------------

def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt('signal %d' % signum)


def run(args, workdir):
    print('mcimage streaming benchmark: %d MiB payload, %d round(s)' % (
        args.size_mib, args.rounds))
    print('machine: %d CPU(s); load average at start: %s' % (
        os.cpu_count() or 0, loadavg()))
    print('mcimage: %s' % mcimage_version())
    print('work directory: %s' % workdir)
    if args.mcimage_env:
        print('extra mcimage-api environment: %s' % ' '.join(
            '%s=%s' % item for item in sorted(args.mcimage_env.items())))
    sys.stdout.flush()

    payload = os.path.join(workdir, 'payload.bin')
    started = time.perf_counter()
    payload_md5, payload_sha256 = make_payload(payload, args.size_mib)
    size = os.path.getsize(payload)
    print('payload: %d bytes of random data in %.1f s, sha256 %s' % (
        size, time.perf_counter() - started, payload_sha256))

    glance_server = load_glance_server_module()
    glance = glance_server.GlanceServer(os.path.join(workdir, 'glance'))
    mcimage = MCImageProcess(os.path.join(workdir, 'mcimage'),
                             {VIM: None}, env=args.mcimage_env)
    sampler = None
    bench = None
    try:
        glance.start()
        mcimage.vims = {VIM: glance.endpoint}
        mcimage.start()
        print('Glance %s (gunicorn master PID %d, worker PID(s) %s)' % (
            glance.endpoint, glance.pid,
            ','.join(str(p) for p in child_pids(glance.pid)) or '?'))
        print('mcimage-api %s (PID %d)' % (mcimage.endpoint, mcimage.pid))
        sys.stdout.flush()

        sampler = RSSSampler(mcimage.pid, glance.pid)
        sampler.start()
        tenant = 'bench-%s' % uuid.uuid4().hex[:12]
        bench = Bench(glance, mcimage, payload, payload_md5, tenant)

        # Warm-up: imports, connections, first database writes.
        small = os.path.join(workdir, 'warmup.bin')
        small_data = os.urandom(CHUNK)
        with open(small, 'wb') as f:
            f.write(small_data)
        small_md5 = hashlib.md5(small_data,
                                usedforsecurity=False).hexdigest()
        sampler.set_phase('warmup')
        _t, straight_id = bench.upload_straight(small)
        _t, via_id = bench.upload_mcimage(small, expect_md5=small_md5)
        bench.download_straight(via_id, size=CHUNK)
        bench.download_mcimage(straight_id, size=CHUNK)
        bench.delete_images()
        sampler.set_phase('idle')
        time.sleep(0.5)
        baseline_mib = (read_rss_kib(mcimage.pid) or 0) / 1024.0
        print('warm-up done; mcimage-api RSS %.1f MiB' % baseline_mib)
        print()
        sys.stdout.flush()

        results = {}
        cpu = {}

        def timed(kind, path, round_no, func, *func_args):
            sampler.set_phase('%s-%s' % (kind, path), round_no)
            glance_pids = child_pids(glance.pid)
            before = (cpu_seconds([mcimage.pid]),
                      sum(cpu_seconds(glance_pids)), time.process_time())
            try:
                out = func(*func_args)
            finally:
                sampler.set_phase('idle')
            after = (cpu_seconds([mcimage.pid]),
                     sum(cpu_seconds(glance_pids)), time.process_time())
            seconds = out[0] if isinstance(out, tuple) else out
            results.setdefault((kind, path), []).append(seconds)
            deltas = {
                'mcimage-user': after[0][0] - before[0][0],
                'mcimage-sys': after[0][1] - before[0][1],
                'glance': after[1] - before[1],
                'client': after[2] - before[2]}
            for who, delta in deltas.items():
                cpu.setdefault((kind, path, who), []).append(delta)
            mcimage.check_alive()
            return out

        for round_no in range(1, args.rounds + 1):
            # A/B, then B/A in the next round.
            order = (('straight', 'mcimage') if round_no % 2 else
                     ('mcimage', 'straight'))
            up = {}
            for path in order:
                if path == 'straight':
                    up[path] = timed('upload', path, round_no,
                                     bench.upload_straight)
                else:
                    up[path] = timed('upload', path, round_no,
                                     bench.upload_mcimage)
            # Both downloads read the same image (the straight one).
            image_id = up['straight'][1]
            down = {}
            for path in order:
                if path == 'straight':
                    down[path] = timed('download', path, round_no,
                                       bench.download_straight, image_id)
                else:
                    down[path] = timed('download', path, round_no,
                                       bench.download_mcimage, image_id)
            verified = ''
            if round_no == 1 or args.verify_all:
                # Untimed: hashing inline would add the same client CPU to
                # both sides and hide the difference between them.
                sampler.set_phase('verify', round_no)
                checks = (
                    ('straight', bench.download_straight, up['straight'][1]),
                    ('mcimage', bench.download_mcimage, up['straight'][1]),
                    ('straight', bench.download_straight, up['mcimage'][1]),
                    ('mcimage', bench.download_mcimage, up['mcimage'][1]))
                for how, func, checked_id in checks:
                    digest = hashlib.sha256()
                    func(checked_id, digest)
                    if digest.hexdigest() != payload_sha256:
                        raise BenchError(
                            'sha256 of image %s downloaded %s is %s, not '
                            'the payload\'s %s' % (
                                checked_id, how, digest.hexdigest(),
                                payload_sha256))
                sampler.set_phase('idle')
                verified = '; sha256 of 4 downloads ok'
            bench.delete_images()
            print('round %d (%s first): upload %.3f s straight, %.3f s '
                  'mcimage; download %.3f s straight, %.3f s mcimage; '
                  'mcimage peak RSS %.1f MiB in its upload, %.1f MiB in '
                  'its download%s' % (
                      round_no, order[0], up['straight'][0],
                      up['mcimage'][0], down['straight'],
                      down['mcimage'],
                      sampler.peak_mib('mcimage', 'upload-mcimage',
                                       round_no=round_no),
                      sampler.peak_mib('mcimage', 'download-mcimage',
                                       round_no=round_no),
                      verified))
            sys.stdout.flush()

        final_mib = (read_rss_kib(mcimage.pid) or 0) / 1024.0
        print_report(args, size, results, cpu, sampler, baseline_mib,
                     final_mib)
        print_log_problems(mcimage)
        print('RSS samples taken: %d' % sampler.samples)
    finally:
        if sampler is not None:
            sampler.stop()
        if bench is not None and bench.images and glance.running:
            bench.delete_images()
        mcimage.stop()
        glance.stop()
    print('load average at end: %s' % loadavg())


def main(argv=None):
    parser = argparse.ArgumentParser(
        description='Upload and download through mcimage vs straight to '
                    'Glance (DESIGN section 8).')
    parser.add_argument('--size-mib', type=int, default=1024,
                        help='payload size in MiB (default 1024)')
    parser.add_argument('--rounds', type=int, default=3,
                        help='rounds of the four timed transfers '
                             '(default 3)')
    parser.add_argument('--verify-all', action='store_true',
                        help='check the sha256 of downloads every round, '
                             'not only in the first')
    parser.add_argument('--workdir',
                        help='keep everything (payload, configs, logs) '
                             'here instead of a temp dir removed at the '
                             'end')
    parser.add_argument('--mcimage-env', action='append', default=[],
                        metavar='NAME=VALUE',
                        help='extra environment variable of the '
                             'mcimage-api process (repeatable), e.g. '
                             'MALLOC_ARENA_MAX=2 for an experiment')
    args = parser.parse_args(argv)
    env = {}
    for item in args.mcimage_env:
        name, sep, value = item.partition('=')
        if not sep or not name:
            parser.error('--mcimage-env takes NAME=VALUE, not %r' % item)
        env[name] = value
    args.mcimage_env = env
    if args.size_mib < 1 or args.rounds < 1:
        parser.error('--size-mib and --rounds must be at least 1')

    return run_main(args, run, 'mcimage-bench-',
                    keep_out=('payload.bin', 'warmup.bin'))


def run_main(args, run, prefix, keep_out=()):
    """Run ``run(args, workdir)``; the exit status of a benchmark.

    Ctrl-C and SIGTERM both unwind through the finally blocks that stop
    the servers. With --workdir, what is in it stays, but ``keep_out``.
    """
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    if args.workdir:
        workdir = os.path.abspath(args.workdir)
        os.makedirs(workdir, exist_ok=True)
    else:
        workdir = tempfile.mkdtemp(prefix=prefix)
    try:
        run(args, workdir)
    except (BenchError, RuntimeError, requests.RequestException) as e:
        # RuntimeError: a server could not start.
        print('benchmark failed: %s' % e, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print('interrupted; servers stopped', file=sys.stderr)
        return 130
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            for name in keep_out:
                try:
                    os.unlink(os.path.join(workdir, name))
                except OSError:
                    pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
