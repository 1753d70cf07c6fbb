"""The poll's one writer: keeps what is new, matches it, files it into stories, records feeds.

Fetched feeds are written in batches (FEED_BATCH feeds or ITEM_BATCH items), each in one
transaction: one commit beats hundreds. If a batch fails, its feeds are retried one by one,
so one bad feed cannot take the others down with it. A batch that may hold news (a changed
feed past its first poll) is not kept waiting for slow feeds: it is written when the feeds
stop coming for a moment (``lull``) or after NEWS_WAIT, so its alerts go out.

The new stories' alerts are recorded as owed in the batch's own transaction
(``store.alerts.owe``): whatever happens after the commit, they are queued later, once.

A full batch is written in the background while the next one fills: fetching and parsing go
on meanwhile (a cold poll of 1,000 feeds stopped for 0.7 s at each batch). One batch is written
at a time, in order, and every transaction of the writer takes its turn (``_writes``): SQLite
has one writer, and the feed failures written between batches wait for the batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from briefings.fetch import FetchResult, backoff_delay, next_fetch_delay
from briefings.fetch.delays import due_tolerance, next_due
from briefings.fetch.errors import ErrorKind
from briefings.jobs.report import CycleReport, FeedOutcome
from briefings.model import StoredItem, ThemeMatch
from briefings.store import sources as store_sources
from briefings.store.items import save_feeds
from briefings.store.sources import SourceRow

if TYPE_CHECKING:  # the parser is imported when a body comes: a cycle of 304s has none
    from briefings.parse import ParsedFeed

log = logging.getLogger(__name__)

# Fetched feeds are written together, up to this many feeds or new items per transaction.
# Clustering loads its index of recent stories once per batch: bench/poll.py (1,000 feeds x
# 50 items) spent 10 CPU-s clustering in batches of 5,000 items, 4.7 in one batch of 50,000.
# A bigger batch holds SQLite's write lock longer (about 1 s per 5,000 items here), and the
# other processes wait at most busy_timeout (5 s): 10,000 items keeps well inside that.
FEED_BATCH = 500
ITEM_BATCH = 10_000
UNCHANGED_BATCH = 500  # plain 304s are only a status update each
# A batch that may hold news waits at most this long for more feeds (seconds): one feed that
# hangs until its timeout must not hold back the alerts of the others (issue: 15 s vs 0.85 s).
NEWS_WAIT = 2.0


class ThemeMatcher(Protocol):
    """``themes.Matcher``: (title, summary, language) items to their matches; ``embed(indexes)``
    gives the sentence vectors of the items the rules leave to meaning (``match_many``)."""

    def match_many(self, items: Sequence[tuple[str, str, str | None]], *,
                   embed: Callable[[list[int]], Any] | None = None,
                   ) -> list[list[ThemeMatch]]: ...  # fmt: skip


class ItemEmbedder(Protocol):
    """Texts to sentence vectors, one row per text (``briefings.stories.embed``)."""

    def encode(self, texts: Sequence[str]) -> Any: ...


class FileResult(Protocol):
    @property
    def new_story_ids(self) -> Sequence[int]: ...
    @property
    def grown_story_ids(self) -> Sequence[int]: ...


class Filer(Protocol):
    """Clusters stored items into stories (``vectors``: item id -> sentence vector, if any)."""

    def __call__(
        self, conn: AsyncConnection, stored: list[StoredItem],
        matches: dict[int, list[ThemeMatch]], now: datetime, *,
        vectors: Mapping[int, Any] | None = None,
    ) -> Awaitable[FileResult]: ...  # fmt: skip


@dataclass
class _Fetched:
    """A parsed feed waiting to be written with its batch."""

    row: SourceRow
    result: FetchResult
    parsed: ParsedFeed
    now: datetime


@dataclass
class _Filed:
    """What a batch filed: every new story, and those worth an alert (not from a first poll)."""

    new_stories: list[int] = field(default_factory=list)
    alert_stories: list[int] = field(default_factory=list)


@dataclass
class BatchWriter:
    """Records each feed's outcome of a cycle, in batches; ``fill`` puts them in the report."""

    engine: AsyncEngine
    interval: float
    matcher: ThemeMatcher | None
    filer: Filer | None
    now_fn: Callable[[], datetime]
    started: datetime | None = None  # the cycle's start: feeds' next due times count from it
    outcomes: list[FeedOutcome] = field(default_factory=list)
    filed: _Filed = field(default_factory=_Filed)
    _fetched: list[_Fetched] = field(default_factory=list)
    _unchanged: list[tuple[SourceRow, datetime]] = field(default_factory=list)
    _pending_items: int = 0
    # The process's sentence embedder, asked for when a batch has items to file: each new
    # item is embedded once, for the matcher's meaning signal and the story filer alike.
    embedder: Callable[[], ItemEmbedder] | None = None
    owe_alerts: bool = False  # record the new stories' alerts as owed, with the stories
    # Builds ``matcher`` when a batch first has items: a cycle of 304s never pays for it.
    build_matcher: Callable[[], Awaitable[ThemeMatcher | None]] | None = None
    on_owed: Callable[[], Awaitable[None]] | None = None  # after a commit that owes alerts
    _news_since: float | None = None  # when the oldest waiting feed that may hold news came
    _writing: asyncio.Task[None] | None = None  # the batch being written while the next fills
    _writes: asyncio.Lock = field(default_factory=asyncio.Lock)  # one transaction at a time

    def fill(self, report: CycleReport) -> None:
        """Count every recorded outcome and story into ``report``."""
        for outcome in self.outcomes:
            report.add(outcome)
        report.new_stories = self.filed.new_stories
        report.alert_stories = self.filed.alert_stories

    async def handle(self, row: SourceRow, result: FetchResult, parsed: ParsedFeed | None) -> None:
        """Classify one feed's result; write it now (failures) or with its batch."""
        now = self.now_fn()
        try:
            if result.outcome == "not_modified" and not result.permanent_url:
                self._unchanged.append((row, self._next_at(row, now, self._delay(row, result))))
            elif result.outcome == "not_modified":
                await self._unchanged_moved(row, result, now)
            elif result.outcome != "ok" or parsed is None:
                await self._failed(row, result, now, result.error or "fetch failed",
                                   kind=result.kind or ErrorKind.OTHER)  # fmt: skip
            elif parsed.error and not parsed.items:
                kind = getattr(parsed, "kind", None) or ErrorKind.PARSE
                await self._failed(row, result, now, parsed.error, kind=kind, parse_error=True)
            else:
                self._fetched.append(_Fetched(row, result, parsed, now))
                self._pending_items += len(parsed.items)
                if row.seeded and parsed.items and self._news_since is None:
                    self._news_since = time.monotonic()
        except Exception as exc:
            log.exception("poll of %s failed", row.name)
            await self._failed(row, result, now, f"internal error: {type(exc).__name__}",
                               kind=ErrorKind.INTERNAL)
        if (
            len(self._fetched) >= FEED_BATCH
            or self._pending_items >= ITEM_BATCH
            or len(self._unchanged) >= UNCHANGED_BATCH
            or (self._news_since is not None and time.monotonic() - self._news_since > NEWS_WAIT)
        ):
            await self._write_in_background()

    async def lull(self) -> None:
        """No feed came for a moment: write a waiting batch that may hold news now."""
        if self._news_since is not None:
            await self._write_in_background()

    async def flush(self) -> None:
        """Write every waiting feed, and wait until all is written (the cycle's end)."""
        await self._write_in_background()
        await self.settle()

    async def settle(self) -> None:
        """Wait for the batch being written, if one is (what it raised is raised here)."""
        task, self._writing = self._writing, None
        if task is not None:
            await task

    async def _write_in_background(self) -> None:
        """Start writing what waits, once the batch before it is written."""
        await self.settle()
        unchanged, self._unchanged = self._unchanged, []
        batch, self._fetched, self._pending_items = self._fetched, [], 0
        self._news_since = None
        if unchanged or batch:
            self._writing = asyncio.create_task(self._write(unchanged, batch))

    async def _write(self, unchanged: list[tuple[SourceRow, datetime]],
                     batch: list[_Fetched]) -> None:  # fmt: skip
        """Write a batch; then, if it owes alerts, call ``on_owed``."""
        owed = len(self.filed.alert_stories)
        async with self._writes:
            await self._flush_unchanged(unchanged)
            if batch:
                await self._write_batch(batch)
            if self.on_owed is not None and len(self.filed.alert_stories) > owed:
                await self.on_owed()

    async def _write_batch(self, batch: list[_Fetched]) -> None:
        gc.freeze()  # what survived the batches before (the story index...): see poll.py
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
                                       f"internal error: {type(exc).__name__}",
                                       kind=ErrorKind.INTERNAL, have_turn=True)  # fmt: skip

    async def _store(self, batch: list[_Fetched]) -> None:
        """Keep new, match, cluster and record a batch of fetched feeds in one transaction."""
        if self.build_matcher is not None:  # before the transaction: it reads chats' themes
            self.matcher = await self.build_matcher()
            self.build_matcher = None
        try:
            async with self.engine.begin() as conn:
                saved = await save_feeds(conn, [(f.row.id, f.parsed.items, f.now) for f in batch])
                filed = await self._file(conn, batch, saved)
                if self.owe_alerts:
                    from briefings.store.alerts import owe

                    await owe(conn, filed.alert_stories, self.now_fn())
                await self._record_fetched(conn, batch)
        except BaseException:
            discard = getattr(self.filer, "discard", None)
            if discard is not None:  # its cached stories were rolled back with the batch
                discard()
            raise
        # Committed: only now do these count.
        self.filed.new_stories.extend(filed.new_stories)
        self.filed.alert_stories.extend(filed.alert_stories)
        self.outcomes.extend(
            FeedOutcome(source=f.row.name, url=f.row.url, outcome="fetched",
                        new_items=len(saved[f.row.id]), first_poll=not f.row.seeded)
            for f in batch
        )  # fmt: skip

    async def _file(
        self, conn: AsyncConnection, batch: list[_Fetched], saved: dict[int, list[StoredItem]]
    ) -> _Filed:
        """Match the new items and file them into stories."""
        filed = _Filed()
        if self.filer is None:
            return filed
        # A source's first poll fills the store quietly: its old news is not news.
        news = [s for f in batch if f.row.seeded for s in saved[f.row.id]]
        quiet = [s for f in batch if not f.row.seeded for s in saved[f.row.id]]
        matches, vectors = self._match_and_embed(news + quiet)
        extra = {} if vectors is None else {"vectors": vectors}
        for stored, alerting in ((news, True), (quiet, False)):
            if stored:
                result = await self.filer(conn, stored, matches, self.now_fn(), **extra)
                filed.new_stories.extend(result.new_story_ids)
                if alerting:
                    filed.alert_stories.extend(result.new_story_ids)
        return filed

    def _match_and_embed(
        self, stored: list[StoredItem]
    ) -> tuple[dict[int, list[ThemeMatch]], dict[int, Any] | None]:
        """Match the items, scanning each once and embedding each at most once (with an
        embedder): while matching, those the matcher's rules leave to meaning; after, the
        matched rest, which the story filer needs."""
        vectors: dict[int, Any] = {}

        def embed(indexes: list[int]) -> Any:
            rows = self._embed([stored[i] for i in indexes])
            vectors.update(zip((stored[i].id for i in indexes), rows, strict=True))
            return rows

        if self.matcher is None:
            matches: dict[int, list[ThemeMatch]] = {s.id: [] for s in stored}
        else:
            items = [(s.item.title, s.item.summary, s.item.language) for s in stored]
            found = self.matcher.match_many(items, embed=embed if self.embedder else None)
            matches = {s.id: m for s, m in zip(stored, found, strict=True)}
        if self.embedder is None:
            return matches, None
        rest = [i for i, s in enumerate(stored) if matches[s.id] and s.id not in vectors]
        if rest:
            embed(rest)
        return matches, vectors

    def _embed(self, stored: list[StoredItem]) -> Any:
        """The items' sentence vectors, one row each, in one call of the embedder."""
        assert self.embedder is not None
        from briefings.stories.embed import item_text

        return self.embedder().encode([item_text(s.item.title, s.item.summary) for s in stored])

    async def _record_fetched(self, conn: AsyncConnection, batch: list[_Fetched]) -> None:
        """Feeds that moved follow their redirect one by one; the rest take one statement."""
        for f in batch:
            if not f.result.permanent_url:
                continue
            if not f.row.seeded:
                await store_sources.mark_seeded(conn, f.row.id)
            await store_sources.record_success(
                conn, f.row.id, now=f.now,
                next_fetch_at=self._next_at(f.row, f.now, self._delay(f.row, f.result)),
                status=f.result.status, etag=f.result.etag,
                last_modified=f.result.last_modified, permanent_url=f.result.permanent_url,
            )  # fmt: skip
        await store_sources.record_success_many(conn, [
            (f.row.id, f.now, self._next_at(f.row, f.now, self._delay(f.row, f.result)),
             f.result.status, f.result.etag, f.result.last_modified)
            for f in batch if not f.result.permanent_url
        ])  # fmt: skip

    async def _failed(
        self, row: SourceRow, result: FetchResult, now: datetime, error: str,
        *, kind: ErrorKind, parse_error: bool = False, have_turn: bool = False,
    ) -> None:  # fmt: skip
        """Record a feed's failure (``have_turn``: called by a batch's write, which holds the
        writer's turn already)."""
        errors = row.error_count + 1
        if parse_error:  # the fetch itself succeeded, so the fetcher's advice is for a success
            delay = timedelta(seconds=backoff_delay(errors, self._base(row)))
        else:
            delay = self._delay(row, result, errors=errors)
        try:
            turn = contextlib.nullcontext() if have_turn else self._writes
            async with turn, self.engine.begin() as conn:
                await store_sources.record_failure(
                    conn, row.id, now=now, next_fetch_at=self._next_at(row, now, delay),
                    status=result.status,
                    error=error, gone=bool(result.gone),
                )  # fmt: skip
        except Exception:  # the store itself is failing: report it, keep going
            log.exception("could not record the failure of %s", row.name)
        self.outcomes.append(FeedOutcome(source=row.name, url=row.url, outcome="failed",
                                         error=error, kind=kind))  # fmt: skip

    async def _unchanged_moved(self, row: SourceRow, result: FetchResult, now: datetime) -> None:
        async with self._writes, self.engine.begin() as conn:
            await store_sources.record_not_modified(
                conn, row.id, now=now,
                next_fetch_at=self._next_at(row, now, self._delay(row, result)),
                etag=result.etag, last_modified=result.last_modified,
                permanent_url=result.permanent_url,
            )  # fmt: skip
        self.outcomes.append(FeedOutcome(source=row.name, url=row.url, outcome="unchanged"))

    async def _flush_unchanged(self, batch: list[tuple[SourceRow, datetime]]) -> None:
        """Write plain 304s in one statement."""
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
                FeedOutcome(source=r.name, url=r.url, outcome="failed", error=error,
                            kind=ErrorKind.INTERNAL)
                for r, _ in batch
            )
            return
        self.outcomes.extend(
            FeedOutcome(source=r.name, url=r.url, outcome="unchanged") for r, _ in batch
        )

    def _base(self, row: SourceRow) -> float:
        return float(row.source.interval or self.interval)

    def _delay(self, row: SourceRow, result: FetchResult, *, errors: int = 0) -> timedelta:
        return timedelta(seconds=next_fetch_delay(result, self._base(row), errors))

    def _next_at(self, row: SourceRow, now: datetime, delay: timedelta) -> datetime:
        """The feed's next due time, on its own grid (see ``next_due``)."""
        return next_due(row.next_fetch_at, self.started or now, delay.total_seconds(),
                        tolerance=due_tolerance(self.interval))
