"""Shared helpers for the scheduling/delivery tests: chats registered through the real store."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from briefings.chats import register_chat

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


async def add_chats(conn: AsyncConnection, ids: Iterable[int], *, now: datetime = T0,
                    themes: Iterable[str] = ("tariffs",), timezone: str = "UTC",
                    brief_time: str = "08:00", language: str = "en") -> None:
    themes = list(themes)
    for chat_id in ids:
        await register_chat(
            conn, chat_id=chat_id, chat_type="private" if chat_id > 0 else "group",
            language=language, timezone=timezone, brief_time=brief_time, themes=themes, now=now,
        )
