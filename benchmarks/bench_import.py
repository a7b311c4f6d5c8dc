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

The wall time of one import task of mcimage (``POST /v1/tasks``,
``import_from`` an http URL, two targets), under the embedded server and
under gunicorn, against Glance's own interoperable image import with the
``web-download`` method of the same file into one Glance under uWSGI. The
payload is served from disk by a web server thread of this process
(sendfile). There is no target for these ratios::

    .venv/bin/python -m benchmarks.bench_import [--size-mib 1024]
        [--rounds 5]
"""

import hashlib
import http.server
import os
import sys
import threading
import time
import uuid

import requests

from benchmarks import common

MIB = common.MIB
VIMS = common.VIMS
PAYLOAD = '/payload.img'
WARMUP = '/payload-warmup.img'
POLL_INTERVAL = 0.2
# Seconds one import may take before the benchmark gives up on it.
IMPORT_TIMEOUT = 3600
HTTP_TIMEOUT = common.HTTP_TIMEOUT


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


# -- the two imports ---------------------------------------------------------

def glance_import_conf(web_port):
    """What this benchmark appends to every Glance's glance-api.conf.

    The Glance launcher already allows 127.0.0.1 and every port
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


class Importer(object):

    def __init__(self, glances, mcimages, web):
        self.glances = glances
        self.glance = glances[VIMS[0]]
        self.mcimages = mcimages
        self.web = web
        self.tenant = 'bench-%s' % uuid.uuid4().hex[:12]
        self.client = common.Client()
        self.session = self.client.session
        self._expect = self.client.expect
        self.glance_headers = common.glance_headers(self.tenant)
        self.mcimage_headers = common.mcimage_headers(self.tenant)
        # {vim: [image id]} of every image made, deleted after each round.
        self.images = {vim: [] for vim in glances}

    def _check_image(self, vim, image_id, size, md5, what):
        image = self.glances[vim].get_image(image_id, self.tenant)
        if image is None:
            raise common.BenchError('%s: image %s is not in %s' % (
                what, image_id, vim))
        if (image.get('status') != 'active' or image.get('size') != size
                or image.get('checksum') != md5):
            raise common.BenchError(
                '%s: image %s in %s is %s, %s bytes, md5 %s; expected '
                'active, %d bytes, md5 %s' % (
                    what, image_id, vim, image.get('status'),
                    image.get('size'), image.get('checksum'), size, md5))

    def glance_web_download(self, path, size, md5):
        """Create, import with web-download, poll until active.

        Returns (seconds, {moment: seconds since the create}).
        """
        glance = self.glance
        start = time.perf_counter()
        resp = self.session.post(
            glance.endpoint + '/v2/images',
            json={'name': 'bench-web-download', 'disk_format': 'raw',
                  'container_format': 'bare'},
            headers=self.glance_headers, timeout=HTTP_TIMEOUT)
        self._expect(resp, 201, 'Glance image create')
        image_id = resp.json()['id']
        self.images[VIMS[0]].append(image_id)
        resp = self.session.post(
            glance.endpoint + '/v2/images/%s/import' % image_id,
            json={'method': {'name': 'web-download',
                             'uri': self.web.url(path)}},
            headers=self.glance_headers, timeout=HTTP_TIMEOUT)
        self._expect(resp, 202, 'Glance web-download import')
        marks = {'import accepted': time.perf_counter() - start}
        self._wait_active(image_id, size, start, marks)
        elapsed = time.perf_counter() - start
        self._check_image(VIMS[0], image_id, size, md5, 'Glance web-download')
        return elapsed, marks

    def _wait_active(self, image_id, size, start, marks):
        """GET the image every POLL_INTERVAL until it is active."""
        staged_file = os.path.join(self.glance.workdir, 'staging', image_id)
        deadline = time.monotonic() + IMPORT_TIMEOUT
        while True:
            resp = self.session.get(
                self.glance.endpoint + '/v2/images/' + image_id,
                headers=self.glance_headers, timeout=HTTP_TIMEOUT)
            now = time.perf_counter() - start
            self._expect(resp, 200, 'Glance image show')
            image = resp.json()
            status = image.get('status')
            if status == 'active':
                return
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
                raise common.BenchError(
                    'Glance web-download of image %s failed (status %s, '
                    'os_glance_failed_import %r): %s' % (
                        image_id, status, failed,
                        self._glance_task_messages(image_id)))
            if time.monotonic() > deadline:
                raise common.BenchError(
                    'Glance web-download of image %s still %s after %d s'
                    % (image_id, status, IMPORT_TIMEOUT))
            time.sleep(POLL_INTERVAL)

    def _glance_task_messages(self, image_id):
        try:
            resp = self.session.get(
                self.glance.endpoint + '/v2/images/%s/tasks' % image_id,
                headers=self.glance_headers, timeout=HTTP_TIMEOUT)
            return '; '.join('%s %s' % (t.get('status'), t.get('message'))
                             for t in resp.json().get('tasks', []))
        except (requests.RequestException, ValueError) as e:
            return '(tasks unreadable: %s)' % e

    def mcimage_url_import(self, kind, path, size, md5):
        """POST /v1/tasks with both VIMs to mcimage ``kind``, poll.

        Returns (seconds, {moment: seconds since the POST}).
        """
        server = self.mcimages[kind]
        body = {'type': 'import', 'input': {
            'import_from': self.web.url(path),
            'import_from_format': 'raw',
            'image_properties': {'name': 'bench-url-import'},
            'targets': [{'vim_id': vim, 'tenant_id': self.tenant}
                        for vim in VIMS],
            'force': True}}
        start = time.perf_counter()
        resp = self.session.post(server.url('/v1/tasks'), json=body,
                                 headers=self.mcimage_headers,
                                 timeout=HTTP_TIMEOUT)
        self._expect(resp, 201, 'mcimage %s task create' % kind)
        task_id = resp.json()['id']
        marks = {'task accepted': time.perf_counter() - start}
        task = self._wait_task(server, task_id, size, start, marks)
        elapsed = time.perf_counter() - start
        targets = (task.get('result') or {}).get('targets', [])
        for target in targets:
            if target.get('image_id'):
                self.images[target['vim_id']].append(target['image_id'])
        if task['status'] != 'success':
            raise common.BenchError('mcimage %s task %s failed: %s' % (
                kind, task_id, task.get('message')))
        if sorted(t['vim_id'] for t in targets) != sorted(VIMS) or any(
                t['status'] != 'created' for t in targets):
            raise common.BenchError('mcimage %s task %s: targets %r' % (
                kind, task_id, targets))
        for target in targets:
            self._check_image(target['vim_id'], target['image_id'], size,
                              md5, 'mcimage URL import')
        return elapsed, marks

    def _wait_task(self, server, task_id, size, start, marks):
        """GET the task every POLL_INTERVAL until it ends; the task."""
        deadline = time.monotonic() + IMPORT_TIMEOUT
        while True:
            resp = self.session.get(server.url('/v1/tasks/' + task_id),
                                    headers=self.mcimage_headers,
                                    timeout=HTTP_TIMEOUT)
            now = time.perf_counter() - start
            self._expect(resp, 200, 'mcimage task show')
            task = resp.json()
            if task['status'] in ('success', 'failure'):
                return task
            marks.setdefault('status %s' % task['status'], now)
            progress = task.get('progress') or {}
            if (progress.get('bytes_done') or 0) >= size:
                marks.setdefault('all bytes read', now)
            if time.monotonic() > deadline:
                raise common.BenchError('mcimage task %s still %s after %d '
                                        's' % (task_id, task['status'],
                                               IMPORT_TIMEOUT))
            server.check_alive()
            time.sleep(POLL_INTERVAL)

    def clean(self):
        for vim, glance in self.glances.items():
            if glance.running:
                self.images[vim] = common.delete_images(
                    glance, self.tenant, self.images[vim])


