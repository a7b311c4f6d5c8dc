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

"""Run a throwaway PostgreSQL cluster for functional tests.

The newest ``/usr/lib/postgresql/*/bin`` (Debian's ``postgresql``
package) provides initdb, pg_ctl and postgres.  Everything (data
directory, Unix socket, log) lives in one temporary directory that
``stop()`` removes.  The cluster trusts every local connection, listens on
127.0.0.1 only, and trades durability for speed (fsync off).  initdb
refuses to run as root: as root the directory belongs to the ``postgres``
user and the server runs as that user (``runuser``).

Databases are made with the ``psql`` of the same installation, so this
module needs only the standard library; the URLs it hands out name the
psycopg2 driver, which the client needs.  Run it as a script to get a
cluster by hand::

    python tools/postgres_server.py [--port 54329] [--database mcimage]
"""

import argparse
import glob
import os
import pwd
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

# Run as scripts and loaded by path: the shared helpers sit beside them.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import server_common as common  # noqa: E402

START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
COMMAND_TIMEOUT = 60.0
LOG_TAIL_CHARS = 3000
SERVER_USER = 'postgres'
SUPERUSER = 'postgres'

# Durability off: the cluster dies with the test run.  Dynamic shared
# memory in the data directory, not /dev/shm, so that a server that had to
# be killed leaves nothing behind once the directory is gone.
SERVER_SETTINGS = (
    'fsync=off',
    'synchronous_commit=off',
    'full_page_writes=off',
    'dynamic_shared_memory_type=mmap',
)

_NAME_RE = re.compile(r'^[A-Za-z_][A-Za-z0-9_]{0,62}$')


def find_bindir():
    """The bin directory of the newest PostgreSQL installed, or None."""
    found = []
    for initdb in glob.glob('/usr/lib/postgresql/*/bin/initdb'):
        version = initdb.split('/')[4]
        key = tuple(int(p) if p.isdigit() else 0
                    for p in version.split('.'))
        found.append((key, os.path.dirname(initdb)))
    if not found:
        return None
    return max(found)[1]


def _alive(pid):
    """Whether pid is a process that is not a zombie."""
    try:
        with open('/proc/%d/stat' % pid, 'rb') as f:
            stat = f.read()
    except OSError:
        return False
    # "pid (comm) state ...": comm may hold spaces and ')'.
    return stat[stat.rfind(b')') + 2:].split()[0] not in (b'Z', b'X')


def _cmdline(pid):
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as f:
            return f.read().decode('utf-8', 'replace').split('\0')
    except OSError:
        return []


def _check_name(name):
    # Interpolated into SQL as an identifier: keep it a plain one.
    if not _NAME_RE.match(name):
        raise ValueError('not a plain database name: %r' % (name,))


