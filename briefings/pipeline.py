"""The poll cycle, top to bottom: due sources → fetch → parse → store → match → cluster → alert.

One feed's trouble never stops the others: each outcome is handled and recorded on its own,
and an unexpected error in one feed becomes that feed's recorded error.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import aclosing
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from briefings.fetch import FetchResult, backoff_delay, next_fetch_delay
from briefings.model import StoredItem, ThemeMatch
from briefings.parse import parse_feed
from briefings.store import sources as store_sources
from briefings.store import state
from briefings.store.items import save_items
from briefings.store.sources import SourceRow

log = logging.getLogger(__name__)

# Plain 304s are written together, this many per transaction: the warm cycle's bulk.
UNCHANGED_BATCH = 200


class ThemeMatcher(Protocol):
    def match(self, title: str, summary: str, language: str | None = None) -> list[ThemeMatch]: ...


class FileResult(Protocol):
    new_story_ids: Sequence[int]
    grown_story_ids: Sequence[int]


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
    alert_story_ids: list[int] = field(default_factory=list)
    new_story_ids: list[int] = field(default_factory=list)


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
        self.new_stories.extend(outcome.new_story_ids)
        self.alert_stories.extend(outcome.alert_story_ids)

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
) -> CycleReport:
    """Poll the due sources once and store what is new.

    ``interval`` is the default seconds between polls of a source (a source's own
    ``interval`` wins). ``ignore_schedule`` polls every healthy source now (``poll --once``);
    ``force`` adds the ones backing off after errors. ``on_new_stories`` gets the ids of new
    stories worth an alert: never those made by a source's first, seeding, poll.
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

    context = _Context(engine, interval, matcher, filer, now_fn)
    done = 0
    async with aclosing(_fetch_all(fetcher, due)) as results:
        async for row, result in results:
            outcome = await context.handle(row, result)
            if outcome is not None:  # None: a plain 304, written with the next batch
                report.add(outcome)
                if outcome.outcome == "fetched" and not row.seeded:
                    report.seeded.append(row.name)
            done += 1
            if on_progress:
                on_progress(done, len(due))
    await context.flush_unchanged()
    for outcome in context.flushed:
        report.add(outcome)

    async with engine.begin() as conn:
        await state.put_time(conn, state.LAST_POLL_AT, started, now=now_fn())

    if on_new_stories and report.alert_stories:
        try:
            await on_new_stories(list(report.alert_stories))
        except Exception:  # an alerting bug must not lose the cycle's report
            log.exception("on_new_stories failed for %d stories", len(report.alert_stories))
    report.duration = time.perf_counter() - clock
    return report


async def _fetch_all(
    fetcher: Any, due: Sequence[SourceRow]
) -> AsyncIterator[tuple[SourceRow, FetchResult]]:
    """Fetch every source concurrently; yield each result as it arrives.

    A few workers more than the fetcher's own limit keep it busy; the bounded queue keeps at
    most that many bodies in memory while the caller parses and stores.
    """
    workers = min(len(due), _concurrency(fetcher) + 4)
    queue: asyncio.Queue[tuple[SourceRow, FetchResult]] = asyncio.Queue(maxsize=workers or 1)
    todo = iter(due)

    async def worker() -> None:
        for row in todo:  # the shared iterator hands each source to one worker
            try:
                result = await fetcher.fetch(
                    row.url, etag=row.etag, last_modified=row.last_modified
                )
            except Exception as exc:  # Fetcher.fetch promises not to raise; make sure
                log.exception("fetch of %s raised", row.url)
                result = _error_result(row.url, f"fetch failed: {type(exc).__name__}: {exc}")
            await queue.put((row, result))

    tasks = [asyncio.create_task(worker()) for _ in range(workers)]
    try:
        for _ in range(len(due)):
            yield await queue.get()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _concurrency(fetcher: Any) -> int:
    config = getattr(fetcher, "config", None)
    return int(getattr(config, "concurrency", 20))


def _error_result(url: str, error: str) -> FetchResult:
    return FetchResult(outcome="error", url=url, permanent_url=None, status=None, body=b"",
                       content_type=None, etag=None, last_modified=None, retry_after=None,
                       max_age=None, error=error, gone=False)  # fmt: skip


