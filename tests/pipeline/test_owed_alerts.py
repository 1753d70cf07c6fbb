"""Alerts owed by a poll survive what happens after the stories are filed.

The production poll (``poll_job``) against a real feed server and a real store: a store error
while queuing, a kill -9 between filing and queuing, and a feed that hangs while the others
have news. Each alert is queued once, never lost, never twice.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from briefings import chats as chat_settings
from briefings.fetch import FetchConfig, Fetcher
from briefings.jobs.poll import poll_job
from briefings.model import Source
from briefings.paths import default_config_file
from briefings.settings import Settings
from briefings.store import alerts as owed
from briefings.store import chats as store_chats
from briefings.store.sources import sync_sources
from briefings.store.tables import outbox, owed_alerts
from briefings.themes import load_themes
from tests.feedserver import FeedServer
from tests.pipeline.conftest import rss

CHAT = 4242
OLD = ("tariffs-old", "Mexico answers U.S. tariffs on steel with its own duties",
       "Sheinbaum said Mexico will meet U.S. tariffs on Mexican steel with duties.")  # fmt: skip
NEW = ("tariffs-new", "U.S. doubles tariffs on Mexican tomatoes",
       "Washington raised tariffs on tomatoes imported from Mexico, growers said.")  # fmt: skip
THEMES = load_themes(default_config_file("themes.toml"))


def settings(url: str) -> Settings:
    return Settings(database_url=url, poll_interval=60, allow_private_sources=True)


async def prepare(engine: AsyncEngine, feeds: dict[str, str]) -> None:
    """Sources, and one chat that wants tariff alerts."""
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await sync_sources(conn, [Source(n, u, "en") for n, u in feeds.items()], now)
        await chat_settings.register_chat(conn, chat_id=CHAT, chat_type="private",
                                          language="en", timezone="UTC", brief_time="08:00",
                                          themes=["tariffs"], now=now)  # fmt: skip
        await store_chats.update_chat(conn, CHAT, alerts=True)


async def poll(engine: AsyncEngine, url: str, **fetch: Any) -> None:
    config = FetchConfig(allow_private=True, **fetch)
    async with Fetcher(config) as fetcher:
        job = poll_job(settings(url), engine, fetcher, THEMES, ignore_schedule=True)
        await job.run_once(datetime.now(UTC))


async def alert_rows(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return list((await conn.execute(
            select(outbox.c.dedupe_key).where(outbox.c.kind == "alert"))).scalars())


async def owed_count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(owed_alerts)) or 0)


async def test_a_store_error_while_queuing_leaves_the_alert_owed_then_queues_it_once(
    engine: AsyncEngine, database_url: str, feed_server: FeedServer
) -> None:
    url = feed_server.add("/wire.xml", rss([OLD]))
    await prepare(engine, {"wire": url})
    await poll(engine, database_url)  # the first poll seeds: no alert owed
    assert await owed_count(engine) == 0

    failures = {"left": 1}

    def fail_outbox_insert(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO OUTBOX") and failures["left"]:
            failures["left"] -= 1
            raise OperationalError(statement, None, Exception("database is locked"))

    feed_server.add("/wire.xml", rss([NEW, OLD]))
    event.listen(engine.sync_engine, "before_cursor_execute", fail_outbox_insert)
    try:
        await poll(engine, database_url)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", fail_outbox_insert)

    assert failures["left"] == 0, "the fault was injected"
    assert await alert_rows(engine) == [] and await owed_count(engine) == 1

    await poll(engine, database_url)  # the next cycle queues what is owed
    await poll(engine, database_url)  # and only once
    [key] = await alert_rows(engine)
    assert key.startswith("alert:") and await owed_count(engine) == 0


KILLED_POLL = textwrap.dedent("""
    import asyncio, os, signal, sys
    from datetime import UTC, datetime
    from briefings.fetch import FetchConfig, Fetcher
    from briefings.jobs.poll import poll_job
    from briefings.settings import Settings
    from briefings.store.db import open_engine
    from briefings.paths import default_config_file
    from briefings.themes import load_themes

    async def die(now, themes):  # the stories are committed, their alerts not yet queued
        os.kill(os.getpid(), signal.SIGKILL)

    async def main(url):
        engine = open_engine(url)
        settings = Settings(database_url=url, poll_interval=60, allow_private_sources=True)
        themes = load_themes(default_config_file("themes.toml"))
        async with Fetcher(FetchConfig(allow_private=True)) as fetcher:
            job = poll_job(settings, engine, fetcher, themes, ignore_schedule=True)
            job.queue_alerts = die
            await job.run_once(datetime.now(UTC))

    asyncio.run(main(sys.argv[1]))
