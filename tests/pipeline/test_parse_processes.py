"""Where feeds are parsed: no pool started when nothing needs parsing; large bodies apart."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from briefings.jobs import fetching
from briefings.jobs.fetching import LazyPool, parse_pool_for
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
        await cycle(engine, parse_pool=pool)  # cold: bodies to parse
        assert pool.pool is not None
    with parse_pool_for(200, workers=1) as pool:
        assert isinstance(pool, LazyPool)
        warm = await cycle(engine, parse_pool=pool)  # every feed answers 304
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
