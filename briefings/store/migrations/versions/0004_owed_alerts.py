"""owed_alerts: the alerts a poll owes, recorded with the stories that owe them

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 00:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'owed_alerts',
        sa.Column('story_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  nullable=False),
        sa.Column('owed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['story_id'], ['stories.id'],
                                name=op.f('fk_owed_alerts_story_id_stories'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('story_id', name=op.f('pk_owed_alerts')),
    )


def downgrade() -> None:
    op.drop_table('owed_alerts')
