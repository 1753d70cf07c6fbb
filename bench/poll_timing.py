"""Benchmark: is every feed polled every interval, and how soon does a feed change alert?

    .venv/bin/python bench/poll_timing.py                          # 30 s interval, 5 minutes
    .venv/bin/python bench/poll_timing.py --interval 60 --minutes 10 --feeds 50

Runs the real bot (``borderbrief run``, its own process) against two local servers in this
process: the tests' FeedServer (it stamps every request) and the Bot API stand-in answering
after ``--delay`` (real Telegram: ~0.05 s). A few chats follow the "tariffs" theme with alerts
on. Every now and then one feed gains a new tariffs story; the time from that change until the
stand-in receives the alert naming it is one trial.

Targets (issue 12): every gap between two fetches of a feed within interval +-5%; change ->
alert p95 <= interval + 10 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CHATS = (9001, 9002, 9003)
GOODS = ("steel", "tomatoes", "avocados", "cars", "aluminum", "beer", "cement", "glass",
         "sugar", "trucks", "corn", "copper")  # fmt: skip
_SYLLABLES = ("ka", "lo", "mi", "ru", "te", "sa", "no", "ve", "di", "po", "zu", "ba")


def word(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(4))


def feed(n: int, stories: list[tuple[str, str]]) -> bytes:
    """Feed n with its stories, newest first: (guid, title)."""
    now = datetime.now(UTC)
    items = "".join(
        f'<item><guid isPermaLink="false">{guid}</guid><title>{title}</title>'
        f"<link>https://outlet{n}.example/{guid}</link><description>{title}.</description>"
        f"<pubDate>{format_datetime(now - timedelta(minutes=k), usegmt=True)}</pubDate></item>"
        for k, (guid, title) in enumerate(stories)
    )
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Outlet {n}</title><link>https://outlet{n}.example/</link>"
            f"<description>d</description>{items}</channel></rss>").encode()  # fmt: skip


async def prepare(db: str) -> None:
    """A migrated store with chats that get "tariffs" alerts."""
    from briefings import chats as chat_settings
    from briefings.store import chats as store
    from briefings.store.db import open_engine, upgrade

    engine = open_engine(db)
    await upgrade(engine)
    async with engine.begin() as conn:
        for chat_id in CHATS:
            await chat_settings.register_chat(
                conn, chat_id=chat_id, chat_type="private", language="en", timezone="UTC",
                brief_time="08:00", themes=["tariffs"], now=datetime.now(UTC))  # fmt: skip
            await store.update_chat(conn, chat_id, alerts=True)
    await engine.dispose()


def gaps_report(times: dict[str, list[float]], interval: float) -> list[float]:
    """Every gap between consecutive fetches of a feed, after its first (seeding) poll."""
    gaps = [b - a for ts in times.values() for a, b in zip(ts[1:], ts[2:], strict=False)]
    if not gaps:
        print("no gaps measured: run longer")
        return gaps
    within = sum(abs(g - interval) <= 0.05 * interval for g in gaps)
    print(f"fetch gaps: {len(gaps)} over {len(times)} feeds; min {min(gaps):.2f} s, median "
          f"{statistics.median(gaps):.2f} s, max {max(gaps):.2f} s; within +-5% of "
          f"{interval:.0f} s: {within}/{len(gaps)} {'OK' if within == len(gaps) else 'MISSED'}")
    return gaps


def why_no_alert(db: Path, token: str) -> str:
    """What the store says of a trial that got no alert: not stored, or filed into a story that
    an earlier report had opened (then the story's first report, which had its alert)."""
    import sqlite3

    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT id, story_id FROM items WHERE title LIKE ?",
                           (f"%{token}%",)).fetchone()  # fmt: skip
        if row is None:
            return "the report was never stored"
        first = conn.execute("SELECT title FROM items WHERE story_id = ? ORDER BY id LIMIT 1",
                             (row[1],)).fetchone()  # fmt: skip
    if first is None or token in first[0]:
        return f"stored and opened story {row[1]}, but its alert never came"
    return f"filed into story {row[1]}, opened by an earlier report: {first[0]!r}"


