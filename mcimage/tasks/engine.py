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

"""Running import flows: embedded thread pool, or a Redis jobboard.

Every flow's state lives in the taskflow persistence database
([task] persistence_connection), so whoever runs a task next (this
process after a restart, any mcimage-worker after a worker died) resumes
it where it stopped. Embedded (``jobboard_backend = none``): the
accepting mcimage-api runs the flow on a bounded thread pool. Jobboard:
mcimage-api posts a job; mcimage-worker conductors claim and run them,
their claims expiring when they stop extending them (Octavia's pattern).
"""

import concurrent.futures
import contextlib
import os
import threading
import time

from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import timeutils
from taskflow.conductors import backends as conductor_backends
from taskflow import engines
from taskflow import exceptions as tf_exceptions
from taskflow.jobs import backends as job_backends
from taskflow.jobs.backends import impl_redis
from taskflow.persistence import backends as persistence_backends
from taskflow.persistence import models

from mcimage.common import exception
from mcimage.common import utils
from mcimage.db import api as db_api
from mcimage.tasks import flows
from mcimage.tasks import status

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

_lock = threading.Lock()
_backend = None
_runner = None
# A row of this host carrying our pid, written before this moment, was
# left by a predecessor that had the same pid (a container's restart).
_started_at = timeutils.utcnow()


def _persistence_conf():
    return {'connection': CONF.task.persistence_connection}


def upgrade_persistence():
    """Create or migrate the flow-state schema (mcimage-manage db sync)."""
    backend = persistence_backends.fetch(_persistence_conf())
    with contextlib.closing(backend):
        with contextlib.closing(backend.get_connection()) as connection:
            connection.upgrade()


def persistence():
    """This process's taskflow persistence backend."""
    global _backend
    with _lock:
        if _backend is None:
            _backend = persistence_backends.fetch(_persistence_conf())
            with contextlib.closing(_backend.get_connection()) as conn:
                conn.validate()
        return _backend


def reset():
    """Forget the backend and the runner (tests, a new configuration)."""
    global _backend, _runner
    with _lock:
        if _runner is not None:
            _runner.shutdown()
        if _backend is not None:
            _backend.close()
        _backend = _runner = None


def _save_flow(task_id, target_count):
    """The task's logbook (its id is the task's) with its flow's factory."""
    backend = persistence()
    book = models.LogBook('task-%s' % task_id, uuid=task_id)
    flow_detail = models.FlowDetail('import-%s' % task_id,
                                    uuid=task_id)
    book.add(flow_detail)
    with contextlib.closing(backend.get_connection()) as conn:
        conn.save_logbook(book)
    engines.save_factory_details(flow_detail, flows.import_flow,
                                 [task_id, target_count], {},
                                 backend=backend)
    db_api.task_update(task_id, {'flow_id': flow_detail.uuid})
    return book, flow_detail


def forget_flow(task_id):
    """Delete a task's logbook (when the task itself is deleted)."""
    try:
        with contextlib.closing(persistence().get_connection()) as conn:
            conn.destroy_logbook(task_id)
    except tf_exceptions.NotFound:
        pass


def _flow_detail(task_id):
    with contextlib.closing(persistence().get_connection()) as conn:
        return conn.get_flow_details(task_id)


def _taken(task_id):
    """Record that this process runs the task now (crash recovery)."""
    db_api.task_update(task_id, {'host': CONF.host, 'pid': os.getpid()},
                       statuses=('pending', 'processing'))


def _load_engine(flow_detail, task_id):
    """The flow's engine: every target's chain at once (see feed)."""
    return engines.load_from_detail(flow_detail, store={'task_id': task_id},
                                    backend=persistence(), engine='parallel',
                                    max_workers=flows.MAX_TARGETS)


def _run_flow(task_id, flow_detail):
    """Run (or resume) a task's flow here, to its end."""
    try:
        # The row names this process already: it accepted the task, or
        # claimed it (EmbeddedRunner.resume).
        engine = _load_engine(flow_detail, task_id)
        status.watch(engine, task_id)
    except Exception:
        LOG.exception('Task %s: cannot load its flow', task_id)
        status.mark_unrunnable(task_id)
        return
    try:
        engine.run()
    except Exception as e:
        # The watcher marked the task with the cause.
        LOG.debug('Task %(id)s flow ended with %(err)r',
                  {'id': task_id, 'err': e})


class EmbeddedRunner(object):
    """Flows run by this process, at most [task] max_workers at once."""

    def __init__(self):
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=CONF.task.max_workers,
            thread_name_prefix='task')

    def submit(self, task_id, target_count):
        _book, flow_detail = _save_flow(task_id, target_count)
        self._executor.submit(_run_flow, task_id, flow_detail)

    def resume(self, row):
        """Run a task a stopped process of this host left unfinished.

        Each process of the host (every gunicorn worker) tries at its
        start: only the one whose claim changes the row runs it.
        """
        if not db_api.task_claim(row['id'], row['host'], row['pid'],
                                 CONF.host, os.getpid()):
            LOG.debug('Task %s is taken over by another process', row['id'])
            return
        try:
            flow_detail = _flow_detail(row['id'])
        except tf_exceptions.NotFound:
            # Stopped before its flow was even saved: nothing was made.
            status.mark_unrunnable(row['id'])
            return
        LOG.info('Resuming task %s, left %s by a stop of mcimage',
                 row['id'], row['status'])
        self._executor.submit(_run_flow, row['id'], flow_detail)

    def shutdown(self):
        self._executor.shutdown(wait=False)


