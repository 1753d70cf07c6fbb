"""What the alert job reads: the alerts owed, the themes of new stories, who follows them,
alert budgets used.

Every function runs in the caller's transaction; who gets what is ``briefings.briefs.plan``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, and_, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from briefings.model import ThemeRef
from briefings.store.briefs import chunks
from briefings.store.stories import StoryView, stories_by_id
from briefings.store.tables import chats, outbox, owed_alerts, story_themes, subscriptions

OWED_BATCH = 200  # stories whose alerts one transaction queues


@dataclass(frozen=True, slots=True)
class AlertChat:
    """A chat with alerts on, with what planning an alert needs of it."""

    id: int
    language: str
    timezone: str
    quiet_start: str | None
    quiet_end: str | None
    thread_id: int | None
    headlines: str = "reader"  # the chat's headline preference
    brief_time: str = "08:00"  # HH:MM local: named when alerts are held for the brief


async def stories_by_theme(conn: AsyncConnection, story_ids: Sequence[int]) -> dict[str, set[int]]:
    """Theme key → which of these stories are on it."""
    return await _grouped(conn, story_themes.c.theme, story_themes.c.story_id,
                          story_themes.c.story_id, story_ids)  # fmt: skip


async def subscribers(conn: AsyncConnection, themes: Sequence[str]) -> dict[str, set[int]]:
    """Shared theme key → the chats subscribed to it."""
    return await _grouped(conn, subscriptions.c.theme, subscriptions.c.chat_id,
                          subscriptions.c.theme, themes)  # fmt: skip


async def _grouped(conn: AsyncConnection, key: Column[Any], value: Column[Any],
                   where: Column[Any], among: Sequence[Any]) -> dict[Any, set[Any]]:
    """``key`` → the set of ``value`` over the rows whose ``where`` is among ``among``."""
    found: dict[Any, set[Any]] = defaultdict(set)
    for chunk in chunks(list(among)):
        for k, v in await conn.execute(select(key, value).where(where.in_(chunk))):
            found[k].add(v)
    return found


async def owe(conn: AsyncConnection, story_ids: Sequence[int], now: datetime) -> None:
    """Record that these new stories owe their alerts (in the transaction that filed them)."""
    if story_ids:
        await conn.execute(insert(owed_alerts),
                           [{"story_id": s, "owed_at": now} for s in story_ids])  # fmt: skip


async def owes_alerts(conn: AsyncConnection) -> bool:
    """Is any alert owed?"""
    return await conn.scalar(select(owed_alerts.c.story_id).limit(1)) is not None


async def take_owed(conn: AsyncConnection, limit: int = OWED_BATCH) -> list[int]:
    """Take up to ``limit`` owed alerts' stories, newest first: they are deleted here, so the
    caller queues their alerts in this same transaction, and a rollback owes them again. On
    PostgreSQL two pollers taking at once skip each other's rows."""
    taken = (select(owed_alerts.c.story_id).order_by(owed_alerts.c.story_id.desc())
             .limit(limit).with_for_update(skip_locked=True))  # fmt: skip
    rows = await conn.execute(
        delete(owed_alerts).where(owed_alerts.c.story_id.in_(taken.scalar_subquery()))
        .returning(owed_alerts.c.story_id)
    )
    return sorted((r for (r,) in rows), reverse=True)


async def alert_chats(conn: AsyncConnection, chat_ids: Sequence[int]) -> dict[int, AlertChat]:
    """Those of these chats that are active, unpaused and have alerts on."""
    found: dict[int, AlertChat] = {}
    for chunk in chunks(list(chat_ids)):
        for row in await conn.execute(
            select(chats.c.id, chats.c.language, chats.c.timezone, chats.c.quiet_start,
                   chats.c.quiet_end, chats.c.thread_id, chats.c.headlines, chats.c.brief_time)
            .where(chats.c.id.in_(chunk), chats.c.active.is_(True), chats.c.alerts.is_(True),
                   chats.c.paused.is_(False))
        ):
            found[row.id] = AlertChat(*row)
    return found


async def alerts_since(conn: AsyncConnection, chat_ids: Sequence[int],
                       since: datetime) -> dict[int, int]:
    """Alerts (distinct, not message parts) queued for each chat after ``since``."""
    used: dict[int, int] = defaultdict(int)
    for chunk in chunks(list(chat_ids)):
        for chat_id, count in await conn.execute(
            select(outbox.c.chat_id, func.count())
            .where(and_(outbox.c.chat_id.in_(chunk), outbox.c.kind == "alert",
                        outbox.c.part == 0, outbox.c.created_at > since))
            .group_by(outbox.c.chat_id)
        ):
            used[chat_id] = int(count)
    return used


async def story_views(conn: AsyncConnection, story_ids: Sequence[int],
                      themes: Sequence[str] | None = None) -> dict[int, StoryView]:
    """The stories by id, seen through ``themes`` (default: every shared theme they are on)."""
    ids = list(story_ids)
    if themes is None:
        themes = [t for (t,) in await conn.execute(
            select(story_themes.c.theme).where(story_themes.c.story_id.in_(ids)).distinct())
            if not ThemeRef.parse(t).is_own]
    return await stories_by_id(conn, ids, themes)
