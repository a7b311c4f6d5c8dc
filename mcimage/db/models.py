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

    Written when the image is created, deleted when the upload ends either
    way; a row found at start-up is the trace of a crash, and its image is
    deleted from the VIM.
    """

    __tablename__ = 'uploads'
    __table_args__ = (
        sa.UniqueConstraint('vim_id', 'image_id',
                            name='uniq_uploads0vim_id0image_id'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    vim_id = sa.Column(sa.String(255), nullable=False)
    tenant_id = sa.Column(sa.String(255), nullable=False)
    image_id = sa.Column(sa.String(36), nullable=False)
    user_id = sa.Column(sa.String(255), nullable=True)
    host = sa.Column(sa.String(255), nullable=True)
    state = sa.Column(sa.String(32), nullable=False, default='uploading')
    # False for data PUT into a record the user made: after a failure that
    # record is kept (queued), not deleted.
    image_created = sa.Column(sa.Boolean, nullable=False, default=True,
                              server_default=sa.true())
    created_at = sa.Column(sa.DateTime, nullable=False)
