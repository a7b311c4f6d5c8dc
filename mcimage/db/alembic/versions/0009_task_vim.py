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


"""tasks.vim_id: the VIM whose Glance endpoint made the task

Each VIM's Glance endpoint lists its own tasks (GET /glance/{vim_id}/
v2/tasks), as a Glance lists the tasks of its own images: the import
tasks it made (POST /v2/tasks, POST /v2/images/{id}/import) name their
VIM. Tasks of /v1/tasks, which may have several VIMs as targets, and
tasks from before have none.

Revision ID: 0009_task_vim
Revises: 0008_task_image
Create Date: 2026-12-06
"""

from alembic import op
import sqlalchemy as sa

revision = '0009_task_vim'
down_revision = '0008_task_image'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tasks') as batch:
        batch.add_column(sa.Column('vim_id', sa.String(255), nullable=True))
        batch.create_index('tasks_vim_idx', ['vim_id', 'owner'])
