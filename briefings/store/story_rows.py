"""Stories as the filer writes them: the storage side of ``briefings.stories.StoryFiler``.

``StoryRows(conn)`` implements ``briefings.stories.storage.StoryStore`` in the caller's
transaction. It persists and queries only; which story an item belongs to is the filer's call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from briefings.model import StoryMember, StoryRecord, ThemeMatch
from briefings.store.db import insert_ignore, is_postgres, upsert
from briefings.store.tables import item_themes, items, sources, stories, story_themes

CHUNK = 500  # ids per IN (...) list


def _columns(record: StoryRecord) -> dict[str, Any]:
    # Shallow: a deep copy of every signature would cost more than the insert.
    return {f.name: getattr(record, f.name) for f in fields(record)}


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class StoryRows:
    """The stories, items and theme tables, through one open connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def write_item_themes(self, best: Mapping[int, Mapping[str, ThemeMatch]]) -> None:
        rows = [
            {
                "item_id": item_id,
                "theme": theme,
                "score": match.score,
                "hits": [[hit.term, hit.field] for hit in match.hits],
            }
            for item_id, per_theme in best.items()
            for theme, match in sorted(per_theme.items())
        ]
        await self.conn.execute(insert_ignore(self.conn, item_themes, ["item_id", "theme"]), rows)

    async def recent_signatures(
        self, since: datetime, until: datetime | None = None
    ) -> list[tuple[int, object, datetime]]:
        query = select(stories.c.id, stories.c.signature, stories.c.last_seen_at).where(
            stories.c.last_seen_at >= since
        )
        if until is not None:
            query = query.where(stories.c.last_seen_at < until)
        result = await self.conn.execute(query.order_by(stories.c.id))
        return [(sid, signature, last_seen) for sid, signature, last_seen in result]

    async def members(
        self, story_ids: Sequence[int], exclude: Set[int]
    ) -> list[tuple[int, StoryMember]]:
        out: list[tuple[int, StoryMember]] = []
        cols = (
            items.c.story_id, items.c.id, items.c.source_id, items.c.published_at,
            items.c.title, items.c.url, items.c.summary, items.c.language,
        )  # fmt: skip
        for chunk in chunks(story_ids):
            result = await self.conn.execute(select(*cols).where(items.c.story_id.in_(chunk)))
            for sid, item_id, *values in result:
                if item_id not in exclude:
                    out.append((sid, StoryMember(item_id, *values)))
        return out

    async def source_weights(self, source_ids: Iterable[int]) -> dict[int, float]:
        weights: dict[int, float] = {}
        for chunk in chunks(sorted(source_ids)):
            result = await self.conn.execute(
                select(sources.c.id, sources.c.weight).where(sources.c.id.in_(chunk))
            )
            weights.update({sid: float(w if w is not None else 1.0) for sid, w in result})
        return weights

    async def insert_stories(self, records: Sequence[StoryRecord]) -> list[int]:
        if not records:
            return []
        ids = await self._reserve_story_ids(len(records))
        rows = [{**_columns(r), "id": sid} for r, sid in zip(records, ids, strict=True)]
        await self.conn.execute(insert(stories), rows)
        return ids

    async def _reserve_story_ids(self, n: int) -> list[int]:
        """Ids for ``n`` new stories, so one plain bulk insert can write them all.

        (A bulk INSERT ... RETURNING that must keep the rows' order runs row by row on SQLite.)
        """
        conn = self.conn
        if is_postgres(conn):
            result = await conn.execute(
                text(
                    "SELECT nextval(pg_get_serial_sequence('stories', 'id'))"
                    " FROM generate_series(1, :n)"
                ),
                {"n": n},
            )
            return sorted(int(v) for v in result.scalars())
        # SQLite has one writer at a time: once this transaction has begun writing (an UPDATE
        # that changes nothing is enough), no other can insert stories before this one commits.
        await conn.execute(update(stories).where(stories.c.id < 0).values(id=stories.c.id))
        top = (await conn.execute(select(func.max(stories.c.id)))).scalar() or 0
        return list(range(top + 1, top + 1 + n))

    async def update_stories(self, records: Mapping[int, StoryRecord]) -> None:
        if not records:
            return
        rows = [
            {"b_id": sid, **{f"b_{k}": v for k, v in _columns(r).items()}}
            for sid, r in records.items()
        ]
        names = [k.removeprefix("b_") for k in rows[0] if k != "b_id"]
        stmt = (
            update(stories)
            .where(stories.c.id == bindparam("b_id"))
            .values({name: bindparam(f"b_{name}") for name in names})
        )
        await self.conn.execute(stmt, rows)

    async def set_item_stories(self, assigned: Mapping[int, int]) -> None:
        await self.conn.execute(
            update(items)
            .where(items.c.id == bindparam("b_id"))
            .values(story_id=bindparam("b_sid")),
            [{"b_id": item_id, "b_sid": sid} for item_id, sid in assigned.items()],
        )

    async def raise_theme_scores(self, scores: Mapping[tuple[int, str], float]) -> None:
        todo = dict(scores)
        for chunk in chunks(sorted({sid for sid, _ in todo})):
            result = await self.conn.execute(
                select(story_themes.c.story_id, story_themes.c.theme, story_themes.c.score).where(
                    story_themes.c.story_id.in_(chunk)
                )
            )
            for sid, theme, score in result:
                key = (sid, theme)
                if key in todo and score >= todo[key]:
                    del todo[key]  # already as good: nothing to write
        if todo:
            rows = [{"story_id": s, "theme": t, "score": v} for (s, t), v in sorted(todo.items())]
            stmt = upsert(self.conn, story_themes, ["story_id", "theme"], ["score"])
            await self.conn.execute(stmt, rows)
