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

"""Run a throwaway Redis server for functional tests.

Debian's ``redis-server`` runs on 127.0.0.1 only (protected mode on), in
the foreground, in a session (process group) of its own, with a temporary
directory as its working directory and no persistence at all (no RDB
snapshots, no AOF): whatever it holds is gone when it stops or is killed.
Its configuration file (which holds the password, if any, so that it does
not show in the process list) and its log live in that directory, which
``stop()`` removes.

The server is asked whether it is ready with the Redis protocol on a plain
socket, so this module needs only the standard library.  Run it as a
script to get a server by hand::

    python tools/redis_server.py [--port 6380] [--password SECRET]
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from urllib import parse

# Run as scripts and loaded by path: the shared helpers sit beside them.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import server_common as common  # noqa: E402

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
COMMAND_TIMEOUT = 10.0
LOG_TAIL_CHARS = 3000
BINARY = 'redis-server'


def find_binary():
    """The path of redis-server, or None."""
    return shutil.which(BINARY) or (
        '/usr/bin/redis-server'
        if os.access('/usr/bin/redis-server', os.X_OK) else None)


def _quote(value):
    """A value for redis.conf: double quotes, anything unusual as \\xHH."""
    if isinstance(value, str):
        value = value.encode('utf-8')
    out = []
    for byte in value:
        if 0x20 <= byte < 0x7f and byte not in (0x22, 0x5c):  # '"' and '\'
            out.append(chr(byte))
        else:
            out.append('\\x%02x' % byte)
    return '"%s"' % ''.join(out)


# -- the Redis protocol (RESP2), just enough for PING, AUTH, INFO... ------

class ReplyError(Exception):
    """An error reply (``-ERR ...``, ``-NOAUTH ...``) of the server."""


def _encode_command(args):
    parts = [b'*%d\r\n' % len(args)]
    for arg in args:
        if isinstance(arg, str):
            arg = arg.encode('utf-8')
        elif isinstance(arg, int):
            arg = str(arg).encode('ascii')
        parts.append(b'$%d\r\n%s\r\n' % (len(arg), arg))
    return b''.join(parts)


def _read_reply(stream):
    line = stream.readline()
    if not line.endswith(b'\r\n'):
        raise ConnectionError('Redis closed the connection')
    kind, rest = line[:1], line[1:-2]
    if kind == b'+':
        return rest.decode('utf-8', 'replace')
    if kind == b'-':
        return ReplyError(rest.decode('utf-8', 'replace'))
    if kind == b':':
        return int(rest)
    if kind == b'$':
        size = int(rest)
        if size < 0:
            return None
        data = stream.read(size + 2)
        if len(data) != size + 2:
            raise ConnectionError('Redis closed the connection')
        return data[:-2]
    if kind == b'*':
        count = int(rest)
        if count < 0:
            return None
        return [_read_reply(stream) for _ in range(count)]
    raise ConnectionError('not a Redis reply: %r' % (line[:100],))


def _raise_errors(reply):
    if isinstance(reply, ReplyError):
        raise reply
    if isinstance(reply, list):
        for item in reply:
            _raise_errors(item)
    return reply


class RedisServer(object):
    """A redis-server process owned by this object.

    ``start()`` starts it on 127.0.0.1 (a free port unless one is given)
    and returns once the server answers ``INFO`` with its own PID.
    ``stop()`` sends SIGTERM to its process group, SIGKILL after
    ``STOP_TIMEOUT`` seconds, and removes the temporary directory; it is
    idempotent, and also cleans up after a ``start()`` that failed half
    way.  ``kill()`` sends SIGKILL at once (a crash) and keeps the
    directory and the port: ``start()`` brings the server back, empty, on
    the same port.  ``password`` (``None`` or ``''`` for none) becomes the
    server's ``requirepass``.
    """

    def __init__(self, port=None, password=None, binary=None,
                 base_dir=None):
        self.host = '127.0.0.1'
        self.port = port
        # A free port is picked until the first successful start; a
        # restart keeps the port so that clients can reconnect.
        self._pick_port = port is None
        self.password = password or None
        self.binary = binary or find_binary()
        self.base_dir = base_dir
        self.workdir = None
        self.config_file = None
        self.log_file = None
        self.pid = None
        self._proc = None
        self._log_offset = 0

    # -- lifecycle ---------------------------------------------------------

    def start(self):
        """Start redis-server and wait until it answers."""
        if self.running:
            raise RuntimeError('Redis is already running, pid %s' % self.pid)
        if self.binary is None:
            raise RuntimeError('Redis is not installed: no redis-server '
                               '(Debian: apt-get install redis-server)')
        if self.workdir is None:
            self.workdir = tempfile.mkdtemp(prefix='mcimage-redis-',
                                            dir=self.base_dir)
            self.config_file = os.path.join(self.workdir, 'redis.conf')
            self.log_file = os.path.join(self.workdir, 'redis.log')
        common.LIVE_SERVERS.add(self)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            attempts = 3 if self._pick_port else 1
            for attempt in range(attempts):
                if self._pick_port:
                    self.port = common.free_port()
                self._write_config()
                self._spawn()
                try:
                    self._wait_ready(deadline)
                    break
                except _PortInUse:
                    self._kill_group()
                    if attempt + 1 == attempts:
                        raise RuntimeError(
                            'Redis could not bind 127.0.0.1:%d\n%s'
                            % (self.port, common.tail(self.log_file)))
            self._pick_port = False
            return self
        except BaseException:
            self.stop()
            raise

    def stop(self):
        """Stop the server and remove its directory.  Idempotent."""
        try:
            self._terminate()
        finally:
            self._proc = None
            self.pid = None
            common.LIVE_SERVERS.discard(self)
            workdir, self.workdir = self.workdir, None
            if workdir is not None:
                shutil.rmtree(workdir, ignore_errors=True)

    def kill(self):
        """SIGKILL the server at once; its directory and port are kept."""
        try:
            if self._proc is not None:
                self._kill_group()
        finally:
            self._proc = None
            self.pid = None

    def restart(self):
        """Shut down (SIGTERM), then start again, empty, on the same port."""
        try:
            self._terminate()
        finally:
            self._proc = None
            self.pid = None
        return self.start()

    @property
    def running(self):
        return self._proc is not None and self._proc.poll() is None

    # -- client helpers ----------------------------------------------------

    def url(self, db=0, with_password=True):
        """A redis:// URL of database ``db``."""
        auth = ''
        if with_password and self.password:
            auth = ':%s@' % parse.quote(self.password, safe='')
        return 'redis://%s%s:%d/%d' % (auth, self.host, self.port, db)

    def command(self, *args, password=False, timeout=COMMAND_TIMEOUT):
        """Send one command on a new connection; returns the reply.

        Bulk strings come back as bytes, simple strings as str.  The
        connection authenticates first with ``password`` (default: the
        server's; ``None``: do not).  An error reply raises ReplyError.
        """
        if password is False:
            password = self.password
        commands = [args]
        if password:
            commands.insert(0, ('AUTH', password))
        with socket.create_connection((self.host, self.port),
                                      timeout=timeout) as sock:
            sock.sendall(b''.join(_encode_command(c) for c in commands))
            with sock.makefile('rb') as stream:
                replies = [_read_reply(stream) for _ in commands]
        for reply in replies:
            _raise_errors(reply)
        return replies[-1]

    def ping(self):
        """True if the server answers PING (after AUTH if need be)."""
        try:
            return self.command('PING', timeout=2.0) == 'PONG'
        except (OSError, ReplyError):
            return False

    def info(self, section='server'):
        """``INFO section`` as a dict of str."""
        text = self.command('INFO', section).decode('utf-8', 'replace')
        values = {}
        for line in text.splitlines():
            if line and not line.startswith('#') and ':' in line:
                key, value = line.split(':', 1)
                values[key] = value
        return values

    def log_tail(self, chars=LOG_TAIL_CHARS):
        if self.log_file is None:
            return ''
        return common.tail(self.log_file, chars)

    # -- internals ---------------------------------------------------------

    def _write_config(self):
        lines = [
            'bind 127.0.0.1',
            'port %d' % self.port,
            'protected-mode yes',
            # No persistence of any kind (and no Unix socket: the default).
            'save ""',
            'appendonly no',
            'dir %s' % _quote(self.workdir),
            'daemonize no',
            'supervised no',
            # The log goes to stdout, i.e. our log file.
            'logfile ""',
            'loglevel notice',
            'always-show-logo no',
        ]
        if self.password:
            lines.append('requirepass %s' % _quote(self.password))
        fd = os.open(self.config_file,
                     os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w') as f:
            f.write('\n'.join(lines) + '\n')

    def _spawn(self):
        cmd = [self.binary, self.config_file]
        with open(self.log_file, 'ab') as log:
            self._log_offset = log.tell()
            log.write(('--- %s starting: %s\n' % (
                time.strftime('%Y-%m-%d %H:%M:%S'),
                ' '.join(cmd))).encode())
            log.flush()
            self._proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, cwd=self.workdir,
                start_new_session=True)
        self.pid = self._proc.pid

    def _wait_ready(self, deadline):
        last = 'no answer yet'
        while True:
            rc = self._proc.poll()
            if rc is not None:
                if 'Address already in use' in self._log_since_spawn():
                    raise _PortInUse()
                raise RuntimeError('redis-server exited %s before it was '
                                   'ready\n%s' % (rc, self.log_tail()))
            try:
                # Whatever answers on the port is ours only if it says so.
                pid = self.info('server').get('process_id')
                if pid == str(self.pid):
                    return
                last = 'process %s answers on the port' % pid
            except (OSError, ReplyError) as exc:
                last = repr(exc)
            if time.monotonic() > deadline:
                raise RuntimeError(
                    'Redis not ready after %.0f s (pid %s, last: %s)\n%s'
                    % (START_TIMEOUT, self.pid, last, self.log_tail()))
            time.sleep(0.05)

    def _log_since_spawn(self):
        try:
            with open(self.log_file, 'rb') as f:
                f.seek(self._log_offset)
                return f.read().decode('utf-8', 'replace')
        except OSError:
            return ''

    def _terminate(self):
        # SIGTERM, SIGKILL what is left after STOP_TIMEOUT.
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self._proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                pass
        self._kill_group()

    def _signal_group(self, sig):
        # start_new_session=True: the process group id is the PID, which
        # cannot be reused before we have reaped the process.
        try:
            os.killpg(self._proc.pid, sig)
        except ProcessLookupError:
            pass

    def _kill_group(self):
        proc = self._proc
        self._signal_group(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + STOP_TIMEOUT
        while common.group_alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)


