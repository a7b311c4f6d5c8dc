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

"""SQLAlchemy models of mcimage's own state."""

from oslo_db.sqlalchemy import models
import sqlalchemy as sa
from sqlalchemy import orm


class Base(models.ModelBase, orm.DeclarativeBase):
    pass


class Upload(Base):
    """An image mcimage created in a VIM and is still filling with data.

    Written before the image is created (no ``image_id`` yet; the image is
    created with ``marker`` in a property), deleted when the upload ends
    either way; a row found at start-up is the trace of a crash, and its
    image (found by its id, or by its marker) is deleted from the VIM.
    """

    __tablename__ = 'uploads'
    __table_args__ = (
        sa.UniqueConstraint('vim_id', 'image_id',
                            name='uniq_uploads0vim_id0image_id'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    vim_id = sa.Column(sa.String(255), nullable=False)
    tenant_id = sa.Column(sa.String(255), nullable=False)
    # None until the VIM has answered the create.
    image_id = sa.Column(sa.String(36), nullable=True)
    user_id = sa.Column(sa.String(255), nullable=True)
    host = sa.Column(sa.String(255), nullable=True)
    pid = sa.Column(sa.Integer, nullable=True)
    state = sa.Column(sa.String(32), nullable=False, default='uploading')
    # False for data PUT into a record the user made: after a failure that
    # record is kept (queued), not deleted.
    image_created = sa.Column(sa.Boolean, nullable=False, default=True,
                              server_default=sa.true())
    created_at = sa.Column(sa.DateTime, nullable=False)
    # The value of the image's mcimage_upload_id property (a UUID).
    marker = sa.Column(sa.String(36), nullable=True)


class StagedUpload(Base):
    """Image data kept in mcimage's staging store ([upload] mode = stage).

    Written (``saving``) before the first byte reaches the store, so a file
    no row knows of is always an orphan; ``active`` once the data is whole
    and checked, with its size and hashes.
    """

    __tablename__ = 'staged_uploads'
    __table_args__ = (
        sa.Index('staged_uploads_owner_idx', 'owner', 'created_at'),
        sa.Index('staged_uploads_expires_at_idx', 'expires_at'),
    )

    id = sa.Column(sa.String(36), primary_key=True)
    owner = sa.Column(sa.String(255), nullable=False)
    user_id = sa.Column(sa.String(255), nullable=True)
    status = sa.Column(sa.String(16), nullable=False)
    name = sa.Column(sa.String(255), nullable=True)
    disk_format = sa.Column(sa.String(32), nullable=True)
    container_format = sa.Column(sa.String(32), nullable=True)
    size = sa.Column(sa.BigInteger, nullable=True)
    checksum = sa.Column(sa.String(32), nullable=True)
    os_hash_algo = sa.Column(sa.String(64), nullable=True)
    os_hash_value = sa.Column(sa.String(128), nullable=True)
    store = sa.Column(sa.String(64), nullable=False)
    # Where the store keeps the data; never shown to users.
    location = sa.Column(sa.Text, nullable=True)
    host = sa.Column(sa.String(255), nullable=True)
    pid = sa.Column(sa.Integer, nullable=True)
    created_at = sa.Column(sa.DateTime, nullable=False)
    updated_at = sa.Column(sa.DateTime, nullable=True)
    expires_at = sa.Column(sa.DateTime, nullable=False)


class Task(Base):
    """An asynchronous import (POST /v1/tasks), Glance's task plus targets.

    ``input`` and ``result`` are JSON documents. ``roles`` and
    ``project_name`` keep the creator's roles and project name so that
    policy is checked again when the flow runs (no token is ever stored).
    ``flow_id`` names the taskflow flow detail that holds the flow's state
    (the [task] persistence database).
    """

    __tablename__ = 'tasks'
    __table_args__ = (
        sa.Index('tasks_owner_idx', 'owner', 'created_at'),
        sa.Index('tasks_status_idx', 'status'),
        sa.Index('tasks_expires_at_idx', 'expires_at'),
        sa.Index('tasks_image_idx', 'image_id'),
        sa.Index('tasks_vim_idx', 'vim_id', 'owner'),
    )

    id = sa.Column(sa.String(36), primary_key=True)
    type = sa.Column(sa.String(30), nullable=False)
    status = sa.Column(sa.String(16), nullable=False)
    input = sa.Column(sa.Text, nullable=False)
    result = sa.Column(sa.Text, nullable=True)
    message = sa.Column(sa.Text, nullable=True)
    owner = sa.Column(sa.String(255), nullable=False)
    user_id = sa.Column(sa.String(255), nullable=True)
    roles = sa.Column(sa.Text, nullable=True)
    project_name = sa.Column(sa.String(255), nullable=True)
    # The image of a Glance import (its only target), and the request
    # that made the task (Glance's image tasks show both).
    image_id = sa.Column(sa.String(36), nullable=True)
    request_id = sa.Column(sa.String(64), nullable=True)
    # The VIM whose Glance endpoint made the task (which lists it there).
    vim_id = sa.Column(sa.String(255), nullable=True)
    progress_done = sa.Column(sa.BigInteger, nullable=False, default=0,
                              server_default='0')
    progress_total = sa.Column(sa.BigInteger, nullable=True)
    cancel_requested = sa.Column(sa.Boolean, nullable=False, default=False,
                                 server_default=sa.false())
    flow_id = sa.Column(sa.String(36), nullable=True)
    host = sa.Column(sa.String(255), nullable=True)
    pid = sa.Column(sa.Integer, nullable=True)
    created_at = sa.Column(sa.DateTime, nullable=False)
    updated_at = sa.Column(sa.DateTime, nullable=True)
    expires_at = sa.Column(sa.DateTime, nullable=True)
