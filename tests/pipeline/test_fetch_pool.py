"""The fetcher's sharded connection pool: keep-alive reuse, and load spread over small pools."""

from __future__ import annotations

import asyncio

from briefings.fetch import FetchConfig, Fetcher
from briefings.fetch.transport import ShardedTransport
from tests.feedserver import FeedServer
from tests.pipeline.conftest import rss


async def test_many_at_once_spread_over_small_pools_and_stay_alive(feed_server: FeedServer):
    body = rss([("g1", "Aranceles al acero", "Resumen")])
    urls = [feed_server.add(f"/feeds/{n}.xml", body) for n in range(120)]
    config = FetchConfig(allow_private=True, concurrency=20, per_host=20)
    async with Fetcher(config) as fetcher:
        results = await asyncio.gather(*(fetcher.fetch(url) for url in urls))
        opened = feed_server.connections
        again = await asyncio.gather(*(fetcher.fetch(url) for url in urls))
    assert [r.outcome for r in results + again] == ["ok"] * 240
    assert 5 <= opened <= 20  # several pools worked at once, never more than in flight
    assert feed_server.connections == opened  # the second round reused the kept-alive ones


async def test_one_at_a_time_a_host_keeps_one_connection(feed_server: FeedServer):
    url = feed_server.add("/feed.xml", rss([("g1", "Fentanyl seizure", "Summary")]))
    async with Fetcher(FetchConfig(allow_private=True)) as fetcher:
        for _ in range(12):
            assert (await fetcher.fetch(url)).outcome == "ok"
    assert feed_server.connections == 1


async def test_the_shards_are_released_when_responses_close(feed_server: FeedServer):
    urls = [feed_server.add(f"/f{n}.xml", rss([("g", "Tariffs", "")])) for n in range(30)]
    async with Fetcher(FetchConfig(allow_private=True, per_host=20)) as fetcher:
        await asyncio.gather(*(fetcher.fetch(url) for url in urls))
        transport = fetcher._transport  # noqa: SLF001 - the pool is what is tested
        assert isinstance(transport, ShardedTransport)
        assert transport._busy == [0] * len(transport._busy)  # noqa: SLF001
