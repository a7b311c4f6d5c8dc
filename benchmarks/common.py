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

"""What every benchmark repeats: payloads, servers, rounds, meters, report.

The straight baseline is Glance under uWSGI as devstack runs it; mcimage
runs under its embedded server (``mcimage-api``, cheroot) and under
gunicorn (``mcimage.wsgi.api:application`` with the example configuration
of etc/mcimage), both in the same run. Every server is started on a free
port of 127.0.0.1 in a session of its own and stopped by its PID (its
process group) when the benchmark ends, also on an error, Ctrl-C or
SIGTERM.
"""

import argparse
import contextlib
import functools
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
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)
from tests.functional.fixtures import forms  # noqa: E402
from tests.functional.fixtures import glance as glance_fixture  # noqa
from tests.functional.fixtures import mcimage as mcimage_fixture  # noqa
from tests.functional.fixtures import process  # noqa: E402

MIB = 1024 * 1024
GIB = 1024 * MIB
# The client's read and write size, the same for every side.
CHUNK = MIB
VIMS = ('local_RegionOne', 'local_RegionTwo')
# The two ways mcimage is served, both measured in every run.
MCIMAGE_SERVERS = ('embedded', 'gunicorn')
DEFAULT_ROUNDS = 5
SAMPLE_INTERVAL = 0.05
# Free memory warm_memory() leaves free: what the servers start in.
WARM_RESERVE = 2 * GIB
# (connect, read) seconds: a read never waits this long on a healthy server.
HTTP_TIMEOUT = (10, 600)
CLK_TCK = os.sysconf('SC_CLK_TCK')
ROLES = 'member,reader'
USER = 'bench-user'
# mcimage's servers run from a virtualenv that holds what a deployment
# holds: this checkout installed by ``pip install -e`` and gunicorn. The
# test tools of .venv would weigh on every server process (stestr's cmd2
# brings rich and pygments, which pecan's mako then imports): 6 MiB more
# RSS, measured.
SERVER_VENV = (os.environ.get('MCIMAGE_BENCH_VENV')
               or os.path.join(REPO_ROOT, '.bench-venv'))


class BenchError(Exception):
    """The benchmark could not run (a server failed, an answer was wrong)."""


# -- /proc -----------------------------------------------------------------

def read_rss_kib(pid, field=b'VmRSS'):
    """VmRSS (or another Vm field: VmHWM...) in KiB; None if gone."""
    try:
        with open('/proc/%d/status' % pid, 'rb') as f:
            for line in f:
                if line.startswith(field + b':'):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def mem_free():
    """The machine's free memory in bytes (MemFree of /proc/meminfo)."""
    with open('/proc/meminfo') as f:
        for line in f:
            if line.startswith('MemFree:'):
                return int(line.split()[1]) * 1024
    return 0


@contextlib.contextmanager
def warm_memory():
    """The machine's free memory taken once as page cache, for the block.

    Yields the bytes warmed (0 when there was little free memory): a
    sparse file that size in a temporary directory is read through, its
    pages kept cached until the block ends and the file is removed
    (benchmarks/README.rst, "Warm memory").
    """
    size = mem_free() - WARM_RESERVE
    if size < GIB:
        yield 0
        return
    workdir = tempfile.mkdtemp(prefix='mcimage-bench-warm-')
    try:
        path = os.path.join(workdir, 'sparse.bin')
        with open(path, 'wb') as f:
            f.truncate(size)
        block = bytearray(4 * MIB)
        with open(path, 'rb', buffering=0) as f:
            while f.readinto(block):
                pass
        yield size
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def print_warmed(size):
    if size:
        print('memory: %.1f GiB of free memory warmed as page cache, %.1f '
              'GiB left free' % (size / GIB, mem_free() / GIB))
    else:
        print('memory: %.1f GiB free, not warmed' % (mem_free() / GIB))
    sys.stdout.flush()


