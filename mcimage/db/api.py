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

import os

from oslo_db.sqlalchemy import enginefacade
from oslo_db.sqlalchemy import utils as db_utils
from oslo_utils import timeutils
import sqlalchemy as sa

from mcimage.common import exception
from mcimage.db import models

_context_manager = enginefacade.transaction_context()

# The newest migration (mcimage/db/alembic/versions): the schema this code
# works with. A unit test holds it to alembic's head, so a new migration
# must move it. The API checks it at start without loading alembic (about
# 5 MiB it would hold for the life of the process).
SCHEMA_HEAD = '0009_task_vim'


def get_engine():
    """The engine of [database] connection (for migrations)."""
    return _context_manager.writer.get_engine()


def schema_revision():
    """The migration the database is at, or None if never synced.

    Read from alembic's own table, as mcimage.db.migration.version()
    reads it through alembic.
    """
    with get_engine().connect() as connection:
        if not sa.inspect(connection).has_table('alembic_version'):
            return None
        return connection.execute(
            sa.text('SELECT version_num FROM alembic_version')).scalar()


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
                 image_created=True, marker=None):
    """A new uploads row; its id.

    ``image_id`` is None for an image not created yet (``marker`` then
    names it). Raises DBDuplicateEntry if the image has a row already.
    """
    with _context_manager.writer.using(_ctx()) as session:
        row = models.Upload(vim_id=vim_id, tenant_id=tenant_id,
                            image_id=image_id, user_id=user_id, host=host,
                            pid=os.getpid(), state='uploading',
                            image_created=image_created, marker=marker,
                            created_at=timeutils.utcnow())
        session.add(row)
    return row.id


def upload_set_image(upload_id, image_id):
    """The id of the image the VIM made for this row."""
    with _context_manager.writer.using(_ctx()) as session:
        session.query(models.Upload).filter_by(id=upload_id).update(
            {'image_id': image_id})


def upload_end(upload_id):
    with _context_manager.writer.using(_ctx()) as session:
        session.query(models.Upload).filter_by(id=upload_id).delete()


def upload_set_state(upload_id, state):
    with _context_manager.writer.using(_ctx()) as session:
        session.query(models.Upload).filter_by(id=upload_id).update(
            {'state': state})


def upload_get_all(host=None, state=None, vim_id=None, image_id=None):
    with _context_manager.reader.using(_ctx()) as session:
        query = session.query(models.Upload)
        if host is not None:
            query = query.filter_by(host=host)
        if vim_id is not None:
            query = query.filter_by(vim_id=vim_id)
        if image_id is not None:
            query = query.filter_by(image_id=image_id)
        if state is not None:
            query = query.filter_by(state=state)
        return [dict(r) for r in query.order_by(models.Upload.id).all()]


# -- staged uploads ----------------------------------------------------------

def _create(model, values):
    """A new row of ``model`` from ``values``; the row as a dict."""
    values = dict(values)
    values.setdefault('created_at', timeutils.utcnow())
    with _context_manager.writer.using(_ctx()) as session:
        row = model(**values)
        session.add(row)
        session.flush()
        return dict(row)


def staged_upload_create(values):
    """A new staged_uploads row from ``values``; the row as a dict."""
    return _create(models.StagedUpload, dict(values, pid=values.get(
        'pid', os.getpid())))


def staged_upload_update(upload_id, values, status=None):
    """Update a row (only while its status is ``status``, if given)."""
    values = dict(values, updated_at=timeutils.utcnow())
    with _context_manager.writer.using(_ctx()) as session:
        query = session.query(models.StagedUpload).filter_by(id=upload_id)
        if status is not None:
            query = query.filter_by(status=status)
        if not query.update(values):
            raise exception.StagedUploadNotFound(upload_id=upload_id)
        return dict(session.query(models.StagedUpload).filter_by(
            id=upload_id).one())


def staged_upload_get(upload_id):
    with _context_manager.reader.using(_ctx()) as session:
        row = session.query(models.StagedUpload).filter_by(
            id=upload_id).one_or_none()
        if row is None:
            raise exception.StagedUploadNotFound(upload_id=upload_id)
        return dict(row)


def staged_upload_get_all(owner=None, status=None, host=None,
                          expired_at=None, limit=None, marker=None):
    """Rows, newest first; ``expired_at``: those expired at that time.

    ``marker`` is the id of the last row of the previous page.
    """
    with _context_manager.reader.using(_ctx()) as session:
        query = _filtered(session, models.StagedUpload, owner=owner,
                          status=status, host=host, expired_at=expired_at)
        return _page(query, models.StagedUpload, limit, marker,
                     ['created_at', 'id'], 'desc',
                     lambda: exception.StagedUploadNotFound(upload_id=marker))


