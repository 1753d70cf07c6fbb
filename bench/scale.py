"""Scale benchmark: due briefs for 1,000 → 100,000 chats beside 1,000 sources, SQLite and PG.

For each backend and each chat count, a fresh store gets 1,000 sources, a day of stories (with
items from those sources) and N chats whose brief is due, subscribed to 1–3 themes in English or
Spanish. A separate child process then runs the real due-briefs job (``BriefJob.run_once``:
select due chats, compose and render once per distinct brief, write the outbox, advance each
chat) and reports its wall time and peak RSS, so every point is measured in a clean process.

Prints the curve, each point's ratio to the 1,000-chat point of the same run, the time per
chat (flat = linear growth), the job's own CPU seconds (on SQLite that includes the database
work), on PostgreSQL the server's CPU seconds for the job's connections (when the server runs
on this machine, read from /proc; else "-") and the load average, since a shared machine
stretches wall time. Targets: linear, ≤ 30 s and ≤ 500 MB at 100,000 chats.

Baseline, measured in the same run on the same stores for the sizes up to --baseline-max: what
a competent first version does — one query for the due chats and one for their themes, then
per chat compose and render its brief and, per 500 chats, executemany inserts of the bodies,
the outbox rows and the stories sent and an executemany update of the schedules.

    .venv/bin/python bench/scale.py [--sizes 1000,10000,100000] [--backends sqlite,postgres]
        [--baseline-max 1000] [--postgres-admin-url postgresql+asyncpg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
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

from briefings.store.db import open_engine, upgrade  # noqa: E402
from briefings.store.tables import (  # noqa: E402
    chats,
    items,
    sources,
    stories,
    story_themes,
    subscriptions,
)
from tests.pgdb import create_database, drop_database  # noqa: E402

THEMES = ("sovereignty", "fentanyl", "tariffs")
THEME_SETS = [c for n in (1, 2, 3) for c in itertools.combinations(THEMES, n)]
ZONES = ("America/Mexico_City", "America/Los_Angeles", "America/New_York", "UTC",
         "America/Tijuana", "America/Monterrey")
NOW = datetime(2026, 3, 2, 14, 0, 5, tzinfo=UTC)
SOURCES = 1_000
STORIES = 300
TARGET_SECONDS, TARGET_MB = 30.0, 500.0


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a
    child would inherit the (large, after seeding) parent's figure."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _chunks(rows: list[dict[str, Any]], size: int) -> Any:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


async def seed(url: str, n_chats: int) -> None:
    """A migrated store with the sources, a day of stories and ``n_chats`` due chats."""
    rnd = random.Random(n_chats)
    engine = open_engine(url)
    try:
        await upgrade(engine)
        async with engine.begin() as conn:
            await conn.execute(insert(sources), [
                {"id": i, "name": f"Outlet {i}", "url": f"https://outlet{i}.example/rss",
                 "language": "en" if i % 3 else "es", "weight": 1.0, "enabled": True,
                 "error_count": 0, "seeded": True, "created_at": NOW,
                 "next_fetch_at": NOW + timedelta(minutes=i % 10)}
                for i in range(1, SOURCES + 1)
            ])
            story_rows, theme_rows, item_rows = [], [], []
            for sid in range(1, STORIES + 1):
                at = NOW - timedelta(minutes=4 * sid)
                story_rows.append({
                    "id": sid, "headline": f"Story {sid}: border talks & tariffs <update>",
                    "url": f"https://example.org/news/{sid}", "summary": "A summary " * 20,
                    "first_seen_at": at, "last_seen_at": at, "source_count": 3,
                    "languages": "en,es"})
                theme_rows.append({"story_id": sid, "theme": THEMES[sid % 3], "score": 1.0})
                for k in range(3):
                    source_id = rnd.randint(1, SOURCES)
                    item_rows.append({
                        "source_id": source_id, "guid": f"s{sid}-{k}", "url":
                        f"https://outlet{source_id}.example/{sid}/{k}",
                        "title": f"Story {sid} as told by outlet {source_id}",
                        "summary": "Text " * 30, "language": "en" if k % 2 else "es",
                        "published_at": at, "fetched_at": at, "content_hash": f"h{sid}-{k}",
                        "story_id": sid})
            await conn.execute(insert(stories), story_rows)
            await conn.execute(insert(story_themes), theme_rows)
            for chunk in _chunks(item_rows, 2000):
                await conn.execute(insert(items), chunk)
        chat_rows, sub_rows = [], []
        for chat_id in range(1, n_chats + 1):
            chat_rows.append({
                "id": chat_id, "type": "private" if chat_id % 10 else "supergroup",
                "language": "es" if chat_id % 3 == 0 else "en",
                "timezone": ZONES[chat_id % len(ZONES)], "brief_time": "08:00",
                "next_brief_at": NOW - timedelta(seconds=rnd.randint(1, 600)),
                "paused": False, "alerts": False, "active": True, "created_at": NOW})
            for theme in THEME_SETS[rnd.randrange(len(THEME_SETS))]:
                sub_rows.append({"chat_id": chat_id, "theme": theme})
        async with engine.begin() as conn:
            for chunk in _chunks(chat_rows, 5000):
                await conn.execute(insert(chats), chunk)
            for chunk in _chunks(sub_rows, 10000):
                await conn.execute(insert(subscriptions), chunk)
    finally:
        await engine.dispose()


async def _server_cpu(conn: Any) -> float | None:
    """CPU seconds so far of the PostgreSQL backends serving this database (None: not local)."""
    from sqlalchemy import text

    if conn.dialect.name != "postgresql":
        return None
    pids = (await conn.execute(text(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"))).scalars()
    return _proc_cpu(list(pids))


def _proc_cpu(pids: list[int]) -> float | None:
    """User + system CPU seconds of these processes (None if one cannot be read)."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