class PostgresServer(object):
    """A PostgreSQL cluster in a temporary directory, owned by this object.

    ``start()`` runs initdb, starts postgres on 127.0.0.1 (a free port
    unless one is given) and returns once it accepts connections.
    ``create_database(name)`` returns a SQLAlchemy URL for the new
    database.  ``stop()`` shuts the server down (``pg_ctl stop -m fast``,
    then SIGKILL to the postmaster's process group if it is still there)
    and removes the directory; it is idempotent, and also cleans up after
    a ``start()`` that failed half way.
    """

    def __init__(self, port=None, bindir=None, base_dir=None):
        self.port = port
        self._pick_port = port is None
        self.bindir = bindir or find_bindir()
        self.base_dir = base_dir
        self.workdir = None
        self.data_dir = None
        self.log_file = None
        self.pid = None
        self.host = '127.0.0.1'
        self._run_as = None

    # -- lifecycle ---------------------------------------------------------

    def start(self):
        """initdb, then start postgres and wait until it answers."""
        if self.workdir is not None:
            raise RuntimeError('PostgreSQL was already started in %s'
                               % self.workdir)
        if self.bindir is None:
            raise RuntimeError(
                'PostgreSQL is not installed: no '
                '/usr/lib/postgresql/*/bin/initdb (Debian: apt-get install '
                'postgresql)')
        self.workdir = tempfile.mkdtemp(prefix='mcimage-pg-',
                                        dir=self.base_dir)
        common.LIVE_SERVERS.add(self)
        try:
            self._prepare()
            self._initdb()
            attempts = 3 if self._pick_port else 1
            for attempt in range(attempts):
                if self._pick_port:
                    self.port = common.free_port()
                try:
                    self._start_server()
                    break
                except _PortInUse:
                    if attempt + 1 == attempts:
                        raise RuntimeError(
                            'PostgreSQL could not bind 127.0.0.1:%d\n%s'
                            % (self.port, common.tail(self.log_file)))
            self._wait_ready(time.monotonic() + START_TIMEOUT)
            self._pick_port = False
            return self
        except BaseException:
            self.stop()
            raise

    def stop(self):
        """Stop the server and remove its directory.  Idempotent."""
        workdir = self.workdir
        if workdir is None:
            return
        try:
            if self.data_dir and os.path.isdir(self.data_dir):
                pid = self._postmaster_pid() or self.pid
                shmid = self._shmem_id()
                self._pg_ctl_stop()
                if pid is not None and self._is_our_postmaster(pid):
                    self._kill(pid)
                    # A killed postmaster leaves its SysV segment behind.
                    if shmid is not None:
                        self._remove_shmem(shmid)
        finally:
            self.pid = None
            self.workdir = None
            common.LIVE_SERVERS.discard(self)
            shutil.rmtree(workdir, ignore_errors=True)

    @property
    def running(self):
        return self.pid is not None and self._is_our_postmaster(self.pid)

    # -- databases ---------------------------------------------------------

    def url(self, name='postgres'):
        """The SQLAlchemy URL of database ``name`` (driver: psycopg2)."""
        return 'postgresql+psycopg2://%s@%s:%d/%s' % (
            SUPERUSER, self.host, self.port, name)

    def create_database(self, name):
        """Create database ``name``; returns its SQLAlchemy URL."""
        _check_name(name)
        self.psql('CREATE DATABASE "%s"' % name)
        return self.url(name)

    def drop_database(self, name):
        """Drop database ``name``, closing what is still connected to it.

        Does nothing if the server is gone (a cleanup after stop()).
        """
        _check_name(name)
        if self.workdir is None:
            return
        self.psql('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)

    def psql(self, sql, database='postgres'):
        """Run one SQL command through psql; returns its output."""
        cmd = [os.path.join(self.bindir, 'psql'), '-X', '-q', '-A', '-t',
               '-v', 'ON_ERROR_STOP=1', '-h', self.host,
               '-p', str(self.port), '-U', SUPERUSER, '-d', database,
               '-c', sql]
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True,
                              timeout=COMMAND_TIMEOUT, env=self._env())
        if proc.returncode != 0:
            raise RuntimeError('psql %r exited %s: %s'
                               % (sql, proc.returncode, proc.stderr.strip()))
        return proc.stdout

    # -- internals ---------------------------------------------------------

    def _prepare(self):
        self.data_dir = os.path.join(self.workdir, 'data')
        self.log_file = os.path.join(self.workdir, 'postgres.log')
        if os.geteuid() == 0:
            try:
                user = pwd.getpwnam(SERVER_USER)
            except KeyError:
                raise RuntimeError('running as root, but there is no %r '
                                   'user to run PostgreSQL as' % SERVER_USER)
            os.chown(self.workdir, user.pw_uid, user.pw_gid)
            self._run_as = ['runuser', '-u', SERVER_USER, '--']
        else:
            self._run_as = []

    def _env(self):
        env = dict(os.environ)
        for var in ('PGHOST', 'PGPORT', 'PGUSER', 'PGDATABASE', 'PGDATA',
                    'PGPASSWORD', 'PGSERVICE', 'PGOPTIONS'):
            env.pop(var, None)
        env['LC_ALL'] = 'C.UTF-8'
        return env

    def _run(self, args, timeout=COMMAND_TIMEOUT):
        """Run a PostgreSQL program as the server's user; output or raise."""
        cmd = self._run_as + [os.path.join(self.bindir, args[0])] + args[1:]
        try:
            proc = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT,
                                  cwd=self.workdir, env=self._env(),
                                  timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError('%s timed out after %s s' % (args[0], timeout)
                               ) from exc
        output = proc.stdout.decode('utf-8', 'replace')
        if proc.returncode != 0:
            raise _CommandFailed('%s exited %s\n%s'
                                 % (args[0], proc.returncode, output))
        return output

    def _initdb(self):
        self._run(['initdb', '-D', self.data_dir, '-A', 'trust',
                   '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync',
                   '-U', SUPERUSER])

    def _start_server(self):
        options = ['-p %d' % self.port, '-k %s' % shlex.quote(self.workdir),
                   '-c listen_addresses=%s' % self.host]
        options += ['-c %s' % s for s in SERVER_SETTINGS]
        with open(self.log_file, 'a'):
            pass
        if self._run_as:
            shutil.chown(self.log_file, SERVER_USER)
        offset = os.path.getsize(self.log_file)
        try:
            # -w: until postmaster.pid says "ready" (or postgres exits).
            self._run(['pg_ctl', '-D', self.data_dir, '-l', self.log_file,
                       '-w', '-t', str(int(START_TIMEOUT)),
                       '-o', ' '.join(options), 'start'],
                      timeout=START_TIMEOUT + 10)
        except _CommandFailed as exc:
            log = self._log_since(offset)
            # pg_ctl may have given up on a postgres that still runs.
            self._pg_ctl_stop()
            if 'Address already in use' in log:
                raise _PortInUse()
            raise RuntimeError('PostgreSQL did not start: %s\n%s'
                               % (exc, log[-LOG_TAIL_CHARS:]))
        self.pid = self._postmaster_pid()

    def _wait_ready(self, deadline):
        last = None
        while True:
            try:
                self.psql('SELECT 1')
                return
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                last = exc
            if time.monotonic() > deadline:
                raise RuntimeError('PostgreSQL not ready after %.0f s: %s\n%s'
                                   % (START_TIMEOUT, last,
                                      common.tail(self.log_file)))
            time.sleep(0.1)

    def _log_since(self, offset):
        try:
            with open(self.log_file, 'rb') as f:
                f.seek(offset)
                return f.read().decode('utf-8', 'replace')
        except OSError:
            return ''

    def _postmaster_pid(self):
        # The first line of postmaster.pid (gone after a clean stop).
        try:
            with open(os.path.join(self.data_dir, 'postmaster.pid')) as f:
                return int(f.readline().strip())
        except (OSError, ValueError):
            return None

    def _shmem_id(self):
        # postmaster.pid line 7: "<shared memory key> <shared memory id>".
        try:
            with open(os.path.join(self.data_dir, 'postmaster.pid')) as f:
                fields = f.read().splitlines()[6].split()
            return int(fields[1])
        except (OSError, IndexError, ValueError):
            return None

    @staticmethod
    def _remove_shmem(shmid):
        try:
            subprocess.run(['ipcrm', '-m', str(shmid)],
                           stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL,
                           timeout=COMMAND_TIMEOUT)
        except (OSError, subprocess.SubprocessError):
            pass  # best effort: 56 bytes

    def _is_our_postmaster(self, pid):
        # The PID may have been reused: ours was started with "-D data_dir".
        if not _alive(pid):
            return False
        return self.data_dir in _cmdline(pid)

    def _pg_ctl_stop(self):
        try:
            self._run(['pg_ctl', '-D', self.data_dir, '-m', 'fast', '-w',
                       '-t', str(int(STOP_TIMEOUT)), 'stop'],
                      timeout=STOP_TIMEOUT + 10)
        except (RuntimeError, OSError):
            pass  # not running, or stuck: the caller kills it

    @staticmethod
    def _kill(pid):
        # pg_ctl starts the postmaster as a session leader: its process
        # group holds every backend.
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        except PermissionError:
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + STOP_TIMEOUT
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)


