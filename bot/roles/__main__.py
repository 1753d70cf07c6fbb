"""``python -m bot.roles ROLE [--once]``: run headless worker roles without the CLI."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.logs import settings_secrets, setup_logging
from bot.roles import HEADLESS, run_headless
from briefings.settings import load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.roles",
                                     description="Run headless borderbrief worker roles.")
    parser.add_argument("roles", nargs="+", choices=sorted(HEADLESS))
    parser.add_argument("--once", action="store_true",
                        help="one pass of each role (poll until nothing is due, send all due)")
    parser.add_argument("--rate", type=float, default=30.0,
                        help="sender: messages per second for the bot token (default 30)")
    args = parser.parse_args(argv)
    settings = load_settings()
    setup_logging(settings.log_level, fmt=settings.log_format, secrets=settings_secrets(settings))
    results = asyncio.run(run_headless(settings, args.roles, once=args.once, rate=args.rate))
    print(" ".join(f"{role}={count}" for role, count in results.items()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
