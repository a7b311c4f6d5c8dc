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

"""A URL import into two VIMs through mcimage vs one Glance web-download.

The figure the closing note of the tasks issue quotes: the wall time of
one import task of mcimage (``POST /v1/tasks``, ``import_from`` an http
URL, two targets) against Glance's own interoperable image import with the
``web-download`` method of the same file into one Glance.

The benchmark serves the payload from disk with a local web server on
127.0.0.1 (a thread of this process, sendfile), starts two Glance servers
(tools/glance_server.py) and one mcimage-api (tools/mcimage_server.py)
with both Glances as VIMs, all on free ports of 127.0.0.1, and stops them
by PID at the end, also on an error or Ctrl-C. Rounds alternate which side
goes first; the report gives medians. There is no target for this ratio:
it exits 0 unless something failed::

    python benchmarks/bench_import.py [--size-mib 1024] [--rounds 2]
"""

import argparse
import hashlib
import http.server
import os
import statistics
import sys
import threading
import time
import uuid

import requests

import bench_streaming as streaming  # noqa: E402

MIB = streaming.MIB
VIMS = ('local_RegionOne', 'local_RegionTwo')
PAYLOAD = '/payload.img'
WARMUP = '/warmup.img'
POLL_INTERVAL = 0.2
# Seconds one import may take before the benchmark gives up on it.
IMPORT_TIMEOUT = 3600
HTTP_TIMEOUT = streaming.HTTP_TIMEOUT


# -- the web server the imports read from ---------------------------------

class _PayloadHandler(http.server.BaseHTTPRequestHandler):
    """GET/HEAD of the files the server was given, streamed with sendfile."""

    protocol_version = 'HTTP/1.1'
    server_version = 'mcimage-bench-web'

    def _serve(self, with_body):
        path = self.server.files.get(self.path)
        with self.server.lock:
            self.server.requests.append((self.command, self.path))
        if path is None:
            self.send_error(404)
            return
        with open(path, 'rb') as f:
            size = os.fstat(f.fileno()).st_size
            self.send_response(200)
            self.send_header('Content-Type', 'application/octet-stream')
            self.send_header('Content-Length', str(size))
            self.end_headers()
            if not with_body:
                return
            # Never held in memory: the kernel copies from the page cache.
            sent = self.connection.sendfile(f)
        if sent != size:
            self.close_connection = True

    def do_GET(self):
        try:
            self._serve(True)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_HEAD(self):
        self._serve(False)

    def log_message(self, fmt, *args):
        pass


class PayloadServer(object):
    """A ThreadingHTTPServer on a free port of 127.0.0.1, in a thread."""

    def __init__(self, files):
        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                     _PayloadHandler)
        self.httpd.daemon_threads = True
        self.httpd.files = dict(files)
        self.httpd.requests = []
        self.httpd.lock = threading.Lock()
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever,
                                        name='payload-server', daemon=True)

    def url(self, path):
        return 'http://127.0.0.1:%d%s' % (self.port, path)

    def gets(self, path):
        with self.httpd.lock:
            return sum(1 for c, p in self.httpd.requests
                       if c == 'GET' and p == path)

    def start(self):
        self._thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(5)


# -- Glance configured for web-download --------------------------------------

def glance_import_conf(web_port):
    """What this benchmark appends to every Glance's glance-api.conf.

    tools/glance_server.py already allows 127.0.0.1 and every port
    (``allowed_hosts = [127.0.0.1]``, ``allowed_ports = []``); this names
    the import method and narrows the ports to the web server's, so that
    Glance is held to the same rules as mcimage's [task] options. These
    ListOpt(bounds=True) values need their brackets.
    """
    return ('[DEFAULT]\n'
            'enabled_import_methods = '
            '[glance-direct,web-download,copy-image]\n'
            '[import_filtering_opts]\n'
            'allowed_schemes = [http]\n'
            'allowed_hosts = [127.0.0.1]\n'
            'allowed_ports = [%d]\n' % web_port)


def configured_glance_class(glance_server, extra_conf):
    class ImportGlanceServer(glance_server.GlanceServer):
        """A GlanceServer whose glance-api.conf ends with extra_conf."""

        def _write_config(self):
            # Written again at every start: appended every time.
            super()._write_config()
            with open(self.config_file, 'a') as f:
                f.write('\n' + extra_conf)

    return ImportGlanceServer