class _CommandFailed(RuntimeError):
    pass


class _PortInUse(Exception):
    pass


def main(argv=None):
    parser = argparse.ArgumentParser(
        description='Run a throwaway PostgreSQL cluster on 127.0.0.1 in the '
                    'foreground until SIGINT or SIGTERM; its directory is '
                    'removed at the end.')
    parser.add_argument('--port', type=int, default=None,
                        help='port on 127.0.0.1 (default: a free one)')
    parser.add_argument('--database', action='append', default=[],
                        help='create this database (may be repeated)')
    args = parser.parse_args(argv)

    stop_event = threading.Event()

    def _on_signal(signum, frame):
        stop_event.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)

    server = PostgresServer(port=args.port)
    started = time.monotonic()
    try:
        server.start()
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    rc = 0
    try:
        print('PostgreSQL %s on 127.0.0.1:%d (pid %s), started in %.1f s'
              % (server.bindir, server.port, server.pid,
                 time.monotonic() - started))
        print('Log: %s' % server.log_file)
        for name in args.database:
            print('Database %s: %s' % (name, server.create_database(name)))
        sys.stdout.flush()
        while not stop_event.wait(1.0):
            if not server.running:
                print('PostgreSQL exited unexpectedly', file=sys.stderr)
                rc = 1
                break
    finally:
        server.stop()
    return rc


if __name__ == '__main__':
    sys.exit(main())
