"""Chats and what they asked for: registration, subscriptions, own themes, settings, forgetting.

Every function takes an open ``AsyncConnection`` and runs inside the caller's transaction, so a
command's reads and writes commit together. The store keeps values it is given: a chat's
``next_brief_at`` is worked out by ``briefings.chats`` (with the schedule maths) and passed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from briefings.model import ThemeMatch, ThemeRef
from briefings.store.db import insert_ignore, upsert
from briefings.store.tables import (
    chat_themes,
    chats,
    item_themes,
    outbox,
    sent_stories,
    state,
    story_themes,
    subscriptions,
)

# Who registered a channel (there is no column for it): state rows keyed by the channel's id.
CHANNEL_OWNER = "channel_owner:"


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
    headlines: str = "reader"  # headlines in: "reader", a language code, or "both"

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
    def ref(self) -> ThemeRef:
        return ThemeRef(self.name, self.chat_id)

    @property
    def key(self) -> str:
        """The form the theme is stored under in item_themes / story_themes."""
        return self.ref.key


def chat_from_row(row: Any) -> Chat:
    return Chat(**{name: getattr(row, name) for name in Chat.__slots__})


async def get_chat(conn: AsyncConnection, chat_id: int) -> Chat | None:
    row = (await conn.execute(select(chats).where(chats.c.id == chat_id))).first()
    return chat_from_row(row) if row else None


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
    next_brief_at: datetime,
    title: str | None = None,
    username: str | None = None,
    thread_id: int | None = None,
) -> bool:
    """Register a chat (subscribed to ``themes``) or refresh a known one; True if created.

    A known chat keeps its settings and subscriptions; its title is refreshed and, if given,
    its forum topic updated. Safe against two commands racing to create it.
    """
    values = {
        "id": chat_id,
        "type": chat_type,
        "title": title,
        "username": username,
        "language": language,
        "timezone": timezone,
        "brief_time": brief_time,
        "next_brief_at": next_brief_at,
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
    return bool(created)


async def update_chat(conn: AsyncConnection, chat_id: int, **values: Any) -> Chat:
    """Change columns of a chat and return it (ChatNotFound if it is not registered)."""
    result = await conn.execute(update(chats).where(chats.c.id == chat_id).values(**values))
    if not result.rowcount:
        raise ChatNotFound(chat_id)
    return await require_chat(conn, chat_id)


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
        await _forget_theme_matches(conn, ThemeRef(name, chat_id).key)
    return name not in existing


async def untrack(conn: AsyncConnection, chat_id: int, name: str) -> bool:
    """Remove a chat's own theme and its matches; False if there was none by that name."""
    result = await conn.execute(
        delete(chat_themes).where(chat_themes.c.chat_id == chat_id, chat_themes.c.name == name)
    )
    await _forget_theme_matches(conn, ThemeRef(name, chat_id).key)
    return bool(result.rowcount)


async def add_theme_matches(
    conn: AsyncConnection, ref: ThemeRef, matches: dict[int, ThemeMatch], stories: dict[int, float]
) -> None:
    """Record ``ref``'s matches: item id -> its match, story id -> the story's best score."""
    key = ref.key
    if matches:
        rows = [
            {"item_id": item_id, "theme": key, "score": m.score,
             "hits": [[hit.term, hit.field] for hit in m.hits]}
            for item_id, m in matches.items()
        ]  # fmt: skip
        await conn.execute(insert_ignore(conn, item_themes, ["item_id", "theme"]), rows)
    if stories:
        rows = [{"story_id": sid, "theme": key, "score": score} for sid, score in stories.items()]
        await conn.execute(insert_ignore(conn, story_themes, ["story_id", "theme"]), rows)


async def _forget_theme_matches(conn: AsyncConnection, key: str) -> None:
    await conn.execute(delete(item_themes).where(item_themes.c.theme == key))
    await conn.execute(delete(story_themes).where(story_themes.c.theme == key))


async def theme_keys(conn: AsyncConnection, chat_id: int) -> list[str]:
    """Every theme key a chat receives: its subscriptions, then its own themes."""
    own = [t.key for t in await list_chat_themes(conn, chat_id)]
    return await subscribed_themes(conn, chat_id) + own


async def active_chat_ids(conn: AsyncConnection) -> list[int]:
    """Every active chat, by id."""
    query = select(chats.c.id).where(chats.c.active.is_(True)).order_by(chats.c.id)
    return list((await conn.execute(query)).scalars())


# ── forgetting ─────────────────────────────────────────────────────────────────────────


async def lock_chat(conn: AsyncConnection, chat_id: int) -> None:
    """Wait for, then hold off, every transaction writing for this chat (PostgreSQL).

    A brief holds its chats' rows (``due_chats``); an alert's outbox rows hold a key lock on
    theirs. ``sent_stories`` has no key to the chat (tables.py): a statement that moves or
    deletes a chat's sent rows must come after those writers commit, or a row they write
    meanwhile stays behind under an id that is gone (and a chat that comes back with it would
    read the story as sent). SQLite has one writer at a time, and no row locks.
    """
    await conn.execute(select(chats.c.id).where(chats.c.id == chat_id).with_for_update())


async def forget_chat(conn: AsyncConnection, chat_id: int) -> bool:
    """Delete a chat and everything kept for it; False if it was not registered."""
    await lock_chat(conn, chat_id)
    own = [t.key for t in await list_chat_themes(conn, chat_id)]
    for key in own:
        await _forget_theme_matches(conn, key)
    # Outbox, themes and subscriptions would cascade from the chat; sent_stories has no key
    # (tables.py). Say all of it outright: it must hold on every backend.
    for table in (outbox, sent_stories, chat_themes, subscriptions):
        await conn.execute(delete(table).where(table.c.chat_id == chat_id))
    await conn.execute(delete(state).where(state.c.key == f"{CHANNEL_OWNER}{chat_id}"))
    result = await conn.execute(delete(chats).where(chats.c.id == chat_id))
    return bool(result.rowcount)
