"""Who an announcement can reach: every active chat, its kind and its forum topic."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from briefings.store.tables import chats


@dataclass(frozen=True, slots=True)
class Recipient:
    """An active chat: ``kind`` is private, group, supergroup or channel."""

    id: int
    kind: str
    thread_id: int | None  # the forum topic its brief goes to, if any


async def active_recipients(conn: AsyncConnection) -> list[Recipient]:
    """Every active chat, by id."""
    query = (select(chats.c.id, chats.c.type, chats.c.thread_id)
             .where(chats.c.active.is_(True)).order_by(chats.c.id))
    return [Recipient(row.id, row.type, row.thread_id) for row in await conn.execute(query)]
