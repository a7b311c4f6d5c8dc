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

"""tasks: asynchronous imports into many VIMs

Revision ID: 0005_tasks
Revises: 0004_pids
Create Date: 2026-11-25
"""

from alembic import op
import sqlalchemy as sa

revision = '0005_tasks'
down_revision = '0004_pids'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'tasks',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('type', sa.String(30), nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('input', sa.Text, nullable=False),
        sa.Column('result', sa.Text, nullable=True),
        sa.Column('message', sa.Text, nullable=True),
        sa.Column('owner', sa.String(255), nullable=False),
        sa.Column('user_id', sa.String(255), nullable=True),
        sa.Column('roles', sa.Text, nullable=True),
        sa.Column('progress_done', sa.BigInteger, nullable=False,
                  server_default='0'),
        sa.Column('progress_total', sa.BigInteger, nullable=True),
        sa.Column('cancel_requested', sa.Boolean, nullable=False,
                  server_default=sa.false()),
        sa.Column('flow_id', sa.String(36), nullable=True),
        sa.Column('host', sa.String(255), nullable=True),
        sa.Column('pid', sa.Integer, nullable=True),
        sa.Column('created_at', sa.DateTime, nullable=False),
        sa.Column('updated_at', sa.DateTime, nullable=True),
        sa.Column('expires_at', sa.DateTime, nullable=True),
    )
    op.create_index('tasks_owner_idx', 'tasks', ['owner', 'created_at'])
    op.create_index('tasks_status_idx', 'tasks', ['status'])
    op.create_index('tasks_expires_at_idx', 'tasks', ['expires_at'])
