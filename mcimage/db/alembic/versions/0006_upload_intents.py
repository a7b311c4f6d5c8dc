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

"""uploads: written before the image exists (image_id null, a marker)

An uploads row is written before the VIM is asked to create the image, so
a crash in between leaves a row; the image carries the row's marker in a
property, by which recovery finds it.

Revision ID: 0006_upload_intents
Revises: 0005_tasks
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa

revision = '0006_upload_intents'
down_revision = '0005_tasks'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('uploads') as batch:
        batch.alter_column('image_id', existing_type=sa.String(36),
                           nullable=True)
        batch.add_column(sa.Column('marker', sa.String(36), nullable=True))