def sides():
    """[(label, phase, kind)]; kind None is Glance's own web-download."""
    return [('Glance web-download, 1 VIM', 'glance', None)] + [
        ('mcimage %s, 2 VIMs' % kind, kind, kind)
        for kind in common.MCIMAGE_SERVERS]


def import_once(importer, web, kind, path, size, md5):
    """One import; the web server must have served the file once."""
    gets = web.gets(path)
    if kind is None:
        out = importer.glance_web_download(path, size, md5)
    else:
        out = importer.mcimage_url_import(kind, path, size, md5)
    if web.gets(path) - gets != 1:
        raise common.BenchError('%s import read %s %d times, not once' % (
            kind or 'Glance', path, web.gets(path) - gets))
    return out


def format_marks(marks):
    return ', '.join('%s %.1f s' % (k, v)
                     for k, v in sorted(marks.items(), key=lambda i: i[1]))


def one_round(importer, web, meter, payload, round_no):
    lines = []
    for label, phase, kind in common.rotated(sides(), round_no):
        # Untimed: the other side's writes reach the disk first.
        os.sync()
        took, marks = meter.measure(phase, import_once, importer, web, kind,
                                    PAYLOAD, payload.size, payload.md5)
        lines.append('  %-28s %.3f s; %s' % (label, took,
                                             format_marks(marks)))
        # benchmarks/README.rst, "Warm memory".
        importer.clean()
    print('round %d, images checked (active, md5) and deleted; load average '
          '%s:' % (round_no, common.loadavg()))
    print('\n'.join(lines))
    sys.stdout.flush()


