"""chats.headlines (a reader's headline language) and bodies.markup (a message's buttons)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 22:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every chat so far read headlines in its own language where one existed.
    with op.batch_alter_table('chats', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('headlines', sa.String(length=8), nullable=False, server_default='reader')
        )
    with op.batch_alter_table('bodies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('markup', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('bodies', schema=None) as batch_op:
        batch_op.drop_column('markup')
    with op.batch_alter_table('chats', schema=None) as batch_op:
        batch_op.drop_column('headlines')
