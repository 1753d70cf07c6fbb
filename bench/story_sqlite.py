"""Store generated reports in a fresh database, then file them as polls do: ``file_all``."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from news_corpus import Report
from sqlalchemy import insert

from briefings.model import Hit, Item, StoredItem, ThemeMatch
from briefings.store.db import open_engine, upgrade
from briefings.store.tables import items, sources
from briefings.stories import MinHashIndex, SemanticIndex, StoryFiler

T0 = datetime(2026, 3, 1, tzinfo=UTC)
MATCH = [ThemeMatch("tariffs", 1.0, (Hit("tariff", "title"),))]


async def file_all(
    url: str, reports: list[Report], method: str, batch: int
) -> tuple[float, float, int]:
    """(wall s, CPU s, stories made) filing every report, ``batch`` per transaction, with one
    ``StoryFiler`` for all (as one poll cycle keeps its index)."""
    engine = open_engine(url)
    try:
        await upgrade(engine)
        stored = await _store(engine, reports)
        index = SemanticIndex if method == "semantic" else MinHashIndex
        filer = StoryFiler(index=index)
        new = 0
        wall, cpu = time.perf_counter(), time.process_time()
        for first in range(0, len(stored), batch):
            chunk = stored[first : first + batch]
            async with engine.begin() as conn:
                now = max(s.item.published_at for s in chunk)
                result = await filer(conn, chunk, {s.id: MATCH for s in chunk}, now)
            new += len(result.new_story_ids)
        return time.perf_counter() - wall, time.process_time() - cpu, new
    finally:
        await engine.dispose()


async def _store(engine, reports: list[Report]) -> list[StoredItem]:  # noqa: ANN001
    async with engine.begin() as conn:
        outlets = sorted({r.outlet for r in reports})
        ids = {}
        for name in outlets:
            result = await conn.execute(
                insert(sources).values(name=name, url=f"https://{name.replace(' ', '-')}.example/f",
                                       language="en", created_at=T0).returning(sources.c.id)
            )  # fmt: skip
            ids[name] = result.scalar_one()
        rows = [
            {"source_id": ids[r.outlet], "guid": f"bench-{r.id}", "url": f"https://x.example/{r.id}",
             "title": r.title, "summary": r.summary, "language": r.lang,
             "published_at": r.published, "fetched_at": r.published}
            for r in reports
        ]  # fmt: skip
        result = await conn.execute(
            insert(items).returning(items.c.id, sort_by_parameter_order=True), rows
        )
        item_ids = list(result.scalars())
    return [
        StoredItem(i, ids[r.outlet], Item(r.outlet, f"bench-{r.id}", "", r.title, r.summary,
                                          r.lang, r.published))  # fmt: skip
        for i, r in zip(item_ids, reports, strict=True)
    ]
