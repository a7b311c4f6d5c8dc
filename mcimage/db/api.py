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

"""Database access: enginefacade readers and writers, one function a query.

Transactions live here, never in controllers.
"""

from oslo_db.sqlalchemy import enginefacade
from oslo_utils import timeutils

from mcimage.db import models

_context_manager = enginefacade.transaction_context()


def get_engine():
    """The engine of [database] connection (for migrations)."""
    return _context_manager.writer.get_engine()


def dispose():
    """Forget the engine, so the next use reads [database] again (tests)."""
    global _context_manager
    _context_manager = enginefacade.transaction_context()


@enginefacade.transaction_context_provider
class _Ctx(object):
    """A holder for enginefacade when no request context is at hand."""


def _ctx():
    return _Ctx()


def upload_start(vim_id, tenant_id, image_id, user_id=None, host=None,
                 image_created=True):
    with _context_manager.writer.using(_ctx()) as session:
        row = models.Upload(vim_id=vim_id, tenant_id=tenant_id,
                            image_id=image_id, user_id=user_id, host=host,
                            state='uploading', image_created=image_created,
                            created_at=timeutils.utcnow())
        session.add(row)
    return row.id


def upload_end(upload_id):
    with _context_manager.writer.using(_ctx()) as session:
        session.query(models.Upload).filter_by(id=upload_id).delete()


def upload_set_state(upload_id, state):
    with _context_manager.writer.using(_ctx()) as session:
        session.query(models.Upload).filter_by(id=upload_id).update(
            {'state': state})


def upload_get_all(host=None, state=None):
    with _context_manager.reader.using(_ctx()) as session:
        query = session.query(models.Upload)
        if host is not None:
            query = query.filter_by(host=host)
        if state is not None:
            query = query.filter_by(state=state)
        return [dict(r) for r in query.order_by(models.Upload.id).all()]
