"""Fetch and parse the due feeds concurrently, parsing in a process pool when it pays.

The pool starts on the first body that needs parsing: a warm cycle where every feed answers
304 never pays for it. A large body (a 64 MB dump) is parsed in a process of its own that
exits afterwards, so neither this process nor a pool worker keeps its peak memory.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing as mp
import os
import tempfile
from collections.abc import AsyncGenerator, Callable, Iterator, Sequence
from concurrent.futures import (
    BrokenExecutor,
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
)
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from briefings.fetch import FetchResult
from briefings.fetch.errors import ErrorKind
from briefings.jobs.memory import trim_heap

if TYPE_CHECKING:  # the parser is imported when a body comes: a cycle of 304s has none
    from briefings.parse import ParsedFeed
    from briefings.store.sources import SourceRow

log = logging.getLogger(__name__)

# Below this many feeds, starting worker processes costs more than parsing in this one.
POOL_MIN_FEEDS = 100
# A body this large is parsed in a one-off process: parsing it costs several times its size,
# and an allocator seldom gives that back (a kept pool worker, or this process, stays big).
LARGE_BODY = 4 * 1024 * 1024
# A large machine does not start a parser a core for one poll: each costs ~0.3 s of start-up
# and ~50 MB, and this one process's fetching and storing would soon be the limit (not measured
# beyond 2 cores).
MAX_PARSE_WORKERS = 4

Ready = tuple["SourceRow", FetchResult, "ParsedFeed | None"]


class FeedFetcher(Protocol):
    """What the poll needs of ``briefings.fetch.Fetcher`` (already entered)."""

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult: ...


async def fetch_and_parse(
    fetcher: FeedFetcher,
    due: Sequence[SourceRow],
    now_fn: Callable[[], datetime],
    pool: Executor | None,
    *,
    lull: float | None = None,
) -> AsyncGenerator[Ready | None, None]:
    """Fetch and parse every source concurrently; yield each as it is ready, and ``None``
    whenever none has come for ``lull`` seconds (the writer may write what waits).

    A few workers more than the fetcher's own limit keep it busy; the bounded queue keeps at
    most that many feeds in memory while the caller stores them (one writer at a time).
    """
    workers = min(len(due), _concurrency(fetcher) + 4)
    queue: asyncio.Queue[Ready] = asyncio.Queue(maxsize=workers or 1)
    todo = iter(due)
    large = asyncio.Semaphore(1)  # one large body in memory at a time

    async def worker() -> None:
        for row in todo:  # the shared iterator hands each source to one worker
            try:
                ready = await _fetch_one(fetcher, row, now_fn, pool, large)
            except Exception as exc:  # parse_feed never raises; make sure
                log.exception("poll of %s failed", row.url)
                ready = (row, error_result(row.url, f"failed: {type(exc).__name__}"), None)
            # Exactly one result per source, whatever happened: the reader counts on it.
            await queue.put(ready)

    tasks = [asyncio.create_task(worker()) for _ in range(workers)]
    try:
        left = len(due)
        while left:
            try:  # a cancelled get() leaves its item in the queue
                ready = await asyncio.wait_for(queue.get(), lull)
            except TimeoutError:
                yield None
                continue
            left -= 1
            yield ready
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _fetch_one(
    fetcher: FeedFetcher, row: SourceRow, now_fn: Callable[[], datetime],
    pool: Executor | None, large: asyncio.Semaphore,
) -> Ready:  # fmt: skip
    """Fetch one source, then parse it (in the pool if there is one)."""
    try:
        result = await fetcher.fetch(row.url, etag=row.etag, last_modified=row.last_modified)
    except Exception as exc:  # Fetcher.fetch promises not to raise; make sure
        log.exception("fetch of %s raised", row.url)
        result = error_result(row.url, f"fetch failed: {type(exc).__name__}: {exc}")
    if result.outcome != "ok":
        return row, result, None
    options = {"source": row.source, "fetched_at": now_fn(),
               "content_type": result.content_type, "base_url": result.url or row.url}
    body, result = result.body, replace(result, body=b"")  # the writer needs no body
    if len(body) < LARGE_BODY:
        return row, result, await _parse(body, options, pool)
    spool, size = _spool(body), len(body)
    del body  # no copy stays here while it is parsed
    trim_heap()
    try:
        async with large:
            return row, result, await _parse_in_own_process(spool, size, options)
    finally:
        os.unlink(spool)


async def _parse(body: bytes, options: dict[str, Any], pool: Executor | None) -> ParsedFeed:
    from briefings.parse import parse_feed

    parse = partial(parse_feed, body, **options)
    if pool is None:
        return parse()
    try:
        return await asyncio.get_running_loop().run_in_executor(pool, parse)
    except BrokenExecutor:  # a pool process died: parsing here still works
        log.exception("parse pool broken; parsing %s in this process", options["base_url"])
        return parse()


def _spool(body: bytes) -> str:
    """Write a large body to a temporary file: the one-off parser reads it from there, not
    through a pipe (which would need a second copy here)."""
    fd, path = tempfile.mkstemp(prefix="borderbrief-feed-")
    with os.fdopen(fd, "wb") as file:
        file.write(body)
    return path


async def _parse_in_own_process(path: str, size: int, options: dict[str, Any]) -> ParsedFeed:
    from briefings.parse import ParsedFeed

    one_off = ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn"))
    try:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(one_off, partial(parse_file, path, **options))
    except BrokenExecutor:  # killed (out of memory?): say so, as the feed's own error
        log.exception("parsing a %d-byte feed in its own process failed", size)
        return ParsedFeed(error=f"feed of {size // 1_048_576} MB could not be parsed",
                          kind=ErrorKind.PARSE)  # fmt: skip
    finally:
        one_off.shutdown(wait=True)


def parse_file(path: str, **options: Any) -> ParsedFeed:
    """``parse_feed`` of a file's bytes (runs in a one-off process)."""
    from briefings.parse import parse_feed

    with open(path, "rb") as file:
        return parse_feed(file.read(), **options)


