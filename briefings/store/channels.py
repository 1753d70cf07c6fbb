"""Channels and who registered them: kept as state rows, keyed by the channel's id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from briefings.store.chats import CHANNEL_OWNER, Chat, chat_from_row
from briefings.store.db import upsert
from briefings.store.tables import chats, state


async def set_channel_owner(
    conn: AsyncConnection, channel_id: int, user_id: int, *, now: datetime
) -> None:
    """Remember which user registered a channel (for /channel list)."""
    stmt = upsert(conn, state, ["key"], ["value", "updated_at"])
    await conn.execute(
        stmt.values(key=f"{CHANNEL_OWNER}{channel_id}", value=str(user_id), updated_at=now)
    )


async def channels_of(conn: AsyncConnection, user_id: int) -> list[Chat]:
    """The channels this user registered, by title."""
    keys = select(state.c.key).where(
        state.c.key.like(f"{CHANNEL_OWNER}%"), state.c.value == str(user_id)
    )
    ids = [int(k.removeprefix(CHANNEL_OWNER)) for k in (await conn.execute(keys)).scalars()]
    if not ids:
        return []
    rows = await conn.execute(
        select(chats).where(chats.c.id.in_(ids), chats.c.type == "channel").order_by(
            func.lower(func.coalesce(chats.c.title, chats.c.username, ""))
        )
    )
    return [chat_from_row(r) for r in rows]


async def channel_owner(conn: AsyncConnection, channel_id: int) -> int | None:
    value = (
        await conn.execute(
            select(state.c.value).where(state.c.key == f"{CHANNEL_OWNER}{channel_id}")
        )
    ).scalar_one_or_none()
    return int(value) if value is not None else None
