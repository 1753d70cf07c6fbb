"""What the alert job reads: the themes of new stories, who follows them, alert budgets used.

Every function runs in the caller's transaction; who gets what is ``briefings.briefs.plan``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from briefings.model import ThemeRef
from briefings.store.briefs import chunks
from briefings.store.stories import StoryView, stories_by_id
from briefings.store.tables import chats, outbox, story_themes, subscriptions


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
    by_theme: dict[str, set[int]] = defaultdict(set)
    for chunk in chunks(list(story_ids)):
        for story_id, theme in await conn.execute(
            select(story_themes.c.story_id, story_themes.c.theme)
            .where(story_themes.c.story_id.in_(chunk))
        ):
            by_theme[theme].add(story_id)
    return by_theme


async def subscribers(conn: AsyncConnection, themes: Sequence[str]) -> dict[str, set[int]]:
    """Shared theme key → the chats subscribed to it."""
    found: dict[str, set[int]] = defaultdict(set)
    for chunk in chunks(list(themes)):
        for chat_id, theme in await conn.execute(
            select(subscriptions.c.chat_id, subscriptions.c.theme)
            .where(subscriptions.c.theme.in_(chunk))
        ):
            found[theme].add(chat_id)
    return found


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