async def measure(url: str, baseline: bool) -> dict[str, Any]:
    """Run the due-briefs job (or the baseline) once over the whole store (in a child process)."""
    from briefings.jobs.brief import BriefJob
    from briefings.paths import default_config_file
    from briefings.render.telegram import TELEGRAM
    from briefings.themes import load_themes

    themes = load_themes(default_config_file("themes.toml"))
    engine = open_engine(url)
    rss_before = peak_rss_mb()
    try:
        async with engine.connect() as conn:  # the pool's connection the job then uses
            server_started = await _server_cpu(conn)
        job = BriefJob.for_face(engine, TELEGRAM, grace=timedelta(hours=6), themes=themes)
        started, cpu_started = time.perf_counter(), time.process_time()
        if baseline:
            report = await naive_run(engine, NOW, themes)
        else:
            report = await job.run_once(NOW)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        async with engine.connect() as conn:
            server_ended = await _server_cpu(conn)
    finally:
        await engine.dispose()
    which = ("baseline: compose + render per chat, executemany" if baseline
             else "briefings.briefs.compose + briefings.render.telegram")
    server = (None if server_started is None or server_ended is None
              else server_ended - server_started)
    return {"seconds": seconds, "cpu": cpu, "server_cpu": server, "load": os.getloadavg()[0],
            "rss_mb": peak_rss_mb(), "rss_before_mb": rss_before,
            "due": report.due, "enqueued": report.enqueued, "messages": report.messages,
            "renders": report.renders, "renderer": which}


