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

"""tasks.image_id, tasks.request_id: Glance's image import tasks

An import through the Glance endpoint (POST /v2/images/{id}/import) is a
task whose single target is the image it names; Glance lists an image's
tasks (GET /v2/images/{id}/tasks) with the id of the request that made
each. Tasks from before have neither.

Revision ID: 0008_task_image
Revises: 0007_task_project_name
Create Date: 2026-12-06
"""

from alembic import op
import sqlalchemy as sa

revision = '0008_task_image'
down_revision = '0007_task_project_name'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tasks') as batch:
        batch.add_column(sa.Column('image_id', sa.String(36),
                                   nullable=True))
        batch.add_column(sa.Column('request_id', sa.String(64),
                                   nullable=True))
        batch.create_index('tasks_image_idx', ['image_id'])