def run(args, workdir, servers):
    common.print_header('mcimage URL import benchmark: %d MiB payload, %d '
                        'round(s)' % (args.size_mib, args.rounds))
    payload = common.Payload(os.path.join(workdir, 'payload.img'),
                             args.size_mib)
    warmup = os.path.join(workdir, 'payload-warmup.img')
    warmup_data = os.urandom(MIB)
    with open(warmup, 'wb') as f:
        f.write(warmup_data)
    warmup_md5 = hashlib.md5(warmup_data, usedforsecurity=False).hexdigest()
    web = PayloadServer({PAYLOAD: payload.path, WARMUP: warmup})
    web.start()
    servers.started.append(web)
    stack = common.Stack(
        servers, workdir, vims=len(VIMS),
        glance_conf=glance_import_conf(web.port),
        mcimage_conf='[task]\nallowed_hosts = 127.0.0.1\n'
                     'allowed_networks = 127.0.0.1/32\n'
                     'allowed_ports = %d\n' % web.port)
    print('web server http://127.0.0.1:%d (a thread of this process)'
          % web.port)
    importer = Importer(stack.glances, stack.mcimages, web)
    for _label, _phase, kind in sides():
        import_once(importer, web, kind, WARMUP, MIB, warmup_md5)
    importer.clean()
    print('warm-up done (1 MiB each way)')
    for round_no in range(1, args.rounds + 1):
        one_round(importer, web, stack.meter, payload, round_no)
    report(args, stack.meter, payload, stack.mcimages)


def report(args, meter, payload, mcimages):
    print()
    print('Results: %d MiB, %d round(s); MiB/s is the payload size over the '
          'wall time, although mcimage writes it into two Glances' % (
              args.size_mib, args.rounds))
    rows = [(label, phase) for label, phase, _kind in sides()]
    common.print_times(meter, rows, 'glance', payload.size)
    print()
    for kind in common.MCIMAGE_SERVERS:
        print('mcimage %s peak RSS during its imports: %.1f MiB (its '
              'largest process)' % (kind, meter.peak_mib(kind, kind)))
    print()
    common.print_cpu(meter, rows, payload.size / common.GIB,
                     'GiB of payload (Glance 1 also serves the '
                     'web-download; the client is the web server)')
    common.print_log_problems(mcimages)


def main(argv=None):
    args = common.parser(__doc__.splitlines()[0],
                         size_mib=1024).parse_args(argv)
    return common.run_main(args, run, 'mcimage-bench-import-')


if __name__ == '__main__':
    sys.exit(main())