async def naive_run(engine: Any, now: datetime, themes: Any) -> Any:
    """The baseline: what a competent first version of the due-briefs job does (see above)."""
    from collections import defaultdict

    from sqlalchemy import bindparam, select, update

    from briefings.briefs.compose import compose_brief
    from briefings.briefs.plan import BRIEF_WINDOW
    from briefings.briefs.schedule import local_date, next_brief_at
    from briefings.jobs.brief import BriefRunReport
    from briefings.render.telegram import TELEGRAM
    from briefings.store.tables import bodies, outbox, sent_stories
    from briefings.themes.catalogue import ThemeCatalogue

    report, catalogue = BriefRunReport(), ThemeCatalogue(themes)
    async with engine.begin() as conn:
        due = (await conn.execute(
            select(chats.c.id, chats.c.language, chats.c.timezone, chats.c.brief_time,
                   chats.c.next_brief_at, chats.c.last_brief_at, chats.c.thread_id,
                   chats.c.headlines)
            .where(chats.c.active.is_(True), chats.c.paused.is_(False),
                   chats.c.next_brief_at <= now)
            .order_by(chats.c.next_brief_at, chats.c.id))).all()
        subscribed: dict[int, list[str]] = defaultdict(list)
        for chat_id, theme in await conn.execute(
                select(subscriptions.c.chat_id, subscriptions.c.theme)):
            subscribed[chat_id].append(theme)
    report.due = len(due)
    for start in range(0, len(due), 500):
        async with engine.begin() as conn:
            body_rows, targets, sent_rows, schedules = [], [], [], []
            for chat in due[start:start + 500]:
                since = max(now - BRIEF_WINDOW, chat.last_brief_at or now - BRIEF_WINDOW)
                brief = await compose_brief(
                    conn, themes=sorted(subscribed[chat.id]), since=since, now=now,
                    language=chat.language, chat_id=chat.id, catalogue=catalogue,
                    headlines=chat.headlines, timezone=chat.timezone)
                parts = TELEGRAM.brief_parts(brief)
                report.renders += 1
                day = local_date(chat.next_brief_at, chat.timezone).isoformat()
                for n, part in enumerate(parts):
                    body_rows.append({"text": part.text, "parse_mode": TELEGRAM.parse_mode,
                                      "face": TELEGRAM.face,
                                      "markup": TELEGRAM.markup(part.buttons),
                                      "created_at": now})
                    targets.append({"chat_id": chat.id, "kind": "brief", "part": n,
                                    "thread_id": chat.thread_id, "silent": False,
                                    "dedupe_key": f"brief:{day}:{chat.id}:{n}",
                                    "status": "pending", "not_before": now, "attempts": 0,
                                    "created_at": now})
                sent_rows += [{"chat_id": chat.id, "story_id": story_id, "sent_at": now}
                              for story_id in dict.fromkeys(brief.story_ids())]
                schedules.append({"cid": chat.id, "lba": now, "nba": next_brief_at(
                    chat.brief_time, chat.timezone, now)})
            if body_rows:
                ids = (await conn.execute(
                    bodies.insert().returning(bodies.c.id, sort_by_parameter_order=True),
                    body_rows)).scalars().all()
                for target, body_id in zip(targets, ids, strict=True):
                    target["body_id"] = body_id
                await conn.execute(insert(outbox), targets)
            if sent_rows:
                await conn.execute(insert(sent_stories), sent_rows)
            await conn.execute(update(chats).where(chats.c.id == bindparam("cid")).values(
                next_brief_at=bindparam("nba"), last_brief_at=bindparam("lba")), schedules)
            report.enqueued += len(schedules)
            report.messages += len(targets)
    return report


