"""The poll cycle end to end: a real feed server, the real fetcher, the real store."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from briefings.fetch import FetchConfig, Fetcher
from briefings.jobs.poll import CycleReport, poll_cycle
from briefings.model import Source
from briefings.paths import default_config_file
from briefings.store import state
from briefings.store.items import count_items
from briefings.store.sources import GONE, SourceRow, all_sources, sync_sources
from briefings.store.tables import item_themes, items, stories
from briefings.stories import file_items
from briefings.themes import Matcher, load_themes
from tests.feedserver import FeedServer
from tests.pipeline.conftest import rss

FIXTURES = {  # H1's realistic fixture feeds in tests/data/feeds
    "/borderwire.xml": ("rss2_borderwire.xml", "en"),
    "/diariofrontera.xml": ("es_diariofrontera.xml", "es"),
    "/northdesk.atom": ("atom_northdesk.xml", "en"),
    "/gulfreport.rdf": ("rdf_gulfreport.rdf", "en"),
}
SEIZURE = ("seizure-1", "CBP seizes fentanyl pills at Nogales port",
           "Officers found 1,100 pounds of fentanyl pills in a truck.")  # fmt: skip
TARIFFS = ("tariffs-1", "Mexico answers Trump's new tariffs on steel",
           "The government announced retaliatory tariffs on U.S. pork.")  # fmt: skip
WEATHER = ("weather-1", "Sunny weekend ahead in San Diego", "No rain expected.")


def fetch_config(**overrides: Any) -> FetchConfig:
    values: dict[str, Any] = {"allow_private": True, "timeout": 1.0, "deadline": 2.0}
    values.update(overrides)
    return FetchConfig(**values)


async def configure(engine: AsyncEngine, sources: list[Source]) -> None:
    async with engine.begin() as conn:
        await sync_sources(conn, sources, datetime.now(UTC))


async def cycle(engine: AsyncEngine, **kwargs: Any) -> CycleReport:
    kwargs.setdefault("ignore_schedule", True)
    async with Fetcher(fetch_config()) as fetcher:
        return await poll_cycle(engine, fetcher, **kwargs)


async def stored(engine: AsyncEngine) -> dict[str, SourceRow]:
    async with engine.connect() as conn:
        return {row.name: row for row in await all_sources(conn)}


@pytest.fixture
def matcher() -> Matcher:
    return Matcher(load_themes(default_config_file("themes.toml")).themes)


async def test_full_cycle_then_every_feed_answers_304(
    engine: AsyncEngine, feed_server: FeedServer
) -> None:
    sources = []
    for path, (file, language) in FIXTURES.items():
        url = feed_server.add_file(path, file)
        sources.append(Source(name=file, url=url, language=language))
    await configure(engine, sources)
    progress: list[tuple[int, int]] = []

    first = await cycle(engine, on_progress=lambda done, total: progress.append((done, total)))

    assert (first.feeds, first.fetched, first.unchanged, first.failed) == (4, 4, 0, 0)
    assert first.errors == []
    async with engine.connect() as conn:
        assert first.new_items == await count_items(conn) > 4 * 3
        assert await state.get_time(conn, state.LAST_POLL_AT) == first.started_at
    assert progress[0] == (0, 4) and progress[-1] == (4, 4)
    assert sorted(first.seeded) == sorted(s.name for s in sources)
    rows = await stored(engine)
    assert all(r.seeded and r.etag and r.last_status == 200 for r in rows.values())
    assert all(r.next_fetch_at and r.next_fetch_at > first.started_at for r in rows.values())

    feed_server.reset_counts()
    second = await cycle(engine)

    assert (second.feeds, second.fetched, second.unchanged, second.new_items) == (4, 0, 4, 0)
    for path in FIXTURES:
        assert feed_server.conditional_requests[path] == 1
        assert feed_server.not_modified[path] == 1
    assert all(r.last_status == 304 for r in (await stored(engine)).values())


async def test_failing_feeds_are_recorded_and_never_stop_the_others(
    engine: AsyncEngine, feed_server: FeedServer
) -> None:
    good = feed_server.add("/good.xml", rss([SEIZURE, TARIFFS]))
    broken = {
        "HTTP 500": feed_server.add_status("/error.xml", 500),
        "timed out": feed_server.add_slow("/slow.xml", rss([WEATHER]), delay=5),
        "malformed XML": feed_server.add_file("/invalid.xml", "hostile/invalid.xml"),
        "HTML page": feed_server.add("/html.xml", b"<!doctype html><html><body>hi</body></html>",
                                     {"Content-Type": "text/html"}),  # fmt: skip
    }
    sources = [Source("good", good, "en")] + [
        Source(reason, url, "en") for reason, url in broken.items()
    ]
    await configure(engine, sources)

    report = await cycle(engine)

    assert (report.feeds, report.fetched, report.failed, report.new_items) == (5, 1, 4, 2)
    assert {e["source"] for e in report.errors} == set(broken)
    for error in report.errors:
        assert error["source"] in error["error"]  # each reason is named in its message
        assert error["url"] == broken[error["source"]]
    rows = await stored(engine)
    for reason in broken:
        row = rows[reason]
        assert row.error_count == 1 and reason in (row.last_error or "")
        assert row.next_fetch_at and row.next_fetch_at > report.started_at
        assert not row.seeded
    assert rows["good"].error_count == 0


async def test_backing_off_feeds_are_skipped_unless_forced(
    engine: AsyncEngine, feed_server: FeedServer
) -> None:
    url = feed_server.add_status("/down.xml", 503, {"Retry-After": "120"})
    ok = feed_server.add("/ok.xml", rss([SEIZURE]))
    await configure(engine, [Source("down", url, "en"), Source("ok", ok, "en")])
    first = await cycle(engine)
    assert first.failed == 1
    assert (await stored(engine))["down"].next_fetch_at >= first.started_at + timedelta(
        seconds=119
    )

    feed_server.reset_counts()
    skipped = await cycle(engine)
    assert skipped.feeds == 1 and feed_server.requests["/down.xml"] == 0

    forced = await cycle(engine, force=True)
    assert forced.feeds == 2 and feed_server.requests["/down.xml"] == 1
    assert (await stored(engine))["down"].error_count == 2


async def test_gone_feed_is_disabled(engine: AsyncEngine, feed_server: FeedServer) -> None:
    url = feed_server.add_status("/gone.xml", 410)
    await configure(engine, [Source("gone", url, "en")])
    report = await cycle(engine)
    assert report.failed == 1
    assert (await stored(engine))["gone"].disabled_reason == GONE
    feed_server.reset_counts()
    again = await cycle(engine, force=True)
    assert again.feeds == 0 and feed_server.requests["/gone.xml"] == 0


async def test_permanent_redirect_updates_the_stored_url(
    engine: AsyncEngine, feed_server: FeedServer
) -> None:
    new_url = feed_server.add("/new.xml", rss([SEIZURE]))
    old_url = feed_server.add_redirect("/old.xml", "/new.xml", status=301)
    temp_url = feed_server.add_redirect("/temp.xml", "/new.xml", status=302)
    configured = [Source("moved", old_url, "en"), Source("temporary", temp_url, "en")]
    await configure(engine, configured)

    report = await cycle(engine)

    assert report.fetched == 2
    rows = await stored(engine)
    assert rows["moved"].url == new_url
    assert rows["temporary"].url == temp_url  # only 301/308 rewrite the address
    await configure(engine, configured)  # the config still names the old address
    assert (await stored(engine))["moved"].url == new_url
    feed_server.reset_counts()
    await cycle(engine)
    assert feed_server.requests["/old.xml"] == 0
    assert feed_server.not_modified["/new.xml"] == 2  # both sources, straight to the new URL


async def test_first_poll_seeds_silently_later_news_alerts(
    engine: AsyncEngine, feed_server: FeedServer, matcher: Matcher
) -> None:
    url = feed_server.add("/news.xml", rss([SEIZURE, WEATHER]))
    await configure(engine, [Source("news", url, "en")])
    alerts: list[list[int]] = []

    async def on_new_stories(ids: list[int]) -> None:
        alerts.append(ids)

    run: Callable[[], Any] = lambda: cycle(  # noqa: E731
        engine, matcher=matcher, filer=file_items, on_new_stories=on_new_stories
    )
    first = await run()
    assert first.new_items == 2 and len(first.new_stories) == 1  # only the seizure matches
    assert first.alert_stories == [] and alerts == []
    async with engine.connect() as conn:
        assert (await conn.execute(select(item_themes.c.theme))).scalars().all() == ["fentanyl"]

    feed_server.add("/news.xml", rss([TARIFFS, SEIZURE, WEATHER]))
    second = await run()

    assert second.new_items == 1
    assert len(alerts) == 1 and alerts[0] == second.alert_stories == second.new_stories
    async with engine.connect() as conn:
        story = (await conn.execute(select(stories).where(stories.c.id == alerts[0][0]))).one()
        item_story = await conn.scalar(select(items.c.story_id).where(items.c.guid == "tariffs-1"))
    assert "tariffs" in story.headline and item_story == story.id


async def test_changed_guids_do_not_duplicate(
    engine: AsyncEngine, feed_server: FeedServer
) -> None:
    url = feed_server.add("/news.xml", rss([SEIZURE, TARIFFS]))
    await configure(engine, [Source("news", url, "en")])
    await cycle(engine)
    renamed = [("new-" + guid, title, summary) for guid, title, summary in (SEIZURE, TARIFFS)]
    feed_server.add("/news.xml", rss(renamed))
    report = await cycle(engine)
    assert (report.fetched, report.new_items) == (1, 0)
    async with engine.connect() as conn:
        assert await count_items(conn) == 2


async def test_parsing_in_a_process_pool_gives_the_same_items(
    engine: AsyncEngine, feed_server: FeedServer
) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    for path, (file, _) in FIXTURES.items():
        feed_server.add_file(path, file)
    await configure(engine, [Source(file, feed_server.url(path), language)
                             for path, (file, language) in FIXTURES.items()])  # fmt: skip
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        report = await cycle(engine, parsers=lambda _feeds: pool)
    assert (report.fetched, report.failed) == (4, 0)
    async with engine.connect() as conn:
        titles = set((await conn.execute(select(items.c.title))).scalars())
    assert "CBP officers seize 1,100 pounds of fentanyl pills at Nogales port of entry" in titles
    assert report.new_items == len(titles)


async def test_a_feed_that_breaks_its_batch_is_retried_alone(
    engine: AsyncEngine, feed_server: FeedServer, matcher: Matcher
) -> None:
    good = feed_server.add("/good.xml", rss([SEIZURE]))
    poison = feed_server.add("/poison.xml", rss([("poison-1", "Fentanyl poison pill", "x")]))
    await configure(engine, [Source("good", good, "en"), Source("poison", poison, "en")])

    async def filer(conn: Any, stored: list[Any], matches: Any, now: datetime) -> Any:
        if any(s.item.guid == "poison-1" for s in stored):
            raise RuntimeError("clustering bug")
        return await file_items(conn, stored, matches, now)

    report = await cycle(engine, matcher=matcher, filer=filer)

    assert (report.fetched, report.failed) == (1, 1)
    assert report.errors[0]["source"] == "poison"
    assert "internal error: RuntimeError" in report.errors[0]["error"]
    rows = await stored(engine)
    assert rows["good"].seeded and rows["good"].error_count == 0
    assert not rows["poison"].seeded and rows["poison"].error_count == 1
    async with engine.connect() as conn:  # the poison feed's items were rolled back
        assert (await conn.execute(select(items.c.guid))).scalars().all() == ["seizure-1"]


async def test_a_broken_parse_pool_falls_back_to_parsing_here(
    engine: AsyncEngine, feed_server: FeedServer
) -> None:
    import multiprocessing
    import os
    from concurrent.futures import BrokenExecutor, ProcessPoolExecutor

    url = feed_server.add("/news.xml", rss([SEIZURE, TARIFFS]))
    await configure(engine, [Source("news", url, "en")])
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        with pytest.raises(BrokenExecutor):
            pool.submit(os._exit, 1).result()  # the worker process dies: the pool is broken
        report = await cycle(engine, parsers=lambda _feeds: pool)
    assert (report.fetched, report.failed, report.new_items) == (1, 0, 2)


async def test_a_feed_s_login_is_sent_to_it_and_shown_nowhere(
    engine: AsyncEngine, feed_server: FeedServer
) -> None:
    token = base64.b64encode(b"reader:s3cret").decode()
    body = rss([SEIZURE]).replace(b"https://news.example/seizure-1", b"/news/seizure-1")
    url = feed_server.add_gated("/private.xml", body, header="Authorization",
                                value=f"Basic {token}", status=401, headers={})  # fmt: skip
    login, wrong = (url.replace("http://", f"http://reader:{p}@") for p in ("s3cret", "guess"))
    await configure(engine, [Source("private", login, "en"), Source("wrong", wrong, "en")])

    report = await cycle(engine)

    assert (report.fetched, report.failed) == (1, 1)
    assert [e["url"] for e in report.errors] == [url.replace("http://", "http://reader:***@")]
    async with engine.connect() as conn:
        links = (await conn.execute(select(items.c.url))).scalars().all()
    assert links == [feed_server.url("/news/seizure-1")]  # resolved, without the login
