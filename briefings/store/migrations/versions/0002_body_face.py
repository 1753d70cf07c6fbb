"""bodies.face: the face that rendered a body and sends it

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 10:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every body written so far was Telegram HTML.
    with op.batch_alter_table('bodies', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('face', sa.String(length=16), nullable=False, server_default='telegram')
        )


def downgrade() -> None:
    with op.batch_alter_table('bodies', schema=None) as batch_op:
        batch_op.drop_column('face')
