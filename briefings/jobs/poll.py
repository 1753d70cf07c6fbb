"""The poll cycle, top to bottom: due sources → fetch → parse → store → match → cluster → alert.

One feed's trouble never stops the others: each outcome is handled and recorded on its own,
and an unexpected error in one feed becomes that feed's recorded error.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing as mp
import os
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator, Sequence
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor
from contextlib import aclosing, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from briefings.fetch import FetchResult, backoff_delay, next_fetch_delay
from briefings.model import StoredItem, ThemeMatch
from briefings.parse import ParsedFeed, parse_feed
from briefings.store import sources as store_sources
from briefings.store import state
from briefings.store.items import save_items
from briefings.store.sources import SourceRow
from briefings.store.stories import StoryFiler, file_items

log = logging.getLogger(__name__)

# Fetched feeds are written together, up to this many feeds or new items per transaction.
# Clustering loads its index of recent stories once per batch: bench/poll.py (1,000 feeds x
# 50 items) spent 10 CPU-s clustering in batches of 5,000 items, 4.7 in one batch of 50,000.
# A bigger batch holds SQLite's write lock longer (about 1 s per 5,000 items here), and the
# other processes wait at most busy_timeout (5 s): 10,000 items keeps well inside that.
FEED_BATCH = 500
ITEM_BATCH = 10_000
UNCHANGED_BATCH = 500  # plain 304s are only a status update each


class ThemeMatcher(Protocol):
    def match(self, title: str, summary: str, language: str | None = None) -> list[ThemeMatch]: ...


class FileResult(Protocol):
    @property
    def new_story_ids(self) -> Sequence[int]: ...
    @property
    def grown_story_ids(self) -> Sequence[int]: ...


# file_items(conn, items, matches by item id, now): clusters stored items into stories.
Filer = Callable[
    [AsyncConnection, list[StoredItem], dict[int, list[ThemeMatch]], datetime],
    Awaitable[FileResult],
]
Progress = Callable[[int, int], None]  # (feeds done, feeds in the cycle)
NewStories = Callable[[list[int]], Awaitable[None]]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class FeedOutcome:
    """What happened to one feed in a cycle."""

    source: str
    url: str
    outcome: str  # "fetched" | "unchanged" | "failed"
    new_items: int = 0
    error: str | None = None
    first_poll: bool = False  # fetched for the first time: its items were stored quietly


@dataclass
class CycleReport:
    """The summary of one poll cycle; ``to_dict`` keys are stable for scripts."""

    feeds: int = 0
    fetched: int = 0
    unchanged: int = 0
    failed: int = 0
    new_items: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    new_stories: list[int] = field(default_factory=list)  # every new story id this cycle
    alert_stories: list[int] = field(default_factory=list)  # those not from a first poll
    seeded: list[str] = field(default_factory=list)  # sources polled successfully for the 1st time
    duration: float = 0.0
    started_at: datetime | None = None

    def add(self, outcome: FeedOutcome) -> None:
        if outcome.outcome == "fetched":
            self.fetched += 1
        elif outcome.outcome == "unchanged":
            self.unchanged += 1
        else:
            self.failed += 1
            self.errors.append(
                {"source": outcome.source, "url": outcome.url, "error": outcome.error or "?"}
            )
        self.new_items += outcome.new_items
        if outcome.first_poll:
            self.seeded.append(outcome.source)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["duration"] = round(self.duration, 3)
        data["started_at"] = self.started_at.isoformat() if self.started_at else None
        return data


async def poll_cycle(
    engine: AsyncEngine,
    fetcher: Any,  # briefings.fetch.Fetcher, already entered
    *,
    interval: float = 600.0,
    matcher: ThemeMatcher | None = None,
    filer: Filer | None = None,
    now_fn: Callable[[], datetime] = utcnow,
    ignore_schedule: bool = False,
    force: bool = False,
    limit: int | None = None,
    on_progress: Progress | None = None,
    on_new_stories: NewStories | None = None,
    select_due: Callable[..., Awaitable[list[SourceRow]]] | None = None,  # e.g. a scale-out claim
    parse_pool: Executor | None = None,
) -> CycleReport:
    """Poll the due sources once and store what is new.

    ``interval`` is the default seconds between polls of a source (a source's own
    ``interval`` wins). ``ignore_schedule`` polls every healthy source now (``poll --once``);
    ``force`` adds the ones backing off after errors. ``on_new_stories`` gets the ids of new
    stories worth an alert: never those made by a source's first, seeding, poll.
    ``parse_pool`` (see ``parse_pool_for``) parses feeds in other processes, on other cores.
    """
    started = now_fn()
    clock = time.perf_counter()
    report = CycleReport(started_at=started)

    async with engine.begin() as conn:
        due = await (select_due or store_sources.due_sources)(
            conn, started, ignore_schedule=ignore_schedule, force=force, limit=limit
        )
    report.feeds = len(due)
    if on_progress:
        on_progress(0, len(due))

    writer = _Writer(engine, interval, matcher, filer, now_fn)
    done = 0
    with _long_lived_frozen():
        async with aclosing(_fetch_and_parse(fetcher, due, now_fn, parse_pool)) as results:
            async for row, result, parsed in results:
                await writer.handle(row, result, parsed)
                done += 1
                if on_progress:
                    on_progress(done, len(due))
        await writer.flush()
    for outcome in writer.outcomes:
        report.add(outcome)
    report.new_stories = writer.new_stories
    report.alert_stories = writer.alert_stories

    async with engine.begin() as conn:
        await state.put_time(conn, state.LAST_POLL_AT, started, now=now_fn())

    if on_new_stories and report.alert_stories:
        try:
            await on_new_stories(list(report.alert_stories))
        except Exception:  # an alerting bug must not lose the cycle's report
            log.exception("on_new_stories failed for %d stories", len(report.alert_stories))
    report.duration = time.perf_counter() - clock
    return report


@contextmanager
def _long_lived_frozen() -> Iterator[None]:
    """Keep the collector's full passes off what the process held before the cycle began.

    A cold cycle grows the heap by hundreds of thousands of objects, so the cyclic garbage
    collector makes several full passes, each over every object of the process (modules,
    SQLAlchemy's caches...): about 0.9 of 9 CPU-s. Frozen objects are still freed by reference
    counting; cyclic garbage among them waits for the end of the cycle.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


async def _fetch_and_parse(
    fetcher: Any,
    due: Sequence[SourceRow],
    now_fn: Callable[[], datetime],
    pool: Executor | None,
) -> AsyncGenerator[tuple[SourceRow, FetchResult, ParsedFeed | None], None]:
    """Fetch and parse every source concurrently; yield each as it is ready.

    A few workers more than the fetcher's own limit keep it busy; the bounded queue keeps at
    most that many feeds in memory while the caller stores them (one writer at a time).
    """
    workers = min(len(due), _concurrency(fetcher) + 4)
    queue: asyncio.Queue[tuple[SourceRow, FetchResult, ParsedFeed | None]] = asyncio.Queue(
        maxsize=workers or 1
    )
    todo = iter(due)
    loop = asyncio.get_running_loop()

    async def one(row: SourceRow) -> tuple[SourceRow, FetchResult, ParsedFeed | None]:
        parsed = None
        try:
            result = await fetcher.fetch(row.url, etag=row.etag, last_modified=row.last_modified)
        except Exception as exc:  # Fetcher.fetch promises not to raise; make sure
            log.exception("fetch of %s raised", row.url)
            result = _error_result(row.url, f"fetch failed: {type(exc).__name__}: {exc}")
        if result.outcome == "ok":
            parse = partial(parse_feed, result.body, source=row.source, fetched_at=now_fn(),
                            content_type=result.content_type,
                            base_url=result.url or row.url)  # fmt: skip
            try:
                parsed = await loop.run_in_executor(pool, parse) if pool else parse()
            except BrokenExecutor:  # a pool process died: parsing here still works
                log.exception("parse pool broken; parsing %s in this process", row.url)
                parsed = parse()
        return row, result, parsed

    async def worker() -> None:
        for row in todo:  # the shared iterator hands each source to one worker
            try:
                ready = await one(row)
            except Exception as exc:  # parse_feed never raises; make sure
                log.exception("poll of %s failed", row.url)
                ready = (row, _error_result(row.url, f"failed: {type(exc).__name__}"), None)
            # Exactly one result per source, whatever happened: the reader counts on it.
            await queue.put(ready)

    tasks = [asyncio.create_task(worker()) for _ in range(workers)]
    try:
        for _ in range(len(due)):
            yield await queue.get()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


# Below this many feeds, starting worker processes costs more than parsing in this one.
POOL_MIN_FEEDS = 100


@contextmanager
def parse_pool_for(feeds: int, workers: int | None = None) -> Iterator[Executor | None]:
    """A process pool for parsing when there are enough feeds to pay for it, else None.

    Parsing (feedparser) is CPU-bound and holds the GIL, so threads would not help; processes
    put the other cores to work while this one stores, matches and clusters.
    """
    # One core stays with this process: it stores, matches and clusters while others parse.
    workers = workers or (os.cpu_count() or 1) - 1
    if feeds < POOL_MIN_FEEDS or workers < 1:
        yield None
        return
    # "spawn": forking a process that runs an event loop and database threads is unsafe.
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"))
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _concurrency(fetcher: Any) -> int:
    config = getattr(fetcher, "config", None)
    return int(getattr(config, "concurrency", 20))


def _error_result(url: str, error: str) -> FetchResult:
    return FetchResult(outcome="error", url=url, permanent_url=None, status=None, body=b"",
                       content_type=None, etag=None, last_modified=None, retry_after=None,
                       max_age=None, error=error, gone=False)  # fmt: skip


@dataclass
class _Fetched:
    """A parsed feed waiting to be written with its batch."""

    row: SourceRow
    result: FetchResult
    parsed: ParsedFeed
    now: datetime


@dataclass
class _Writer:
    """The one writer of a cycle: records each feed's outcome, in batches.

    Fetched feeds are written in batches (FEED_BATCH feeds or ITEM_BATCH items), each in one
    transaction: one commit beats hundreds. The store's filer keeps its index of recent stories
    for the whole cycle. If a batch fails, its feeds are retried one by one, so one bad feed
    cannot take the others down with it.
    """

    engine: AsyncEngine
    interval: float
    matcher: ThemeMatcher | None
    filer: Filer | None
    now_fn: Callable[[], datetime]
    outcomes: list[FeedOutcome] = field(default_factory=list)
    new_stories: list[int] = field(default_factory=list)
    alert_stories: list[int] = field(default_factory=list)
    _fetched: list[_Fetched] = field(default_factory=list)
    _unchanged: list[tuple[SourceRow, datetime]] = field(default_factory=list)
    _pending_items: int = 0

    def __post_init__(self) -> None:
        # The store's filer keeps its index of recent stories for the whole cycle, instead of
        # reloading every story's signature for each batch.
        if self.filer is file_items:
            self.filer = StoryFiler()

    async def handle(self, row: SourceRow, result: FetchResult, parsed: ParsedFeed | None) -> None:
        """Classify one feed's result; write it now (failures) or with its batch."""
        now = self.now_fn()
        try:
            if result.outcome == "not_modified" and not result.permanent_url:
                self._unchanged.append((row, now + self._delay(row, result, errors=0)))
            elif result.outcome == "not_modified":
                await self._unchanged_moved(row, result, now)
            elif result.outcome != "ok" or parsed is None:
                await self._failed(row, result, now, result.error or "fetch failed")
            elif parsed.error and not parsed.items:
                await self._failed(row, result, now, parsed.error, parse_error=True)
            else:
                self._fetched.append(_Fetched(row, result, parsed, now))
                self._pending_items += len(parsed.items)
        except Exception as exc:
            log.exception("poll of %s failed", row.name)
            await self._failed(row, result, now, f"internal error: {type(exc).__name__}")
        if (
            len(self._fetched) >= FEED_BATCH
            or self._pending_items >= ITEM_BATCH
            or len(self._unchanged) >= UNCHANGED_BATCH
        ):
            await self.flush()

    async def flush(self) -> None:
        """Write every waiting feed."""
        await self._flush_unchanged()
        batch, self._fetched, self._pending_items = self._fetched, [], 0
        if not batch:
            return
        gc.freeze()  # what survived the batches before (the story index...): see _long_lived_frozen
        try:
            await self._store(batch)
        except Exception:
            log.exception("writing %d feeds failed; retrying them one by one", len(batch))
            for one in batch:
                try:
                    await self._store([one])
                except Exception as exc:
                    log.exception("writing %s failed", one.row.name)
                    await self._failed(one.row, one.result, one.now,
                                       f"internal error: {type(exc).__name__}")  # fmt: skip

    async def _store(self, batch: list[_Fetched]) -> None:
        """Save, match, cluster and record a batch of fetched feeds in one transaction."""
        try:
            await self._store_batch(batch)
        except BaseException:
            discard = getattr(self.filer, "discard", None)
            if discard is not None:  # its cached stories were rolled back with the batch
                discard()
            raise

    async def _store_batch(self, batch: list[_Fetched]) -> None:
        async with self.engine.begin() as conn:
            saved = {f.row.id: await save_items(conn, f.row.id, f.parsed.items, f.now)
                     for f in batch}  # fmt: skip
            # A source's first poll fills the store quietly: its old news is not news.
            news = [s for f in batch if f.row.seeded for s in saved[f.row.id]]
            quiet = [s for f in batch if not f.row.seeded for s in saved[f.row.id]]
            new_stories: list[int] = []
            alert_stories: list[int] = []
            for stored, alerting in ((news, True), (quiet, False)):
                if self.filer and stored:
                    filed = await self.filer(conn, stored, self._match(stored), self.now_fn())
                    new_stories.extend(filed.new_story_ids)
                    if alerting:
                        alert_stories.extend(filed.new_story_ids)
            # Feeds that moved follow their redirect one by one; the rest take one statement.
            moved = [f for f in batch if f.result.permanent_url]
            for f in moved:
                if not f.row.seeded:
                    await store_sources.mark_seeded(conn, f.row.id)
                await store_sources.record_success(
                    conn, f.row.id, now=f.now,
                    next_fetch_at=f.now + self._delay(f.row, f.result, errors=0),
                    status=f.result.status, etag=f.result.etag,
                    last_modified=f.result.last_modified, permanent_url=f.result.permanent_url,
                )  # fmt: skip
            await store_sources.record_success_many(conn, [
                (f.row.id, f.now, f.now + self._delay(f.row, f.result, errors=0),
                 f.result.status, f.result.etag, f.result.last_modified)
                for f in batch if not f.result.permanent_url
            ])  # fmt: skip
        # Committed: only now do these count.
        self.new_stories.extend(new_stories)
        self.alert_stories.extend(alert_stories)
        self.outcomes.extend(
            FeedOutcome(source=f.row.name, url=f.row.url, outcome="fetched",
                        new_items=len(saved[f.row.id]), first_poll=not f.row.seeded)
            for f in batch
        )  # fmt: skip

    def _match(self, stored: list[StoredItem]) -> dict[int, list[ThemeMatch]]:
        if self.matcher is None:
            return {}
        match = self.matcher.match
        return {s.id: match(s.item.title, s.item.summary, s.item.language) for s in stored}

    async def _failed(
        self, row: SourceRow, result: FetchResult, now: datetime, error: str,
        *, parse_error: bool = False,
    ) -> None:  # fmt: skip
        errors = row.error_count + 1
        if parse_error:  # the fetch itself succeeded, so the fetcher's advice is for a success
            delay = timedelta(seconds=backoff_delay(errors, self._base(row)))
        else:
            delay = self._delay(row, result, errors=errors)
        try:
            async with self.engine.begin() as conn:
                await store_sources.record_failure(
                    conn, row.id, now=now, next_fetch_at=now + delay, status=result.status,
                    error=error, gone=bool(result.gone),
                )  # fmt: skip
        except Exception:  # the store itself is failing: report it, keep going
            log.exception("could not record the failure of %s", row.name)
        self.outcomes.append(FeedOutcome(source=row.name, url=row.url, outcome="failed",
                                         error=error))  # fmt: skip

    async def _unchanged_moved(self, row: SourceRow, result: FetchResult, now: datetime) -> None:
        async with self.engine.begin() as conn:
            await store_sources.record_not_modified(
                conn, row.id, now=now, next_fetch_at=now + self._delay(row, result, errors=0),
                etag=result.etag, last_modified=result.last_modified,
                permanent_url=result.permanent_url,
            )  # fmt: skip
        self.outcomes.append(FeedOutcome(source=row.name, url=row.url, outcome="unchanged"))

    async def _flush_unchanged(self) -> None:
        """Write the waiting plain 304s in one statement."""
        batch, self._unchanged = self._unchanged, []
        if not batch:
            return
        try:
            async with self.engine.begin() as conn:
                await store_sources.record_not_modified_many(
                    conn, [(row.id, next_at) for row, next_at in batch], now=self.now_fn()
                )
        except Exception as exc:  # the store's trouble must not end the cycle
            log.exception("recording %d unchanged feeds failed", len(batch))
            error = f"could not record the poll: {type(exc).__name__}"
            self.outcomes.extend(
                FeedOutcome(source=r.name, url=r.url, outcome="failed", error=error)
                for r, _ in batch
            )
            return
        self.outcomes.extend(
            FeedOutcome(source=r.name, url=r.url, outcome="unchanged") for r, _ in batch
        )

    def _base(self, row: SourceRow) -> float:
        return float(row.source.interval or self.interval)

    def _delay(self, row: SourceRow, result: FetchResult, *, errors: int) -> timedelta:
        return timedelta(seconds=next_fetch_delay(result, self._base(row), errors))
