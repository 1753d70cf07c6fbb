"""What the due-briefs job reads and writes beside the outbox: due chats, their theme keys,
what each chat already has, and the advance of each chat's next brief.

Every function runs in the caller's transaction; the planning itself is ``briefings.briefs.plan``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import bindparam, or_, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from briefings.model import ThemeRef
from briefings.store.db import is_postgres
from briefings.store.tables import UTCDateTime, chat_themes, chats, sent_stories
from briefings.store.tables import subscriptions as subs

T = TypeVar("T")
CHUNK = 500  # ids per IN (...) list


@dataclass(frozen=True, slots=True)
class DueChat:
    """A chat whose brief time has come, with what planning needs of it."""

    id: int
    language: str
    timezone: str
    brief_time: str
    next_brief_at: datetime
    last_brief_at: datetime | None
    thread_id: int | None
    headlines: str = "reader"  # the chat's headline preference


@dataclass(frozen=True, slots=True)
class NextBrief:
    """A chat's schedule after a run: when its next brief is due, when it last got one."""

    chat_id: int
    next_brief_at: datetime
    last_brief_at: datetime | None


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterable[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


async def due_chats(conn: AsyncConnection, now: datetime, limit: int,
                    after: tuple[datetime, int] | None = None) -> list[DueChat]:
    """Up to ``limit`` active, unpaused chats due by ``now``, earliest first (locked on PG).

    ``after`` (a previous batch's last ``(next_brief_at, id)``) continues from there, so a run
    never walks again over the index entries of the chats it already advanced (on PostgreSQL
    their dead versions would otherwise be skipped again by every later batch).
    """
    stmt = (
        select(chats.c.id, chats.c.language, chats.c.timezone, chats.c.brief_time,
               chats.c.next_brief_at, chats.c.last_brief_at, chats.c.thread_id,
               chats.c.headlines)
        .where(chats.c.active.is_(True), chats.c.paused.is_(False),
               chats.c.next_brief_at.is_not(None), chats.c.next_brief_at <= now)
        .order_by(chats.c.next_brief_at, chats.c.id)
        .limit(limit)
    )
    if after is not None:
        at, chat_id = after
        stmt = stmt.where(chats.c.next_brief_at >= at,
                          or_(chats.c.next_brief_at > at, chats.c.id > chat_id))
    if is_postgres(conn):
        stmt = stmt.with_for_update(skip_locked=True)  # two bots on one store split the work
    return [DueChat(*row) for row in await conn.execute(stmt)]


async def theme_keys(conn: AsyncConnection, chat_ids: list[int],
                     known: frozenset[str] | None) -> dict[int, tuple[str, ...]]:
    """Each chat's theme keys (subscriptions to ``known`` themes, then its own), sorted."""
    found: dict[int, set[str]] = defaultdict(set)
    for chunk in chunks(chat_ids):
        for chat_id, theme in await conn.execute(
            select(subs.c.chat_id, subs.c.theme).where(subs.c.chat_id.in_(chunk))
        ):
            if known is None or theme in known:
                found[chat_id].add(theme)
        for chat_id, name in await conn.execute(
            select(chat_themes.c.chat_id, chat_themes.c.name)
            .where(chat_themes.c.chat_id.in_(chunk))
        ):
            found[chat_id].add(ThemeRef(name, chat_id).key)
    return {chat_id: tuple(sorted(keys)) for chat_id, keys in found.items()}


async def sent_among(conn: AsyncConnection, chat_ids: Sequence[int],
                     story_ids: Sequence[int]) -> dict[int, set[int]]:
    """Which of these stories each of these chats has already received."""
    had: dict[int, set[int]] = defaultdict(set)
    if not story_ids:
        return had
    for chunk in chunks(chat_ids):
        for chat_id, story_id in await conn.execute(
            select(sent_stories.c.chat_id, sent_stories.c.story_id)
            .where(sent_stories.c.chat_id.in_(chunk),
                   sent_stories.c.story_id.in_(list(story_ids)))
        ):
            had[chat_id].add(story_id)
    return had


async def advance(conn: AsyncConnection, schedules: Sequence[NextBrief]) -> None:
    """Store each chat's next brief time and last brief time (one statement)."""
    if not schedules:
        return
    if is_postgres(conn):  # the database makes the rows from three arrays
        await conn.execute(_ADVANCE_PG, {
            "ids": [s.chat_id for s in schedules],
            "nba": [s.next_brief_at for s in schedules],
            "lba": [s.last_brief_at for s in schedules],
        })
        return
    # SQLite: the rows as one JSON array, times as SQLAlchemy stores them (naive UTC text).
    await conn.execute(_ADVANCE_SQLITE, {"rows": json.dumps(
        [[s.chat_id, _sqlite_time(s.next_brief_at), _sqlite_time(s.last_brief_at)]
         for s in schedules])})


def _sqlite_time(value: datetime | None) -> str | None:
    """A time as ``UTCDateTime`` writes it on SQLite (naive UTC, microseconds always shown)."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


_ADVANCE_SQLITE = text(
    "UPDATE chats SET next_brief_at = json_extract(u.value, '$[1]'), "
    "last_brief_at = json_extract(u.value, '$[2]') "
    "FROM json_each(:rows) AS u WHERE chats.id = json_extract(u.value, '$[0]')"
)
_ADVANCE_PG = text(
    "UPDATE chats SET next_brief_at = u.nba, last_brief_at = u.lba "
    "FROM unnest(CAST(:ids AS BIGINT[]), CAST(:nba AS TIMESTAMPTZ[]), "
    "CAST(:lba AS TIMESTAMPTZ[])) AS u(id, nba, lba) WHERE chats.id = u.id"
)


async def remember_sent_groups(conn: AsyncConnection,
                               groups: Sequence[tuple[Sequence[int], Sequence[int]]],
                               now: datetime) -> None:
    """No story reaches a chat twice: record each group's chats as sent its stories, when
    they are queued, for several (chat ids, story ids) groups in one statement.

    Each chat is sent with its group's number and each group's stories once, and the database
    pairs them, rather than SQLAlchemy binding a parameter set per (chat, story) row: a batch
    of 2,000 chats in dozens of distinct briefs of 15 stories is one statement of a few
    thousand values, not tens of thousands of rows built here.

    Every chat given sent rows must get its outbox rows in the same transaction (briefs and
    alerts both do): their key lock on the chat row, like a brief's lock on its due chats, is
    what makes ``forget_chat`` and ``migrate_chat`` (``lock_chat``) wait for these rows.
    """
    groups = [(list(c), sorted(set(s))) for c, s in groups if c and s]
    if not groups:
        return
    if is_postgres(conn):
        await conn.execute(_SENT_GROUPS_PG, {
            "chats": [chat for chat_ids, _ in groups for chat in chat_ids],
            "chat_groups": [n for n, (chat_ids, _) in enumerate(groups) for _ in chat_ids],
            "stories": [story for _, story_ids in groups for story in story_ids],
            "story_groups": [n for n, (_, story_ids) in enumerate(groups) for _ in story_ids],
            "now": now,
        })
    else:  # [[chat, group], ...] and each group's story list, as JSON
        await conn.execute(_SENT_GROUPS_SQLITE, {
            "chats": json.dumps([[chat, n] for n, (chat_ids, _) in enumerate(groups)
                                 for chat in chat_ids]),
            "stories": json.dumps([story_ids for _, story_ids in groups]),
            "now": now,
        })


_SENT_GROUPS_PG = text(
    "INSERT INTO sent_stories (chat_id, story_id, sent_at) "
    "SELECT c.id, s.id, :now "
    "FROM unnest(CAST(:chats AS BIGINT[]), CAST(:chat_groups AS INT[])) AS c(id, g) "
    "JOIN unnest(CAST(:stories AS BIGINT[]), CAST(:story_groups AS INT[])) AS s(id, g) "
    "ON s.g = c.g ORDER BY c.id, s.id "  # key order: the index is written in one sweep
    "ON CONFLICT (chat_id, story_id) DO NOTHING"
).bindparams(bindparam("now", type_=UTCDateTime()))
_SENT_GROUPS_SQLITE = text(
    "INSERT INTO sent_stories (chat_id, story_id, sent_at) "
    "SELECT json_extract(c.value, '$[0]'), s.value, :now FROM json_each(:chats) AS c "
    "JOIN json_each(:stories, '$[' || json_extract(c.value, '$[1]') || ']') AS s "
    "WHERE true ORDER BY 1, 2 ON CONFLICT (chat_id, story_id) DO NOTHING"
).bindparams(bindparam("now", type_=UTCDateTime()))
