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

"""Staging in any glance_store driver (file, swift, s3, rbd...).

For several API nodes and workers that must share staged data. The
driver and its options are glance_store's own, in [glance_store]
(``stores``, ``default_store``, and the chosen driver's options), exactly
as a Glance configured with one store.
"""

import glance_store
from glance_store import exceptions as gs_exceptions
from oslo_log import log as logging

from mcimage.common import exception
from mcimage.common import utils
from mcimage import store

LOG = logging.getLogger(__name__)


class GlanceStore(store.StagingStore):
    """The [glance_store] default store, through glance_store's API."""

    HASH = 'sha512'

    def __init__(self, conf):
        super().__init__(conf)
        glance_store.register_opts(conf)
        try:
            glance_store.create_stores(conf)
            glance_store.verify_default_store()
        except Exception as e:
            raise exception.ConfigInvalid(
                group='glance_store', option='default_store',
                reason='the staging store cannot be set up: %s' % e)

    @staticmethod
    def _error(error, what):
        """The error a user gets for ``error``; the log gets the details.

        A driver's error text names its locations: file paths, swift or
        s3 endpoints and containers, rbd pools. Not for users.
        """
        LOG.error('Staging store: %(what)s failed: %(cls)s: %(err)s',
                  {'what': what, 'cls': type(error).__name__, 'err': error})
        if isinstance(error, gs_exceptions.StorageFull):
            return exception.StagingStoreFull(reason='it is full')
        return exception.StagingStoreError(reason='%s failed' % what)

    def add(self, upload_id, reader, size=None):
        try:
            location, _size, _md5, _hash, _meta = (
                glance_store.add_to_backend_with_multihash(
                    self.conf, upload_id, reader, size or 0, self.HASH))
        except exception.MCImageException:
            # The reader's own error (the drivers delete what they wrote).
            raise
        except Exception as e:
            # Not only GlanceStoreException: drivers let OSError and their
            # client library's errors through.
            raise self._error(e, 'writing staged upload %s' % upload_id)
        return location

    def open(self, upload_id, location):
        what = 'reading staged upload %s' % upload_id
        try:
            chunks, _size = glance_store.get_from_backend(location)
        except Exception as e:
            raise self._error(e, what)
        return _Reader(chunks, lambda e: self._error(e, what))

    def delete(self, upload_id, location):
        if not location:
            # Broken off before the store said where: the driver already
            # deleted its partial data.
            return
        try:
            glance_store.delete_from_backend(location)
        except gs_exceptions.NotFound:
            pass
        except Exception as e:
            raise self._error(e, 'deleting staged upload %s' % upload_id)


class _Reader(utils.IteratorReader):
    """The driver's chunks; its errors while reading told as ours."""

    def __init__(self, chunks, error):
        super().__init__(chunks)
        self._to_error = error

    def read(self, size=None):
        try:
            return super().read(size)
        except exception.MCImageException:
            raise
        except Exception as e:
            raise self._to_error(e)
