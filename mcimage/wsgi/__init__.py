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

"""Building the WSGI application, for mcimage-api and WSGI servers."""

import threading

from oslo_log import log as logging

from mcimage.api import app as api_app
from mcimage import backends
from mcimage.common import exception
from mcimage.common import policy
from mcimage.db import migration
from mcimage.images import data

LOG = logging.getLogger(__name__)


def check_database():
    current, head = migration.version(), migration.head()
    if current != head:
        raise exception.ConfigInvalid(
            group='database', option='connection',
            reason='the database is at revision %s, not %s: run '
                   '"mcimage-manage db sync"' % (current, head))


def init_application():
    """Check the configuration and state, then load the Paste pipeline.

    Raises ConfigInvalid naming the group and option at fault.
    """
    registry = backends.init()
    policy.init()
    check_database()
    app = api_app.load_app()
    # Images a crash left half-made are deleted in the background: a VIM
    # that does not answer must not hold up the start.
    threading.Thread(target=_recover, args=(registry,), daemon=True,
                     name='upload-recovery').start()
    return app


def _recover(registry):
    try:
        data.recover_uploads(registry)
    except Exception:
        LOG.exception('Recovery of interrupted uploads failed')