def _jobboard_conf():
    conf = {'board': 'redis',
            'host': CONF.task.jobboard_backend_hosts[0],
            'port': CONF.task.jobboard_backend_port,
            'db': CONF.task.jobboard_backend_db,
            'namespace': CONF.task.jobboard_name}
    if CONF.task.jobboard_backend_password:
        conf['password'] = CONF.task.jobboard_backend_password
    return conf


@contextlib.contextmanager
def jobboard():
    with job_backends.backend(CONF.task.jobboard_name, _jobboard_conf(),
                              persistence=persistence()) as board:
        yield board


class JobboardRunner(object):
    """Flows posted to the jobboard, for mcimage-worker to run."""

    def submit(self, task_id, target_count):
        book, _flow_detail = _save_flow(task_id, target_count)
        try:
            with jobboard() as board:
                board.post('task-%s' % task_id, book=book,
                           details={'store': {'task_id': task_id}})
        except Exception as e:
            LOG.error('Cannot post task %(id)s to the jobboard: %(err)s',
                      {'id': task_id, 'err': e})
            raise exception.ServiceUnavailable(
                reason='the task jobboard is not answering')

    def resume(self, row):
        # The jobboard hands an unfinished job to another worker itself.
        pass

    def shutdown(self):
        pass


def runner():
    """This process's runner, chosen by [task] jobboard_backend."""
    global _runner
    with _lock:
        if _runner is None:
            _runner = (JobboardRunner()
                       if CONF.task.jobboard_backend == 'redis'
                       else EmbeddedRunner())
        return _runner


def resume_tasks():
    """Resume the unfinished tasks of this host's stopped processes."""
    if CONF.task.jobboard_backend != 'none':
        return
    for row in db_api.task_get_all(status=('pending', 'processing'),
                                   host=CONF.host):
        if _left_behind(row):
            try:
                runner().resume(row)
            except Exception:
                LOG.exception('Cannot resume task %s', row['id'])


def _left_behind(row):
    """Is this task of our host held by a process that is gone?"""
    if not utils.is_trace(row):
        return False
    if row['pid'] != os.getpid():
        return True
    # Our pid: our own task (accepted while the start-up clean-up ran),
    # unless written before this process started.
    written = max(t for t in (row['created_at'], row['updated_at']) if t)
    return written < _started_at


def purge_expired():
    """Delete finished tasks past their expires_at, and their flows' state."""
    for row in db_api.task_get_all(expired_at=timeutils.utcnow(),
                                   status=('success', 'failure')):
        LOG.info('Purging expired task %s', row['id'])
        forget_flow(row['id'])
        db_api.task_delete(row['id'])


class _ExpiringClaimsBoard(impl_redis.RedisJobBoard):
    """A Redis jobboard whose claims expire unless their worker lives.

    Redis claims last forever unless given an expiry, and the conductor
    claims without one: a claim made here gets [task]
    jobboard_expiration_time, which this worker extends while it lives
    (_extend_claims); a worker that dies lets its jobs go to another.
    """

    def __init__(self, name, conf, claim_expiry, **kwargs):
        super().__init__(name, conf, **kwargs)
        self.claim_expiry = claim_expiry

    def claim(self, job, who, expiry=None):
        return super().claim(job, who, expiry=expiry or self.claim_expiry)


def _on_dispatch(event, details):
    """A conductor starts a job: this process holds its task, watched."""
    task_id = _job_task(details['job'])
    if task_id:
        _taken(task_id)
        status.watch(details['engine'], task_id)


def _on_trashed(event, details):
    """A job the conductor could not run at all (its flow did not load)."""
    task_id = _job_task(details['job'])
    if task_id:
        status.mark_unrunnable(task_id)


def _job_task(job):
    return ((job.details or {}).get('store') or {}).get('task_id')


def run_worker(name, stop_event=None):
    """mcimage-worker: claim jobs from the jobboard and run them."""
    expiry = CONF.task.jobboard_expiration_time
    conf = _jobboard_conf()
    del conf['board']
    board = _ExpiringClaimsBoard(CONF.task.jobboard_name, conf, expiry,
                                 persistence=persistence())
    board.connect()
    with contextlib.closing(board):
        conductor = conductor_backends.fetch(
            'blocking', name, board, persistence=persistence(),
            engine='parallel',
            engine_options={'max_workers': flows.MAX_TARGETS},
            max_simultaneous_jobs=CONF.task.max_workers)
        conductor.notifier.register('compilation_start', _on_dispatch)
        conductor.notifier.register('job_trashed', _on_trashed)
        waiter = threading.Thread(target=_extend_claims,
                                  args=(board, name, expiry),
                                  daemon=True, name='claim-extender')
        waiter.start()
        if stop_event is not None:
            threading.Thread(target=lambda: (stop_event.wait(),
                                             conductor.stop()),
                             daemon=True).start()
        LOG.info('Worker %s is taking jobs from %s', name,
                 CONF.task.jobboard_name)
        conductor.run()


def _extend_claims(board, name, expiry):
    """Keep this worker's claims alive, well within their expiry."""
    while True:
        try:
            for job in board.iterjobs(ensure_fresh=True):
                try:
                    owner = board.find_owner(job)
                except (TypeError, tf_exceptions.NotFound):
                    continue
                if owner == name:
                    job.extend_expiry(expiry)
        except Exception:
            LOG.exception('Cannot extend the claims of worker %s', name)
        time.sleep(expiry / 4.0)
