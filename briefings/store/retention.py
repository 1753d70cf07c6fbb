"""Forgetting old news: stories and item texts older than the ``keep_days`` setting.

A story is gone with everything that hangs on it: its themes and owed alert (cascades), the
``sent_stories`` rows that say which chats had it (no foreign key there: deleted outright), and
its items' link to it (set to NULL). An old item is not deleted but emptied: its title, summary
and theme matches go, its feed, GUID and content hash stay, so a feed that still lists it (or
lists it again under another GUID) never brings it back as news.

Old means last seen (a story) or both published and first fetched (an item) before the cutoff:
an undated item, dated when first fetched, or a backlog item fetched today is not old yet.
The newest story is always kept: on SQLite a new story's id is the highest one plus one
(``story_rows``), and an id given again would make an old message's page link open another
story.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from briefings.store.tables import item_themes, items, sent_stories, stories

CHUNK = 2_000  # rows a statement touches: each chunk is short, so briefs and polls interleave


async def old_story_ids(conn: AsyncConnection, *, before: datetime, limit: int = CHUNK
                        ) -> list[int]:  # fmt: skip
    """Up to ``limit`` stories last seen before ``before``, oldest id first; never the newest."""
    newest = select(func.max(stories.c.id)).scalar_subquery()
    stmt = (select(stories.c.id).where(stories.c.last_seen_at < before, stories.c.id < newest)
            .order_by(stories.c.id).limit(limit))  # fmt: skip
    return [int(v) for v in (await conn.execute(stmt)).scalars()]


async def forget_stories(conn: AsyncConnection, story_ids: list[int]) -> int:
    """Delete these stories and the rows that hang on them; the stories gone."""
    if not story_ids:
        return 0
    await conn.execute(delete(sent_stories).where(sent_stories.c.story_id.in_(story_ids)))
    # The items stay (emptied later, when they are old themselves); items.story_id and the
    # themes and owed alerts follow the foreign keys.
    await conn.execute(update(items).where(items.c.story_id.in_(story_ids)).values(story_id=None))
    result = await conn.execute(delete(stories).where(stories.c.id.in_(story_ids)))
    return int(result.rowcount or 0)


async def old_item_ids(conn: AsyncConnection, *, before: datetime, limit: int = CHUNK
                       ) -> list[int]:  # fmt: skip
    """Up to ``limit`` items published and first fetched before ``before`` that still keep a
    text or a theme match."""
    matched = select(item_themes.c.item_id).where(item_themes.c.item_id == items.c.id).exists()
    stmt = (select(items.c.id)
            .where(items.c.published_at < before, items.c.fetched_at < before,
                   or_(items.c.title != "", items.c.summary != "", matched))
            .order_by(items.c.id).limit(limit))  # fmt: skip
    return [int(v) for v in (await conn.execute(stmt)).scalars()]


async def empty_items(conn: AsyncConnection, item_ids: list[int]) -> int:
    """Drop these items' texts and theme matches, keeping what recognises them in their feed."""
    if not item_ids:
        return 0
    await conn.execute(delete(item_themes).where(item_themes.c.item_id.in_(item_ids)))
    result = await conn.execute(
        update(items).where(items.c.id.in_(item_ids)).values(title="", summary="")
    )
    return int(result.rowcount or 0)