def staged_upload_usage(owner, now=None):
    """Bytes ``owner`` has staged: its rows saving or active, not expired.

    A ``saving`` row's size is the reservation of the data still coming
    (mcimage.images.staging).
    """
    now = now or timeutils.utcnow()
    with _context_manager.reader.using(_ctx()) as session:
        total = session.query(sa.func.coalesce(
            sa.func.sum(models.StagedUpload.size), 0)).filter(
                models.StagedUpload.owner == owner,
                models.StagedUpload.status.in_(('saving', 'active')),
                models.StagedUpload.expires_at > now).scalar()
    # PostgreSQL sums a BIGINT as NUMERIC.
    return int(total)


def _filtered(session, model, status=None, expired_at=None, **equal):
    """A query of ``model``: ``status`` one or a list, the rest equal."""
    query = session.query(model)
    for name, value in equal.items():
        if value is not None:
            query = query.filter(getattr(model, name) == value)
    if status is not None:
        statuses = [status] if isinstance(status, str) else status
        query = query.filter(model.status.in_(statuses))
    if expired_at is not None:
        query = query.filter(model.expires_at <= expired_at)
    return query


def _page(query, model, limit, marker, keys, sort_dir, not_found):
    """One page of ``query`` after the row ``marker`` (an id), as dicts."""
    marker_row = None
    if marker is not None:
        marker_row = query.filter_by(id=marker).one_or_none()
        if marker_row is None:
            raise not_found()
    query = db_utils.paginate_query(query, model, limit, keys,
                                    marker=marker_row, sort_dir=sort_dir)
    return [dict(r) for r in query.all()]


def staged_upload_delete(upload_id):
    """Delete a row; False when there was none."""
    with _context_manager.writer.using(_ctx()) as session:
        return bool(session.query(models.StagedUpload).filter_by(
            id=upload_id).delete())


# -- tasks ------------------------------------------------------------------

TASK_SORT_KEYS = ('created_at', 'updated_at', 'status', 'type', 'id')


def task_create(values):
    """A new tasks row from ``values``; the row as a dict."""
    return _create(models.Task, values)


def task_get(task_id):
    with _context_manager.reader.using(_ctx()) as session:
        row = session.query(models.Task).filter_by(id=task_id).one_or_none()
        if row is None:
            raise exception.TaskNotFound(task_id=task_id)
        return dict(row)


def _held_by(query, host, pid):
    """Rows whose host and pid are these (None matching NULL)."""
    for column, value in ((models.Task.host, host), (models.Task.pid, pid)):
        query = query.filter(column.is_(None) if value is None
                             else column == value)
    return query


def task_update(task_id, values, statuses=None, owner=None):
    """Update a task (only while its status is one of ``statuses``).

    ``owner``, a (host, pid): only while that process holds the task.
    Returns the row as it is now, or None when a guard failed.
    """
    values = dict(values, updated_at=timeutils.utcnow())
    with _context_manager.writer.using(_ctx()) as session:
        query = session.query(models.Task).filter_by(id=task_id)
        if statuses is not None:
            query = query.filter(models.Task.status.in_(statuses))
        if owner is not None:
            query = _held_by(query, *owner)
        if not query.update(values, synchronize_session=False):
            if not session.query(models.Task).filter_by(id=task_id).count():
                raise exception.TaskNotFound(task_id=task_id)
            return None
        return dict(session.query(models.Task).filter_by(id=task_id).one())


def task_claim(task_id, seen_host, seen_pid, host, pid):
    """Take over an unfinished task from the process it was seen held by.

    One conditional UPDATE: of several processes claiming the same task
    at once, exactly one changes the row (the others find it no longer
    held by ``seen_host``/``seen_pid``). True for that one.
    """
    with _context_manager.writer.using(_ctx()) as session:
        query = _held_by(session.query(models.Task).filter_by(id=task_id),
                         seen_host, seen_pid).filter(
            models.Task.status.in_(('pending', 'processing')))
        if query.update({'host': host, 'pid': pid,
                         'updated_at': timeutils.utcnow()},
                        synchronize_session=False):
            return True
        if not session.query(models.Task).filter_by(id=task_id).count():
            raise exception.TaskNotFound(task_id=task_id)
        return False


def task_get_all(owner=None, status=None, type=None, host=None,
                 expired_at=None, limit=None, marker=None,
                 sort_key='created_at', sort_dir='desc', image_id=None,
                 vim_id=None):
    """Tasks, sorted (then by id); ``marker`` is the previous page's last."""
    with _context_manager.reader.using(_ctx()) as session:
        query = _filtered(session, models.Task, owner=owner, status=status,
                          type=type, host=host, expired_at=expired_at,
                          image_id=image_id, vim_id=vim_id)
        keys = [sort_key] + (['id'] if sort_key != 'id' else [])
        return _page(query, models.Task, limit, marker, keys, sort_dir,
                     lambda: exception.TaskNotFound(task_id=marker))


def task_delete(task_id):
    with _context_manager.writer.using(_ctx()) as session:
        return bool(session.query(models.Task).filter_by(
            id=task_id).delete())
