"""Forgetting old news: stories and item texts older than the ``keep_days`` setting.

A story goes with its themes and owed alert and its items' link to it (the foreign keys).
An old item is not deleted but emptied: its title, summary and theme matches go, its feed, GUID
and content hash stay, so a feed that still lists it (or lists it again under another GUID)
never brings it back as news. Which chats had a story (``sent_stories``) is forgotten by age:
a row sent before the cutoff is for a story no brief or alert can send again (a brief reads
a day back, /latest a week). Rows left for a story just deleted are never read (the table has
no foreign keys), and no id comes back to match them: PostgreSQL's ids come from a sequence,
and on SQLite, where a new story's id is the highest one plus one (``story_rows``), the newest
story is always kept.

Old means last seen (a story), sent (a row) or both published and first fetched (an item)
before the cutoff: an undated item, dated when first fetched, or a backlog item fetched today
is not old yet.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from briefings.store.tables import chats, item_themes, items, sent_stories, stories

# Rows a chunk touches, a transaction each, so polls and briefs interleave with a first purge.
STORY_CHUNK = 2_000
ITEM_CHUNK = 2_000
# ``sent_stories`` has no index by story or time, only its key (chat, story): its old rows are
# found a few chats at a time, each chat's rows read through the key. A year of news for 2,000
# chats (7.3 million rows, 5.5 million old) went in 38 s on SQLite and 10 s on PostgreSQL, the
# next day's purge in 3.5 s and 2.2 s; no statement took more than 1.1 s.
CHAT_CHUNK = 50


async def old_story_ids(conn: AsyncConnection, *, before: datetime, after: int | None = None,
                        limit: int = STORY_CHUNK) -> list[int]:  # fmt: skip
    """Up to ``limit`` stories last seen before ``before``, by id from after ``after``; never
    the newest."""
    newest = select(func.max(stories.c.id)).scalar_subquery()
    return await _ids_after(conn, stories.c.id, after, limit,
                            stories.c.last_seen_at < before, stories.c.id < newest)  # fmt: skip


async def forget_stories(conn: AsyncConnection, story_ids: list[int], before: datetime) -> int:
    """Delete these stories; their themes and owed alerts follow the foreign keys, and so do
    their items, which stay (story set to NULL; emptied when they are old themselves). The
    stories gone."""
    if not story_ids:
        return 0
    # Still old: a poll may have filed a report into one since it was found (PostgreSQL).
    result = await conn.execute(delete(stories).where(stories.c.id.in_(story_ids),
                                                      stories.c.last_seen_at < before))
    return int(result.rowcount or 0)


async def old_item_ids(conn: AsyncConnection, *, before: datetime, after: int | None = None,
                       limit: int = ITEM_CHUNK) -> list[int]:  # fmt: skip
    """Up to ``limit`` items published and first fetched before ``before`` that still keep a
    text or a theme match, by id from after ``after``."""
    matched = select(item_themes.c.item_id).where(item_themes.c.item_id == items.c.id).exists()
    return await _ids_after(conn, items.c.id, after, limit,
                            items.c.published_at < before, items.c.fetched_at < before,
                            or_(items.c.title != "", items.c.summary != "", matched))  # fmt: skip


async def empty_items(conn: AsyncConnection, item_ids: list[int], before: datetime) -> int:
    """Drop these items' texts and theme matches, keeping what recognises them in their feed."""
    if not item_ids:
        return 0
    still_old = (items.c.id.in_(item_ids), items.c.published_at < before,
                 items.c.fetched_at < before)
    await conn.execute(delete(item_themes).where(
        item_themes.c.item_id.in_(select(items.c.id).where(*still_old))))
    result = await conn.execute(update(items).where(*still_old).values(title="", summary=""))
    return int(result.rowcount or 0)


async def chat_ids(conn: AsyncConnection, *, before: datetime, after: int | None = None,
                   limit: int = CHAT_CHUNK) -> list[int]:  # fmt: skip
    """The next ``limit`` chats by id after ``after`` (any chat may have sent rows)."""
    return await _ids_after(conn, chats.c.id, after, limit)


async def forget_sent(conn: AsyncConnection, chat_ids: list[int], before: datetime) -> int:
    """These chats' rows of stories sent before ``before``; the rows gone."""
    if not chat_ids:
        return 0
    result = await conn.execute(delete(sent_stories).where(
        sent_stories.c.chat_id.in_(chat_ids), sent_stories.c.sent_at < before))
    return int(result.rowcount or 0)


async def _ids_after(conn: AsyncConnection, key: ColumnElement[int], after: int | None,
                     limit: int, *where: ColumnElement[bool]) -> list[int]:  # fmt: skip
    """The next ``limit`` values of the id column ``key`` after ``after``, in order, of the rows
    ``where`` selects: one chunk of a purge."""
    stmt = select(key).where(*where).order_by(key).limit(limit)
    if after is not None:
        stmt = stmt.where(key > after)
    return [int(v) for v in (await conn.execute(stmt)).scalars()]
