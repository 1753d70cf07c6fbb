"""Chats and what they asked for: registration, subscriptions, own themes, settings, forgetting.

Every function takes an open ``AsyncConnection`` and runs inside the caller's transaction, so a
command's reads and writes commit together. Schedules are recomputed here (not in the bot) with
``briefings.schedule.next_brief_at`` whenever the time or the time zone of a chat changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from briefings.store.db import insert_ignore, upsert
from briefings.store.tables import (
    chat_themes,
    chats,
    item_themes,
    items,
    outbox,
    sent_stories,
    state,
    story_themes,
    subscriptions,
)

CUSTOM_THEME_PREFIX = "c"
# Who registered a channel (there is no column for it): state rows keyed by the channel's id.
_CHANNEL_OWNER = "channel_owner:"


class ChatNotFound(LookupError):
    """The chat is not registered."""


class TooManyThemes(ValueError):
    """The chat already tracks as many own themes as it may."""


@dataclass(frozen=True, slots=True)
class Chat:
    """A registered chat and its settings."""

    id: int
    type: str
    title: str | None
    username: str | None
    language: str
    timezone: str
    brief_time: str
    next_brief_at: datetime | None
    last_brief_at: datetime | None
    paused: bool
    alerts: bool
    quiet_start: str | None
    quiet_end: str | None
    thread_id: int | None
    active: bool
    created_at: datetime

    @property
    def quiet(self) -> tuple[str, str] | None:
        if self.quiet_start and self.quiet_end:
            return (self.quiet_start, self.quiet_end)
        return None


@dataclass(frozen=True, slots=True)
class ChatTheme:
    """A chat's own theme (/track), as the user wrote it."""

    chat_id: int
    name: str
    terms: str
    created_at: datetime

    @property
    def key(self) -> str:
        return custom_theme_key(self.chat_id, self.name)


def custom_theme_key(chat_id: int, name: str) -> str:
    """The theme key a chat's own theme is stored under in item_themes / story_themes."""
    return f"{CUSTOM_THEME_PREFIX}{chat_id}:{name}"


def parse_custom_theme_key(key: str) -> tuple[int, str] | None:
    """``(chat_id, name)`` for a custom theme key, else None (a shared theme)."""
    if not key.startswith(CUSTOM_THEME_PREFIX) or ":" not in key:
        return None
    head, name = key[len(CUSTOM_THEME_PREFIX):].split(":", 1)
    try:
        return int(head), name
    except ValueError:
        return None


def _next_brief_at(brief_time: str, tz: str, now: datetime) -> datetime:
    # Imported here so the store stays importable while the schedule module evolves.
    from briefings.schedule import next_brief_at

    return next_brief_at(brief_time, tz, now)


def _chat(row: Any) -> Chat:
    return Chat(**{name: getattr(row, name) for name in Chat.__slots__})


async def get_chat(conn: AsyncConnection, chat_id: int) -> Chat | None:
    row = (await conn.execute(select(chats).where(chats.c.id == chat_id))).first()
    return _chat(row) if row else None


async def require_chat(conn: AsyncConnection, chat_id: int) -> Chat:
    chat = await get_chat(conn, chat_id)
    if chat is None:
        raise ChatNotFound(chat_id)
    return chat


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
    values = {
        "id": chat_id,
        "type": chat_type,
        "title": title,
        "username": username,
        "language": language,
        "timezone": timezone,
        "brief_time": brief_time,
        "next_brief_at": _next_brief_at(brief_time, timezone, now),
        "paused": False,
        "alerts": False,
        "thread_id": thread_id,
        "active": True,
        "created_at": now,
    }
    created = (await conn.execute(insert_ignore(conn, chats, ["id"]).values(**values))).rowcount
    if created:
        await subscribe(conn, chat_id, themes)
    else:
        changes: dict[str, Any] = {"title": title, "username": username, "type": chat_type}
        if thread_id is not None:
            changes["thread_id"] = thread_id
        await conn.execute(update(chats).where(chats.c.id == chat_id).values(**changes))
        await reactivate(conn, chat_id, now=now)
    return await require_chat(conn, chat_id), bool(created)


async def reactivate(conn: AsyncConnection, chat_id: int, *, now: datetime) -> Chat | None:
    """Make a chat deactivated by delivery (blocked, no rights, not found) receive again.

    Its schedule restarts from ``now`` (no catching up on briefs missed while inactive); an
    active chat is left as it is. None if the chat is not registered.
    """
    chat = await get_chat(conn, chat_id)
    if chat is None or chat.active:
        return chat
    return await update_chat(
        conn, chat_id, active=True, deactivated_reason=None,
        next_brief_at=_next_brief_at(chat.brief_time, chat.timezone, now),
    )


async def update_chat(conn: AsyncConnection, chat_id: int, **values: Any) -> Chat:
    """Change columns of a chat and return it (ChatNotFound if it is not registered)."""
    result = await conn.execute(update(chats).where(chats.c.id == chat_id).values(**values))
    if not result.rowcount:
        raise ChatNotFound(chat_id)
    return await require_chat(conn, chat_id)


