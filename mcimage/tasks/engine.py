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

"""Running import flows: on an embedded thread pool, or posted to a jobboard.

Every flow's state lives in the taskflow persistence database
([task] persistence_connection), so whoever runs a task next (this
process after a restart, any mcimage-worker after a worker died) resumes
it where it stopped. Embedded (``jobboard_backend = none``): the
accepting mcimage-api runs the flow on a bounded thread pool. Jobboard:
mcimage-api posts a job; mcimage-worker conductors claim and run them,
their claims expiring when they stop extending them (Octavia's pattern,
mcimage.tasks.jobboard). API processes import this module at their first
task only (mcimage.tasks.load_engine).
"""

import concurrent.futures
import contextlib
import os
import threading

from oslo_config import cfg
from oslo_log import log as logging
from taskflow import engines
from taskflow import exceptions as tf_exceptions
from taskflow.persistence.backends import impl_sqlalchemy
from taskflow.persistence import models

from mcimage.common import exception
from mcimage.db import api as db_api
from mcimage.tasks import flows
from mcimage.tasks import status

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

_lock = threading.Lock()
_backend = None
_runner = None


class _Backend(impl_sqlalchemy.SQLAlchemyBackend):
    """taskflow's SQLAlchemy backend, one connection object for every use.

    Each of its connection objects builds its own MetaData and tables, and
    a task asks for several. The engine's dialect remembers every new Enum
    type in a weak-keyed dict whose values hold the type's tables, so each
    connection's tables lived as long as the engine: a process running
    tasks grew by 7-10 MiB per URL import (doc/source/contributor/tasks.rst).
    A connection object holds nothing else (each call takes a database
    connection of the engine's pool, and close() does nothing), so one
    serves every caller and thread.
    """

    def __init__(self, conf):
        super().__init__(conf)
        self._shared = None
        self._shared_lock = threading.Lock()

    def get_connection(self):
        with self._shared_lock:
            if self._shared is None:
                self._shared = super().get_connection()
            return self._shared

    def close(self):
        with self._shared_lock:
            self._shared = None
        super().close()


def _persistence_conf():
    return {'connection': CONF.task.persistence_connection}


def _new_backend():
    return _Backend(_persistence_conf())


def upgrade_persistence():
    """Create or migrate the flow-state schema (mcimage-manage db sync)."""
    backend = _new_backend()
    with contextlib.closing(backend):
        with contextlib.closing(backend.get_connection()) as connection:
            connection.upgrade()


def persistence():
    """This process's taskflow persistence backend."""
    global _backend
    with _lock:
        if _backend is None:
            backend = None
            try:
                backend = _new_backend()
                with contextlib.closing(backend.get_connection()) as conn:
                    conn.validate()
            except Exception as e:
                if backend is not None:
                    backend.close()
                LOG.error('The task flow state database ([task] '
                          'persistence_connection) cannot be used: %s', e)
                raise exception.ServiceUnavailable(
                    reason='the task flow state database is not answering')
            _backend = backend
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


def save_flow(task_id, target_count):
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


def taken(task_id):
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
        _book, flow_detail = save_flow(task_id, target_count)
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


def runner():
    """This process's runner, chosen by [task] jobboard_backend."""
    global _runner
    with _lock:
        if _runner is None:
            if CONF.task.jobboard_backend == 'redis':
                # Imported here: the Redis client is only for jobboards.
                from mcimage.tasks import jobboard
                _runner = jobboard.JobboardRunner()
            else:
                _runner = EmbeddedRunner()
        return _runner