# -- the two imports ------------------------------------------------------

class Importer(object):

    def __init__(self, glances, mcimage, web, tenant, size, md5):
        self.glances = glances
        self.glance = glances[VIMS[0]]
        self.mcimage = mcimage
        self.web = web
        self.tenant = tenant
        self.size = size
        self.md5 = md5
        self.session = requests.Session()
        self.glance_headers = self.glance.headers(
            tenant, user_id='bench-user', roles='member,reader')
        self.mcimage_headers = {'X-Project-Id': tenant,
                                'X-User-Id': 'bench-user',
                                'X-Roles': 'member,reader'}
        # (vim, image id) of every image made, deleted after each round.
        self.images = []

    @staticmethod
    def _expect(resp, status, what):
        if resp.status_code != status:
            raise streaming.BenchError('%s: HTTP %s (expected %s): %s' % (
                what, resp.status_code, status, resp.text[:2000]))

    def _check_image(self, vim, image_id, size, md5, what):
        image = self.glances[vim].get_image(image_id, self.tenant)
        if image is None:
            raise streaming.BenchError('%s: image %s is not in %s' % (
                what, image_id, vim))
        if (image.get('status') != 'active' or image.get('size') != size
                or image.get('checksum') != md5):
            raise streaming.BenchError(
                '%s: image %s in %s is %s, %s bytes, md5 %s; expected '
                'active, %d bytes, md5 %s' % (
                    what, image_id, vim, image.get('status'),
                    image.get('size'), image.get('checksum'), size, md5))

    def glance_web_download(self, path, size, md5):
        """Create, import with web-download, poll until active.

        Returns (seconds, {moment: seconds since the create}).
        """
        glance = self.glance
        staging = os.path.join(glance.workdir, 'staging')
        marks = {}
        start = time.perf_counter()
        resp = self.session.post(
            glance.endpoint + '/v2/images',
            json={'name': 'bench-web-download', 'disk_format': 'raw',
                  'container_format': 'bare'},
            headers=self.glance_headers, timeout=HTTP_TIMEOUT)
        self._expect(resp, 201, 'Glance image create')
        image_id = resp.json()['id']
        self.images.append((VIMS[0], image_id))
        resp = self.session.post(
            glance.endpoint + '/v2/images/%s/import' % image_id,
            json={'method': {'name': 'web-download',
                             'uri': self.web.url(path)}},
            headers=self.glance_headers, timeout=HTTP_TIMEOUT)
        self._expect(resp, 202, 'Glance web-download import')
        marks['import accepted'] = time.perf_counter() - start
        staged_file = os.path.join(staging, image_id)
        deadline = time.monotonic() + IMPORT_TIMEOUT
        while True:
            resp = self.session.get(
                glance.endpoint + '/v2/images/' + image_id,
                headers=self.glance_headers, timeout=HTTP_TIMEOUT)
            now = time.perf_counter() - start
            self._expect(resp, 200, 'Glance image show')
            image = resp.json()
            status = image.get('status')
            if status == 'active':
                break
            marks.setdefault('status %s' % status, now)
            # The staging file reaches the full size when the download
            # ends; then Glance copies it into the store.
            if 'staged' not in marks:
                try:
                    if os.path.getsize(staged_file) >= size:
                        marks['staged'] = now
                except OSError:
                    pass
            failed = image.get('os_glance_failed_import')
            if status in ('killed', 'deleted', 'deactivated') or failed:
                raise streaming.BenchError(
                    'Glance web-download of image %s failed (status %s, '
                    'os_glance_failed_import %r): %s' % (
                        image_id, status, failed,
                        self._glance_task_messages(image_id)))
            if time.monotonic() > deadline:
                raise streaming.BenchError(
                    'Glance web-download of image %s still %s after %d s'
                    % (image_id, status, IMPORT_TIMEOUT))
            time.sleep(POLL_INTERVAL)
        elapsed = time.perf_counter() - start
        self._check_image(VIMS[0], image_id, size, md5, 'Glance web-download')
        return elapsed, marks

    def _glance_task_messages(self, image_id):
        try:
            resp = self.session.get(
                self.glance.endpoint + '/v2/images/%s/tasks' % image_id,
                headers=self.glance_headers, timeout=HTTP_TIMEOUT)
            return '; '.join('%s %s' % (t.get('status'), t.get('message'))
                             for t in resp.json().get('tasks', []))
        except (requests.RequestException, ValueError) as e:
            return '(tasks unreadable: %s)' % e

    def mcimage_url_import(self, path, size, md5):
        """POST /v1/tasks with both VIMs, poll until success.

        Returns (seconds, {moment: seconds since the POST}).
        """
        marks = {}
        body = {'type': 'import', 'input': {
            'import_from': self.web.url(path),
            'import_from_format': 'raw',
            'image_properties': {'name': 'bench-url-import'},
            'targets': [{'vim_id': vim, 'tenant_id': self.tenant}
                        for vim in VIMS],
            'force': True}}
        start = time.perf_counter()
        resp = self.session.post(self.mcimage.url('/v1/tasks'), json=body,
                                 headers=self.mcimage_headers,
                                 timeout=HTTP_TIMEOUT)
        self._expect(resp, 201, 'mcimage task create')
        task_id = resp.json()['id']
        marks['task accepted'] = time.perf_counter() - start
        deadline = time.monotonic() + IMPORT_TIMEOUT
        while True:
            resp = self.session.get(self.mcimage.url('/v1/tasks/' + task_id),
                                    headers=self.mcimage_headers,
                                    timeout=HTTP_TIMEOUT)
            now = time.perf_counter() - start
            self._expect(resp, 200, 'mcimage task show')
            task = resp.json()
            status = task['status']
            if status in ('success', 'failure'):
                break
            marks.setdefault('status %s' % status, now)
            progress = task.get('progress') or {}
            if (progress.get('bytes_done') or 0) >= size:
                marks.setdefault('all bytes read', now)
            if time.monotonic() > deadline:
                raise streaming.BenchError(
                    'mcimage task %s still %s after %d s' % (
                        task_id, status, IMPORT_TIMEOUT))
            self.mcimage.check_alive()
            time.sleep(POLL_INTERVAL)
        elapsed = time.perf_counter() - start
        targets = (task.get('result') or {}).get('targets', [])
        for target in targets:
            if target.get('image_id'):
                self.images.append((target['vim_id'], target['image_id']))
        if status != 'success':
            raise streaming.BenchError('mcimage task %s failed: %s' % (
                task_id, task.get('message')))
        if sorted(t['vim_id'] for t in targets) != sorted(VIMS) or any(
                t['status'] != 'created' for t in targets):
            raise streaming.BenchError('mcimage task %s: targets %r' % (
                task_id, targets))
        for target in targets:
            self._check_image(target['vim_id'], target['image_id'], size,
                              md5, 'mcimage URL import')
        return elapsed, marks

    def delete_images(self):
        for vim, image_id in list(self.images):
            try:
                self.glances[vim].delete_image(image_id, self.tenant)
            except requests.RequestException as e:
                print('warning: could not delete image %s of %s: %s' % (
                    image_id, vim, e), file=sys.stderr)
                continue
            self.images.remove((vim, image_id))


