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

"""uploads in flight

Revision ID: 0001_uploads
Revises:
Create Date: 2026-11-25
"""

from alembic import op
import sqlalchemy as sa

revision = '0001_uploads'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'uploads',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('vim_id', sa.String(255), nullable=False),
        sa.Column('tenant_id', sa.String(255), nullable=False),
        sa.Column('image_id', sa.String(36), nullable=False),
        sa.Column('user_id', sa.String(255), nullable=True),
        sa.Column('host', sa.String(255), nullable=True),
        sa.Column('state', sa.String(32), nullable=False),
        sa.Column('created_at', sa.DateTime, nullable=False),
        sa.UniqueConstraint('vim_id', 'image_id',
                            name='uniq_uploads0vim_id0image_id'),
    )
