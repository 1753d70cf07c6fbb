"""The ``state`` table: small named facts kept between runs (e.g. ``last_poll_at``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete as sql_delete
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from briefings.store.db import upsert
from briefings.store.tables import state as t

LAST_POLL_AT = "last_poll_at"


async def get(conn: AsyncConnection, key: str) -> str | None:
    return await conn.scalar(select(t.c.value).where(t.c.key == key))


async def put(conn: AsyncConnection, key: str, value: str, *, now: datetime) -> None:
    stmt = upsert(conn, t, ["key"], ["value", "updated_at"])
    await conn.execute(stmt.values(key=key, value=value, updated_at=now))


async def delete(conn: AsyncConnection, key: str) -> None:
    await conn.execute(sql_delete(t).where(t.c.key == key))


async def get_prefixed(conn: AsyncConnection, prefix: str) -> list[tuple[str, str]]:
    """Every (key, value) whose key starts with ``prefix``."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    result = await conn.execute(
        select(t.c.key, t.c.value).where(t.c.key.like(escaped + "%", escape="\\"))
    )
    return [(k, v) for k, v in result]


async def get_time(conn: AsyncConnection, key: str) -> datetime | None:
    """A time stored with ``put_time`` (ISO 8601, aware)."""
    value = await get(conn, key)
    return datetime.fromisoformat(value) if value else None


async def put_time(conn: AsyncConnection, key: str, when: datetime, *, now: datetime) -> None:
    if when.tzinfo is None:
        raise ValueError("naive datetime given to the store; pass an aware UTC time")
    await put(conn, key, when.isoformat(), now=now)
