"""What the due-briefs job reads and writes beside the outbox: due chats, their theme keys,
what each chat already has, and the advance of each chat's next brief.

Every function runs in the caller's transaction; the planning itself is ``briefings.briefs.plan``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from briefings.model import ThemeRef
from briefings.store.db import is_postgres
from briefings.store.tables import UTCDateTime, chat_themes, chats, outbox, sent_stories
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


async def due_chats(conn: AsyncConnection, now: datetime, limit: int) -> list[DueChat]:
    """Up to ``limit`` active, unpaused chats due by ``now``, earliest first (locked on PG)."""
    stmt = (
        select(chats.c.id, chats.c.language, chats.c.timezone, chats.c.brief_time,
               chats.c.next_brief_at, chats.c.last_brief_at, chats.c.thread_id,
               chats.c.headlines)
        .where(chats.c.active.is_(True), chats.c.paused.is_(False),
               chats.c.next_brief_at.is_not(None), chats.c.next_brief_at <= now)
        .order_by(chats.c.next_brief_at, chats.c.id)
        .limit(limit)
    )
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


async def briefed_on(conn: AsyncConnection, prefix: str, chat_ids: Sequence[int]) -> set[int]:
    """Chats whose brief with this dedupe prefix (one local day) was already queued."""
    found: set[int] = set()
    for chunk in chunks(chat_ids):
        keys = {f"{prefix}:{chat_id}:0": chat_id for chat_id in chunk}
        rows = await conn.execute(
            select(outbox.c.dedupe_key).where(outbox.c.dedupe_key.in_(list(keys)))
        )
        found.update(keys[key] for (key,) in rows)
    return found


async def advance(conn: AsyncConnection, schedules: Sequence[NextBrief]) -> None:
    """Store each chat's next brief time and last brief time."""
    if not schedules:
        return
    rows = [{"cid": s.chat_id, "nba": s.next_brief_at, "lba": s.last_brief_at}
            for s in schedules]
    stmt = (
        update(chats)
        .where(chats.c.id == bindparam("cid"))
        .values(next_brief_at=bindparam("nba"), last_brief_at=bindparam("lba"))
    )
    await conn.execute(stmt, rows)


async def remember_sent(conn: AsyncConnection, chat_ids: Sequence[int],
                        story_ids: Sequence[int], now: datetime) -> None:
    """No story reaches a chat twice: record it as sent when it is queued.

    Every (chat, story) pair is made by the database from two id lists (one statement, two
    parameters) rather than sent as a parameter set per row: a brief to 500 chats showing 15
    stories is 7,500 rows, and building and binding them was most of a due-briefs run.
    """
    if not chat_ids or not story_ids:
        return
    chat_list, story_list = list(chat_ids), sorted(set(story_ids))
    if is_postgres(conn):
        await conn.execute(_SENT_PAIRS_PG, {"chats": chat_list, "stories": story_list,
                                            "now": now})
    else:  # SQLite reads the lists as JSON arrays (json_each)
        await conn.execute(_SENT_PAIRS_SQLITE, {"chats": json.dumps(chat_list),
                                                "stories": json.dumps(story_list), "now": now})


_SENT_PAIRS_PG = text(
    "INSERT INTO sent_stories (chat_id, story_id, sent_at) "
    "SELECT c.id, s.id, :now FROM unnest(CAST(:chats AS BIGINT[])) AS c(id) "
    "CROSS JOIN unnest(CAST(:stories AS BIGINT[])) AS s(id) "
    "ON CONFLICT (chat_id, story_id) DO NOTHING"
).bindparams(bindparam("now", type_=UTCDateTime()))
# "WHERE true" keeps SQLite from reading ON CONFLICT as part of the join.
_SENT_PAIRS_SQLITE = text(
    "INSERT INTO sent_stories (chat_id, story_id, sent_at) "
    "SELECT c.value, s.value, :now FROM json_each(:chats) AS c "
    "CROSS JOIN json_each(:stories) AS s WHERE true "
    "ON CONFLICT (chat_id, story_id) DO NOTHING"
).bindparams(bindparam("now", type_=UTCDateTime()))