async def set_schedule(
    conn: AsyncConnection,
    chat_id: int,
    *,
    now: datetime,
    brief_time: str | None = None,
    timezone: str | None = None,
) -> Chat:
    """Change the brief's local time and/or time zone and recompute ``next_brief_at``."""
    chat = await require_chat(conn, chat_id)
    brief_time = brief_time or chat.brief_time
    timezone = timezone or chat.timezone
    return await update_chat(
        conn,
        chat_id,
        brief_time=brief_time,
        timezone=timezone,
        next_brief_at=_next_brief_at(brief_time, timezone, now),
    )


async def set_paused(conn: AsyncConnection, chat_id: int, paused: bool, *, now: datetime) -> Chat:
    """Pause or resume the daily brief; resuming schedules the next one from ``now``."""
    chat = await require_chat(conn, chat_id)
    values: dict[str, Any] = {"paused": paused}
    if not paused:
        # No catching up on the briefs skipped while paused.
        values["next_brief_at"] = _next_brief_at(chat.brief_time, chat.timezone, now)
    return await update_chat(conn, chat_id, **values)


async def set_quiet(
    conn: AsyncConnection, chat_id: int, quiet: tuple[str, str] | None
) -> Chat:
    start, end = quiet if quiet else (None, None)
    return await update_chat(conn, chat_id, quiet_start=start, quiet_end=end)


# ── subscriptions ──────────────────────────────────────────────────────────────────────


async def subscribed_themes(conn: AsyncConnection, chat_id: int) -> list[str]:
    """The shared themes a chat is subscribed to, sorted."""
    rows = await conn.execute(
        select(subscriptions.c.theme)
        .where(subscriptions.c.chat_id == chat_id)
        .order_by(subscriptions.c.theme)
    )
    return list(rows.scalars())


async def subscribe(conn: AsyncConnection, chat_id: int, themes: Iterable[str]) -> list[str]:
    """Subscribe to each theme (already subscribed ones are kept); returns the newly added."""
    added = []
    for theme in dict.fromkeys(themes):
        stmt = insert_ignore(conn, subscriptions, ["chat_id", "theme"])
        result = await conn.execute(stmt.values(chat_id=chat_id, theme=theme))
        if result.rowcount:
            added.append(theme)
    return added


async def unsubscribe(conn: AsyncConnection, chat_id: int, themes: Iterable[str]) -> list[str]:
    """Unsubscribe from each theme; returns the ones that were subscribed."""
    removed = []
    for theme in dict.fromkeys(themes):
        result = await conn.execute(
            delete(subscriptions).where(
                subscriptions.c.chat_id == chat_id, subscriptions.c.theme == theme
            )
        )
        if result.rowcount:
            removed.append(theme)
    return removed


async def set_subscriptions(conn: AsyncConnection, chat_id: int, themes: Iterable[str]) -> None:
    """Replace the chat's subscriptions with exactly ``themes``."""
    await conn.execute(delete(subscriptions).where(subscriptions.c.chat_id == chat_id))
    await subscribe(conn, chat_id, themes)


async def toggle_theme(conn: AsyncConnection, chat_id: int, theme: str) -> bool:
    """Flip one subscription; True if the chat is now subscribed."""
    if await unsubscribe(conn, chat_id, [theme]):
        return False
    await subscribe(conn, chat_id, [theme])
    return True


# ── a chat's own themes (/track) ───────────────────────────────────────────────────────


async def list_chat_themes(conn: AsyncConnection, chat_id: int) -> list[ChatTheme]:
    rows = await conn.execute(
        select(chat_themes).where(chat_themes.c.chat_id == chat_id).order_by(chat_themes.c.name)
    )
    return [ChatTheme(r.chat_id, r.name, r.terms, r.created_at) for r in rows]


async def all_chat_themes(conn: AsyncConnection) -> list[ChatTheme]:
    """Every active chat's own themes (what the matcher must look for besides themes.toml)."""
    rows = await conn.execute(
        select(chat_themes)
        .join(chats, chats.c.id == chat_themes.c.chat_id)
        .where(chats.c.active.is_(True))
        .order_by(chat_themes.c.chat_id, chat_themes.c.name)
    )
    return [ChatTheme(r.chat_id, r.name, r.terms, r.created_at) for r in rows]


async def track(
    conn: AsyncConnection, chat_id: int, name: str, terms: str, *, now: datetime, cap: int
) -> bool:
    """Save (or redefine) a chat's own theme; True if it is new. TooManyThemes past ``cap``."""
    existing = {t.name for t in await list_chat_themes(conn, chat_id)}
    if name not in existing and len(existing) >= cap:
        raise TooManyThemes(cap)
    stmt = upsert(conn, chat_themes, ["chat_id", "name"], ["terms"])
    await conn.execute(stmt.values(chat_id=chat_id, name=name, terms=terms, created_at=now))
    if name in existing:
        # The old definition's matches no longer hold.
        await _forget_theme_matches(conn, custom_theme_key(chat_id, name))
    return name not in existing


