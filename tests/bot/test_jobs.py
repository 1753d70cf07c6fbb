"""The JobQueue tickers on the running bot: how they are scheduled, and the alert path end to end.

(The daily-brief path through the jobs is covered by tests/bot/test_journey.py.)
"""

from __future__ import annotations

import threading
import zlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from apscheduler.triggers.interval import IntervalTrigger

from bot.jobs import STARTUP_BRIEFS
from briefings import chats as chat_settings
from briefings.briefs.schedule import MINUTE_OFFSET
from briefings.store import chats as store
from briefings.store.items import count_items
from tests.bot.helpers import START, FakeClock, running_bot
from tests.feedserver import RSS, FeedServer

OLD = ("Mexico answers U.S. tariffs on steel with its own duties",
       "Sheinbaum said Mexico will meet new U.S. tariffs on Mexican steel with duties.")
NEW = ("U.S. doubles tariffs on Mexican tomatoes",
       "Washington raised tariffs on tomatoes imported from Mexico, growers said.")


def _feed(*entries: tuple[str, str]) -> bytes:
    items = "".join(
        f"<item><title>{title}</title><link>https://news.example/{zlib.crc32(title.encode())}</link>"
        f"<guid>https://news.example/{zlib.crc32(title.encode())}</guid><description>{summary}</description>"
        f"<pubDate>{format_datetime(START - timedelta(minutes=30 + n))}</pubDate></item>"
        for n, (title, summary) in enumerate(entries)
    )
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
            f"<link>https://news.example/</link><description>d</description>{items}"
            f"</channel></rss>").encode()


async def _run(bot, name: str) -> None:
    [job] = bot.app.job_queue.get_jobs_by_name(name)
    await job.run(bot.app)


async def test_jobs_are_coalescing_tickers(botapi, engine, tmp_path: Path) -> None:
    started = datetime.now(UTC)
    async with running_bot(botapi, engine, tmp_path, jobs=True) as bot:
        jobs = {name: bot.app.job_queue.get_jobs_by_name(name)
                for name in ("poll", "due-briefs", "sender", "housekeeping")}
        start_jobs = bot.app.job_queue.get_jobs_by_name("due-briefs-start")
        from bot.state import bot_state

        poll_interval = bot_state(bot.app).settings.poll_interval
    for name, found in jobs.items():
        assert len(found) == 1, name
        scheduled = found[0].job
        assert scheduled.coalesce is True and scheduled.max_instances == 1
        assert scheduled.misfire_grace_time and scheduled.misfire_grace_time >= 30
        assert isinstance(scheduled.trigger, IntervalTrigger)
    assert jobs["due-briefs"][0].job.trigger.interval == timedelta(seconds=60)
    assert jobs["poll"][0].job.trigger.interval == timedelta(seconds=poll_interval)
    # Due briefs are queued just after each whole minute (brief times are whole minutes),
    # and once soon after start for the briefs missed while the bot was down.
    ticks = jobs["due-briefs"][0].job.trigger.start_date
    assert (ticks.second, ticks.microsecond) == (0, MINUTE_OFFSET * 1e6)
    assert timedelta(0) < ticks - started <= timedelta(seconds=75)
    if start_jobs:  # a pass soon after start, unless the first minute's comes soon anyway
        (start,) = start_jobs
        assert ticks - start.job.trigger.run_date > timedelta(seconds=3)
    else:
        assert ticks - started <= timedelta(seconds=STARTUP_BRIEFS + 3 + 10)