# -- measurement helpers --------------------------------------------------

class CPUMeter(object):
    """CPU seconds of mcimage-api, each Glance's worker(s) and this process.

    This process is the web server the imports read from (plus polling).
    """

    def __init__(self, mcimage, glances):
        self.mcimage = mcimage
        self.glances = glances

    def snapshot(self):
        """{who: (user, system) CPU seconds so far}."""
        own = os.times()
        snap = {'mcimage-api': streaming.cpu_seconds([self.mcimage.pid]),
                'bench process': (own.user, own.system)}
        for number, vim in enumerate(VIMS, 1):
            pids = streaming.child_pids(self.glances[vim].pid)
            snap['Glance %d worker' % number] = streaming.cpu_seconds(pids)
        return snap

    @staticmethod
    def delta(before, after):
        return {k: (after[k][0] - before[k][0], after[k][1] - before[k][1])
                for k in before}


def format_cpu(used, whos):
    return ', '.join('%s %.1f s (sys %.1f)' % (w, sum(used[w]), used[w][1])
                     for w in whos)


def mibps(size, seconds):
    return size / MIB / seconds if seconds > 0 else float('inf')


def format_marks(marks):
    return ', '.join('%s %.1f s' % (k, v)
                     for k, v in sorted(marks.items(), key=lambda i: i[1]))


# -- main -----------------------------------------------------------------

