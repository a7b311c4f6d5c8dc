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

"""uploads.image_created: did mcimage create the image it fills?

Revision ID: 0002_uploads_image_created
Revises: 0001_uploads
Create Date: 2026-11-25
"""

from alembic import op
import sqlalchemy as sa

revision = '0002_uploads_image_created'
down_revision = '0001_uploads'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('uploads') as batch:
        batch.add_column(sa.Column('image_created', sa.Boolean,
                                   nullable=False,
                                   server_default=sa.true()))
