"""Where feeds are parsed: no pool started when nothing needs parsing; large bodies apart."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from briefings.jobs import fetching
from briefings.jobs.fetching import LazyPool, ParsePools, parse_pool_for
from briefings.model import Source
from briefings.store.items import count_items
from tests.feedserver import FeedServer
from tests.pipeline.conftest import rss
from tests.pipeline.test_poll_cycle import configure, cycle


async def test_the_pool_starts_only_when_a_body_needs_parsing(
    engine: AsyncEngine, feed_server: FeedServer
) -> None:
    body = rss([("g1", "Aranceles al acero", "Resumen")])
    urls = [feed_server.add(f"/feeds/{n}.xml", body) for n in range(3)]
    await configure(engine, [Source(f"F{n}", url, "en") for n, url in enumerate(urls)])
    with parse_pool_for(200, workers=1) as pool:
        assert isinstance(pool, LazyPool) and pool.pool is None
        await cycle(engine, parsers=lambda _feeds: pool)  # cold: bodies to parse
        assert pool.pool is not None
    with parse_pool_for(200, workers=1) as pool:
        assert isinstance(pool, LazyPool)
        warm = await cycle(engine, parsers=lambda _feeds: pool)  # every feed answers 304
        assert warm.unchanged == 3
        assert pool.pool is None  # never started


async def test_a_large_body_is_parsed_in_a_process_of_its_own(
    engine: AsyncEngine, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = rss([(f"g{n}", f"Tariffs on steel, part {n}", "x" * 200) for n in range(40)])
    small = rss([("s1", "Fentanyl seizure", "At the port")])
    monkeypatch.setattr(fetching, "LARGE_BODY", len(big) - 1)
    apart: list[int] = []
    own_process = fetching._parse_in_own_process  # noqa: SLF001 - where parsing runs is tested

    async def spy(path: str, size: int, options: dict) -> object:
        apart.append(size)
        return await own_process(path, size, options)

    monkeypatch.setattr(fetching, "_parse_in_own_process", spy)
    await configure(engine, [Source("Big", feed_server.add("/big.xml", big), "en"),
                             Source("Small", feed_server.add("/small.xml", small), "en")])
    report = await cycle(engine)
    assert (report.fetched, report.failed, report.new_items) == (2, 0, 41)
    assert apart == [len(big)]  # the small one was parsed here
    async with engine.connect() as conn:
        assert await count_items(conn) == 41


@pytest.mark.parametrize(("cores", "workers"), [(None, 0), (1, 0), (2, 2), (3, 3), (4, 4), (16, 4)])
def test_one_parser_a_core_none_on_one_core(
    monkeypatch: pytest.MonkeyPatch, cores: int | None, workers: int
) -> None:
    monkeypatch.setattr(fetching.os, "cpu_count", lambda: cores)
    assert fetching.parse_workers() == workers
    with parse_pool_for(200) as pool:
        assert (pool is None) is (workers == 0)
        assert pool is None or (isinstance(pool, LazyPool) and pool.workers == workers)


@pytest.mark.parametrize(("feeds", "workers", "kind"), [
    (1, 2, ThreadPoolExecutor), (99, 2, ThreadPoolExecutor), (100, 2, LazyPool),
    (5000, 4, LazyPool), (100, 0, ThreadPoolExecutor), (5000, 0, ThreadPoolExecutor),
])  # fmt: skip
def test_a_long_running_poller_parses_in_processes_for_many_feeds_else_a_thread(
    feeds: int, workers: int, kind: type
) -> None:
    parsers = ParsePools(workers)
    chosen = parsers.for_feeds(feeds)
    assert isinstance(chosen, kind)
    assert parsers.for_feeds(feeds) is chosen  # kept for the next cycle
    if isinstance(chosen, LazyPool):
        assert chosen.workers == workers and chosen.pool is None  # started by a body
    parsers.shutdown()
    assert parsers.for_feeds(feeds) is not chosen  # a cycle after shutdown: new ones
    parsers.shutdown()


async def test_a_long_running_poller_parses_off_the_event_loop(
    engine: AsyncEngine, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bot's poll job and the poller role: parsing never stops the loop (a thread here)."""
    import briefings.parse

    threads: list[str] = []
    parse_feed = briefings.parse.parse_feed

    def spy(body: bytes, **options: object) -> object:
        threads.append(threading.current_thread().name)
        return parse_feed(body, **options)

    monkeypatch.setattr(briefings.parse, "parse_feed", spy)
    urls = [feed_server.add(f"/f{n}.xml", rss([(f"g{n}", f"Aranceles {n}", "Resumen")]))
            for n in range(3)]  # fmt: skip
    await configure(engine, [Source(f"F{n}", url, "es") for n, url in enumerate(urls)])
    parsers = ParsePools(workers=2)
    try:
        report = await cycle(engine, parsers=parsers.for_feeds)
    finally:
        parsers.shutdown()
    assert (report.fetched, report.new_items) == (3, 3)
    assert len(threads) == 3
    assert all(name.startswith("parse") for name in threads), threads
    assert threading.main_thread().name not in threads
    assert not [t for t in threading.enumerate() if t.name.startswith("parse")]  # stopped