def run(args, workdir):
    print('mcimage URL import benchmark: %d MiB payload, %d round(s)' % (
        args.size_mib, args.rounds))
    print('machine: %d CPU(s); load average at start: %s' % (
        os.cpu_count() or 0, streaming.loadavg()))
    print('mcimage: %s' % streaming.mcimage_version())
    print('work directory: %s' % workdir)
    sys.stdout.flush()

    payload = os.path.join(workdir, 'payload.img')
    started = time.perf_counter()
    md5, _sha256 = streaming.make_payload(payload, args.size_mib)
    size = os.path.getsize(payload)
    print('payload: %d bytes of random data in %.1f s, md5 %s' % (
        size, time.perf_counter() - started, md5))
    warmup = os.path.join(workdir, 'warmup.img')
    warmup_data = os.urandom(MIB)
    with open(warmup, 'wb') as f:
        f.write(warmup_data)
    warmup_md5 = hashlib.md5(warmup_data, usedforsecurity=False).hexdigest()

    web = PayloadServer({PAYLOAD: payload, WARMUP: warmup})
    web.start()
    glance_server = streaming.load_glance_server_module()
    glance_cls = configured_glance_class(glance_server,
                                         glance_import_conf(web.port))
    glances = {vim: glance_cls(os.path.join(workdir, vim)) for vim in VIMS}
    task_conf = ('[task]\nallowed_hosts = 127.0.0.1\n'
                 'allowed_networks = 127.0.0.1/32\nallowed_ports = %d\n'
                 % web.port)
    mcimage = streaming.MCImageProcess(os.path.join(workdir, 'mcimage'),
                                       {}, debug=False, extra_conf=task_conf)
    sampler = None
    importer = None
    try:
        for glance in glances.values():
            glance.start()
        mcimage.vims = {vim: glances[vim].endpoint for vim in VIMS}
        mcimage.start()
        print('web server http://127.0.0.1:%d (this process, PID %d)' % (
            web.port, os.getpid()))
        for vim in VIMS:
            print('Glance %s for %s (gunicorn master PID %d)%s' % (
                glances[vim].endpoint, vim, glances[vim].pid,
                '; also the web-download side' if vim == VIMS[0] else ''))
        print('mcimage-api %s (PID %d), VIMs %s' % (
            mcimage.endpoint, mcimage.pid, ', '.join(VIMS)))
        sys.stdout.flush()

        sampler = streaming.RSSSampler(mcimage.pid, glances[VIMS[0]].pid)
        sampler.start()
        meter = CPUMeter(mcimage, glances)
        tenant = 'bench-%s' % uuid.uuid4().hex[:12]
        importer = Importer(glances, mcimage, web, tenant, size, md5)

        # Warm-up, untimed: imports, first tasks, connections.
        sampler.set_phase('warmup')
        importer.glance_web_download(WARMUP, MIB, warmup_md5)
        importer.mcimage_url_import(WARMUP, MIB, warmup_md5)
        importer.delete_images()
        sampler.set_phase('idle')
        time.sleep(0.5)
        idle_mib = (streaming.read_rss_kib(mcimage.pid) or 0) / 1024.0
        print('warm-up done (1 MiB each way); mcimage-api RSS %.1f MiB'
              % idle_mib)
        print()
        sys.stdout.flush()

        times = {'glance': [], 'mcimage': []}
        cpu = {'glance': [], 'mcimage': []}
        for round_no in range(1, args.rounds + 1):
            order = (('glance', 'mcimage') if round_no % 2 else
                     ('mcimage', 'glance'))
            line = []
            for side in order:
                # Untimed: the other side's writes reach the disk first.
                os.sync()
                gets_before = web.gets(PAYLOAD)
                sampler.set_phase(side, round_no)
                before = meter.snapshot()
                try:
                    if side == 'glance':
                        took, marks = importer.glance_web_download(
                            PAYLOAD, size, md5)
                    else:
                        took, marks = importer.mcimage_url_import(
                            PAYLOAD, size, md5)
                finally:
                    sampler.set_phase('idle')
                cpu[side].append(CPUMeter.delta(before, meter.snapshot()))
                times[side].append(took)
                gets = web.gets(PAYLOAD) - gets_before
                if gets != 1:
                    raise streaming.BenchError(
                        '%s import read the payload %d times, not once'
                        % (side, gets))
                peak = sampler.peak_mib('mcimage', side, round_no=round_no)
                busy = (['Glance 1 worker'] if side == 'glance' else
                        ['mcimage-api', 'Glance 1 worker', 'Glance 2 worker'])
                line.append('  %s %.3f s (%.1f MiB/s); %s; mcimage-api '
                            'peak RSS %.1f MiB\n    CPU: %s' % (
                                'Glance web-download, 1 VIM:'
                                if side == 'glance' else
                                'mcimage URL import, 2 VIMs: ',
                                took, mibps(size, took),
                                format_marks(marks), peak,
                                format_cpu(cpu[side][-1], busy)))
            importer.delete_images()
            print('round %d (%s first), images checked (active, md5) and '
                  'deleted; load average %s:' % (
                      round_no, order[0], streaming.loadavg()))
            print('\n'.join(line))
            sys.stdout.flush()

        glance_m = statistics.median(times['glance'])
        mc_m = statistics.median(times['mcimage'])
        print()
        print('Results: %d MiB, %d round(s), medians' % (args.size_mib,
                                                         args.rounds))
        print('%-34s %9s %9s' % ('', 's', 'MiB/s'))
        print('%-34s %9.3f %9.1f' % ('Glance web-download (1 VIM)',
                                     glance_m, mibps(size, glance_m)))
        print('%-34s %9.3f %9.1f' % ('mcimage URL import (2 VIMs)',
                                     mc_m, mibps(size, mc_m)))
        print('ratio mcimage/glance (wall time): %.3f' % (mc_m / glance_m))
        print('  (MiB/s is the payload size over the wall time; mcimage '
              'writes it into two Glances)')
        print()
        peak = sampler.peak_mib('mcimage', 'mcimage')
        print('mcimage-api RSS: peak %.1f MiB during its imports (sampled '
              'every %d ms), idle %.1f MiB after the warm-up, VmHWM %.1f '
              'MiB since its start' % (
                  peak, streaming.SAMPLE_INTERVAL * 1000, idle_mib,
                  (streaming.read_rss_kib(mcimage.pid, b'VmHWM') or 0)
                  / 1024.0))
        print('Glance worker (%s) peak RSS: %.1f MiB in its web-download, '
              '%.1f MiB as a target of mcimage' % (
                  VIMS[0], sampler.peak_mib('glance', 'glance'),
                  sampler.peak_mib('glance', 'mcimage')))
        print()
        gib = size / (1024.0 * MIB)
        whos = (['mcimage-api'] +
                ['Glance %d worker' % n for n in range(1, len(VIMS) + 1)] +
                ['bench process'])
        print('CPU seconds per GiB of payload (medians; Glance 1 serves %s '
              'and the web-download, the bench process is the web server, '
              'the polling and the RSS sampler):' % VIMS[0])
        print('%-21s' % '' + ''.join('%16s' % w for w in whos))
        for side, label in (('glance', 'Glance web-download'),
                            ('mcimage', 'mcimage URL import')):
            print('%-21s' % label + ''.join(
                '%16.2f' % (statistics.median(sum(c[w]) for c in cpu[side])
                            / gib)
                for w in whos))
        streaming.print_log_problems(mcimage)
    finally:
        if sampler is not None:
            sampler.stop()
        if importer is not None and importer.images:
            running = [vim for vim in VIMS if glances[vim].running]
            importer.images = [i for i in importer.images if i[0] in running]
            importer.delete_images()
        mcimage.stop()
        for glance in glances.values():
            glance.stop()
        web.stop()
    print('load average at end: %s' % streaming.loadavg())


def main(argv=None):
    parser = argparse.ArgumentParser(
        description='A URL import into two VIMs through mcimage vs one '
                    'Glance web-download import into one Glance.')
    parser.add_argument('--size-mib', type=int, default=1024,
                        help='payload size in MiB (default 1024)')
    parser.add_argument('--rounds', type=int, default=2,
                        help='rounds of the two timed imports (default 2)')
    parser.add_argument('--workdir',
                        help='keep configs, databases and logs here '
                             'instead of a temp dir removed at the end '
                             '(the payload is removed either way)')
    args = parser.parse_args(argv)
    if args.size_mib < 1 or args.rounds < 1:
        parser.error('--size-mib and --rounds must be at least 1')
    return streaming.run_main(args, run, 'mcimage-bench-import-',
                              keep_out=('payload.img', 'warmup.img'))


if __name__ == '__main__':
    sys.exit(main())
