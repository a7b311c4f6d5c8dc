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

"""uploads.pid, staged_uploads.pid: which process of a host moves the data

Several processes of one host (gunicorn workers, mcimage-worker) share the
database: at start-up a process may clean up only the rows of processes
that are gone.

Revision ID: 0004_pids
Revises: 0003_staged_uploads
Create Date: 2026-11-25
"""

from alembic import op
import sqlalchemy as sa

revision = '0004_pids'
down_revision = '0003_staged_uploads'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('uploads', 'staged_uploads'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('pid', sa.Integer, nullable=True))
