"""The ``items`` table: every news item kept, once per source.

An item is new when its source has neither its GUID nor its content hash yet: the hash
catches a feed that changed its GUIDs without changing its articles.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import RowMapping, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from briefings.model import Item, StoredItem
from briefings.store.db import insert_ignore
from briefings.store.tables import items as t
from briefings.store.tables import sources

# Keeps each statement's bound parameters under SQLite's and asyncpg's limits.
_CHUNK = 500


async def save_items(
    conn: AsyncConnection, source_id: int, items: Sequence[Item], fetched_at: datetime
) -> list[StoredItem]:
    """Insert the items this source does not have yet; return those, with their row ids."""
    return (await save_feeds(conn, [(source_id, items, fetched_at)]))[source_id]


async def save_feeds(
    conn: AsyncConnection, feeds: Sequence[tuple[int, Sequence[Item], datetime]]
) -> dict[int, list[StoredItem]]:
    """``save_items`` for several sources (source id, items, fetched at) at once: a poll's
    batch of feeds takes a few statements in all, not two per feed."""
    fresh = {source_id: _first_of_each(items) for source_id, items, _ in feeds}
    when = {source_id: fetched_at for source_id, _, fetched_at in feeds}
    known = await _known_hashes(conn, [(source_id, i.content_hash)
                                       for source_id, items in fresh.items()
                                       for i in items if i.content_hash])  # fmt: skip
    new = [(source_id, i) for source_id, items in fresh.items() for i in items
           if not i.content_hash or (source_id, i.content_hash) not in known]  # fmt: skip
    stmt = insert_ignore(conn, t, ["source_id", "guid"]).returning(t.c.id, t.c.source_id, t.c.guid)
    ids: dict[tuple[int, str], int] = {}
    for start in range(0, len(new), _CHUNK):
        chunk = new[start : start + _CHUNK]
        result = await conn.execute(stmt, [_values(sid, i, when[sid]) for sid, i in chunk])
        ids.update(((source_id, guid), row_id) for row_id, source_id, guid in result)
    saved: dict[int, list[StoredItem]] = {source_id: [] for source_id in fresh}
    for source_id, i in new:
        row_id = ids.get((source_id, i.guid))
        if row_id is not None:  # not a GUID the source already had
            saved[source_id].append(StoredItem(row_id, source_id, i))
    return saved


def _first_of_each(items: Iterable[Item]) -> list[Item]:
    """Drop repeats inside one feed (same GUID or same content), keeping the first."""
    guids: set[str] = set()
    hashes: set[str] = set()
    kept: list[Item] = []
    for item in items:
        if item.guid in guids or (item.content_hash and item.content_hash in hashes):
            continue
        guids.add(item.guid)
        if item.content_hash:
            hashes.add(item.content_hash)
        kept.append(item)
    return kept


async def _known_hashes(
    conn: AsyncConnection, pairs: Sequence[tuple[int, str]]
) -> set[tuple[int, str]]:
    """Which (source id, content hash) pairs are stored already."""
    known: set[tuple[int, str]] = set()
    for start in range(0, len(pairs), _CHUNK):
        chunk = pairs[start : start + _CHUNK]
        result = await conn.execute(
            select(t.c.source_id, t.c.content_hash).where(
                t.c.source_id.in_(sorted({source_id for source_id, _ in chunk})),
                t.c.content_hash.in_(sorted({h for _, h in chunk})),
            )
        )  # the rows of every pair, and perhaps a few more (another source's hash): kept out
        wanted = set(chunk)
        known.update(pair for pair in map(tuple, result) if pair in wanted)
    return known


def _values(source_id: int, item: Item, fetched_at: datetime) -> dict[str, object]:
    return {
        "source_id": source_id,
        "guid": item.guid,
        "url": item.url,
        "title": item.title,
        "summary": item.summary,
        "language": item.language,
        "published_at": item.published_at,
        "fetched_at": fetched_at,
        "content_hash": item.content_hash,
    }


async def items_by_ids(conn: AsyncConnection, ids: Iterable[int]) -> list[StoredItem]:
    """The stored items with these ids (any order in, id order out)."""
    wanted = sorted(set(ids))
    found: list[StoredItem] = []
    for start in range(0, len(wanted), _CHUNK):
        result = await conn.execute(
            select(t, sources.c.name.label("source_name"))
            .join(sources, sources.c.id == t.c.source_id)
            .where(t.c.id.in_(wanted[start : start + _CHUNK]))
            .order_by(t.c.id)
        )
        found.extend(_stored(r._mapping) for r in result)
    return found


def _stored(row: RowMapping) -> StoredItem:
    item = Item(
        source=row["source_name"],
        guid=row["guid"],
        url=row["url"],
        title=row["title"],
        summary=row["summary"],
        language=row["language"],
        published_at=row["published_at"],
        content_hash=row["content_hash"],
    )
    return StoredItem(id=row["id"], source_id=row["source_id"], item=item)


async def count_items(conn: AsyncConnection, source_id: int | None = None) -> int:
    """How many items are stored (for one source, or all)."""
    stmt = select(func.count()).select_from(t)
    if source_id is not None:
        stmt = stmt.where(t.c.source_id == source_id)
    return int(await conn.scalar(stmt) or 0)


@dataclass(frozen=True, slots=True)
class ItemText:
    """What matching reads of a stored item, and the story it was filed in."""

    id: int
    title: str
    summary: str
    language: str
    story_id: int | None = None


async def recent_texts(conn: AsyncConnection, *, since: datetime, limit: int) -> list[ItemText]:
    """The texts of items published since ``since``, newest first, at most ``limit``."""
    rows = await conn.execute(
        select(t.c.id, t.c.title, t.c.summary, t.c.language, t.c.story_id)
        .where(t.c.published_at >= since)
        .order_by(t.c.published_at.desc())
        .limit(limit)
    )
    return [ItemText(*row) for row in rows]


async def text_by_url(conn: AsyncConnection, url: str) -> ItemText | None:
    """A stored item with this URL (any one of them), if there is one."""
    query = select(t.c.id, t.c.title, t.c.summary, t.c.language, t.c.story_id)
    row = (await conn.execute(query.where(t.c.url == url).limit(1))).first()
    return None if row is None else ItemText(*row)
