"""``python -m bot.delivery``: a stand-alone sender (settings from the environment)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys

from telegram import Bot

from bot.delivery.sender import Sender
from bot.logs import log_event, settings_secrets, setup_logging
from briefings.ratelimit import Limits
from briefings.settings import load_settings
from briefings.store.db import open_engine

log = logging.getLogger("bot.delivery")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.delivery",
                                     description="Drain the outbox to Telegram.")
    parser.add_argument("--rate", type=float, default=30.0, help="messages/s for the whole bot")
    parser.add_argument("--max-in-flight", type=int, default=None,
                        help="sends awaiting an answer at once (default: the settings')")
    parser.add_argument("--max-wait", type=float, default=0.0,
                        help="keep waiting this many seconds for rows coming due")
    parser.add_argument("--forever", action="store_true", help="keep draining until killed")
    return parser


async def run_standalone(args: argparse.Namespace) -> int:
    from telegram.request import HTTPXRequest

    settings = load_settings()
    setup_logging(settings.log_level, fmt=settings.log_format, secrets=settings_secrets(settings))
    if not settings.token:
        print("BORDERBRIEF_TELEGRAM_TOKEN is not set", file=sys.stderr)
        return 2
    in_flight = args.max_in_flight or settings.send_in_flight
    request = HTTPXRequest(connection_pool_size=max(2, in_flight + 1))
    bot = Bot(settings.token, base_url=settings.telegram_api_url, request=request)
    engine = open_engine(settings.database_url)
    sender = Sender(bot, engine, limits=Limits(per_second=args.rate), max_in_flight=in_flight)
    try:
        async with bot:
            await sender.recover()
            while True:
                report = await sender.drain(max_wait=args.max_wait)
                log_event(log, "drained", sent=report.sent, failed=report.failed,
                          retried=report.retried, rate_limited=report.rate_limited)
                if not args.forever:
                    break
                await asyncio.sleep(0.5)
            await sender.close()
    finally:
        with contextlib.suppress(Exception):
            await engine.dispose()
    return 0


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(run_standalone(_parser().parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