def run_point(backend: str, n_chats: int, admin_url: str, tmp: Path,
              baseline: bool = False) -> dict[str, Any]:
    """Seed a fresh store here, measure the job (or the baseline) in a child process, clean up."""
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp / f'scale-{n_chats}.db'}"
    else:
        url = asyncio.run(create_database(admin_url, prefix="bb_scale"))
    try:
        started = time.perf_counter()
        asyncio.run(seed(url, n_chats))
        seeded = time.perf_counter() - started
        child = subprocess.run(
            [sys.executable, __file__, "--child", url, *(["--baseline"] if baseline else [])],
            capture_output=True, text=True,
            check=False, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        if child.returncode != 0:
            raise RuntimeError(child.stderr[-2000:])
        result = json.loads(child.stdout.strip().splitlines()[-1])
        result["seed_seconds"] = seeded
        return result
    finally:
        if backend == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                (tmp / f"scale-{n_chats}.db{suffix}").unlink(missing_ok=True)
        else:
            asyncio.run(drop_database(admin_url, url))


def _server(r: dict[str, Any]) -> str:
    return "-" if r.get("server_cpu") is None else f"{r['server_cpu']:.1f}"


def report_curve(backend: str, rows: list[tuple[int, dict[str, Any]]],
                 baseline: list[tuple[int, dict[str, Any]]]) -> bool:
    base_n, base = rows[0]
    base_per_chat = base["seconds"] / base_n
    print(f"\n{backend}: due briefs → outbox ({rows[0][1]['renderer']})")
    print(f"{'chats':>8} {'seconds':>8} {'x time':>7} {'x chats':>7} {'ms/chat':>8} "
          f"{'per-chat vs 1st':>15} {'cpu s':>7} {'db cpu':>7} {'load':>5} {'peak MB':>8} "
          f"{'job MB':>7} {'outbox':>8} {'renders':>7} {'baseline s':>10} {'x faster':>8}")
    naive = dict(baseline)
    for n, r in rows:
        per_chat = r["seconds"] / n
        b = naive.get(n)
        vs = (f"{b['seconds']:>10.2f} {b['seconds'] / r['seconds']:>8.1f}" if b
              else f"{'-':>10} {'-':>8}")
        print(f"{n:>8} {r['seconds']:>8.2f} {r['seconds'] / base['seconds']:>7.1f} "
              f"{n / base_n:>7.0f} {1000 * per_chat:>8.3f} {per_chat / base_per_chat:>15.2f} "
              f"{r['cpu']:>7.1f} {_server(r):>7} {r['load']:>5.1f} {r['rss_mb']:>8.0f} "
              f"{r['rss_mb'] - r['rss_before_mb']:>7.0f} "
              f"{r['messages']:>8} {r['renders']:>7} {vs}")
    for n, b in baseline:
        print(f"  baseline {n:>8} chats: {b['seconds']:.2f} s ({1000 * b['seconds'] / n:.3f} "
              f"ms/chat), cpu {b['cpu']:.1f} s, db cpu {_server(b)}, load {b['load']:.1f}, "
              f"outbox {b['messages']}, renders {b['renders']}")
    last_n, last = rows[-1]
    ok = last["seconds"] <= TARGET_SECONDS and last["rss_mb"] <= TARGET_MB
    print(f"at {last_n:,} chats: {last['seconds']:.1f} s (target ≤ {TARGET_SECONDS:.0f}), "
          f"peak {last['rss_mb']:.0f} MB (target ≤ {TARGET_MB:.0f}) → "
          f"{'OK' if ok else 'MISSED'}; every chat queued: "
          f"{all(r['enqueued'] == n for n, r in rows)}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,3000,10000,30000,100000")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--postgres-admin-url", default=os.environ.get(
        "BORDERBRIEF_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--baseline-max", type=int, default=1_000,
                        help="measure the baseline too at sizes up to this (0: never)")
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--baseline", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(measure(args.child, args.baseline))))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            rows, baseline = [], []
            for n in sizes:
                result = run_point(backend, n, args.postgres_admin_url, Path(tmp))
                print(f"  {backend} {n:>7} chats: {result['seconds']:.2f} s, "
                      f"{result['rss_mb']:.0f} MB (seeded in {result['seed_seconds']:.1f} s)",
                      flush=True)
                rows.append((n, result))
                if n <= args.baseline_max:
                    naive = run_point(backend, n, args.postgres_admin_url, Path(tmp), True)
                    print(f"  {backend} {n:>7} chats, baseline: {naive['seconds']:.2f} s",
                          flush=True)
                    baseline.append((n, naive))
            ok = report_curve(backend, rows, baseline) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
