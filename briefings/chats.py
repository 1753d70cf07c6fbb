"""A chat's settings that move its schedule, and a new own theme's first matches.

The store keeps what it is given; this module works out the values it needs: the next brief
(with ``briefings.briefs.schedule``) whenever a chat's time, time zone, pause or activity
changes, and the recent items a new /track theme matches.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from briefings.briefs.schedule import next_brief_at, next_new_brief_at
from briefings.model import ThemeMatch, ThemeRef
from briefings.store import chats as store
from briefings.store.chats import Chat
from briefings.store.items import recent_texts
from briefings.themes import Matcher, Theme


async def register_chat(
    conn: AsyncConnection,
    *,
    chat_id: int,
    chat_type: str,
    language: str,
    timezone: str,
    brief_time: str,
    themes: Iterable[str],
    now: datetime,
    title: str | None = None,
    username: str | None = None,
    thread_id: int | None = None,
) -> tuple[Chat, bool]:
    """Register a chat (subscribed to ``themes``) or refresh a known one; ``(chat, created)``.

    A known chat keeps its settings and subscriptions; it is reactivated, its title refreshed
    and, if given, its forum topic updated. Safe against two commands racing to create it.
    """
    created = await store.register_chat(
        conn, chat_id=chat_id, chat_type=chat_type, language=language, timezone=timezone,
        brief_time=brief_time, themes=themes, now=now,
        next_brief_at=next_brief_at(brief_time, timezone, now),
        title=_storable(title), username=_storable(username), thread_id=thread_id,
    )  # fmt: skip
    if not created:
        await reactivate(conn, chat_id, now=now)
    return await store.require_chat(conn, chat_id), created


def _storable(text: str | None) -> str | None:
    """``text`` without NUL bytes: PostgreSQL refuses them, and a forged update may carry one."""
    return text.replace("\x00", "") if text else text


async def reactivate(conn: AsyncConnection, chat_id: int, *, now: datetime) -> Chat | None:
    """Make a chat deactivated by delivery (blocked, no rights, not found) receive again.

    Its schedule restarts from ``now`` (no catching up on briefs missed while inactive); an
    active chat is left as it is. None if the chat is not registered.
    """
    chat = await store.get_chat(conn, chat_id)
    if chat is None or chat.active:
        return chat
    return await store.update_chat(
        conn, chat_id, active=True, deactivated_reason=None,
        next_brief_at=next_new_brief_at(chat.brief_time, chat.timezone, now, chat.last_brief_at),
    )  # fmt: skip


async def set_schedule(
    conn: AsyncConnection,
    chat_id: int,
    *,
    now: datetime,
    brief_time: str | None = None,
    timezone: str | None = None,
) -> Chat:
    """Change the brief's local time and/or time zone and recompute ``next_brief_at``."""
    chat = await store.require_chat(conn, chat_id)
    brief_time = brief_time or chat.brief_time
    timezone = timezone or chat.timezone
    return await store.update_chat(
        conn, chat_id, brief_time=brief_time, timezone=timezone,
        next_brief_at=next_new_brief_at(brief_time, timezone, now, chat.last_brief_at),
    )  # fmt: skip


async def set_paused(conn: AsyncConnection, chat_id: int, paused: bool, *, now: datetime) -> Chat:
    """Pause or resume the daily brief; resuming schedules the next one from ``now``."""
    chat = await store.require_chat(conn, chat_id)
    values: dict[str, Any] = {"paused": paused}
    if not paused:
        # No catching up on the briefs skipped while paused.
        values["next_brief_at"] = next_new_brief_at(chat.brief_time, chat.timezone, now,
                                                    chat.last_brief_at)
    return await store.update_chat(conn, chat_id, **values)


async def backfill_own_theme(
    conn: AsyncConnection, chat_id: int, theme: Theme, *, since: datetime, limit: int = 5000
) -> int:
    """Match a chat's new own theme against items stored since ``since``; returns the matches.

    Without this a new /track would find nothing until the next poll brings new items. Bounded
    by ``limit`` (newest first) so a command never walks the whole archive.
    """
    ref = ThemeRef(theme.name, chat_id)
    matcher = Matcher([theme])
    matches: dict[int, ThemeMatch] = {}
    stories: dict[int, float] = {}
    for item in await recent_texts(conn, since=since, limit=limit):
        found = matcher.match(item.title, item.summary, item.language)
        if not found:
            continue
        best = found[0]
        matches[item.id] = best
        if item.story_id is not None:
            stories[item.story_id] = max(best.score, stories.get(item.story_id, 0.0))
    await store.add_theme_matches(conn, ref, matches, stories)
    return len(matches)