def alerts_report(latencies: list[float], lost: int, interval: float) -> None:
    if not latencies:
        print(f"no alert arrived ({lost} trials lost)")
        return
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(f"change -> alert: {len(latencies)} trials, {lost} lost; min {ordered[0]:.1f} s, "
          f"median {statistics.median(ordered):.1f} s, p95 {p95:.1f} s, max {ordered[-1]:.1f} s"
          f"; target p95 <= {interval + 10:.0f} s {'OK' if p95 <= interval + 10 else 'OVER'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--interval", type=int, default=30, help="BORDERBRIEF_POLL_INTERVAL")
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--delay", type=float, default=0.05, help="Bot API answer delay, s")
    args = parser.parse_args()

    from tests.botapi import BotApiStandIn
    from tests.feedserver import FeedServer

    rng = random.Random(7)
    stories = {n: [(f"old-{n}", f"{word(rng)} {word(rng)} city council budget")]
               for n in range(args.feeds)}  # fmt: skip
    with FeedServer() as server, BotApiStandIn(response_delay=args.delay) as api, \
            tempfile.TemporaryDirectory() as tmp:  # fmt: skip
        paths = {n: f"/feeds/{n}.xml" for n in range(args.feeds)}
        urls = [server.add(paths[n], feed(n, stories[n])) for n in range(args.feeds)]
        sources = Path(tmp) / "sources.toml"
        sources.write_text("".join(f'[[sources]]\nname = "Outlet {n}"\nurl = "{u}"\n'
                                   f'language = "en"\n\n' for n, u in enumerate(urls)))
        db = f"sqlite+aiosqlite:///{tmp}/bot.db"
        asyncio.run(prepare(db))
        env = {**os.environ, "BORDERBRIEF_DATABASE_URL": db,
               "BORDERBRIEF_SOURCES": str(sources), "BORDERBRIEF_TELEGRAM_TOKEN": api.token,
               "BORDERBRIEF_TELEGRAM_API_URL": api.base_url,
               "BORDERBRIEF_POLL_INTERVAL": str(args.interval),
               "BORDERBRIEF_ALERTS_PER_HOUR": "60", "BORDERBRIEF_ALLOW_PRIVATE_SOURCES": "true",
               "BORDERBRIEF_LOG_LEVEL": "WARNING"}  # fmt: skip
        print(f"{args.feeds} feeds, interval {args.interval} s, Bot API delay {args.delay} s, "
              f"{args.minutes} min; load average {os.getloadavg()}")
        log = open(Path(tmp) / "bot.log", "wb")  # noqa: SIM115 - closed below
        bot = subprocess.Popen([str(ROOT / ".venv/bin/borderbrief"), "run"], env=env,
                               stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
        trials: dict[str, float] = {}  # the new story's unique word -> when it was published
        try:
            deadline = time.monotonic() + args.minutes * 60
            time.sleep(args.interval / 2 + 10)  # the first poll seeds: no alerts from it
            while time.monotonic() < deadline - args.interval - 15:
                n = rng.randrange(args.feeds)
                token = word(rng) + word(rng)
                # Each trial its own event (another good, another rate), so that the stories
                # filer never takes one for another outlet's report of an earlier trial.
                good, rate = GOODS[len(trials) % len(GOODS)], 5 * (len(trials) + 1)
                title = f"U.S. sets {rate}% tariffs on Mexican {good}, {token} says"
                stories[n].insert(0, (f"new-{token}", title))
                server.add(paths[n], feed(n, stories[n]))
                trials[token] = time.monotonic()
                time.sleep(rng.uniform(0.3, 1.0) * args.interval)
            time.sleep(max(0.0, deadline - time.monotonic()))
        finally:
            bot.terminate()
            bot.wait(30)
            log.close()
        latencies = []
        for token, changed in trials.items():
            arrived = [c.at for c in api.sent() if token in str(c.params.get("text", ""))]
            if arrived:
                latencies.append(min(arrived) - changed)
        gaps_report(dict(server.request_times), args.interval)
        alerts_report(latencies, len(trials) - len(latencies), args.interval)
        for token in trials:  # a trial without an alert: lost, or taken for an earlier event?
            if not any(token in str(c.params.get("text", "")) for c in api.sent()):
                print(f"  no alert for {token}: {why_no_alert(Path(tmp) / 'bot.db', token)}")
        print(f"load average after: {os.getloadavg()}")
        if bot.returncode not in (0, -15):
            print((Path(tmp) / "bot.log").read_text()[-3000:])


if __name__ == "__main__":
    main()
