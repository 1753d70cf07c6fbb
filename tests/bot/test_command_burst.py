"""A burst of commands on SQLite while the poller and the sender write: every user is answered.

600 chats register at once, four commands each, through the real PTB Application (its own
update processor, so its concurrency limit), against a SQLite file, while poll cycles store new
items and the sender delivers queued messages (and marks them sent). SQLite has one writer at
a time: a command must wait its turn, never fail with ``database is locked`` (which left users
without a reply and with their old setting).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import zlib
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Update

from briefings import chats as chat_settings
from briefings.store import chats as store
from briefings.store import outbox
from briefings.store.db import open_engine, upgrade
from briefings.store.tables import subscriptions
from tests.bot.helpers import START, FakeClock, RunningBot, running_bot
from tests.feedserver import RSS, FeedServer

CHATS = 600
FIRST_CHAT = 10_000
OTHER_CHATS = range(900, 920)  # registered before; the sender delivers to them meanwhile
FEEDS, ITEMS = 20, 20
ZONES = ("Europe/Madrid", "America/Mexico_City", "Asia/Tokyo", "America/Bogota")
WORDS = ("tariffs on steel", "fentanyl seizure", "border sovereignty", "tariffs on tomatoes")
UPDATE_IDS = itertools.count(1_000_000)  # far from the stand-in's own


def _commands(chat_id: int) -> list[str]:
    n = chat_id - FIRST_CHAT
    return ["/start", f"/time {n % 24:02d}:{n % 60:02d}", f"/timezone {ZONES[n % 4]}",
            "/unsubscribe fentanyl"]


def _feed(feed: int, round_: int) -> bytes:
    items = []
    for n in range(ITEMS):
        title = f"Mexico and the U.S. on {WORDS[n % 4]} ({round_}.{feed}.{n})"
        link = f"https://news{feed}.example/{round_}/{zlib.crc32(title.encode())}"
        items.append(
            f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
            f"<description>Officials spoke about {WORDS[(n + feed) % 4]}.</description>"
            f"<pubDate>{format_datetime(START + timedelta(minutes=round_ * 11 - n))}</pubDate>"
            f"</item>")
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire {feed}</title>'
            f"<link>https://news{feed}.example/</link><description>d</description>"
            f"{''.join(items)}</channel></rss>").encode()


async def _run(bot: RunningBot, name: str) -> None:
    [job] = bot.app.job_queue.get_jobs_by_name(name)
    await job.run(bot.app)


async def _keep_writing(bot: RunningBot, engine: AsyncEngine, feeds: FeedServer,
                        clock: FakeClock, done: asyncio.Event) -> int:
    """Poll cycles with new items each time, and sender drains of newly queued messages."""
    async with engine.connect() as conn:  # SQLite's own wait for the lock, in seconds
        busy_timeout = (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar_one() / 1000
    rounds = 0
    while not done.is_set() or rounds < 2:
        rounds += 1
        for feed in range(FEEDS):
            feeds.add(f"/wire{feed}.xml", _feed(feed, rounds), {"Content-Type": RSS})
        clock.advance(minutes=11)
        async with engine.begin() as conn:
            await outbox.enqueue(conn, chat_ids=list(OTHER_CHATS), parts=[f"news {rounds}"],
                                 kind="alert", now=clock())
            if rounds == 1:
                # Once, a write as long as a big poll batch on a slow disk: longer than
                # SQLite's own wait, so the commands behind it have to wait their turn.
                await asyncio.sleep(busy_timeout + 1)
        await _run(bot, "poll")
        await _run(bot, "sender")
        await asyncio.sleep(0.2)  # the ticker polls now and then, not in a tight loop
    return rounds


async def _user(bot: RunningBot, chat_id: int) -> None:
    """One user typing four commands, each after the bot answered the one before."""
    app = bot.app
    for text in _commands(chat_id):
        data = {"update_id": next(UPDATE_IDS), **bot.api.message(chat_id, text)}
        update = Update.de_json(data, app.bot)
        await app.update_processor.process_update(update, app.process_update(update))


async def test_every_command_of_a_burst_is_answered_and_stored(botapi, tmp_path: Path, caplog):
    caplog.set_level(logging.WARNING)
    engine = open_engine(f"sqlite+aiosqlite:///{tmp_path / 'burst.db'}")
    await upgrade(engine)
    clock = FakeClock()
    chats = range(FIRST_CHAT, FIRST_CHAT + CHATS)
    try:
        with FeedServer() as feeds:
            sources = tmp_path / "sources.toml"
            sources.write_text("".join(
                f'[[sources]]\nname = "Wire {n}"\nurl = "{feeds.url(f"/wire{n}.xml")}"\n'
                f'language = "en"\n' for n in range(FEEDS)))
            for feed in range(FEEDS):
                feeds.add(f"/wire{feed}.xml", _feed(feed, 0), {"Content-Type": RSS})
            async with running_bot(botapi, engine, tmp_path, clock=clock, jobs=True,
                                   sources=sources, allow_private_sources=True) as bot:
                async with engine.begin() as conn:
                    for chat_id in OTHER_CHATS:
                        await chat_settings.register_chat(
                            conn, chat_id=chat_id, chat_type="private", language="en",
                            timezone="UTC", brief_time="08:00", themes=["tariffs"], now=clock())
                await _run(bot, "poll")  # the first poll seeds the sources
                done = asyncio.Event()
                writer = asyncio.create_task(_keep_writing(bot, engine, feeds, clock, done))
                await asyncio.gather(*(_user(bot, chat_id) for chat_id in chats))
                done.set()
                rounds = await writer
                await bot.settle()
        async with engine.connect() as conn:
            stored = {chat_id: await store.get_chat(conn, chat_id) for chat_id in chats}
            fentanyl = {row.chat_id for row in await conn.execute(
                select(subscriptions.c.chat_id).where(subscriptions.c.theme == "fentanyl"))}
    finally:
        await engine.dispose()

    failed = [r for r in caplog.records if r.exc_info]
    assert not failed, f"{len(failed)} errors, the first: {failed[0].exc_info[1]}"
    sorry = [c.chat_id for c in botapi.sent() if "went wrong" in c.params.get("text", "")]
    assert not sorry, f"{len(sorry)} commands failed, e.g. in chat {sorry[0]}"
    unanswered = [chat_id for chat_id in chats if len(botapi.sent(chat_id)) != 5]
    assert not unanswered, f"{len(unanswered)} chats missed a reply, e.g. {unanswered[0]}"
    for chat_id in chats:
        chat = stored[chat_id]
        _start, time_cmd, zone_cmd, _unsub = _commands(chat_id)
        assert chat is not None, chat_id
        assert (chat.brief_time, chat.timezone) == (time_cmd.split()[1], zone_cmd.split()[1])
    assert not fentanyl & set(chats)
    assert rounds >= 2
    delivered = [len(botapi.sent(chat_id)) for chat_id in OTHER_CHATS]
    assert delivered == [rounds] * len(OTHER_CHATS)  # the sender wrote all along, too
