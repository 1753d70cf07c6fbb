"""The ``sender`` role: drain the outbox to Telegram until stopped.

One per bot token is enough (Telegram's limit is per token, ~30 msg/s); more are safe (whole
chats are claimed with a renewed lease) and share the budget, so they are not faster.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.logs import log_event
from bot.roles.ticking import sleep_unless_stopped, worker_name
from briefings.ratelimit import Limits
from briefings.settings import Settings

if TYPE_CHECKING:  # telegram is imported when a sender starts, not by every CLI command
    from bot.delivery import Sender

log = logging.getLogger("bot.roles")

SEND_TICK = 1.0  # seconds


async def run_sender(settings: Settings, engine: AsyncEngine, *, stop: asyncio.Event,
                     once: bool = False, rate: float = 30.0, worker: str | None = None,
                     tick: float = SEND_TICK,
                     drain: Callable[[Sender], Awaitable[Any]] | None = None) -> int:
    """Drain the outbox until stopped (``once``: until nothing is due); returns messages sent.

    Unlike the one-process bot, a scaled-out sender does not free every claim at start (another
    sender may be mid-send): rows of a sender that died come back when their lease runs out.
    A failing drain is logged and retried after ``tick``, the sender first taking back its own
    claims (``once``: raised); ``drain(sender)``
    stands in for ``sender.drain()`` (tests inject a failure through it).
    """
    from telegram import Bot

    from bot.delivery import Sender

    if not settings.token:
        raise SystemExit("BORDERBRIEF_TELEGRAM_TOKEN is not set")
    bot = Bot(settings.token, base_url=settings.telegram_api_url)
    sender = Sender(bot, engine, limits=Limits(per_second=rate),
                    worker=worker or worker_name("sender"),
                    max_in_flight=settings.send_in_flight)
    drain = drain or Sender.drain
    sent = 0
    async with bot:
        while not stop.is_set():
            try:
                report = await drain(sender)
                sent += report.sent
                if report.sent or report.failed:
                    log_event(log, "outbox drained", worker=sender.worker, sent=report.sent,
                              failed=report.failed, retried=report.retried)
            except Exception:
                if once:
                    raise
                log.exception("outbox drain failed; retrying in %s s", tick)
            if once:
                break
            await sleep_unless_stopped(stop, tick)
        await sender.close()  # the other senders take its share at once
    return sent
