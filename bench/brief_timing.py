"""Benchmark: when does a daily brief due at one minute reach the first and the last chat?

    .venv/bin/python bench/brief_timing.py                    # 1,000 chats, 50 ms round trip
    .venv/bin/python bench/brief_timing.py --chats 300 --delay 0

Runs the real bot (``borderbrief run``, its own process) against the Bot API stand-in in this
process, answering after ``--delay`` (real Telegram: ~0.05 s) and enforcing Telegram's limits
(30 messages/s, 1 a second per chat). The store holds ``--chats`` private chats whose brief is
due at the same whole minute, a little over a minute after the bot starts (so the start-up
pass finds nothing due), and 60 recent stories on their themes.

It prints when the first brief message arrived after the due minute, when the last chat had
all its parts, and the floor the rate limit sets: messages / 30 s. There is no other baseline:
the floor is what no sender can beat. Targets (issue 12): sending starts at the minute the
brief is due (the bot queued it up to a minute late, ~48 s measured, before due-briefs passes
came just after each whole minute), and the last chat gets it within the time the rate limit
needs (last / floor near 1).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RATE = 30.0  # Telegram's messages a second, which the stand-in enforces
THEME_SETS = (("tariffs",), ("fentanyl",), ("tariffs", "sovereignty"))


async def build_store(url: str, n_chats: int, due: datetime) -> None:
    """A migrated store: ``n_chats`` chats whose brief is due at ``due``, 60 recent stories."""
    from sqlalchemy import insert

    from briefings.store.db import open_engine, upgrade
    from briefings.store.tables import chats, stories, story_themes, subscriptions

    engine = open_engine(url)
    now = datetime.now(UTC)
    try:
        await upgrade(engine)
        async with engine.begin() as conn:
            await conn.execute(insert(stories), [
                {"id": sid, "headline": f"Story {sid}: border talks and tariffs",
                 "url": f"https://example.org/news/{sid}", "summary": "A summary. " * 10,
                 "first_seen_at": now - timedelta(minutes=10 * sid),
                 "last_seen_at": now - timedelta(minutes=10 * sid),
                 "source_count": 1 + sid % 4, "languages": "en,es"}
                for sid in range(1, 61)])  # fmt: skip
            await conn.execute(insert(story_themes), [
                {"story_id": sid, "theme": ("tariffs", "fentanyl", "sovereignty")[sid % 3],
                 "score": 1.0} for sid in range(1, 61)])  # fmt: skip
            rows = [{"id": c, "type": "private", "language": "en", "timezone": "UTC",
                     "brief_time": due.strftime("%H:%M"), "next_brief_at": due, "paused": False,
                     "alerts": False, "active": True, "created_at": now}
                    for c in range(1, n_chats + 1)]  # fmt: skip
            for start in range(0, len(rows), 2000):
                await conn.execute(insert(chats), rows[start : start + 2000])
            subs = [{"chat_id": c, "theme": theme} for c in range(1, n_chats + 1)
                    for theme in THEME_SETS[c % len(THEME_SETS)]]  # fmt: skip
            for start in range(0, len(subs), 4000):
                await conn.execute(insert(subscriptions), subs[start : start + 4000])
    finally:
        await engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--delay", type=float, default=0.05, help="Bot API answer delay, s")
    parser.add_argument("--timeout", type=float, default=300.0, help="give up after, s")
    args = parser.parse_args()

    from tests.botapi import BotApiStandIn

    with BotApiStandIn(response_delay=args.delay) as api, tempfile.TemporaryDirectory() as tmp:
        api.limits(per_second=RATE, per_chat_per_second=1)
        start = datetime.now(UTC)
        due = start.replace(second=0, microsecond=0) + timedelta(minutes=2)  # 60-120 s ahead
        db = f"sqlite+aiosqlite:///{tmp}/bot.db"
        asyncio.run(build_store(db, args.chats, due))
        sources = Path(tmp) / "sources.toml"
        sources.write_text("")  # no feeds: the stories are in the store already
        env = {**os.environ, "BORDERBRIEF_DATABASE_URL": db, "BORDERBRIEF_SOURCES": str(sources),
               "BORDERBRIEF_TELEGRAM_TOKEN": api.token,
               "BORDERBRIEF_TELEGRAM_API_URL": api.base_url,
               "BORDERBRIEF_LOG_LEVEL": "WARNING"}  # fmt: skip
        print(f"{args.chats} chats due at {due:%H:%M:%S} UTC (bot started at {start:%H:%M:%S}); "
              f"Bot API delay {args.delay} s, {RATE:.0f} msg/s enforced; "
              f"load average {os.getloadavg()}")
        # The stand-in stamps calls with time.monotonic(): the due minute on that clock.
        due_at = time.monotonic() + (due - datetime.now(UTC)).total_seconds()
        log = open(Path(tmp) / "bot.log", "wb")  # noqa: SIM115 - closed below
        bot = subprocess.Popen([str(ROOT / ".venv/bin/borderbrief"), "run"], env=env,
                               stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
        try:
            give_up = due_at + args.timeout
            while time.monotonic() < give_up:
                if len({c.chat_id for c in api.sent()}) >= args.chats and (
                        time.monotonic() - max(c.at for c in api.sent()) > 3):  # fmt: skip
                    break  # every chat has its brief, and nothing came for 3 s
                if bot.poll() is not None:
                    break
                time.sleep(0.5)
        finally:
            bot.terminate()
            bot.wait(timeout=30)
            log.close()
        sent = [c for c in api.sent() if isinstance(c.chat_id, int) and c.chat_id > 0]
        early = [c for c in sent if c.at < due_at]
        if not sent:
            print("no brief arrived; the bot's log ends with:")
            print((Path(tmp) / "bot.log").read_text()[-2000:])
            return 1
        per_chat: dict[int, float] = {}
        for call in sent:
            per_chat[call.chat_id] = max(per_chat.get(call.chat_id, 0.0), call.at)
        first = min(c.at for c in sent) - due_at
        last = max(per_chat.values()) - due_at
        floor = len(sent) / RATE
        print(f"messages: {len(sent)} to {len(per_chat)} of {args.chats} chats; 429s: "
              f"{api.refused}; before the due minute: {len(early)}")
        print(f"first brief message {first:+.2f} s after the due minute; last chat complete "
              f"{last:+.2f} s after it; rate-limit floor {floor:.2f} s ({len(sent)} / "
              f"{RATE:.0f} per s): last / floor x{last / floor:.3f}")
        started = 0 <= first <= 2.0
        print(f"targets: starts at the due minute (first within 2 s): "
              f"{'OK' if started else 'MISSED'}; every chat served: "
              f"{'OK' if len(per_chat) == args.chats else 'MISSED'}; 429s: "
              f"{'OK' if api.refused == 0 else api.refused}")
        print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
