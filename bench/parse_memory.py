"""Benchmark: memory of a poll cycle that meets one very large feed (64 MB by default).

    .venv/bin/python bench/parse_memory.py                 # 64 MB, parsed apart (production)
    .venv/bin/python bench/parse_memory.py --in-process    # the old way, for comparison
    .venv/bin/python bench/parse_memory.py --clusterer minhash   # another story method

The feed (well-formed RSS, ~1 KB items) is served by the tests' FeedServer in this process;
the poll runs in a child process (``--worker``) with the size cap raised above the feed, the
real fetcher, parser, matcher and story filing. Idle is a poller's steady state: store open,
themes loaded, the story method's sentence encoder loaded and used on one ordinary feed's
cycle first (500 items of another story, as many as a feed may give; its buffers and the
weights' pages it reads stay, as in
any poller that has filed a story: measured before that cycle, "idle" would count them as the
big feed's). A sampler then reads the RSS of that process and of its children (the one-off
parse process) every 20 ms through the big feed's cycle. Printed: RSS before and at idle, the
peak of the polling process, of any child, and of both at one moment, and the RSS 2 s after
the cycle.
Target (issue 12): peak <= 300 MB, and back to about idle after the feed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def big_feed(size: int, title: str = "Tariffs on steel", text: str = "Border trade report. ",
             host: str = "dump.example") -> bytes:
    """Well-formed RSS of about ``size`` bytes: many ~1 KB items."""
    head = b'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Dump</title>'
    parts, total, n = [head], len(head), 0
    while total < size:
        item = (f'<item><guid isPermaLink="false">g{n}</guid><title>{title}, part {n}'
                f"</title><link>https://{host}/{n}</link><description>"
                + text * 45 + "</description></item>").encode()  # fmt: skip
        parts.append(item)
        total, n = total + len(item), n + 1
    parts.append(b"</channel></rss>")
    return b"".join(parts)


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(c) for c in task.read_text().split()]
    return found


class Sampler(threading.Thread):
    """Peak RSS of this process and of its children, sampled every 20 ms."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = self.child_peak = self.both_peak = 0.0
        self.running = True

    def run(self) -> None:
        me = os.getpid()
        while self.running:
            mine, theirs = rss_mb(me), [rss_mb(child) for child in children(me)]
            self.peak = max(self.peak, mine)
            self.child_peak = max(self.child_peak, *theirs, 0.0)
            self.both_peak = max(self.both_peak, mine + sum(theirs))
            time.sleep(0.02)


async def poll(url: str, warm_url: str, db: Path, in_process: bool,
               clusterer: str | None) -> dict[str, Any]:
    from briefings.fetch import FetchConfig, Fetcher
    from briefings.jobs import fetching
    from briefings.model import Source
    from briefings.paths import default_config_file
    from briefings.store.db import open_engine, upgrade
    from briefings.themes import Matcher, load_themes

    if in_process:
        fetching.LARGE_BODY = 1 << 40  # type: ignore[misc]  # the old way: parse here
    bare = rss_mb(os.getpid())
    _load_story_method(clusterer)
    engine = open_engine(f"sqlite+aiosqlite:///{db}")
    await upgrade(engine)
    matcher = Matcher(load_themes(default_config_file("themes.toml")).themes)
    config = FetchConfig(allow_private=True, max_bytes=80 * 1024 * 1024, timeout=60, deadline=120)
    async with Fetcher(config) as fetcher:
        # A running poller has filed stories before: one ordinary feed's cycle first, so the
        # encoder's working set (its buffers, the weights' pages it reads) is part of idle.
        loaded = rss_mb(os.getpid())
        warm = await _cycle(engine, fetcher, matcher, [Source("Wire", warm_url, "en")])
        idle = rss_mb(os.getpid())
        sampler = Sampler()
        sampler.start()
        report = await _cycle(engine, fetcher, matcher, [Source("Wire", warm_url, "en"),
                                                         Source("Dump", url, "en")])
        await asyncio.sleep(2)
        after = rss_mb(os.getpid())  # the fetcher and the store still open, as at idle
    sampler.running = False
    await engine.dispose()
    return {"bare_mb": bare, "loaded_mb": loaded, "warm_items": warm.new_items,
            "idle_mb": idle, "peak_mb": sampler.peak,
            "child_peak_mb": sampler.child_peak, "both_peak_mb": sampler.both_peak,
            "after_mb": after,
            "items": report.new_items, "failed": report.failed,
            "errors": report.errors[:1]}  # fmt: skip


