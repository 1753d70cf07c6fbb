"""The poll job, top to bottom: due sources → fetch → parse → keep new → match → cluster
(file stories) → store, with the alerts they owe → queue the owed alerts.

One feed's trouble never stops the others: each outcome is handled and recorded on its own,
and an unexpected error in one feed becomes that feed's recorded error. Every face and role
(the bot's JobQueue, ``--role poller``, ``borderbrief poll``, the no-token preview) is a
ticker around one ``PollJob``.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from concurrent.futures import Executor
from contextlib import aclosing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from briefings.fetch.delays import due_cutoff
from briefings.jobs.fetching import FeedFetcher, ParsePools, fetch_and_parse, parse_pool_for
from briefings.jobs.report import CycleReport, FeedOutcome
from briefings.jobs.writer import BatchWriter, Filer, ItemEmbedder, ThemeMatcher
from briefings.settings import Settings
from briefings.store import sources as store_sources
from briefings.store import state
from briefings.store.db import is_postgres
from briefings.store.sources import SourceRow
from briefings.themes import Theme, ThemeSet

if TYPE_CHECKING:  # alerts and rendering are imported when a job alerts: poll --once does not
    from briefings.render.face import Renderer
    from briefings.stories import StoryFiler
    from briefings.stories.embed import UseEmbedder
    from briefings.themes.semantic import SemanticModel

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (feeds done, feeds in the cycle)
# (engine, configured themes) → the cycle's matcher: chats /track new themes while we run.
MatcherBuilder = Callable[[AsyncEngine, Iterable[Theme]], Awaitable[ThemeMatcher]]
# (now, configured themes) → alerts queued, of those the store records as owed.
AlertQueuer = Callable[[datetime, Iterable[Theme]], Awaitable[int]]
# Seconds without a fetched feed after which a waiting batch with news is written.
LULL = 0.25
_SYNC_LOCK = 0x62625F73  # PostgreSQL advisory lock key: one sources-file sync at a time


class SelectDue(Protocol):
    """Which sources to poll now: ``due_sources``, or a scale-out claim of them."""

    async def __call__(self, conn: AsyncConnection, now: datetime, *, ignore_schedule: bool,
                       force: bool, limit: int | None) -> list[SourceRow]: ...  # fmt: skip


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class PollJob:
    """Polls the due sources once per ``run_once``; tickers may swap ``themes`` between runs.

    ``interval`` is the default seconds between polls of a source (a source's own
    ``interval`` wins). ``ignore_schedule`` polls every healthy source now (``poll --once``);
    ``force`` adds the ones backing off after errors. ``new_filer`` makes one filer per cycle
    (it keeps its index of recent stories for the cycle). With ``queue_alerts``, the new
    stories worth an alert (never those of a source's first, seeding, poll) are recorded as
    owed with the stories, and ``queue_alerts`` queues what is owed: after each batch is
    written, and at the start of a cycle (what a failed or killed cycle still owes).
    ``parsers`` gives, for a cycle's number of due feeds, where they are parsed: other
    processes (``parse_pool_for``, one pool for a run of the CLI), a pool kept between cycles
    (``ParsePools.for_feeds``, a long-running poller's), or None: here, on the event loop.
    """

    engine: AsyncEngine
    fetcher: FeedFetcher  # entered by the caller
    interval: float = 600.0
    themes: Iterable[Theme] = ()
    build_matcher: MatcherBuilder | None = None
    new_filer: Callable[[], Filer] | None = None
    embedder: Callable[[], ItemEmbedder] | None = None  # see BatchWriter.embedder
    queue_alerts: AlertQueuer | None = None
    select_due: SelectDue = store_sources.due_sources
    ignore_schedule: bool = False
    force: bool = False
    limit: int | None = None
    parsers: Callable[[int], Executor | None] | None = None
    on_progress: Progress | None = None
    now_fn: Callable[[], datetime] = utcnow

    async def run_once(self, now: datetime) -> CycleReport:
        """One cycle; the report says what happened to every due feed."""
        clock = time.perf_counter()
        report = CycleReport(started_at=now)
        due = await self._due_sources(now)
        report.feeds = len(due)
        await self._queue_owed(check_first=True)
        writer = BatchWriter(self.engine, self.interval, None,
                             self.new_filer() if self.new_filer else None, self.now_fn,
                             build_matcher=self._matcher,
                             started=now, embedder=self.embedder,
                             owe_alerts=self.queue_alerts is not None,
                             on_owed=self._queue_owed)  # fmt: skip
        pool = self.parsers(len(due)) if self.parsers and due else None
        await self._fetch_parse_and_write(due, writer, pool)
        writer.fill(report)
        await self._mark_polled(now)
        report.duration = time.perf_counter() - clock
        return report

    async def _due_sources(self, now: datetime) -> list[SourceRow]:
        async with self.engine.begin() as conn:
            # A feed due a moment after ``now`` is polled now, not one interval late.
            cutoff = due_cutoff(now, self.interval)
            return await self.select_due(conn, cutoff, ignore_schedule=self.ignore_schedule,
                                         force=self.force, limit=self.limit)  # fmt: skip

    async def _matcher(self) -> ThemeMatcher | None:
        """The cycle's matcher, built when its first items are written (never for 304s)."""
        if self.build_matcher is None:
            return None
        return await self.build_matcher(self.engine, self.themes)

    async def _fetch_parse_and_write(self, due: list[SourceRow], writer: BatchWriter,
                                     pool: Executor | None) -> None:  # fmt: skip
        """Fetch and parse concurrently; the one writer keeps, matches, files and stores."""
        self._progress(0, len(due))
        done = 0
        with _long_lived_frozen():
            feeds = fetch_and_parse(self.fetcher, due, self.now_fn, pool, lull=LULL)
            try:
                async with aclosing(feeds) as ready:
                    async for feed in ready:
                        if feed is None:  # a lull: what waits may be news
                            await writer.lull()
                            continue
                        await writer.handle(*feed)
                        done += 1
                        self._progress(done, len(due))
                await writer.flush()
            finally:
                await writer.settle()  # a batch being written ends with the cycle, whatever came

    async def _mark_polled(self, started: datetime) -> None:
        async with self.engine.begin() as conn:
            await state.put_time(conn, state.LAST_POLL_AT, started, now=self.now_fn())

    async def _queue_owed(self, *, check_first: bool = False) -> None:
        """Queue the owed alerts. A failure leaves them owed, for the next call."""
        if self.queue_alerts is None:
            return
        try:
            if check_first and not await self._owes():
                return
            await self.queue_alerts(self.now_fn(), self.themes)
        except Exception:  # the store's trouble or an alerting bug: the cycle goes on
            log.exception("queuing the owed alerts failed; they stay owed")

    async def _owes(self) -> bool:
        """Are alerts owed? A read, so an idle tick takes no write lock."""
        from briefings.store.alerts import owes_alerts

        async with self.engine.connect() as conn:
            return await owes_alerts(conn)

    def _progress(self, done: int, total: int) -> None:
        if self.on_progress:
            self.on_progress(done, total)


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


def poll_job(
    settings: Settings, engine: AsyncEngine, fetcher: FeedFetcher, themes: Iterable[Theme],
    *, alerts: bool = True, renderer: Renderer | None = None, **options: Any,
) -> PollJob:  # fmt: skip
    """The production poll: configured and chats' own themes, stories filed, alerts queued."""
    job = PollJob(engine, fetcher, interval=settings.poll_interval, themes=themes,
                  build_matcher=partial(_build_matcher, cache_dir=settings.cache_dir),
                  new_filer=partial(_FilerWhenNeeded, settings.keep_news),
                  embedder=partial(_embedder, settings.cache_dir), **options)  # fmt: skip
    if alerts:
        if renderer is None:
            from briefings.render.telegram import TELEGRAM

            renderer = TELEGRAM
        job.queue_alerts = partial(_queue_owed_alerts, engine, settings.alerts_per_hour, renderer)
    return job


async def _build_matcher(engine: AsyncEngine, themes: Iterable[Theme], *,
                         cache_dir: str | None = None) -> ThemeMatcher:  # fmt: skip
    """The rules of ``themes`` and chats' own, and meaning where the themes file has examples."""
    from briefings.jobs.matching import build_matcher

    meaning = await asyncio.to_thread(_meaning, themes, cache_dir)
    return await build_matcher(engine, themes, meaning)


def _meaning(themes: Iterable[Theme], cache_dir: str | None) -> SemanticModel | None:
    """The themes' meaning model, fitted once per process with the process's embedder (read
    back from the disk cache when the examples and encoder are unchanged). Without it the poll
    still matches by the rules: said once, not a failed cycle."""
    examples = getattr(themes, "semantic", None)
    if examples is None:
        return None
    try:
        from briefings import paths
        from briefings.themes.semantic import SemanticModel

        return SemanticModel.fit(examples, _embedder(cache_dir), paths.cache_dir(cache_dir))
    except Exception:
        if not _meaning_failed:
            log.exception("the themes' meaning model could not be fitted: rules alone match")
            _meaning_failed.append(True)
        return None


_meaning_failed: list[bool] = []


def _embedder(cache_dir: str | None) -> UseEmbedder:
    """The process's sentence embedder: imported, and loaded, when a cycle first embeds, its
    prepared arrays kept where the ``cache_dir`` setting says (whichever of the matcher and
    the filer asks first)."""
    from briefings import paths
    from briefings.stories.embed import default_embedder

    embedder = default_embedder()
    embedder.cache_in(paths.cache_dir(cache_dir))  # counts if this call is the first to load
    return embedder


class _FilerWhenNeeded:
    """A cycle's StoryFiler, made when the cycle first has items to file: the clustering method
    (numpy, the sentence encoder's code) is not imported by a cycle of 304s (0.1-0.2 s)."""

    def __init__(self, kept: timedelta | None = None) -> None:
        self.kept = kept  # how long the store keeps news: older reports are not filed
        self.filer: StoryFiler | None = None

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.filer is None:
            from briefings.stories import StoryFiler

            self.filer = StoryFiler(kept=self.kept)
        return await self.filer(*args, **kwargs)

    def discard(self) -> None:
        if self.filer is not None:
            self.filer.discard()


async def _queue_owed_alerts(engine: AsyncEngine, per_hour: int, renderer: Renderer,
                             now: datetime, themes: Iterable[Theme]) -> int:  # fmt: skip
    from briefings.jobs.alerts import queue_owed_alerts

    theme_set = themes if isinstance(themes, ThemeSet) else None
    queued = await queue_owed_alerts(engine, now, per_hour=per_hour, renderer=renderer,
                                     themes=theme_set)  # fmt: skip
    if queued:
        log.info("alerts queued", extra={"alerts": queued})
    return queued


async def poll_cycle(
    engine: AsyncEngine,
    fetcher: FeedFetcher,
    *,
    matcher: ThemeMatcher | None = None,
    filer: Filer | None = None,
    on_new_stories: Callable[[list[int]], Awaitable[None]] | None = None,
    **options: Any,
) -> CycleReport:
    """One cycle with a fixed matcher, filer and alert hook, started now (tests, benchmarks)."""

    async def fixed_matcher(engine: AsyncEngine, themes: Iterable[Theme]) -> ThemeMatcher:
        assert matcher is not None
        return matcher

    async def alerts(now: datetime, themes: Iterable[Theme]) -> int:
        assert on_new_stories is not None
        from briefings.store.alerts import take_owed

        async with engine.begin() as conn:
            story_ids = await take_owed(conn)
            if story_ids:
                await on_new_stories(story_ids)
        return len(story_ids)

    from briefings.stories import StoryFiler, file_items

    # The store's filer keeps its index of recent stories for the cycle.
    new_filer = StoryFiler if filer is file_items else (lambda: filer) if filer else None
    job = PollJob(engine, fetcher, build_matcher=fixed_matcher if matcher else None,
                  new_filer=new_filer, queue_alerts=alerts if on_new_stories else None,
                  **options)  # fmt: skip
    return await job.run_once(job.now_fn())


async def sync_sources_file(engine: AsyncEngine, configured: list[Any], now: datetime) -> None:
    """Load the sources file's feeds into the store; pollers take turns (an advisory lock on PG)."""
    async with engine.begin() as conn:
        if is_postgres(conn):
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SYNC_LOCK})
        await store_sources.sync_sources(conn, configured, now)


__all__ = ["CycleReport", "FeedOutcome", "ParsePools", "PollJob", "parse_pool_for", "poll_cycle",
           "poll_job", "sync_sources_file", "utcnow"]  # fmt: skip
