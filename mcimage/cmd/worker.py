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

"""mcimage-worker: run import tasks taken from the Redis jobboard.

A taskflow conductor: it claims jobs that mcimage-api posted ([task]
jobboard_backend = redis), runs their flows from the shared flow-state
database, and keeps its claims alive; if it dies, its claims expire after
[task] jobboard_expiration_time seconds and another worker resumes them.
It also runs the background jobs (mcimage.common.service).
"""

import os
import signal
import sys
import threading

from oslo_config import cfg
from oslo_log import log as logging

from mcimage import backends
from mcimage.common import exception
from mcimage.common import policy
from mcimage.common import service
from mcimage.tasks import engine
from mcimage.tasks import jobboard

CONF = cfg.CONF
LOG = logging.getLogger(__name__)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    service.prepare_service(argv)
    try:
        if CONF.task.jobboard_backend != 'redis':
            raise exception.ConfigInvalid(
                group='task', option='jobboard_backend',
                reason='mcimage-worker takes its tasks from a jobboard; '
                       'set it to "redis" here and in mcimage-api')
        backends.init()
        policy.init()
        service.check_database()
        engine.persistence()
    except (exception.ConfigInvalid, exception.ServiceUnavailable) as e:
        LOG.error('%s', e)
        print('mcimage-worker: %s' % e, file=sys.stderr)
        return 1
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *args: stop.set())
    name = '%s-worker-%d' % (CONF.host, os.getpid())
    # Clean-up after crashes and expiry, shared with the API processes of
    # this host (one of them runs each job at a time).
    background = service.BackgroundService()
    background.start()
    try:
        jobboard.run_worker(name, stop_event=stop)
    finally:
        background.stop()
    LOG.info('Worker %s stopped', name)
    return 0


if __name__ == '__main__':
    sys.exit(main())
