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

"""Tasks on a Redis jobboard: posted by mcimage-api, run by mcimage-worker.

mcimage-api saves the flow (mcimage.tasks.engine) and posts a job naming
its logbook; a worker's conductor claims the job and runs the flow from
its saved state. Claims expire unless their worker extends them, so the
jobs of a worker that died go to another (Octavia's pattern).
"""

import contextlib
import threading
import time

from oslo_config import cfg
from oslo_log import log as logging
from taskflow.conductors import backends as conductor_backends
from taskflow import exceptions as tf_exceptions
from taskflow.jobs import backends as job_backends
from taskflow.jobs.backends import impl_redis

from mcimage.common import exception
from mcimage.tasks import engine
from mcimage.tasks import flows
from mcimage.tasks import status

CONF = cfg.CONF
LOG = logging.getLogger(__name__)


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
                              persistence=engine.persistence()) as board:
        yield board


class JobboardRunner(object):
    """Flows posted to the jobboard, for mcimage-worker to run."""

    def submit(self, task_id, target_count):
        book, _flow_detail = engine.save_flow(task_id, target_count)
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
        engine.taken(task_id)
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
                                 persistence=engine.persistence())
    board.connect()
    with contextlib.closing(board):
        conductor = conductor_backends.fetch(
            'blocking', name, board, persistence=engine.persistence(),
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