def parse_workers() -> int:
    """How many processes parse: one a core, at most MAX_PARSE_WORKERS; none on one core,
    where a parser could only take turns with this process.

    Not one fewer than the cores, as before: this process waits on the parsers most of a
    cold poll (between its batches it fetched ~350 feeds a second with one parser on 2 cores,
    ~500 with two), and the system shares the cores out. ``bench/poll.py``'s baseline gets as
    many.
    """
    cores = os.cpu_count() or 1
    return min(cores, MAX_PARSE_WORKERS) if cores > 1 else 0


def processes_pay(feeds: int, workers: int) -> bool:
    """Whether parsing ``feeds`` feeds in ``workers`` worker processes pays for starting them."""
    return feeds >= POOL_MIN_FEEDS and workers >= 1


@contextmanager
def parse_pool_for(feeds: int, workers: int | None = None) -> Iterator[Executor | None]:
    """A process pool for parsing when there are enough feeds to pay for it, else None.

    Parsing (feedparser) is CPU-bound and holds the GIL, so threads would not help; processes
    put the other cores to work while this one fetches, stores, matches and clusters.
    """
    workers = workers or parse_workers()
    if not processes_pay(feeds, workers):
        yield None
        return
    pool = LazyPool(workers)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class ParsePools:
    """Where a long-running poller (the bot's poll job, the ``poller`` role) parses, cycle
    after cycle.

    Parsing on the event loop would stop it for as long as a feed takes: the bot would not
    answer a command, nor send, until the parse ends. A cycle of many feeds parses in worker
    processes (``LazyPool``: started on the first body, then kept for the next cycles, as the
    ``poll`` daemon keeps its own); a smaller one in one thread, which costs no memory and
    hands the loop the interpreter every few milliseconds (Python's switch interval).
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = parse_workers() if workers is None else workers
        self._processes: LazyPool | None = None
        self._thread: ThreadPoolExecutor | None = None

    def for_feeds(self, feeds: int) -> Executor:
        """The executor for a cycle of ``feeds`` feeds."""
        if processes_pay(feeds, self.workers):
            if self._processes is None:
                self._processes = LazyPool(self.workers)
            return self._processes
        if self._thread is None:
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parse")
        return self._thread

    def shutdown(self) -> None:
        """Stop the workers (at the end of the poller's life); a later cycle starts new ones."""
        processes, thread = self._processes, self._thread
        self._processes = self._thread = None
        for executor in (processes, thread):
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)


class LazyPool(Executor):
    """A process pool that starts its processes on the first task, not before."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if self.pool is None:
            # "spawn": forking a process that runs an event loop and database threads is unsafe.
            self.pool = ProcessPoolExecutor(max_workers=self.workers,
                                            mp_context=mp.get_context("spawn"))  # fmt: skip
        return self.pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=wait, cancel_futures=cancel_futures)


def _concurrency(fetcher: object) -> int:
    config = getattr(fetcher, "config", None)
    return int(getattr(config, "concurrency", 20))


def error_result(url: str, error: str) -> FetchResult:
    """A failed fetch, for a fetch or parse that raised where it promised not to."""
    return FetchResult(outcome="error", url=url, permanent_url=None, status=None, body=b"",
                       content_type=None, etag=None, last_modified=None, retry_after=None,
                       max_age=None, error=error, gone=False,
                       kind=ErrorKind.INTERNAL)  # fmt: skip
