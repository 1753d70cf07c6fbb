"""Benchmark: `borderbrief poll --once` of N feeds, cold and warm, against a fair naive poller.

    .venv/bin/python bench/poll.py                    # 1,000 feeds (the targets), 3 rounds
    .venv/bin/python bench/poll.py --feeds 100 --no-baseline
    .venv/bin/python bench/poll.py --no-baseline --clusterer minhash   # another story method
    .venv/bin/python bench/poll.py --no-baseline --profile /tmp/prof   # cProfile of each run

The feeds are the real news feeds in ../shared/data/feeds (read at run time, never copied):
feed n is file n mod 9 with its GUIDs, ids and links made its own (never its namespace URIs:
an Atom feed stays Atom), served by the tests'
FeedServer (ETag + Last-Modified, 304 to a conditional GET) on 127.0.0.1 in this process.

Before timing, one command prepares a cache folder both pollers use (the encoder's arrays, the
themes' fit: ``--worker prepare``), as every run after a machine's first finds it; without it,
whichever ran first paid ~1.6 s for both (borderbrief's cold poll: 6.3 s instead of 4.5 s).
Then ``--runs`` rounds (3) of the four runs below, each round on fresh stores; each line
reports the run of median wall time.
Every run is a command in its own process, timed from outside, start-up included:
- borderbrief cold / warm: ``borderbrief poll --once --json`` on a fresh SQLite file, then again
  (every feed answers 304). It parses, matches the themes, files stories, stores.
- baseline cold / warm: what a user would write instead (``--worker baseline``): httpx with the
  same concurrency (20 in flight, 4 per host), conditional GET, feedparser in a process pool
  of the same size as borderbrief's, the same theme matching (the rules, and meaning for the
  items they leave to it, embedded one call per feed with the same model, made when the first
  feed changes), one SQLite transaction per feed. It does not cluster stories: borderbrief does
  that work on top.

CPU-s is user + system time of the command and the processes it waited for (its parse
workers): it hardly moves when other programs share the machine; wall time does. The load
average is printed before and after: compare runs only at similar load.
Targets (issue 12): warm <= 1.0 s wall; cold <= 12 s wall and >= 2x the baseline's throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from installed import as_installed  # noqa: E402 - bench/, beside this script

FEEDS_DIR = ROOT.parent / "shared" / "data" / "feeds"
REAL_FEEDS = [
    "rss-parser/guardian.rss", "rss-parser/uolNoticias.rss", "rss-parser/encoding.rss",
    "rss-parser/heise.atom", "feed-rs/rss_2.0_spiegel.xml", "feed-rs/rss_2.0_ilgiornale.xml",
    "feed-rs/rss_2.0_ilmessaggero.xml", "feed-rs/rss_2.0_nbcny.xml",
    "feed-rs/rss_2.0_wirecutter.xml",
]  # fmt: skip
CONCURRENCY, PER_HOST = 20, 4  # FetchConfig's defaults, given to the baseline too


def real_feeds(folder: Path = FEEDS_DIR) -> list[tuple[str, bytes]]:
    """(name, bytes) of each real feed file, read now."""
    return [(name, (folder / name).read_bytes()) for name in REAL_FEEDS]


def make_feed(n: int, template: bytes) -> bytes:
    """Feed n: a real file whose GUIDs, ids and links are its own (no cross-feed duplicates)."""
    tag = f"-f{n}".encode()
    body = re.sub(rb"(</guid>|</id>)", tag + rb"\1", template)
    # Links only (<link>URL</link>, href="URL"): a namespace URI changed would make another format.
    return re.sub(rb"((?:<link>|href=\")https?://[^<\"\s]+)(</link>|\")",
                  rb"\1" + tag.replace(b"-", b"#") + rb"\2", body)  # fmt: skip


def content_type(name: str) -> str:
    return "application/atom+xml" if name.endswith(".atom") else "application/rss+xml"


# ── the fair naive poller (runs in its own process: --worker baseline) ──────────────────────


def _parse(body: bytes) -> list[tuple[str, str, str, str]]:
    import feedparser

    parsed = feedparser.parse(body)
    return [(e.get("id") or e.get("link", ""), e.get("title", ""), e.get("summary", ""),
             e.get("link", "")) for e in parsed.entries]  # fmt: skip


def shipped_matching() -> tuple[Any, Any]:
    """The shipped themes' matcher (rules, and meaning where they leave it) and its embedder.
    Its first call on a machine prepares the encoder and fits the themes' meaning, and keeps
    both in the cache folder (``--worker prepare``)."""
    from briefings.paths import default_config_file
    from briefings.stories.embed import default_embedder
    from briefings.themes import Matcher, load_themes
    from briefings.themes.semantic import SemanticModel

    themes = load_themes(default_config_file("themes.toml"))
    embedder = default_embedder()
    meaning = SemanticModel.fit(themes.semantic, embedder) if themes.semantic else None
    return Matcher(themes.themes, meaning), embedder


async def _baseline(urls: list[str], db: Path) -> dict[str, Any]:
    import sqlite3
    from concurrent.futures import ProcessPoolExecutor

    import httpx

    from briefings.jobs.fetching import parse_workers
    from briefings.themes import Matcher

    made: list[tuple[Matcher, Any]] = []

    def matching() -> tuple[Matcher, Any]:
        """The same matching as borderbrief's, made when the first feed changes."""
        if not made:
            made.append(shipped_matching())
        return made[0]

    conn = sqlite3.connect(db)
    conn.executescript(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        "CREATE TABLE IF NOT EXISTS feeds (url TEXT PRIMARY KEY, etag TEXT, modified TEXT);"
        "CREATE TABLE IF NOT EXISTS items (feed TEXT, guid TEXT, title TEXT, summary TEXT,"
        " link TEXT, UNIQUE (feed, guid));"
        "CREATE TABLE IF NOT EXISTS item_themes (item INTEGER, theme TEXT);"
    )
    known = {u: (e, m) for u, e, m in conn.execute("SELECT url, etag, modified FROM feeds")}
    counts = {"fetched": 0, "unchanged": 0, "failed": 0, "items": 0}
    gate = asyncio.Semaphore(min(CONCURRENCY, PER_HOST))  # every bench feed is on one host
    loop = asyncio.get_running_loop()

    async def one(client: httpx.AsyncClient, pool: ProcessPoolExecutor, url: str) -> None:
        etag, modified = known.get(url, (None, None))
        headers = {k: v for k, v in (("If-None-Match", etag), ("If-Modified-Since", modified))
                   if v}  # fmt: skip
        async with gate:
            response = await client.get(url, headers=headers)
        if response.status_code == 304:
            counts["unchanged"] += 1
            return
        if response.status_code != 200:
            counts["failed"] += 1
            return
        entries = await loop.run_in_executor(pool, _parse, response.content)
        matcher, embedder = matching()
        with conn:  # one transaction per feed
            new = []
            for guid, title, summary, link in entries:
                cur = conn.execute("INSERT OR IGNORE INTO items VALUES (?, ?, ?, ?, ?)",
                                   (url, guid, title, summary, link))  # fmt: skip
                if cur.rowcount:
                    new.append((cur.lastrowid, title, summary))
            counts["items"] += len(new)
            found = matcher.match_many([(t, s, None) for _, t, s in new],
                                       embed=partial(_vectors, embedder, new))  # fmt: skip
            for (item_id, _, _), matches in zip(new, found, strict=True):
                conn.executemany("INSERT INTO item_themes VALUES (?, ?)",
                                 [(item_id, m.theme) for m in matches])  # fmt: skip
            conn.execute("INSERT OR REPLACE INTO feeds VALUES (?, ?, ?)",
                         (url, response.headers.get("etag"),
                          response.headers.get("last-modified")))  # fmt: skip
        counts["fetched"] += 1

    workers = max(1, parse_workers())  # as many parsers as borderbrief starts (one, on one core)
    limits = httpx.Limits(max_connections=CONCURRENCY)
    with ProcessPoolExecutor(workers) as pool:
        async with httpx.AsyncClient(timeout=15, limits=limits) as client:
            await asyncio.gather(*(one(client, pool, url) for url in urls))
    conn.close()
    return counts


