"""sent_stories without foreign keys: a brief to 100,000 chats writes a million rows, and on
PostgreSQL each key checked every one of them (see tables.py)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 00:00:00
"""
from __future__ import annotations

from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_KEYS = (
    ('fk_sent_stories_chat_id_chats', 'chats', 'chat_id', {'onupdate': 'CASCADE'}),
    ('fk_sent_stories_story_id_stories', 'stories', 'story_id', {}),
)


def upgrade() -> None:
    with op.batch_alter_table('sent_stories', schema=None) as batch_op:  # SQLite: a new table
        for name, _, _, _ in _KEYS:
            batch_op.drop_constraint(name, type_='foreignkey')


def downgrade() -> None:
    # Rows of chats or stories gone meanwhile would fail the keys: the cascade drops them.
    op.execute('DELETE FROM sent_stories WHERE chat_id NOT IN (SELECT id FROM chats)'
               ' OR story_id NOT IN (SELECT id FROM stories)')
    with op.batch_alter_table('sent_stories', schema=None) as batch_op:
        for name, table, column, extra in _KEYS:
            batch_op.create_foreign_key(name, table, [column], ['id'], ondelete='CASCADE',
                                        **extra)
