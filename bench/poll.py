"""Benchmark: a cold and a warm poll cycle of N feeds x M items, against a naive baseline.

    .venv/bin/python bench/poll.py                  # 1,000 feeds x 50 items (the target)
    .venv/bin/python bench/poll.py --feeds 50 --items 10

The feeds are served by the tests' FeedServer (a real HTTP server on 127.0.0.1) in this
process. Each measured run happens in its own subprocess so its peak RSS is its own:

- borderbrief cold: ``poll_cycle`` (the code ``borderbrief poll --once`` runs, with the real
  theme matcher and story filing) on a fresh SQLite file: every feed is new.
- borderbrief warm: a second cycle on the same file: every feed answers 304.
- baseline cold / warm: sequential httpx GETs, feedparser, one INSERT and one COMMIT per item
  (INSERT OR IGNORE), no conditional GET - so warm re-downloads and re-parses everything.

Each line gives wall time and CPU-s, the cycle's CPU time (this process plus its parse worker:
``poll_cycle`` parses in cpu_count - 1 processes when there are 100 feeds or more). Wall time
grows when other programs share the machine; CPU-s hardly does.

``POLL_BENCH_PROFILE=<folder>`` writes each run's cProfile statistics there (<mode>.prof).

Targets on a 2-core machine: cold <= 15 s, warm <= 3 s, peak RSS <= 300 MB.
The fetcher runs with the CLI's settings: 20 requests in flight overall, 4 per host. All bench
feeds are on one local host, so 4 are in flight at a time; ``--per-host 20`` shows the cost of
20 (real feeds are spread over many hosts; a local server gains nothing from more).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# Half the phrases match a theme (tariffs, fentanyl, sovereignty), half match none.
PHRASES = [
    "tariffs on Mexican steel", "fentanyl seizure at the border", "Sheinbaum defends sovereignty",
    "aranceles al acero", "decomiso de fentanilo", "U.S. troops and cartel strikes",
    "city council budget", "heat wave forecast", "film festival lineup", "school enrollment",
    "baseball playoffs", "new museum wing",
]  # fmt: skip
# Made-up words that tell one event's reports from another's (names, places, numbers...).
_SYLLABLES = ("ka", "lo", "mi", "ru", "te", "sa", "no", "ve", "di", "po")
_ENDINGS = ("ran", "les", "dor", "mix", "tal", "ven", "quo", "zul", "bek", "nis")
EVENT_WORDS = [a + b + c for a in _SYLLABLES for b in _SYLLABLES for c in _ENDINGS]


def make_feed(feed: int, items: int, rng: random.Random, *, events: int) -> bytes:
    """A realistic RSS 2.0 feed: distinct GUIDs, HTML summaries, varied dates and topics.

    Each item reports one of ``events`` events; several outlets report the same event in
    slightly different words, as news sites do, so clustering has real work to do.
    """
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>',
        f"<title>Outlet {feed}</title><link>https://outlet{feed}.example/</link>",
        "<description>News from both sides of the border</description><language>en</language>",
    ]
    for n in range(items):
        event = rng.randrange(events)
        pick = random.Random(event)  # the same event gives the same phrase and words
        phrase = pick.choice(PHRASES)
        words = pick.sample(EVENT_WORDS, 10)
        extra = rng.choice(EVENT_WORDS)  # each outlet words it a little differently
        title = f"{' '.join(words[:3])} {phrase} {' '.join(words[3:6])}"
        summary = f"{' '.join(words[6:])} said on {phrase}, {extra} reported."
        guid = f"outlet{feed}-{n}"
        published = format_datetime(now - timedelta(minutes=7 * n + feed % 60), usegmt=True)
        out.append(
            "<item>"
            f"<title>{escape(title)}</title>"
            f"<link>https://outlet{feed}.example/{n}?utm_source=rss&amp;id={n}</link>"
            f'<guid isPermaLink="false">{guid}</guid>'
            f"<pubDate>{published}</pubDate>"
            f"<description>{escape('<p><b>' + summary + '</b></p>')}</description>"
            "</item>"
        )
    out.append("</channel></rss>")
    return "".join(out).encode("utf-8")


# ── measured runs (each in its own subprocess) ───────────────────────────────────────────


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the parse pool): contention-proof."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


async def _borderbrief(
    urls: list[str], db: Path, *, sync: bool, per_host: int | None = None
) -> dict[str, float]:
    from briefings.fetch import FetchConfig, Fetcher
    from briefings.matcher import Matcher
    from briefings.model import Source
    from briefings.paths import default_config_file
    from briefings.pipeline import parse_pool_for, poll_cycle
    from briefings.store.db import open_engine, upgrade
    from briefings.store.sources import sync_sources
    from briefings.store.stories import file_items
    from briefings.themes import load_themes

    engine = open_engine(f"sqlite+aiosqlite:///{db}")
    await upgrade(engine)
    if sync:
        sources = [Source(f"Outlet {n}", url, "en") for n, url in enumerate(urls)]
        async with engine.begin() as conn:
            await sync_sources(conn, sources, datetime.now(UTC))
    matcher = Matcher(load_themes(default_config_file("themes.toml")).themes)
    # The CLI's fetch settings (FetchConfig defaults), local addresses allowed.
    config = FetchConfig(allow_private=True)
    if per_host:
        config = dataclasses.replace(config, per_host=per_host)
    try:
        async with Fetcher(config) as fetcher:
            started, cpu = time.perf_counter(), _cpu_seconds()
            with parse_pool_for(len(urls)) as pool:  # its start-up is part of the cycle
                report = await poll_cycle(engine, fetcher, matcher=matcher, filer=file_items,
                                          ignore_schedule=True, parse_pool=pool)  # fmt: skip
                workers = getattr(pool, "_max_workers", 0)
            seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    finally:
        await engine.dispose()
    if report.failed:
        print(f"  warning: {report.failed} feeds failed, e.g. {report.errors[:2]}", file=sys.stderr)
    return {"seconds": seconds, "cpu_s": cpu, "workers": workers,
            "feeds": report.feeds, "fetched": report.fetched,
            "unchanged": report.unchanged, "failed": report.failed,
            "items": report.new_items, "stories": len(report.new_stories)}  # fmt: skip


def _baseline(urls: list[str], db: Path) -> dict[str, float]:
    """The naive way: one request after another, parse, insert and commit item by item."""
    import sqlite3

    import feedparser
    import httpx

    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE IF NOT EXISTS items (feed TEXT, guid TEXT, title TEXT, "
                 "summary TEXT, link TEXT, published TEXT, UNIQUE (feed, guid))")  # fmt: skip
    started, cpu = time.perf_counter(), _cpu_seconds()
    new = 0
    with httpx.Client(timeout=15) as client:
        for url in urls:
            parsed = feedparser.parse(client.get(url).content)
            for entry in parsed.entries:
                cursor = conn.execute(
                    "INSERT OR IGNORE INTO items VALUES (?, ?, ?, ?, ?, ?)",
                    (url, entry.get("id", entry.get("link", "")), entry.get("title", ""),
                     entry.get("summary", ""), entry.get("link", ""), entry.get("published", "")),
                )  # fmt: skip
                new += cursor.rowcount
                conn.commit()
    seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    conn.close()
    return {"seconds": seconds, "cpu_s": cpu, "feeds": len(urls), "items": new}


def worker(mode: str, urls_file: Path, db: Path, per_host: int | None) -> None:
    urls = json.loads(urls_file.read_text())
    profile_dir = os.environ.get("POLL_BENCH_PROFILE")  # cProfile each run into this folder
    if profile_dir:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    if mode == "cold":
        result = asyncio.run(_borderbrief(urls, db, sync=True, per_host=per_host))
    elif mode == "warm":
        result = asyncio.run(_borderbrief(urls, db, sync=False, per_host=per_host))
    else:
        result = _baseline(urls, db)
    if profile_dir:
        profiler.disable()
        profiler.dump_stats(Path(profile_dir) / f"{mode}.prof")
    result["rss_mb"] = _peak_rss_mb()
    # The largest parse-pool process, if any ran (each is a separate process of its own).
    result["child_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(result))


# ── orchestration ────────────────────────────────────────────────────────────────────────


def run_worker(mode: str, urls_file: Path, db: Path, per_host: int | None) -> dict[str, float]:
    command = [sys.executable, __file__, "--worker", mode, "--urls", str(urls_file),
               "--db", str(db)]  # fmt: skip
    if per_host:
        command += ["--per-host", str(per_host)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{mode} run failed:\n{done.stderr}")
    if done.stderr.strip():
        print(done.stderr.strip(), file=sys.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _total_rss(r: dict[str, float]) -> float:
    return r["rss_mb"] + r.get("workers", 0) * r["child_rss_mb"]


def line(label: str, r: dict[str, float]) -> str:
    feeds_s = r["feeds"] / r["seconds"] if r["seconds"] else 0
    items_s = r["items"] / r["seconds"] if r["seconds"] else 0
    workers = int(r.get("workers", 0))
    pool = f" + {workers} parse worker(s) x {r['child_rss_mb']:.0f} MB" if r["child_rss_mb"] else ""
    return (f"{label:<17} {r['seconds']:6.2f} s ({r['cpu_s']:6.2f} CPU-s)  {feeds_s:6.0f} feeds/s"
            f"  {items_s:6.0f} new items/s  peak RSS {r['rss_mb']:4.0f} MB{pool}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--no-baseline", action="store_true", help="skip the naive baseline")
    parser.add_argument("--per-host", type=int, default=None,
                        help="in-flight requests per host (default: the fetcher's, 4); every "
                        "bench feed is on one host, real ones are spread over many")  # fmt: skip
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--urls", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.urls, args.db, args.per_host)
        return

    from tests.feedserver import FeedServer

    rng = random.Random(42)
    with FeedServer() as server, tempfile.TemporaryDirectory() as tmp:
        events = max(1, args.feeds * args.items // 5)  # about five reports per event
        urls = [server.add(f"/feeds/{n}.xml", make_feed(n, args.items, rng, events=events))
                for n in range(args.feeds)]  # fmt: skip
        urls_file = Path(tmp) / "urls.json"
        urls_file.write_text(json.dumps(urls))
        size = sum(len(r.body) for r in server.routes.values()) / 1e6
        print(f"{args.feeds} feeds x {args.items} items ({size:.1f} MB of RSS) on "
              f"{server.base_url}; {os.cpu_count()} CPUs")  # fmt: skip
        cold = run_worker("cold", urls_file, Path(tmp) / "bb.db", args.per_host)
        print(line("borderbrief cold", cold) + f"  ({cold['stories']} new stories)")
        warm = run_worker("warm", urls_file, Path(tmp) / "bb.db", args.per_host)
        print(line("borderbrief warm", warm) + f"  ({warm['unchanged']} answered 304)")
        if warm["unchanged"] != args.feeds:
            print(f"  warning: only {warm['unchanged']} of {args.feeds} feeds answered 304")
        if args.no_baseline:
            return
        base_cold = run_worker("baseline", urls_file, Path(tmp) / "naive.db", None)
        print(line("baseline cold", base_cold))
        base_warm = run_worker("baseline", urls_file, Path(tmp) / "naive.db", None)
        print(line("baseline warm", base_warm))
        print(f"speed-up vs baseline (wall / CPU): "
              f"cold x{base_cold['seconds'] / cold['seconds']:.1f} / "
              f"x{base_cold['cpu_s'] / cold['cpu_s']:.1f}, "
              f"warm x{base_warm['seconds'] / warm['seconds']:.1f} / "
              f"x{base_warm['cpu_s'] / warm['cpu_s']:.1f}")  # fmt: skip
        verdict = [
            f"cold {'OK' if cold['seconds'] <= 15 else 'OVER'} (<= 15 s)",
            f"warm {'OK' if warm['seconds'] <= 3 else 'OVER'} (<= 3 s)",
            f"RSS {'OK' if max(_total_rss(cold), _total_rss(warm)) <= 300 else 'OVER'} (<= 300 MB,"
            " workers included)",
        ]
        print("targets: " + ", ".join(verdict))


if __name__ == "__main__":
    main()