async def test_new_story_alerts_subscribers_once_and_silently_in_quiet_hours(
    botapi, engine, tmp_path: Path
) -> None:
    loud, quiet, no_alerts = 801, 802, 803
    clock = FakeClock()
    with FeedServer() as feeds:
        url = feeds.add("/wire.xml", _feed(OLD), {"Content-Type": RSS})
        sources = tmp_path / "sources.toml"
        sources.write_text(f'[[sources]]\nname = "Wire"\nurl = "{url}"\nlanguage = "en"\n')
        async with running_bot(botapi, engine, tmp_path, clock=clock, jobs=True,
                               sources=sources, allow_private_sources=True) as bot:
            async with engine.begin() as conn:
                for chat_id in (loud, quiet, no_alerts):
                    await chat_settings.register_chat(
                        conn, chat_id=chat_id, chat_type="private", language="en",
                        timezone="UTC", brief_time="08:00", themes=["tariffs"], now=clock())
                await store.update_chat(conn, loud, alerts=True)
                await store.update_chat(conn, quiet, alerts=True, quiet_start="02:00",
                                        quiet_end="06:00")  # START is 03:00 UTC
            await _run(bot, "poll")  # the first poll seeds the source: no alerts
            await _run(bot, "sender")
            seeded = len(botapi.sent())

            feeds.add("/wire.xml", _feed(NEW, OLD), {"Content-Type": RSS})
            clock.advance(minutes=11)
            await _run(bot, "poll")
            await _run(bot, "sender")
            await botapi.wait_for(lambda: botapi.sent(loud) and botapi.sent(quiet))
            clock.advance(minutes=11)
            await _run(bot, "poll")  # nothing new: nothing more
            await _run(bot, "sender")
            await bot.settle()

    assert seeded == 0
    [to_loud] = botapi.sent(loud)
    [to_quiet] = botapi.sent(quiet)
    assert NEW[0] in to_loud.params["text"] and OLD[0] not in to_loud.params["text"]
    assert to_loud.params["disable_notification"] is False
    assert to_quiet.params["disable_notification"] is True
    assert botapi.sent(no_alerts) == []


async def test_test_bots_jobs_run_only_when_a_test_runs_them(
    botapi, engine, tmp_path: Path
) -> None:
    """The helper pauses the JobQueue so tests order the jobs themselves."""
    import asyncio

    clock = FakeClock()
    async with running_bot(botapi, engine, tmp_path, clock=clock, jobs=True) as bot:
        async with engine.begin() as conn:
            await chat_settings.register_chat(conn, chat_id=901, chat_type="private", language="en",
                                      timezone="UTC", brief_time="03:00",
                                      themes=["tariffs"], now=clock() - timedelta(hours=1))
        clock.advance(minutes=1)  # the brief of chat 901 is due
        await asyncio.sleep(2.2)  # past the first due-briefs tick (2 s after start)
        async with engine.connect() as conn:
            untouched = await store.get_chat(conn, 901)
        await _run(bot, "due-briefs")
        async with engine.connect() as conn:
            ran = await store.get_chat(conn, 901)
    assert untouched.next_brief_at <= clock()  # no tick ran on its own
    assert ran.next_brief_at > clock()  # the manual run did


async def test_the_poll_job_parses_off_the_event_loop_and_stops_its_parser_at_shutdown(
    botapi, engine, tmp_path: Path, monkeypatch
) -> None:
    """A feed parsed on the event loop would hold up every reply and send until it ends."""
    import briefings.parse

    threads: list[str] = []
    parse_feed = briefings.parse.parse_feed

    def spy(body: bytes, **options):
        threads.append(threading.current_thread().name)
        return parse_feed(body, **options)

    monkeypatch.setattr(briefings.parse, "parse_feed", spy)
    before = set(threading.enumerate())
    with FeedServer() as feeds:
        url = feeds.add("/wire.xml", _feed(OLD), {"Content-Type": RSS})
        sources = tmp_path / "sources.toml"
        sources.write_text(f'[[sources]]\nname = "Wire"\nurl = "{url}"\nlanguage = "en"\n')
        async with running_bot(botapi, engine, tmp_path, clock=FakeClock(), jobs=True,
                               sources=sources, allow_private_sources=True) as bot:
            await _run(bot, "poll")
            async with engine.connect() as conn:
                assert await count_items(conn) == 1
            parsers = [t for t in set(threading.enumerate()) - before
                       if t.name.startswith("parse")]  # fmt: skip
            assert len(parsers) == 1  # kept for the next cycle
        # running_bot ends as run_polling does: post_shutdown stops the parser
    assert threads and all(name.startswith("parse") for name in threads), threads
    assert not parsers[0].is_alive()
