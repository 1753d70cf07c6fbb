"""Replies share the sender's budget and go first: none is lost to a 429 or to a fan-out.

The real bot (PTB Application, its rate limiter and update processor) against the Bot API
stand-in enforcing Telegram's limits, answering after 50 ms as Telegram does.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery import Sender
from briefings.settings import Settings
from briefings.store import outbox as ob
from briefings.store.tables import stories, story_themes
from tests.bot.helpers import START, RunningBot, running_bot
from tests.bot.test_delivery import queue
from tests.botapi import BotApiStandIn
from tests.schedule.helpers import add_chats

COMMANDS = ("/start", "/help", "/latest 20")
FAN_OUT = 300
IN_FLIGHT = Settings().send_in_flight


async def _stories(engine: AsyncEngine, count: int = 20) -> None:
    """Enough stories on every theme for /latest 20 to take several messages."""
    rows, themes = [], []
    for n in range(1, count + 1):
        at = START - timedelta(minutes=10 * n)
        rows.append({"id": n, "headline": f"Story {n}: border talks and tariffs, day {n} " * 4,
                     "url": f"https://news.example/{n}",
                     "summary": "What happened at the border and why it matters " * 8 + ".",
                     "first_seen_at": at, "last_seen_at": at, "source_count": 1 + n % 3,
                     "languages": "en"})
        themes += [{"story_id": n, "theme": t, "score": 1.0}
                   for t in ("tariffs", "fentanyl", "sovereignty")]
    async with engine.begin() as conn:
        await conn.execute(insert(stories), rows)
        await conn.execute(insert(story_themes), themes)


async def _ask(bot: RunningBot, chat_id: int, texts: tuple[str, ...], *, together: bool
               ) -> list[str]:
    """The user sends ``texts`` (all at once, or each after the last was answered)."""
    ids = []
    for text in texts:
        ids.append(bot.api.push_update(bot.api.message(chat_id, text)))
        if not together:
            await bot.api.wait_for(lambda: ids[-1] in bot.processed, timeout=30)
    await bot.api.wait_for(lambda: all(i in bot.processed for i in ids), timeout=60)
    return bot.api.texts(chat_id)


async def test_commands_during_a_fan_out_get_every_reply_in_order(
    botapi: BotApiStandIn, engine: AsyncEngine, tmp_path: Path
) -> None:
    async with running_bot(botapi, engine, tmp_path, limits=None) as bot:  # Telegram's
        await _stories(engine)
        expected = await _ask(bot, 4100, COMMANDS, together=False)  # a quiet moment
        assert len(expected) >= 6  # welcome, picker, help and /latest in several parts

        fan_out = list(range(10_001, 10_001 + FAN_OUT))
        await queue(engine, fan_out, ["Your brief"])
        botapi.limits(per_second=30, per_chat_per_second=1)
        botapi.response_delay = 0.05
        sender = Sender(bot.app.bot, engine, max_in_flight=IN_FLIGHT)  # shares the bot's pacer
        drain = asyncio.create_task(sender.drain())
        await botapi.wait_for(lambda: len(botapi.sent()) >= len(expected) + 30, timeout=10)
        answers = await _ask(bot, 4200, COMMANDS, together=True)
        assert not drain.done(), "the fan-out ended before the replies: nothing was tested"
        report = await asyncio.wait_for(drain, timeout=60)

    assert answers == expected
    assert report.sent == FAN_OUT
    per_chat = Counter(c.chat_id for c in botapi.sent() if c.chat_id in set(fan_out))
    assert len(per_chat) == FAN_OUT and set(per_chat.values()) == {1}
    assert botapi.refused == 0


async def test_a_reply_answered_with_429_waits_and_goes_again(
    botapi: BotApiStandIn, engine: AsyncEngine, tmp_path: Path
) -> None:
    async with running_bot(botapi, engine, tmp_path, limits=None) as bot:
        botapi.fail_next("sendMessage", error_code=429, retry_after=1, chat_id=77)
        await _ask(bot, 77, ("/help",), together=False)
    refused, sent = botapi.calls_of("sendMessage")
    assert not refused.ok and sent.ok and sent.chat_id == 77
    assert sent.at - refused.at >= 0.95
    assert botapi.texts(77) == [sent.params["text"]]


async def test_a_long_send_is_not_logged_as_skipped_every_second(
    botapi: BotApiStandIn, engine: AsyncEngine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with engine.begin() as conn:  # due by the bot's clock
        await add_chats(conn, range(1, 121), now=START)
        await ob.enqueue(conn, chat_ids=list(range(1, 121)), parts=["hello"], kind="brief",
                         now=START - timedelta(minutes=1))
    botapi.limits(per_second=30, per_chat_per_second=1)
    botapi.response_delay = 0.05
    with caplog.at_level(logging.INFO, logger="apscheduler"):
        async with running_bot(botapi, engine, tmp_path, jobs=True, limits=None) as bot:
            assert bot.app.job_queue is not None
            bot.app.job_queue.scheduler.resume()  # the ticker runs on its own here
            await botapi.wait_for(lambda: len(botapi.sent()) >= 120, timeout=30)
    skipped = [r for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skipped) <= 1, [r.getMessage() for r in skipped]