class _PortInUse(Exception):
    pass


def main(argv=None):
    parser = argparse.ArgumentParser(
        description='Run a throwaway Redis server on 127.0.0.1 (no '
                    'persistence) in the foreground until SIGINT or '
                    'SIGTERM; its directory is removed at the end.')
    parser.add_argument('--port', type=int, default=None,
                        help='port on 127.0.0.1 (default: a free one)')
    parser.add_argument('--password', default=None,
                        help='require this password (requirepass)')
    args = parser.parse_args(argv)

    stop_event = threading.Event()

    def _on_signal(signum, frame):
        stop_event.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)

    server = RedisServer(port=args.port, password=args.password)
    started = time.monotonic()
    try:
        server.start()
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    rc = 0
    try:
        print('Redis %s on 127.0.0.1:%d (pid %s), started in %.2f s'
              % (server.info().get('redis_version', '?'), server.port,
                 server.pid, time.monotonic() - started))
        print('URL: %s' % server.url(with_password=False))
        print('Log: %s' % server.log_file)
        sys.stdout.flush()
        while not stop_event.wait(1.0):
            if not server.running:
                print('Redis exited unexpectedly:\n%s' % server.log_tail(),
                      file=sys.stderr)
                rc = 1
                break
    finally:
        server.stop()
    return rc


if __name__ == '__main__':
    sys.exit(main())
