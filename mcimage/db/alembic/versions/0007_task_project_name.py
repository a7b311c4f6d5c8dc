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

"""tasks.project_name: the name of the creator's project

A task's flow checks policy again with the creator's identity as it was;
in a VIM that maps projects by name ([vim:ID] project_map_domain_name)
that takes the project's name too. Tasks from before have none: they are
checked as a caller whose project has no name.

Revision ID: 0007_task_project_name
Revises: 0006_upload_intents
Create Date: 2026-12-07
"""

from alembic import op
import sqlalchemy as sa

revision = '0007_task_project_name'
down_revision = '0006_upload_intents'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tasks') as batch:
        batch.add_column(sa.Column('project_name', sa.String(255),
                                   nullable=True))
