"""The poll's writer stores a full batch in the background while the next one fills, one batch
and one transaction at a time, and the cycle waits for whatever it started.

A real store (SQLite and PostgreSQL); the story filer is a stand-in that waits for a gate, so a
batch's write can be held open while the test feeds the writer more.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from briefings.fetch import ErrorKind, FetchResult
from briefings.jobs import writer as writer_module
from briefings.jobs.writer import BatchWriter
from briefings.model import Item, Source
from briefings.parse.feed import ParsedFeed
from briefings.store.sources import SourceRow, all_sources, sync_sources
from briefings.store.tables import items as items_table

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
BATCH = 3  # feeds a batch, for these tests


@dataclass
class GatedFiler:
    """Files nothing; each call waits for ``gate`` (set: calls pass at once)."""

    gate: asyncio.Event = field(default_factory=asyncio.Event)
    entered: asyncio.Event = field(default_factory=asyncio.Event)
    calls: int = 0

    async def __call__(self, conn: Any, stored: Any, matches: Any, now: datetime,
                       **extra: Any) -> Any:  # fmt: skip
        self.calls += 1
        self.entered.set()
        await self.gate.wait()
        return type("Filed", (), {"new_story_ids": []})()


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer_module, "FEED_BATCH", BATCH)


async def rows(engine: AsyncEngine, n: int) -> list[SourceRow]:
    sources = [Source(f"Feed {i}", f"https://{i}.example/rss", "en") for i in range(n)]
    async with engine.begin() as conn:
        await sync_sources(conn, sources, NOW)
    async with engine.connect() as conn:
        return sorted(await all_sources(conn), key=lambda r: r.id)


def fetched(row: SourceRow) -> tuple[SourceRow, FetchResult, ParsedFeed]:
    item = Item(row.name, f"{row.name}-1", f"{row.url}/1", f"News of {row.name}", "A lede.",
                "en", NOW)  # fmt: skip
    return row, FetchResult("ok", row.url, status=200), ParsedFeed(items=[item])


def failed(row: SourceRow) -> tuple[SourceRow, FetchResult, None]:
    result = FetchResult("error", row.url, status=500, error="HTTP 500", kind=ErrorKind.HTTP_5XX)
    return row, result, None


def new_writer(engine: AsyncEngine, filer: GatedFiler) -> BatchWriter:
    return BatchWriter(engine, 900.0, None, filer, lambda: NOW, started=NOW)


async def stored_items(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(items_table)) or 0)


async def test_a_full_batch_is_written_while_the_next_fills(engine: AsyncEngine) -> None:
    feeds = await rows(engine, BATCH * 2 + 1)
    filer = GatedFiler()
    writer = new_writer(engine, filer)
    for row in feeds[:BATCH]:  # the last one starts the batch's write, and does not wait for it
        await asyncio.wait_for(writer.handle(*fetched(row)), 2)
    await asyncio.wait_for(filer.entered.wait(), 5)  # the first batch is being written...
    for row in feeds[BATCH : 2 * BATCH - 1]:  # ...and the writer takes more meanwhile
        await asyncio.wait_for(writer.handle(*fetched(row)), 1)
    assert filer.calls == 1 and writer.outcomes == []  # nothing counts before its commit
    filer.gate.set()
    for row in feeds[2 * BATCH - 1 :]:
        await writer.handle(*fetched(row))
    await writer.flush()
    assert filer.calls == 3  # two full batches and the rest, in order
    assert [o.source for o in writer.outcomes] == [r.name for r in feeds]
    assert await stored_items(engine) == len(feeds)


async def test_a_failure_waits_for_the_batch_being_written(engine: AsyncEngine) -> None:
    feeds = await rows(engine, BATCH + 1)
    filer = GatedFiler()
    writer = new_writer(engine, filer)
    for row in feeds[:BATCH]:
        await asyncio.wait_for(writer.handle(*fetched(row)), 2)
    await asyncio.wait_for(filer.entered.wait(), 5)
    failing = asyncio.create_task(writer.handle(*failed(feeds[BATCH])))
    await asyncio.sleep(0.2)
    assert not failing.done()  # one transaction at a time: it waits for the batch's turn
    filer.gate.set()
    await asyncio.wait_for(failing, 5)
    await writer.flush()
    assert [o.outcome for o in writer.outcomes] == ["fetched"] * BATCH + ["failed"]
    async with engine.connect() as conn:
        errors = {r.name: r.error_count for r in await all_sources(conn)}
    assert errors[feeds[BATCH].name] == 1 and errors[feeds[0].name] == 0


async def test_settle_waits_for_a_batch_started_when_the_cycle_stops(engine: AsyncEngine) -> None:
    feeds = await rows(engine, BATCH)
    filer = GatedFiler()
    writer = new_writer(engine, filer)
    for row in feeds:
        await asyncio.wait_for(writer.handle(*fetched(row)), 2)
    await asyncio.wait_for(filer.entered.wait(), 5)
    settling = asyncio.create_task(writer.settle())
    await asyncio.sleep(0.1)
    assert not settling.done()
    filer.gate.set()
    await asyncio.wait_for(settling, 5)
    assert await stored_items(engine) == BATCH and len(writer.outcomes) == BATCH
    await writer.settle()  # nothing left: returns at once
