"""Every real-world feed in ../shared/data/feeds through the whole poll cycle, on both stores.

The fetch and parse stages are checked file by file in tests/fetch/test_shared_feeds.py; here
the point is the cycle: nothing a real feed contains (odd GUIDs, control characters, huge or
missing dates, broken encodings) may crash it or be refused by SQLite or PostgreSQL, and a
second poll adds nothing.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from briefings.fetch import FetchConfig, Fetcher
from briefings.jobs.poll import poll_cycle
from briefings.model import Source
from briefings.store.items import count_items
from briefings.store.sources import sync_sources
from briefings.store.tables import items
from tests.feedserver import FeedServer, parse_comment_headers


async def test_every_shared_feed_through_two_cycles(
    engine: AsyncEngine, feed_server: FeedServer, shared_data: Path
) -> None:
    root = shared_data / "feeds"
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix != ".md")
    assert len(files) >= 100  # a glob mistake must not pass
    sources = []
    for n, path in enumerate(files):
        raw = path.read_bytes()
        url = feed_server.add(f"/shared/{n}", raw, parse_comment_headers(raw) or None)
        sources.append(Source(name=str(path.relative_to(root)), url=url, language="en"))
    async with engine.begin() as conn:
        await sync_sources(conn, sources, datetime.now(UTC))

    config = FetchConfig(allow_private=True, timeout=2.0, deadline=5.0)
    async with Fetcher(config) as fetcher:
        started = time.monotonic()
        first = await poll_cycle(engine, fetcher, ignore_schedule=True)
        took = time.monotonic() - started
        second = await poll_cycle(engine, fetcher, ignore_schedule=True)

    assert took < 30, f"the cycle took {took:.0f} s"
    assert first.feeds == len(files) and first.fetched + first.failed == len(files)
    assert first.fetched > len(files) // 2 and first.new_items > len(files)
    for error in first.errors:  # each failure is the feed's fault, told in a short sentence
        assert error["error"] and len(error["error"]) < 300, error
        assert "internal error" not in error["error"], error
    async with engine.connect() as conn:
        assert await count_items(conn) == first.new_items
        rows = (await conn.execute(select(items.c.title, items.c.guid, items.c.published_at))).all()
    assert all(r.title and r.guid and r.published_at.tzinfo is not None for r in rows)

    assert second.new_items == 0 and second.failed <= first.failed
    assert second.fetched + second.unchanged + second.failed == second.feeds

