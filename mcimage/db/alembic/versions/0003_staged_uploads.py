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

"""staged_uploads: image data kept in the staging store

Revision ID: 0003_staged_uploads
Revises: 0002_uploads_image_created
Create Date: 2026-11-25
"""

from alembic import op
import sqlalchemy as sa

revision = '0003_staged_uploads'
down_revision = '0002_uploads_image_created'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'staged_uploads',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('owner', sa.String(255), nullable=False),
        sa.Column('user_id', sa.String(255), nullable=True),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('name', sa.String(255), nullable=True),
        sa.Column('disk_format', sa.String(32), nullable=True),
        sa.Column('container_format', sa.String(32), nullable=True),
        sa.Column('size', sa.BigInteger, nullable=True),
        sa.Column('checksum', sa.String(32), nullable=True),
        sa.Column('os_hash_algo', sa.String(64), nullable=True),
        sa.Column('os_hash_value', sa.String(128), nullable=True),
        sa.Column('store', sa.String(64), nullable=False),
        sa.Column('location', sa.Text, nullable=True),
        sa.Column('host', sa.String(255), nullable=True),
        sa.Column('created_at', sa.DateTime, nullable=False),
        sa.Column('updated_at', sa.DateTime, nullable=True),
        sa.Column('expires_at', sa.DateTime, nullable=False),
    )
    op.create_index('staged_uploads_owner_idx', 'staged_uploads',
                    ['owner', 'created_at'])
    op.create_index('staged_uploads_expires_at_idx', 'staged_uploads',
                    ['expires_at'])