""")


async def test_a_kill_between_filing_and_queuing_loses_no_alert(
    engine: AsyncEngine, database_url: str, feed_server: FeedServer
) -> None:
    url = feed_server.add("/wire.xml", rss([OLD]))
    await prepare(engine, {"wire": url})
    await poll(engine, database_url)
    feed_server.add("/wire.xml", rss([NEW, OLD]))

    killed = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-c", KILLED_POLL, database_url],
        capture_output=True, timeout=120, env={**os.environ, "PYTHONPATH": os.getcwd()},
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()[-2000:]
    assert await alert_rows(engine) == [] and await owed_count(engine) == 1

    await poll(engine, database_url)  # the restarted poller
    await poll(engine, database_url)
    assert len(await alert_rows(engine)) == 1 and await owed_count(engine) == 0


async def test_a_hanging_feed_does_not_hold_back_the_others_alerts(
    engine: AsyncEngine, database_url: str, feed_server: FeedServer
) -> None:
    fast = feed_server.add("/wire.xml", rss([OLD]))
    slow = feed_server.add("/slow.xml", rss([("weather", "Sunny in Tijuana", "No rain.")]))
    await prepare(engine, {"wire": fast, "slow": slow})
    await poll(engine, database_url)  # both seeded

    feed_server.add("/wire.xml", rss([NEW, OLD]))
    feed_server.add_slow("/slow.xml", rss([("weather-2", "Rain in Tijuana", "Some.")]), 20.0)
    cycle = asyncio.create_task(poll(engine, database_url, timeout=30.0, deadline=30.0))
    try:
        async with asyncio.timeout(15):
            while not await alert_rows(engine):
                assert not cycle.done(), "the cycle ended before the alert was queued"
                await asyncio.sleep(0.1)
        # The alert is queued while the hanging feed is still being fetched.
        assert not cycle.done()
    finally:
        feed_server.stop()  # ends the hanging answer
        await asyncio.gather(cycle, return_exceptions=True)
    assert len(await alert_rows(engine)) == 1


async def test_two_takers_at_once_take_each_owed_story_once(engine: AsyncEngine) -> None:
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        from briefings.store.tables import stories

        ids = [await conn.scalar(stories.insert().values(
            headline=f"s{n}", first_seen_at=now, last_seen_at=now).returning(stories.c.id))
            for n in range(5)]  # fmt: skip
        await owed.owe(conn, ids, now)
    first = await engine.connect()
    second = await engine.connect()
    try:
        await first.begin()
        taken_first = await owed.take_owed(first, limit=3)
        if engine.dialect.name == "postgresql":  # SQLite has one writer: B waits for A instead
            await second.begin()
            taken_second = await owed.take_owed(second)
            await second.commit()
        await first.commit()
        if engine.dialect.name != "postgresql":
            async with second.begin():
                taken_second = await owed.take_owed(second)
    finally:
        await first.close()
        await second.close()
    assert taken_first == sorted(ids, reverse=True)[:3]
    assert sorted(taken_first + taken_second) == sorted(ids)
    assert await owed_count(engine) == 0
