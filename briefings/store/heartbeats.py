"""Who is alive, in the ``state`` table: senders sharing one bot's budget beat here, and the
health check writes here to learn whether the store still takes writes."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from briefings.store.db import upsert
from briefings.store.tables import state

SENDERS = "sender:"
WRITE_PROBE = "health_write_probe"


def sender_prefix(bot_id: str) -> str:
    """The keys of one bot's senders (the bot id is the token's public half)."""
    return f"{SENDERS}{bot_id}:"


def sender_key(bot_id: str, worker: str) -> str:
    """One sender's key; hashed because worker names can be longer than a key may be."""
    return sender_prefix(bot_id) + hashlib.sha1(worker.encode()).hexdigest()[:16]


async def beat(conn: AsyncConnection, key: str, worker: str, now: datetime) -> None:
    """``worker`` is alive at ``now``."""
    stmt = upsert(conn, state, ["key"], ["value", "updated_at"])
    await conn.execute(stmt.values(key=key, value=worker, updated_at=now))


async def alive(conn: AsyncConnection, prefix: str, *, since: datetime) -> int:
    """How many of the keys under ``prefix`` beat at ``since`` or later."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    stmt = (select(func.count()).select_from(state)
            .where(state.c.key.like(escaped + "%", escape="\\"), state.c.updated_at >= since))
    return int((await conn.execute(stmt)).scalar_one())


async def leave(conn: AsyncConnection, key: str) -> None:
    """Stop counting ``key`` at once (a sender stopping cleanly)."""
    await conn.execute(delete(state).where(state.c.key == key))


async def probe_write(conn: AsyncConnection, now: datetime) -> None:
    """A small real write: it fails when the store is read-only, locked or full."""
    stmt = upsert(conn, state, ["key"], ["value", "updated_at"])
    await conn.execute(stmt.values(key=WRITE_PROBE, value=now.isoformat(), updated_at=now))
