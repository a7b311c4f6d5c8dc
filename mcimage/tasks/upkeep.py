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

"""The background upkeep of tasks: resuming the unfinished, purging the old.

Both read the tasks table first and load the task engine only when they
find something to do (mcimage.tasks.load_engine).
"""

import os

from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import timeutils

from mcimage.common import utils
from mcimage.db import api as db_api
from mcimage import tasks

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

# A row of this host carrying our pid, written before this moment, was
# left by a predecessor that had the same pid (a container's restart).
_started_at = timeutils.utcnow()


def resume_tasks():
    """Resume the unfinished tasks of this host's stopped processes."""
    if CONF.task.jobboard_backend != 'none':
        return
    for row in db_api.task_get_all(status=('pending', 'processing'),
                                   host=CONF.host):
        if _left_behind(row):
            try:
                tasks.load_engine().runner().resume(row)
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
        tasks.load_engine().forget_flow(row['id'])
        db_api.task_delete(row['id'])