def _stat_fields(pid):
    """/proc/PID/stat from the state field on (comm may hold spaces)."""
    with open('/proc/%d/stat' % pid, 'rb') as f:
        stat = f.read()
    return stat[stat.rfind(b')') + 2:].split()


def cpu_seconds(pids):
    """utime + stime of the processes so far, all their threads included."""
    ticks = 0
    for pid in pids:
        try:
            fields = _stat_fields(pid)
        except OSError:
            continue
        # utime and stime are fields 14 and 15 of stat, 12 and 13 here.
        ticks += int(fields[11]) + int(fields[12])
    return ticks / CLK_TCK


# -- payloads and request bodies ---------------------------------------------

class Payload(object):
    """``size_mib`` MiB of random bytes in a file, written 1 MiB at a time."""

    def __init__(self, path, size_mib):
        self.path = path
        md5 = hashlib.md5(usedforsecurity=False)
        sha256 = hashlib.sha256()
        with open(path, 'wb') as f:
            for _i in range(size_mib):
                chunk = os.urandom(CHUNK)
                md5.update(chunk)
                sha256.update(chunk)
                f.write(chunk)
        self.size = size_mib * MIB
        self.md5 = md5.hexdigest()
        self.sha256 = sha256.hexdigest()


class StreamedBody(object):
    """``head``, then the file in CHUNK pieces, then ``tail``.

    requests sends an iterable with a length with that Content-Length, not
    chunked, and never holds more than one piece of it.
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
    return (StreamedBody(path, forms.head(fields, file_name, boundary),
                         forms.tail(boundary)),
            forms.content_type(boundary))


# -- servers ---------------------------------------------------------------

def glance_server(workdir, extra_conf=''):
    """Glance (trusted flavor, sqlite, file store) under uWSGI, not started.

    It runs from the Glance virtualenv of the functional tests
    ($MCIMAGE_GLANCE_VENV, default .glance-venv in the checkout).
    """
    return glance_fixture.GlanceServer(workdir, server='uwsgi',
                                       extra_conf=extra_conf)


def server_python():
    """The Python of SERVER_VENV, made first if needed.

    It must import this checkout's mcimage, and gunicorn.
    """
    python = os.path.join(SERVER_VENV, 'bin', 'python')
    check = [python, '-c', 'import gunicorn, mcimage; print(mcimage.__file__)']
    try:
        found = subprocess.run(check, capture_output=True, text=True)
    except OSError:
        found = None
    if (found and found.returncode == 0 and os.path.dirname(
            os.path.dirname(found.stdout.strip())) == REPO_ROOT):
        return python
    log = SERVER_VENV + '.pip.log'
    print('making the servers\' virtualenv %s (pip install -e . gunicorn; '
          'log: %s)' % (SERVER_VENV, log))
    sys.stdout.flush()
    with open(log, 'w') as out:
        try:
            subprocess.run([sys.executable, '-m', 'venv', '--clear',
                            SERVER_VENV], check=True, stdout=out,
                           stderr=subprocess.STDOUT)
            subprocess.run([python, '-m', 'pip', 'install', '-q', '-e',
                            REPO_ROOT, 'gunicorn'], check=True, stdout=out,
                           stderr=subprocess.STDOUT)
        except subprocess.CalledProcessError as e:
            raise BenchError('could not make %s (%s); see %s' % (
                SERVER_VENV, e, log))
    return python


def mcimage_server(workdir, vims, server, extra_conf='', env=None):
    """mcimage-api as the functional tests run it, INFO logging.

    ``server``: 'embedded' (the mcimage-api console script's code,
    cheroot) or 'gunicorn' (etc/mcimage/mcimage-api-gunicorn.conf.py),
    both from SERVER_VENV.
    """
    return mcimage_fixture.MCImageServer(
        workdir, vims, python=server_python(), debug=False,
        extra_conf=extra_conf, env=env, server=server)


def serving_pids(server):
    """Every live process of the server: its group (master and workers)."""
    return process.group_pids(server.pid)


def glance_headers(tenant):
    return {'X-Identity-Status': 'Confirmed', 'X-Project-Id': tenant,
            'X-User-Id': USER, 'X-Roles': ROLES}


def mcimage_headers(tenant):
    return {'X-Project-Id': tenant, 'X-User-Id': USER, 'X-Roles': ROLES}


class Servers(object):
    """Starts servers in order and stops every one started, in reverse."""

    def __init__(self):
        self.started = []

    def start(self, server):
        self.started.append(server)
        server.start()
        return server

    def stop_all(self):
        while self.started:
            self.started.pop().stop()


class Stack(object):
    """Glance under uWSGI per VIM, mcimage under both servers, a Meter.

    Everything is started through ``servers`` (the Meter too), so that
    ``servers.stop_all()`` stops it all. The Meter's groups: 'glance' (or
    'glance 1', 'glance 2'...) and each mcimage server kind.
    """

    def __init__(self, servers, workdir, vims=1, glance_conf='',
                 mcimage_conf=''):
        self.glances = {vim: servers.start(glance_server(
            os.path.join(workdir, vim), glance_conf))
            for vim in VIMS[:vims]}
        endpoints = {vim: g.endpoint for vim, g in self.glances.items()}
        self.mcimages = {kind: servers.start(mcimage_server(
            os.path.join(workdir, 'mcimage-' + kind), endpoints, kind,
            extra_conf=mcimage_conf)) for kind in MCIMAGE_SERVERS}
        groups = {}
        for number, glance in enumerate(self.glances.values(), 1):
            name = 'glance' if vims == 1 else 'glance %d' % number
            groups[name] = functools.partial(serving_pids, glance)
        for kind, server in self.mcimages.items():
            groups[kind] = functools.partial(serving_pids, server)
        self.meter = servers.start(Meter(groups))
        self.print_servers()

    @property
    def glance(self):
        """The Glance of the first VIM."""
        return self.glances[VIMS[0]]

    def print_servers(self):
        for vim, glance in self.glances.items():
            print('Glance %s: %s, uWSGI PIDs %s' % (
                vim, glance.endpoint,
                ','.join(str(p) for p in serving_pids(glance))))
        for kind, server in self.mcimages.items():
            print('mcimage %s: %s, PIDs %s' % (
                kind, server.endpoint,
                ','.join(str(p) for p in serving_pids(server))))
        sys.stdout.flush()

    def check_alive(self):
        for server in self.mcimages.values():
            server.check_alive()


# -- the client, the same for every side ------------------------------------

class Client(object):
    """The HTTP calls of every benchmark, whichever server answers."""

    def __init__(self):
        self.session = requests.Session()

    @staticmethod
    def expect(resp, status, what):
        if resp.status_code != status:
            raise BenchError('%s: HTTP %s (expected %s): %s' % (
                what, resp.status_code, status, resp.text[:2000]))

    def create_and_put(self, images_url, headers, path):
        """POST {images_url}, PUT its /file: (seconds, image id).

        Glance's v2 route and mcimage's route of the same shape.
        """
        start = time.perf_counter()
        resp = self.session.post(
            images_url, json={'name': 'bench', 'disk_format': 'raw',
                              'container_format': 'bare'},
            headers=headers, timeout=HTTP_TIMEOUT)
        self.expect(resp, 201, 'image create at %s' % images_url)
        image_id = resp.json()['id']
        resp = self.session.put(
            '%s/%s/file' % (images_url, image_id), data=StreamedBody(path),
            headers=dict(headers, **{
                'Content-Type': 'application/octet-stream'}),
            timeout=HTTP_TIMEOUT)
        self.expect(resp, 204, 'upload to %s' % images_url)
        return time.perf_counter() - start, image_id

    def post_form(self, url, headers, path, fields):
        """The ONAP multipart POST: (seconds, answer's JSON)."""
        body, ctype = multipart_body(path, fields)
        start = time.perf_counter()
        resp = self.session.post(url, data=body, headers=dict(
            headers, **{'Content-Type': ctype}), timeout=HTTP_TIMEOUT)
        elapsed = time.perf_counter() - start
        self.expect(resp, 201, 'multipart upload to %s' % url)
        return elapsed, resp.json()

    def get_file(self, url, headers, size, digest=None):
        """GET the data in CHUNK reads: seconds (hashing if asked)."""
        received = 0
        start = time.perf_counter()
        with self.session.get(url, headers=headers, stream=True,
                              timeout=HTTP_TIMEOUT) as resp:
            self.expect(resp, 200, 'download %s' % url)
            for chunk in resp.iter_content(CHUNK):
                received += len(chunk)
                if digest is not None:
                    digest.update(chunk)
        elapsed = time.perf_counter() - start
        if received != size:
            raise BenchError('download %s: %d bytes, expected %d' % (
                url, received, size))
        return elapsed


def delete_images(glance, tenant, image_ids):
    """Delete images straight in Glance; the ids left (not deleted)."""
    left = []
    for image_id in image_ids:
        try:
            glance.delete_image(image_id, tenant)
        except requests.RequestException as e:
            print('warning: could not delete image %s: %s' % (image_id, e),
                  file=sys.stderr)
            left.append(image_id)
    return left


# -- meters ------------------------------------------------------------------

class Meter(threading.Thread):
    """CPU time and RSS of named groups of processes.

    ``groups`` is {name: callable returning PIDs}; the client (this
    process) is always one. A thread samples VmRSS every 50 ms and keeps
    the peak of each group (its largest process) per phase that the main
    thread names with ``measure()``.
    """

    def __init__(self, groups, interval=SAMPLE_INTERVAL):
        super().__init__(name='bench-meter', daemon=True)
        self.groups = dict(groups, client=lambda: [os.getpid()])
        self.interval = interval
        self.phase = 'idle'
        self.peaks = {}
        self.cpu = {}
        self.times = {}
        self._pids = {}
        self._stop_event = threading.Event()
        self._lock = threading.Lock()

    def pids(self, name):
        return self.groups[name]()

    def sample(self):
        for name in self.groups:
            rss = [read_rss_kib(p) for p in self._pids.get(name, [])]
            rss = [r for r in rss if r is not None]
            if rss:
                with self._lock:
                    key = (name, self.phase)
                    self.peaks[key] = max(self.peaks.get(key, 0), max(rss))

    def refresh_pids(self):
        self._pids = {name: self.pids(name) for name in self.groups}

    def run(self):
        while not self._stop_event.wait(self.interval):
            self.sample()

    def stop(self):
        self._stop_event.set()
        if self.is_alive():
            self.join(5)

    def cpu_now(self):
        return {name: cpu_seconds(pids) for name, pids in self._pids.items()}

    def measure(self, phase, func, *args):
        """Run func as phase; record its seconds and the CPU it took.

        Its seconds are what it returns, or the first item of the tuple it
        returns. Returns what func returns.
        """
        # Every timed call starts with no dirty pages: otherwise Glance's
        # file store writes a transfer through the writeback left by the
        # one before it, and the straight side's time swings between two
        # modes from round to round (page-cache noise, not the path).
        os.sync()
        self.refresh_pids()
        self.sample()
        self.phase = phase
        before = self.cpu_now()
        try:
            out = func(*args)
        finally:
            self.sample()
            self.phase = 'idle'
        after = self.cpu_now()
        seconds = out[0] if isinstance(out, tuple) else out
        self.times.setdefault(phase, []).append(seconds)
        for name in after:
            self.cpu.setdefault((phase, name), []).append(
                after[name] - before[name])
        return out

    def ratio(self, phase, baseline):
        """Median time of phase over the median time of baseline."""
        return (statistics.median(self.times[phase])
                / statistics.median(self.times[baseline]))

    def paired(self, phase, baseline):
        """Median of the rounds' own ratios of phase to baseline.

        Each round's time is divided by the baseline's time of the same
        round, so that a slow round slows both; the median of those.
        """
        return statistics.median(
            mine / base for mine, base in zip(self.times[phase],
                                              self.times[baseline]))

    def floor(self, phase, baseline):
        """The lowest ratio of phase to baseline the CPU it took allows.

        Each round's CPU seconds of every measured process (the client,
        the servers), spread over all the machine's cores at once: a
        transfer cannot take less time than that, whatever the code's
        latency. The median of the rounds, over the baseline's median
        time. Above 1.0, the phase needs more CPU than the cores give
        in the baseline's time: its ratio cannot reach 1.0 on this
        machine (benchmarks/README.rst, "CPU floor").
        """
        names = sorted({name for (p, name) in self.cpu if p == phase})
        rounds = zip(*(self.cpu[phase, name] for name in names))
        cores = os.cpu_count() or 1
        return (statistics.median(sum(r) / cores for r in rounds)
                / statistics.median(self.times[baseline]))

    def peak_mib(self, name, phase):
        return self.peaks.get((name, phase), 0) / 1024.0

    def rss_mib(self, name):
        """The largest current RSS of the group's processes."""
        rss = [read_rss_kib(p) or 0 for p in self.pids(name)]
        return max(rss or [0]) / 1024.0


class Stopwatch(object):
    """``with Stopwatch() as w:`` ... then ``w.seconds``."""

    def __enter__(self):
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc_info):
        self.seconds = time.perf_counter() - self._start


