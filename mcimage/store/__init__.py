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

"""The staging store: where [upload] mode = stage keeps image data.

One driver per process, chosen by [staging_store] driver among the
"mcimage.staging_store" entry points (stevedore), like Glance chooses its
stores. Every driver keeps one object per staged upload, named by the
upload's id, and hands back the location to find it again.
"""

import abc
import threading

from oslo_config import cfg
from oslo_log import log as logging
from stevedore import driver as stevedore_driver

from mcimage.common import exception

CONF = cfg.CONF
LOG = logging.getLogger(__name__)
NAMESPACE = 'mcimage.staging_store'

_store = None
_lock = threading.Lock()


class StagingStore(metaclass=abc.ABCMeta):
    """What a staging store driver does."""

    def __init__(self, conf):
        self.conf = conf

    @abc.abstractmethod
    def add(self, upload_id, reader, size=None):
        """Write ``reader``'s pieces (read() until b'') as ``upload_id``.

        Returns the location. On any failure nothing of it is kept, and
        the reader's own error goes on unchanged.
        """

    @abc.abstractmethod
    def open(self, upload_id, location):
        """A reader of the data.

        Its read() gives the next piece, b'' at the end; close() lets go.
        """

    @abc.abstractmethod
    def delete(self, upload_id, location):
        """Delete the data; data already gone is not an error."""

    def stored_ids(self):
        """Ids of every upload the store holds, if it can list them.

        None when it cannot: then only rows lead to data (the sweep
        cannot find orphans).
        """
        return None


def get_store():
    """The staging store of this process, loaded on first use."""
    global _store
    with _lock:
        if _store is None:
            name = CONF.staging_store.driver
            try:
                manager = stevedore_driver.DriverManager(
                    NAMESPACE, name, invoke_on_load=True,
                    invoke_args=(CONF,))
            except exception.ConfigInvalid:
                raise
            except Exception as e:
                raise exception.ConfigInvalid(
                    group='staging_store', option='driver',
                    reason='cannot load the staging store %r: %s' %
                           (name, e))
            _store = manager.driver
            LOG.info('Staging store: %s', name)
        return _store


def reset():
    """Forget the loaded driver (tests, a new configuration)."""
    global _store
    with _lock:
        _store = None