def _vectors(embedder: Any, new: list[tuple[int, str, str]], need: list[int]) -> Any:
    """The sentence vectors of the items the rules leave to meaning (``need``), in one call."""
    from briefings.stories.embed import item_text

    return embedder.encode([item_text(new[k][1], new[k][2]) for k in need])


# ── measured commands ─────────────────────────────────────────────────────────────────────


def run(command: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run a command: wall, CPU-s (its own and its reaped workers') and peak RSS of its largest
    process, from its own rusage."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode:
            tail = err.read().decode()[-3000:]
            raise SystemExit(f"{command} failed ({proc.returncode}):\n{tail}")
        result: dict[str, Any] = json.loads(out.read().decode().strip().splitlines()[-1])
    result.update(seconds=wall, cpu_s=usage.ru_utime + usage.ru_stime,
                  rss_mb=usage.ru_maxrss / 1024)  # fmt: skip
    return result


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median wall time (the lower middle one of an even count)."""
    return sorted(runs, key=lambda r: r["seconds"])[(len(runs) - 1) // 2]


def line(label: str, r: dict[str, Any], feeds: int) -> str:
    rate = feeds / r["seconds"]
    return (f"{label:<17} {r['seconds']:6.2f} s wall {r['cpu_s']:6.2f} CPU-s {rate:6.0f} feeds/s"
            f"  fetched {r['fetched']:4} unchanged {r['unchanged']:4} failed {r['failed']:3}"
            f"  new items {r.get('new_items', r.get('items', 0)):6}")  # fmt: skip


def sources_toml(urls: list[str]) -> str:
    return "".join(f'[[sources]]\nname = "Outlet {n}"\nurl = "{url}"\nlanguage = "en"\n\n'
                   for n, url in enumerate(urls))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--runs", type=int, default=3,
                        help="rounds of the four runs; a line gives the median (wall)")  # fmt: skip
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="profile borderbrief into DIR/cold.prof, DIR/warm.prof "
                             "(the last round's; use with --runs 1)")  # fmt: skip
    parser.add_argument("--clusterer", metavar="METHOD",
                        help="story method: a key of briefings.stories.filer.METHODS")  # fmt: skip
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--urls", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.worker == "prepare":
        shipped_matching()
        return
    if args.worker == "baseline":
        print(json.dumps(asyncio.run(_baseline(json.loads(args.urls.read_text()), args.db))))
        return

    from tests.feedserver import FeedServer

    templates = real_feeds()
    with FeedServer() as server, tempfile.TemporaryDirectory() as tmp:
        urls, size = [], 0
        for n in range(args.feeds):
            name, template = templates[n % len(templates)]
            body = make_feed(n, template)
            size += len(body)
            urls.append(server.add(f"/feeds/{n}.xml", body, {"Content-Type": content_type(name)}))
        folder = Path(tmp)
        (folder / "urls.json").write_text(json.dumps(urls))
        (folder / "sources.toml").write_text(sources_toml(urls))
        env = {**os.environ, "BORDERBRIEF_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/bb.db",
               "BORDERBRIEF_SOURCES": str(folder / "sources.toml"),
               "BORDERBRIEF_ALLOW_PRIVATE_SOURCES": "true", "BORDERBRIEF_LOG_LEVEL": "WARNING",
               "BORDERBRIEF_CACHE_DIR": str(folder / "cache")}  # fmt: skip
        env = as_installed(env)
        started = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--worker", "prepare"], env=env, check=True)
        print(f"cache folder prepared before timing ({time.perf_counter() - started:.2f} s): "
              "the encoder's arrays and the themes' fit, as every run after a machine's first "
              "finds them")  # fmt: skip
        print(f"{args.feeds} feeds from {len(templates)} real files ({size / 1e6:.1f} MB) on "
              f"{server.base_url}; {os.cpu_count()} CPUs; load average {os.getloadavg()}")
        runs: dict[str, list[dict[str, Any]]] = {}
        for n in range(args.runs):  # each round: borderbrief cold, warm; the baseline's two
            ours = {**env, "BORDERBRIEF_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/bb{n}.db"}
            for mode in ("cold", "warm"):
                runs.setdefault(f"borderbrief {mode}", []).append(
                    run(_borderbrief(args, mode), ours))
            if not args.no_baseline:
                naive = [sys.executable, __file__, "--worker", "baseline",
                         "--urls", str(folder / "urls.json"),
                         "--db", str(folder / f"naive{n}.db")]  # fmt: skip
                for mode in ("cold", "warm"):
                    runs.setdefault(f"baseline {mode}", []).append(run(naive, env))
        results = {label: median_run(rs) for label, rs in runs.items()}
        for label, r in results.items():
            walls = ", ".join(f"{x['seconds']:.2f}" for x in runs[label])
            print(line(label, r, args.feeds) + f"  peak RSS {r['rss_mb']:.0f} MB"
                  + (f"  (median of {walls} s)" if args.runs > 1 else ""))  # fmt: skip
        print(f"load average after: {os.getloadavg()}")
        report(results)


def _borderbrief(args: argparse.Namespace, mode: str) -> list[str]:
    command = ["poll", "--once", "--json"]
    if args.clusterer:  # the same command, with another clustering method chosen first
        code = ("import sys; import briefings.stories.filer as f; f.METHOD = sys.argv.pop(1); "
                "from bot.cli import main; sys.exit(main())")  # fmt: skip
        return [sys.executable, "-c", code, args.clusterer, *command]
    if args.profile is None:
        return [str(ROOT / ".venv/bin/borderbrief"), *command]
    args.profile.mkdir(parents=True, exist_ok=True)
    return [sys.executable, "-m", "cProfile", "-o", str(args.profile / f"{mode}.prof"),
            "-m", "bot.cli", *command]  # fmt: skip


def report(results: dict[str, dict[str, Any]]) -> None:
    cold, warm = results["borderbrief cold"], results["borderbrief warm"]
    verdict = [f"warm {warm['seconds']:.2f} s {'OK' if warm['seconds'] <= 1.0 else 'OVER'}"
               " (<= 1.0 s)",
               f"cold {cold['seconds']:.2f} s {'OK' if cold['seconds'] <= 12 else 'OVER'}"
               " (<= 12 s)"]  # fmt: skip
    if "baseline cold" in results:
        for mode in ("cold", "warm"):
            base, bb = results[f"baseline {mode}"], results[f"borderbrief {mode}"]
            print(f"{mode}: borderbrief / baseline throughput "
                  f"x{base['seconds'] / bb['seconds']:.2f} wall, "
                  f"x{base['cpu_s'] / bb['cpu_s']:.2f} CPU")  # fmt: skip
        ratio = results["baseline cold"]["seconds"] / cold["seconds"]
        verdict.append(f"cold throughput x{ratio:.2f} {'OK' if ratio >= 2 else 'UNDER'} (>= x2)")
    print("targets: " + ", ".join(verdict))


if __name__ == "__main__":
    main()
