"""A running bot (the real PTB Application) against the Bot API stand-in and a real store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Update
from telegram.ext import TypeHandler

from bot.app import build_application
from bot.delivery.pacing import shared_pacer_of
from briefings.ratelimit import Limits
from briefings.settings import load_settings
from tests.botapi import BotApiStandIn

START = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
# The bot paces replies and sends at Telegram's limits (one message a second per chat). Tests
# not about pacing run with room to spare (the stand-in enforces no limit unless asked);
# ``running_bot(limits=None)`` keeps Telegram's.
ROOMY = Limits(per_second=1000, per_chat_interval=0.0, per_group_per_minute=100_000, margin=0.0)


class FakeClock:
    """An aware UTC clock the test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class RunningBot:
    app: Any
    api: BotApiStandIn
    clock: FakeClock
    processed: set[int] = field(default_factory=set)  # update ids every handler has finished

    async def say(self, chat_id: int, text: str, *, dropped: bool = False,
                  **kw: Any) -> list[str]:
        """Send a message as a user; wait until the bot has handled it; return its texts.

        ``dropped``: the update is expected to be stopped early (flood control), so wait for an
        answer and for the bot to fall quiet instead.
        """
        before = len(self.api.calls)
        update_id = self.api.push_update(self.api.message(chat_id, text, **kw))
        await self._handled(update_id, before, dropped)
        return [c.params.get("text", "") for c in self.api.calls[before:]
                if c.method in ("sendMessage", "editMessageText")]

    async def settle(self, quiet: float = 0.1) -> None:
        """Wait until the bot has made no call for ``quiet`` seconds (its answer is complete)."""
        count = -1
        while count != len(self.api.calls):
            count = len(self.api.calls)
            await asyncio.sleep(quiet)

    def answers_since(self, index: int) -> list[Any]:
        return [c for c in self.api.calls[index:] if c.method in (
            "sendMessage", "editMessageText", "editMessageReplyMarkup", "answerCallbackQuery")]

    async def press(self, chat_id: int, data: str, *, message_id: int, **kw: Any) -> list[Any]:
        """Press an inline button; wait until the bot answered the callback."""
        before = len(self.api.calls)
        update_id = self.api.push_update(
            self.api.callback(chat_id, data, message_id=message_id, **kw))
        await self._handled(update_id, before, False)
        return self.api.calls[before:]

    async def _handled(self, update_id: int, before: int, dropped: bool) -> None:
        if dropped:
            await self.api.wait_for(lambda: self.answers_since(before))
            await self.settle()
        else:
            await self.api.wait_for(lambda: update_id in self.processed)


def make_settings(api: BotApiStandIn, tmp_path: Path, **overrides: Any) -> Any:
    sources = tmp_path / "no-sources.toml"
    sources.write_text("")
    values = dict(
        telegram_token=api.token,
        telegram_api_url=api.base_url,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}",
        sources=sources,
        default_timezone="UTC",
        default_brief_time="08:00",
    )
    values.update(overrides)
    return load_settings(**values)


@asynccontextmanager
async def running_bot(api: BotApiStandIn, engine: AsyncEngine, tmp_path: Path, *,
                      clock: FakeClock | None = None, jobs: bool = False,
                      limits: Limits | None = ROOMY,
                      **overrides: Any) -> AsyncIterator[RunningBot]:
    clock = clock or FakeClock()
    app = build_application(make_settings(api, tmp_path, **overrides), engine=engine,
                            clock=clock, jobs=jobs)
    pacer = shared_pacer_of(app.bot)
    if pacer is not None and limits is not None:
        pacer.pacer.limits = limits
    processed: set[int] = set()

    async def mark(update: Update, _context: Any) -> None:
        processed.add(update.update_id)

    # The last group: it runs once every handler of the update has finished.
    app.add_handler(TypeHandler(Update, mark), group=1_000)
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    await app.start()
    if app.job_queue is not None:
        # The tests drive the jobs by hand (``job.run``): the scheduler firing them too (sender
        # every second, due briefs at 2 s, poll at 5 s) would interleave with those runs at
        # random. Paused before the first tick, nothing runs on its own; the jobs stay registered.
        app.job_queue.scheduler.pause()
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield RunningBot(app, api, clock, processed)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        if app.post_shutdown:  # as run_polling and run_webhook end (shutdown does not call it)
            await app.post_shutdown(app)