@dataclass
class _Context:
    """What handling one feed's result needs; also holds plain 304s until they are written."""

    engine: AsyncEngine
    interval: float
    matcher: ThemeMatcher | None
    filer: Filer | None
    now_fn: Callable[[], datetime]
    unchanged: list[tuple[SourceRow, datetime]] = field(default_factory=list)
    flushed: list[FeedOutcome] = field(default_factory=list)  # plain 304s already written

    async def handle(self, row: SourceRow, result: FetchResult) -> FeedOutcome | None:
        """Classify, then store one feed's result; any unexpected error is the feed's error."""
        now = self.now_fn()
        try:
            if result.outcome == "not_modified" and not result.permanent_url:
                self.unchanged.append((row, now + self._delay(row, result, errors=0)))
                if len(self.unchanged) >= UNCHANGED_BATCH:
                    await self.flush_unchanged()
                return None
            if result.outcome == "not_modified":
                return await self._unchanged_moved(row, result, now)
            if result.outcome != "ok":
                return await self._failed(row, result, now, result.error or "fetch failed")
            return await self._fetched(row, result, now)
        except Exception as exc:
            log.exception("poll of %s failed", row.name)
            return await self._failed(row, result, now, f"internal error: {type(exc).__name__}")

    async def _fetched(self, row: SourceRow, result: FetchResult, now: datetime) -> FeedOutcome:
        parsed = parse_feed(result.body, source=row.source, fetched_at=now,
                            content_type=result.content_type,
                            base_url=result.url or row.url)  # fmt: skip
        if parsed.error and not parsed.items:
            return await self._failed(row, result, now, parsed.error, parse_error=True)
        async with self.engine.begin() as conn:
            stored = await save_items(conn, row.id, parsed.items, now)
            matches = self._match(stored)
            filed = await self.filer(conn, stored, matches, now) if self.filer and stored else None
            if not row.seeded:
                await store_sources.mark_seeded(conn, row.id)
            await store_sources.record_success(
                conn, row.id, now=now, next_fetch_at=now + self._delay(row, result, errors=0),
                status=result.status, etag=result.etag, last_modified=result.last_modified,
                permanent_url=result.permanent_url,
            )  # fmt: skip
        new_stories = list(filed.new_story_ids) if filed else []
        return FeedOutcome(
            source=row.name,
            url=row.url,
            outcome="fetched",
            new_items=len(stored),
            new_story_ids=new_stories,
            # A source's first poll fills the store quietly: old news is not news.
            alert_story_ids=new_stories if row.seeded else [],
        )

    def _match(self, stored: list[StoredItem]) -> dict[int, list[ThemeMatch]]:
        if self.matcher is None:
            return {}
        match = self.matcher.match
        return {s.id: match(s.item.title, s.item.summary, s.item.language) for s in stored}

    async def _failed(
        self, row: SourceRow, result: FetchResult, now: datetime, error: str,
        *, parse_error: bool = False,
    ) -> FeedOutcome:  # fmt: skip
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
        return FeedOutcome(source=row.name, url=row.url, outcome="failed", error=error)

    async def _unchanged_moved(
        self, row: SourceRow, result: FetchResult, now: datetime
    ) -> FeedOutcome:
        async with self.engine.begin() as conn:
            await store_sources.record_not_modified(
                conn, row.id, now=now, next_fetch_at=now + self._delay(row, result, errors=0),
                etag=result.etag, last_modified=result.last_modified,
                permanent_url=result.permanent_url,
            )  # fmt: skip
        return FeedOutcome(source=row.name, url=row.url, outcome="unchanged")

    async def flush_unchanged(self) -> None:
        """Write the waiting plain 304s in one transaction."""
        batch, self.unchanged = self.unchanged, []
        if not batch:
            return
        now = self.now_fn()
        async with self.engine.begin() as conn:
            await store_sources.record_not_modified_many(
                conn, [(row.id, next_at) for row, next_at in batch], now=now
            )
        self.flushed.extend(
            FeedOutcome(source=r.name, url=r.url, outcome="unchanged") for r, _ in batch
        )

    def _base(self, row: SourceRow) -> float:
        return float(row.source.interval or self.interval)

    def _delay(self, row: SourceRow, result: FetchResult, *, errors: int) -> timedelta:
        return timedelta(seconds=next_fetch_delay(result, self._base(row), errors))