async def _cycle(engine: Any, fetcher: Any, matcher: Any, sources: list[Any]) -> Any:
    """One poll cycle of these sources (stored first), with the real filer."""
    from briefings.jobs.poll import poll_cycle
    from briefings.store.sources import sync_sources
    from briefings.stories import file_items

    async with engine.begin() as conn:
        await sync_sources(conn, sources, datetime.now(UTC))
    return await poll_cycle(engine, fetcher, matcher=matcher, filer=file_items,
                            ignore_schedule=True)  # fmt: skip


def _load_story_method(clusterer: str | None) -> None:
    """Choose the story method; load its sentence encoder now, as a running poller has."""
    from briefings.stories import filer

    if clusterer:
        filer.METHOD = clusterer
    if filer.METHOD == "semantic":
        from briefings.stories import default_embedder

        default_embedder().load()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--megabytes", type=int, default=64)
    parser.add_argument("--in-process", action="store_true", help="parse in the polling process")
    parser.add_argument("--clusterer", metavar="METHOD",
                        help="story method: a key of briefings.stories.filer.METHODS")  # fmt: skip
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--warm-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(asyncio.run(poll(args.worker, args.warm_url, args.db, args.in_process,
                                          args.clusterer))))  # fmt: skip
        return

    from tests.feedserver import FeedServer

    body = big_feed(args.megabytes * 1024 * 1024)
    # An ordinary feed first (500 items of another story), as a poller has met before.
    wire = big_feed(600 * 1024, "Fentanyl seized at Nogales", "A border seizure report. ",
                    "wire.example")  # fmt: skip
    with FeedServer() as server, tempfile.TemporaryDirectory() as tmp:
        url = server.add("/dump.xml", body)
        warm_url = server.add("/wire.xml", wire)
        command = [sys.executable, __file__, "--worker", url, "--warm-url", warm_url,
                   "--db", f"{tmp}/bb.db"]  # fmt: skip
        if args.in_process:
            command.append("--in-process")
        if args.clusterer:
            command += ["--clusterer", args.clusterer]
        print(f"one feed of {len(body) / 1e6:.1f} MB; load average {os.getloadavg()}")
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode:
            raise SystemExit(done.stderr[-3000:])
        r = json.loads(done.stdout.strip().splitlines()[-1])
    way = "in the polling process" if args.in_process else "in a one-off process"
    print(f"before: {r['bare_mb']:.0f} MB, {r['loaded_mb']:.0f} MB with the story method's "
          f"encoder loaded, idle {r['idle_mb']:.0f} MB after an ordinary feed's cycle "
          f"({r['warm_items']} items filed)")  # fmt: skip
    print(f"the big feed, parsed {way}: peak {r['peak_mb']:.0f} MB (parse process "
          f"{r['child_peak_mb']:.0f} MB; both at once {r['both_peak_mb']:.0f} MB), 2 s after "
          f"{r['after_mb']:.0f} MB; {r['items']} items stored, {r['failed']} failed "
          f"{r['errors']}")  # fmt: skip
    ok = r["both_peak_mb"] <= 300 and r["after_mb"] <= r["idle_mb"] + 30
    print(f"target: peak <= 300 MB (both processes at once) and back to idle (+30 MB): "
          f"{'OK' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
