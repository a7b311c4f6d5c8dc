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

"""Run mcimage-api as a child process, for functional tests and benchmarks.

The configuration is the embedded default's, in a work directory: noauth
on a free 127.0.0.1 port, sqlite under the work directory, and every VIM in
``auth_mode = trusted`` to its Glance endpoint (tools/glance_server.py).
The process runs in its own session: it is stopped by its PID and never
gets its parent's Ctrl-C. Standard library and requests only, so that it
loads by file path from tests and benchmarks alike.
"""

import os
import signal
import socket
import subprocess
import sys
import time

import requests

GUNICORN_CONF = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'etc',
    'mcimage', 'mcimage-api-gunicorn.conf.py')
START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class MCImageServer(object):
    """mcimage-api serving ``vims`` ({vim_id: Glance endpoint}).

    ``extra_conf`` is appended to mcimage.conf (oslo.config merges a
    section given twice); ``env`` adds to the process's environment. The
    port, configuration and database stay the same across restarts.
    """

    def __init__(self, workdir, vims, python=sys.executable, extra_conf='',
                 debug=True, env=None, server='embedded'):
        self.workdir = workdir
        # 'embedded': mcimage-api itself; 'gunicorn': the production
        # example, etc/mcimage/mcimage-api-gunicorn.conf.py.
        self.server = server
        self.vims = vims
        self.python = python
        self.extra_conf = extra_conf
        self.debug = debug
        self.env = env or {}
        self.port = None
        self.endpoint = None
        self.proc = None
        self.conf_file = os.path.join(workdir, 'mcimage.conf')
        self.log_file = os.path.join(workdir, 'mcimage-api.log')
        self.out_file = os.path.join(workdir, 'mcimage-api.out')
        # mcimage-worker processes ([task] jobboard_backend = redis).
        self.workers = {}

    @property
    def pid(self):
        return self.proc.pid if self.proc is not None else None

    def url(self, path):
        return self.endpoint + path

    def _write_config(self):
        lines = ['[DEFAULT]',
                 'auth_strategy = noauth',
                 'state_path = %s' % self.workdir,
                 'enabled_vims = %s' % ','.join(self.vims),
                 'log_file = %s' % self.log_file,
                 'debug = %s' % str(self.debug).lower(),
                 # Under gunicorn, mcimage cannot see that it is bound to
                 # 127.0.0.1 (below): the operator's explicit opt-in.
                 'allow_insecure_noauth = %s' % str(
                     self.server == 'gunicorn').lower(),
                 '[api]',
                 'bind_host = 127.0.0.1',
                 'bind_port = %d' % self.port]
        for vim_id, endpoint in self.vims.items():
            lines += ['[vim:%s]' % vim_id,
                      'auth_mode = trusted',
                      'endpoint_override = %s' % endpoint,
                      'description = Glance at %s' % endpoint]
        with open(self.conf_file, 'w') as f:
            f.write('\n'.join(lines) + '\n' + self.extra_conf)

    def _run(self, *args):
        command = [self.python, '-m', args[0], '--config-file',
                   self.conf_file] + list(args[1:])
        done = subprocess.run(
            command,
            capture_output=True, timeout=120, cwd=self.workdir,
            stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            raise RuntimeError('%s exited %d:\n%s' % (
                ' '.join(args), done.returncode,
                (done.stdout + done.stderr).decode('utf-8',
                                                   'replace')[-3000:]))

    def start(self):
        """Start (the first time: configure and sync the database)."""
        if self.port is None:
            os.makedirs(self.workdir, exist_ok=True)
            self.port = free_port()
            self.endpoint = 'http://127.0.0.1:%d' % self.port
            self._write_config()
            self._run('mcimage.cmd.manage', 'db', 'sync')
        env = dict(os.environ)
        env.update(self.env)
        if self.server == 'gunicorn':
            command = [self.python, '-m', 'gunicorn', '-c', GUNICORN_CONF,
                       '-b', '127.0.0.1:%d' % self.port,
                       'mcimage.wsgi.api:application']
            env['MCIMAGE_CONFIG_FILES'] = self.conf_file
        else:
            command = [self.python, '-m', 'mcimage.cmd.api',
                       '--config-file', self.conf_file]
        with open(self.out_file, 'ab') as out:
            self.proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, cwd=self.workdir, env=env,
                start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError('mcimage-api exited with %s:\n%s' % (
                    self.proc.returncode, self.log_tail()))
            try:
                if requests.get(self.endpoint + '/healthcheck',
                                timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError('mcimage-api did not start in %d s:\n%s' % (
            START_TIMEOUT, self.log_tail()))

    def check_alive(self):
        if self.proc is None or self.proc.poll() is not None:
            raise RuntimeError('mcimage-api is gone (exit status %s):\n%s' % (
                self.proc and self.proc.returncode, self.log_tail()))

    def start_worker(self, name):
        """Start an mcimage-worker on the same configuration.

        Its log is mcimage-worker-<name>.log in the work directory.
        """
        log = os.path.join(self.workdir, 'mcimage-worker-%s.log' % name)
        with open(log + '.out', 'ab') as out:
            self.workers[name] = subprocess.Popen(
                [self.python, '-m', 'mcimage.cmd.worker', '--config-file',
                 self.conf_file, '--log-file', log],
                stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, cwd=self.workdir,
                env=dict(os.environ, **self.env), start_new_session=True)
        return self.workers[name]

    def kill_worker(self, name):
        """SIGKILL a worker at once, as a crash would."""
        proc = self.workers.pop(name)
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=STOP_TIMEOUT)

    def worker_log(self, name, chars=4000):
        path = os.path.join(self.workdir, 'mcimage-worker-%s.log' % name)
        text = ''
        for one in (path + '.out', path):
            try:
                with open(one, errors='replace') as f:
                    text += f.read()[-chars:]
            except OSError:
                pass
        return text

    def _stop_workers(self):
        for name, proc in list(self.workers.items()):
            _terminate(proc)
            del self.workers[name]

    def stop(self):
        """SIGTERM, SIGKILL after STOP_TIMEOUT; then its whole group.

        Workers too. Idempotent.
        """
        self._stop_workers()
        proc = self.proc
        if proc is None:
            return
        try:
            # start_new_session: its process group id is its PID.
            _terminate(proc)
        finally:
            self.proc = None

    def kill(self):
        """SIGKILL at once, as a crash would."""
        proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(timeout=STOP_TIMEOUT)
        self.proc = None

    def log_tail(self, chars=4000):
        text = ''
        for path in (self.out_file, self.log_file):
            try:
                with open(path, errors='replace') as f:
                    text += f.read()[-chars:]
            except OSError:
                pass
        return text

    def log_problems(self, limit=10):
        """(count, first lines) of the WARNING/ERROR/Traceback log lines.

        The noauth banner, expected here, is left out.
        """
        found = []
        try:
            with open(self.log_file, errors='replace') as f:
                for line in f:
                    # "date time pid LEVEL logger ..."
                    words = line.split(None, 4)
                    level = words[3] if len(words) > 3 else ''
                    if 'NO AUTHENTICATION' in line:
                        continue
                    if (level in ('WARNING', 'ERROR', 'CRITICAL')
                            or line.startswith('Traceback')):
                        found.append(line.rstrip())
        except OSError:
            pass
        return len(found), found[:limit]


def _terminate(proc):
    """SIGTERM, SIGKILL after STOP_TIMEOUT; then the process's group."""
    try:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=STOP_TIMEOUT)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
