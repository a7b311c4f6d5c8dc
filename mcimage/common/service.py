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

"""What every mcimage command does first, and the background jobs.

A long-running mcimage process (mcimage-api, each worker of a WSGI server
that calls mcimage.wsgi.api.start_background, mcimage-worker) runs a
BackgroundService: futurist periodics that clean up after crashes and
failures, and expire what outlived its time.
"""

import ctypes
import ctypes.util
import os
import threading

import futurist
from futurist import periodics
from oslo_concurrency import lockutils
from oslo_config import cfg
from oslo_log import log as logging

from mcimage import backends
from mcimage.common import exception
from mcimage.common import malloc
from mcimage.common import utils
from mcimage import conf as mcimage_conf  # noqa: F401 (registers options)
from mcimage.conf import opts
from mcimage.db import api as db_api
from mcimage.images import recovery
from mcimage.images import staging
from mcimage.tasks import upkeep as tasks_upkeep
from mcimage import version

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

# glibc gives every thread that allocates while another holds the lock an
# arena of its own (up to eight per core), and each arena keeps what it
# held: after a few GiB of transfers mcimage-api's threads had left 6 MiB
# more resident than two arenas do, at no cost in speed measured
# (doc/source/contributor/data-path.rst). MALLOC_ARENA_MAX in the
# environment, which glibc reads itself, wins.
MALLOC_ARENAS = 2
_M_ARENA_MAX = -8  # malloc.h


def limit_malloc_arenas():
    """At most MALLOC_ARENAS glibc arenas, unless the environment says."""
    if 'MALLOC_ARENA_MAX' in os.environ:
        return
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library('c')).mallopt
    except (OSError, AttributeError, TypeError):
        return  # not glibc: its allocator has no arenas to limit
    mallopt(_M_ARENA_MAX, MALLOC_ARENAS)


def prepare_service(argv=None, conf=CONF, default_config_files=None):
    limit_malloc_arenas()
    logging.register_options(conf)
    opts.set_lib_defaults()
    conf(argv or [], project='mcimage',
         version=version.version_string(),
         default_config_files=default_config_files)
    logging.setup(conf, 'mcimage')
    os.makedirs(conf.state_path, mode=0o750, exist_ok=True)
    return conf


def check_database():
    """Raise ConfigInvalid unless the database schema is at its head."""
    current, head = db_api.schema_revision(), db_api.SCHEMA_HEAD
    if current != head:
        raise exception.ConfigInvalid(
            group='database', option='connection',
            reason='the database is at revision %s, not %s: run '
                   '"mcimage-manage db sync"' % (current, head))


# -- the jobs: one function each --------------------------------------------

def recover_uploads(registry, rows):
    """Synchronous uploads: delete the half-made images of these rows."""
    recovery.recover_uploads(registry, rows)


def resume_tasks():
    """Tasks of this host's dead processes, run again here."""
    tasks_upkeep.resume_tasks()


def sweep_staging(broken_off):
    """Expired staged uploads, those a stop broke off, orphaned files."""
    staging.sweep(broken_off=broken_off)


def purge_tasks():
    """Finished tasks past their expiry, and their flows' state."""
    tasks_upkeep.purge_expired()


# -- who runs them ---------------------------------------------------------

class BackgroundService(object):
    """The periodic jobs of one process, on futurist periodics.

    The rows a job reads are its host's (``host`` = [DEFAULT] host): a
    process that is gone leaves rows carrying its pid, and only a process of
    the same host can tell. Each job holds a lock file in [DEFAULT]
    state_path while it runs, so of the processes of a host (mcimage-api,
    the workers of a WSGI server, mcimage-worker) one runs it at a time
    and the others skip that round; what expires is everyone's, and
    deleting it is idempotent (a row or file already gone is done).
    """

    def __init__(self):
        self._pid = os.getpid()
        self._reused_uploads = frozenset()
        self._reused_staged = frozenset()
        self._worker = None
        self._thread = None

    def start(self):
        """Start the jobs; call before the process serves anything.

        At start, a row of this host that carries our own pid was written by
        a dead process whose pid we reuse; any later one is ours, in flight.
        """
        try:
            self._reused_uploads = frozenset(
                row['id'] for row in db_api.upload_get_all(host=CONF.host)
                if row['pid'] == self._pid)
            self._reused_staged = frozenset(
                row['id'] for row in db_api.staged_upload_get_all(
                    status='saving', host=CONF.host)
                if row['pid'] == self._pid)
        except Exception:
            # The jobs still run, and report the database at each round.
            LOG.exception('Cannot read the uploads this process inherits')

        @periodics.periodic(CONF.upload.cleanup_interval,
                            run_immediately=True)
        def recover():
            self.recover()

        @periodics.periodic(CONF.staging_store.cleanup_interval,
                            run_immediately=True)
        def sweep():
            self.sweep()

        @periodics.periodic(malloc.RELEASE_INTERVAL)
        def release_memory():
            # This process's own heap: no lock, every process does it.
            malloc.release_free_memory()

        callables = [(recover, (), {}), (sweep, (), {}),
                     (release_memory, (), {})]
        # A thread each: a VIM that does not answer holds up one job only.
        self._worker = periodics.PeriodicWorker(
            callables, executor_factory=lambda: futurist.ThreadPoolExecutor(
                max_workers=len(callables)))
        self._thread = threading.Thread(target=self._worker.start,
                                        name='mcimage-periodics', daemon=True)
        self._thread.start()
        LOG.debug('Background jobs started in process %d', self._pid)

    def stop(self):
        if self._worker is not None:
            self._worker.stop()
            self._worker.wait()
            self._thread.join()
            self._worker = self._thread = None

    def _left_behind(self, row, reused):
        """A row whose process is gone (utils.is_trace: ours not in flight)."""
        return utils.is_trace(row) and (row['pid'] != self._pid
                                        or row['id'] in reused)

    def _exclusive(self, name, job):
        lock = lockutils.external_lock(name, lock_file_prefix='mcimage-',
                                       lock_path=CONF.state_path)
        if not lock.acquire(blocking=False):
            LOG.debug('Job %s runs in another process of this host', name)
            return
        try:
            job()
        finally:
            lock.release()

    def recover(self):
        self._exclusive('recover', self._recover)

    def _recover(self):
        try:
            # Images a VIM could not delete when their upload failed, and
            # the uploads of this host's processes that are gone.
            rows = [row for row in db_api.upload_get_all(host=CONF.host)
                    if row['state'] == 'orphaned'
                    or self._left_behind(row, self._reused_uploads)]
            recover_uploads(backends.init(), rows)
        except Exception:
            LOG.exception('Clean-up of interrupted uploads failed')
        # After the images of broken uploads are gone, not before: a
        # resumed task must not meet them half-deleted.
        try:
            resume_tasks()
        except Exception:
            LOG.exception('Resuming interrupted tasks failed')

    def sweep(self):
        self._exclusive('sweep', self._sweep)

    def _sweep(self):
        try:
            broken_off = [row for row in db_api.staged_upload_get_all(
                status='saving', host=CONF.host)
                if self._left_behind(row, self._reused_staged)]
            sweep_staging(broken_off)
        except Exception:
            LOG.exception('Sweeping the staging store failed')
        try:
            purge_tasks()
        except Exception:
            LOG.exception('Purging expired tasks failed')
