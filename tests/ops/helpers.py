"""Rows the ops tests need, written with the real tables."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from briefings.store.tables import bodies, chats, outbox, sources, state, subscriptions

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def add_chat(conn: AsyncConnection, chat_id: int, *, type_: str = "private",
                   active: bool = True, themes: tuple[str, ...] = ()) -> None:
    await conn.execute(insert(chats).values(
        id=chat_id, type=type_, language="en", timezone="UTC", brief_time="08:00",
        active=active, created_at=NOW, title=f"secret title {chat_id}",
    ))
    for theme in themes:
        await conn.execute(insert(subscriptions).values(chat_id=chat_id, theme=theme))


async def add_source(conn: AsyncConnection, name: str, url: str, *, errors: int = 0,
                     enabled: bool = True, next_fetch_at: datetime | None = None) -> int:
    result = await conn.execute(insert(sources).values(
        name=name, url=url, language="en", weight=1.0, enabled=enabled, error_count=errors,
        last_error="timeout" if errors else None, seeded=True, created_at=NOW,
        next_fetch_at=next_fetch_at,
    ))
    return int(result.inserted_primary_key[0])


async def add_outbox(conn: AsyncConnection, chat_id: int, count: int, *, status: str = "pending",
                     text: str = "hello", not_before: datetime = NOW) -> list[int]:
    body = await conn.execute(insert(bodies).values(text=text, parse_mode="HTML", created_at=NOW))
    body_id = body.inserted_primary_key[0]
    ids = []
    for n in range(count):
        row = await conn.execute(insert(outbox).values(
            chat_id=chat_id, body_id=body_id, kind="notice", part=0, status=status,
            not_before=not_before, created_at=NOW, dedupe_key=f"t:{chat_id}:{body_id}:{n}",
        ))
        ids.append(int(row.inserted_primary_key[0]))
    return ids


async def set_last_poll(conn: AsyncConnection, when: datetime) -> None:
    await conn.execute(insert(state).values(key="last_poll_at", value=when.isoformat(),
                                            updated_at=when))
