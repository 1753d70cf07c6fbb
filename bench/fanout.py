"""Fan-out benchmark: a daily brief to 10,000 chats over 7 distinct theme sets.

Builds a SQLite store with the chats and a day of stories, queues the briefs with
``enqueue_due_briefs`` (counting render calls), then drains the outbox with the real Sender and
PTB through the Bot API stand-in enforcing ``--rate`` messages/s overall and 1/s per chat. Prints
messages/s achieved as a fraction of the allowed rate (the baseline; target ≥ 0.95 with zero 429
answers), render calls per distinct brief (target 1) and peak RSS (target ≤ 300 MB).

    .venv/bin/python bench/fanout.py [--chats 10000] [--rate 300] [--database-url URL]

Which rate: Telegram allows a bot about 30 messages/s (1,000/s with paid broadcast), so
``--chats 1000 --rate 30`` (about 40 s) is the production case; the default 300/s is a stress
rate at which the sender is bound by its own CPU (about 2.4 ms per message, ~85 % of it in PTB
and httpx) on a machine that also runs the stand-in, so report the load average with it.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from briefings.briefs import enqueue_due_briefs  # noqa: E402
from briefings.store.db import open_engine, upgrade  # noqa: E402
from briefings.store.tables import chats, stories, story_themes, subscriptions  # noqa: E402
from tests.botapi import BotApiStandIn  # noqa: E402

THEMES = ("sovereignty", "fentanyl", "tariffs")
# Every non-empty subset of the three themes: the 7 distinct briefs.
THEME_SETS = [c for n in (1, 2, 3) for c in itertools.combinations(THEMES, n)]
NOW = datetime(2026, 3, 2, 14, 0, 5, tzinfo=UTC)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _renderers() -> tuple[Any, Any, str]:
    """The real compose and render: what the due-briefs job runs."""
    from briefings.briefs.compose import compose_brief
    from briefings.render.telegram import TELEGRAM

    return compose_brief, TELEGRAM.brief, "briefings.briefs.compose + briefings.render.telegram"


async def build_store(url: str, n_chats: int) -> None:
    engine = open_engine(url)
    try:
        await upgrade(engine)
        async with engine.begin() as conn:
            story_rows, theme_rows = [], []
            for sid in range(1, 61):
                at = NOW - timedelta(minutes=20 * sid)
                story_rows.append({
                    "id": sid, "headline": f"Story {sid}: border talks & tariffs <update>",
                    "url": f"https://example.org/news/{sid}", "summary": "A summary " * 20,
                    "first_seen_at": at, "last_seen_at": at, "source_count": 1 + sid % 4,
                    "languages": "en,es"})
                theme_rows.append({"story_id": sid, "theme": THEMES[sid % 3], "score": 1.0})
            await conn.execute(insert(stories), story_rows)
            await conn.execute(insert(story_themes), theme_rows)
            chat_rows, sub_rows = [], []
            for chat_id in range(1, n_chats + 1):
                chat_rows.append({
                    "id": chat_id, "type": "private", "language": "en", "timezone": "UTC",
                    "brief_time": "14:00", "next_brief_at": NOW - timedelta(seconds=5),
                    "paused": False, "alerts": False, "active": True, "created_at": NOW})
                for theme in THEME_SETS[chat_id % len(THEME_SETS)]:
                    sub_rows.append({"chat_id": chat_id, "theme": theme})
            for start in range(0, len(chat_rows), 2000):
                await conn.execute(insert(chats), chat_rows[start:start + 2000])
            for start in range(0, len(sub_rows), 4000):
                await conn.execute(insert(subscriptions), sub_rows[start:start + 4000])
    finally:
        await engine.dispose()


def _sender(standin: BotApiStandIn, url: str, args: argparse.Namespace) -> tuple[int, float]:
    """Run the real sender (``python -m bot.delivery``) as its own process, as in production."""
    env = {
        **os.environ,
        "BORDERBRIEF_DATABASE_URL": url,
        "BORDERBRIEF_TELEGRAM_TOKEN": standin.token,
        "BORDERBRIEF_TELEGRAM_API_URL": standin.base_url,
        "BORDERBRIEF_LOG_FORMAT": "json",
    }
    command = [sys.executable, "-m", "bot.delivery", "--rate", str(args.rate),
               "--max-in-flight", str(args.max_in_flight), "--max-wait", "5"]
    started = time.perf_counter()
    code = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, check=False).returncode
    return code, time.perf_counter() - started


async def run(args: argparse.Namespace) -> int:
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/fanout.db"
        await build_store(url, args.chats)
        compose, render, which = _renderers()
        calls = 0

        def counting_render(brief: Any) -> list[str]:
            nonlocal calls
            calls += 1
            return list(render(brief))

        engine = open_engine(url)
        try:
            started = time.perf_counter()
            report = await enqueue_due_briefs(engine, now=NOW, grace=timedelta(hours=6),
                                              compose=compose, render=counting_render,
                                              batch=args.batch)
            queued_in = time.perf_counter() - started
        finally:
            await engine.dispose()
        briefs_rss = peak_rss_mb()

        standin = BotApiStandIn().start()
        try:
            standin.limits(per_second=args.rate, per_chat_per_second=1)
            standin.response_delay = args.latency
            code, drained_in = _sender(standin, url, args)
            accepted = standin.sent()
            refused = standin.refused
        finally:
            standin.stop()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    sender_rss = children.ru_maxrss / 1024
    sender_cpu = children.ru_utime + children.ru_stime

    distinct = len(report.chats_by_brief)
    span = accepted[-1].at - accepted[0].at if len(accepted) > 1 else drained_in
    achieved = (len(accepted) - 1) / span if span else 0.0
    print(f"load average before: {load_before}")
    print(f"renderer: {which}; sender: {args.max_in_flight} message(s) in flight; "
          f"answer latency {1000 * args.latency:.0f} ms")
    print(f"chats: {args.chats}, distinct briefs: {distinct}, messages queued: "
          f"{report.messages} in {queued_in:.2f} s")
    print(f"render calls: {calls} for {distinct} distinct briefs "
          f"= {calls / max(distinct, 1):.2f} per brief (target 1)")
    print(f"delivered: {len(accepted)} of {report.messages} messages in {drained_in:.1f} s "
          f"(sender exit {code}); 429 answers: {refused}")
    print(f"rate: {achieved:.1f} msg/s of {args.rate:g} allowed = {achieved / args.rate:.3f} "
          f"of the limit (target >= 0.95, zero 429)")
    print(f"sender CPU: {sender_cpu:.1f} s for {drained_in:.1f} s wall = "
          f"{1000 * sender_cpu / max(len(accepted), 1):.2f} ms per message; so one free core "
          f"sends at most ~{len(accepted) / max(sender_cpu, 1e-9):.0f} msg/s "
          f"(the machine is shared: load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(f"peak RSS: sender process {sender_rss:.0f} MB; due-briefs process {briefs_rss:.0f} MB"
          f" (target <= 300)")
    return 0 if len(accepted) == report.messages and refused == 0 and code == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=300.0, help="allowed messages/s overall")
    parser.add_argument("--batch", type=int, default=2000, help="chats per brief transaction")
    parser.add_argument("--max-in-flight", type=int, default=4,
                        help="concurrent sends (1 keeps the crash bound at one message)")
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds the stand-in takes to answer (Telegram's round trip)")
    parser.add_argument("--database-url", default=None)
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