def rotated(items, round_no):
    """items rotated by round_no: each goes first in turn, noise is shared."""
    shift = round_no % len(items)
    return list(items[shift:]) + list(items[:shift])


def spread(values):
    """(median, min, max)."""
    return statistics.median(values), min(values), max(values)


# -- report ------------------------------------------------------------------

def mcimage_version():
    """Where the mcimage that the servers import lives, and its commit.

    The commit is followed by '+dirty' when mcimage/ or etc/ differ from
    it.
    """
    import mcimage
    top = os.path.dirname(os.path.dirname(os.path.abspath(
        mcimage.__file__)))
    try:
        head = subprocess.run(
            ['git', '-C', top, 'rev-parse', '--short', 'HEAD'],
            capture_output=True, text=True, timeout=10, check=True)
        dirty = subprocess.run(
            ['git', '-C', top, 'status', '--porcelain', '--', 'mcimage',
             'etc'], capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return '%s (not a git checkout)' % top
    return '%s at commit %s%s' % (top, head.stdout.strip(),
                                  '+dirty' if dirty.stdout.strip() else '')


def loadavg():
    return '%.2f %.2f %.2f' % os.getloadavg()


def machine_speed():
    """sha512 MB/s of one core now: how fast this (shared) machine runs.

    A shared machine's speed changes between runs (385 to 800 MB/s on
    the same one): absolute figures (ms, CPU seconds) of two runs compare
    only at about the same speed; ratios within a run hold better.
    """
    data = os.urandom(64 * MIB)
    best = None
    for _i in range(3):
        start = time.perf_counter()
        hashlib.sha512(data).digest()
        took = time.perf_counter() - start
        best = took if best is None else min(best, took)
    return 64 * MIB / 1e6 / best


def print_header(title):
    print(title)
    print('machine: %d CPU(s); load average at start: %s; sha512 on one '
          'core: %.0f MB/s' % (os.cpu_count() or 0, loadavg(),
                               machine_speed()))
    print('mcimage: %s' % mcimage_version())
    print('mcimage servers: from %s (pip install -e . gunicorn)'
          % SERVER_VENV)
    print('Glance: under uWSGI (1 process, 4 threads), from %s'
          % glance_fixture.glance_venv())
    sys.stdout.flush()


def print_times(meter, rows, baseline, size=None):
    """Medians with min and max of each phase, and its ratio to baseline.

    rows: [(label, phase)]; baseline: the phase the ratios divide by.
    ``floor`` is Meter.floor(): the ratio the phase's CPU allows at best.
    """
    print('%-28s %9s %9s %9s %9s %7s %7s %7s' % (
        '', 'median s', 'min s', 'max s', 'MiB/s' if size else '', 'ratio',
        'paired', 'floor'))
    for label, phase in rows:
        med, low, high = spread(meter.times[phase])
        print('%-28s %9.3f %9.3f %9.3f %9s %7.3f %7.3f %7.3f' % (
            label, med, low, high,
            '%.1f' % (size / MIB / med) if size else '',
            meter.ratio(phase, baseline), meter.paired(phase, baseline),
            meter.floor(phase, baseline)))


def print_cpu(meter, rows, per, unit):
    """CPU seconds per ``unit`` (median) of every process group.

    ``per`` is how many units one measured call moves.
    """
    names = sorted({name for (_phase, name) in meter.cpu})
    print('CPU seconds per %s (median; client is this process, a server '
          'every process of its group):' % unit)
    print('%-28s' % '' + ''.join('%18s' % n for n in names))
    for label, phase in rows:
        print('%-28s' % label + ''.join(
            '%18.2f' % (statistics.median(meter.cpu[phase, n]) / per)
            for n in names))


def target_line(what, value, target, ok):
    print('%-60s %8.3f  target %-8s %s' % (what, value, target,
                                           'ok' if ok else 'MISSED'))


def print_rounds(meter, round_no, phases):
    """One line: the round's time of each phase."""
    print('round %d: %s' % (round_no, ', '.join(
        '%s %.3f s' % (phase, meter.times[phase][-1]) for phase in phases)))
    sys.stdout.flush()


def print_log_problems(mcimages):
    """The WARNING/ERROR lines of each mcimage server's log."""
    for kind, server in mcimages.items():
        count, lines = server.log_problems()
        print('mcimage %s log: %d WARNING/ERROR line(s)%s' % (
            kind, count, ':' if lines else ''))
        for line in lines:
            print('  ' + line[:200])


# -- main --------------------------------------------------------------------

def parser(description, size_mib=None, rounds=DEFAULT_ROUNDS):
    """An argument parser with the options every benchmark shares."""
    p = argparse.ArgumentParser(description=description)
    if size_mib is not None:
        p.add_argument('--size-mib', type=int, default=size_mib,
                       help='payload size in MiB (default %d)' % size_mib)
    p.add_argument('--rounds', type=int, default=rounds,
                   help='rounds; the report gives medians with min and max '
                        '(default %d)' % rounds)
    p.add_argument('--workdir',
                   help='keep configuration files, databases and logs '
                        'here instead of a temp dir removed at the end '
                        '(payloads are removed either way)')
    return p


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt('signal %d' % signum)


def stop_on_sigterm():
    """SIGTERM unwinds like Ctrl-C: servers stopped, temp files removed."""
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)


def run_main(args, run, prefix):
    """Run ``run(args, workdir, servers)``; the exit status.

    Ctrl-C and SIGTERM both unwind to the stop of every server. Files
    whose name starts with 'payload' are removed at the end.
    """
    if min(getattr(args, 'size_mib', 1), args.rounds) < 1:
        print('--size-mib and --rounds must be at least 1', file=sys.stderr)
        return 2
    stop_on_sigterm()
    if args.workdir:
        workdir = os.path.abspath(args.workdir)
        os.makedirs(workdir, exist_ok=True)
    else:
        workdir = tempfile.mkdtemp(prefix=prefix)
    servers = Servers()
    try:
        with warm_memory() as warmed:
            print_warmed(warmed)
            run(args, workdir, servers)
    except (BenchError, RuntimeError, OSError,
            requests.RequestException) as e:
        # RuntimeError: a server could not start or died; OSError: one
        # could not be run.
        print('benchmark failed: %s' % e, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print('interrupted; servers stopped', file=sys.stderr)
        return 130
    finally:
        servers.stop_all()
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            for name in os.listdir(workdir):
                if name.startswith('payload'):
                    os.unlink(os.path.join(workdir, name))
        print('load average at end: %s' % loadavg())
    return 0