async def untrack(conn: AsyncConnection, chat_id: int, name: str) -> bool:
    """Remove a chat's own theme and its matches; False if there was none by that name."""
    result = await conn.execute(
        delete(chat_themes).where(chat_themes.c.chat_id == chat_id, chat_themes.c.name == name)
    )
    await _forget_theme_matches(conn, custom_theme_key(chat_id, name))
    return bool(result.rowcount)


async def backfill_own_theme(
    conn: AsyncConnection, chat_id: int, theme: Any, *, since: datetime, limit: int = 5000
) -> int:
    """Match a chat's new own theme against items stored since ``since``; returns the matches.

    Without this a new /track would find nothing until the next poll brings new items. Bounded
    by ``limit`` (newest first) so a command never walks the whole archive.
    """
    from dataclasses import replace

    from briefings.matcher import Matcher

    key = custom_theme_key(chat_id, theme.name)
    matcher = Matcher([replace(theme, name=key)])
    rows = await conn.execute(
        select(items.c.id, items.c.title, items.c.summary, items.c.language, items.c.story_id)
        .where(items.c.published_at >= since)
        .order_by(items.c.published_at.desc())
        .limit(limit)
    )
    item_rows: list[dict[str, Any]] = []
    story_scores: dict[int, float] = {}
    for row in rows:
        found = matcher.match(row.title, row.summary, row.language)
        if not found:
            continue
        best = found[0]
        hits = [[hit.term, hit.field] for hit in best.hits]
        item_rows.append({"item_id": row.id, "theme": key, "score": best.score, "hits": hits})
        if row.story_id is not None:
            story_scores[row.story_id] = max(best.score, story_scores.get(row.story_id, 0.0))
    if item_rows:
        await conn.execute(insert_ignore(conn, item_themes, ["item_id", "theme"]), item_rows)
    if story_scores:
        await conn.execute(
            insert_ignore(conn, story_themes, ["story_id", "theme"]),
            [{"story_id": sid, "theme": key, "score": score}
             for sid, score in story_scores.items()],
        )
    return len(item_rows)


async def _forget_theme_matches(conn: AsyncConnection, key: str) -> None:
    await conn.execute(delete(item_themes).where(item_themes.c.theme == key))
    await conn.execute(delete(story_themes).where(story_themes.c.theme == key))


async def theme_keys(conn: AsyncConnection, chat_id: int) -> list[str]:
    """Every theme key a chat receives: its subscriptions, then its own themes."""
    own = [t.key for t in await list_chat_themes(conn, chat_id)]
    return await subscribed_themes(conn, chat_id) + own


# ── channels ───────────────────────────────────────────────────────────────────────────


async def set_channel_owner(
    conn: AsyncConnection, channel_id: int, user_id: int, *, now: datetime
) -> None:
    """Remember which user registered a channel (for /channel list)."""
    stmt = upsert(conn, state, ["key"], ["value", "updated_at"])
    await conn.execute(
        stmt.values(key=f"{_CHANNEL_OWNER}{channel_id}", value=str(user_id), updated_at=now)
    )


async def channels_of(conn: AsyncConnection, user_id: int) -> list[Chat]:
    """The channels this user registered, by title."""
    keys = select(state.c.key).where(
        state.c.key.like(f"{_CHANNEL_OWNER}%"), state.c.value == str(user_id)
    )
    ids = [int(k.removeprefix(_CHANNEL_OWNER)) for k in (await conn.execute(keys)).scalars()]
    if not ids:
        return []
    rows = await conn.execute(
        select(chats).where(chats.c.id.in_(ids), chats.c.type == "channel").order_by(
            func.lower(func.coalesce(chats.c.title, chats.c.username, ""))
        )
    )
    return [_chat(r) for r in rows]


async def channel_owner(conn: AsyncConnection, channel_id: int) -> int | None:
    value = (
        await conn.execute(
            select(state.c.value).where(state.c.key == f"{_CHANNEL_OWNER}{channel_id}")
        )
    ).scalar_one_or_none()
    return int(value) if value is not None else None


# ── forgetting ─────────────────────────────────────────────────────────────────────────


async def forget_chat(conn: AsyncConnection, chat_id: int) -> bool:
    """Delete a chat and everything kept for it; False if it was not registered."""
    own = [t.key for t in await list_chat_themes(conn, chat_id)]
    for key in own:
        await _forget_theme_matches(conn, key)
    # The foreign keys cascade, but say it outright: it must hold on every backend.
    for table in (outbox, sent_stories, chat_themes, subscriptions):
        await conn.execute(delete(table).where(table.c.chat_id == chat_id))
    await conn.execute(delete(state).where(state.c.key == f"{_CHANNEL_OWNER}{chat_id}"))
    result = await conn.execute(delete(chats).where(chats.c.id == chat_id))
    return bool(result.rowcount)
