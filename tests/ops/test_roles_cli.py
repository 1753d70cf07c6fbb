"""``borderbrief run --role poller``: a headless worker with its /healthz, stopped by SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from briefings import metrics
from briefings.fetch.errors import ErrorKind
from briefings.jobs.report import CycleReport, FeedOutcome

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_poller_role_serves_health_and_stops_cleanly(tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text("")  # nothing to poll: the cycle still runs and records the poll time
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BORDERBRIEF_")}
    env.update(BORDERBRIEF_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'w.db'}",
               BORDERBRIEF_SOURCES=str(sources), BORDERBRIEF_HTTP_PORT=str(port),
               BORDERBRIEF_LOG_FORMAT="json")
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--role", "poller"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        body = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            except httpx.TransportError:
                time.sleep(0.1)
                continue
            body = response.json()
            if body["last_poll_age_seconds"] is not None:
                break
            time.sleep(0.1)
        assert body is not None, proc.stderr.read() if proc.poll() is not None else "no answer"
        assert response.status_code == 200
        assert body["store"] == "reachable" and body["last_poll_age_seconds"] < 30
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err[-2000:]
    assert '"event": "roles started"' in err and '"poller"' in err


def test_record_cycle_reads_the_pipelines_report() -> None:
    def value(name: str, **labels: str) -> float:
        return metrics.REGISTRY.get_sample_value(name, labels or None) or 0.0

    report = CycleReport(duration=0.5)
    report.add(FeedOutcome("a", "https://a/", "fetched", new_items=4))
    report.add(FeedOutcome("b", "https://b/", "unchanged"))
    report.add(FeedOutcome("c", "https://c/", "failed", error="timed out after 15 s",
                           kind=ErrorKind.TIMEOUT))
    report.add(FeedOutcome("d", "https://d/", "failed", error="HTTP 503",
                           kind=ErrorKind.HTTP_5XX))
    before = {r: value("borderbrief_feed_errors_total", reason=r) for r in ("timeout", "other")}
    ok = value("borderbrief_feeds_fetched_total", outcome="ok")
    failed = value("borderbrief_feeds_fetched_total", outcome="failed")
    metrics.record_cycle(report)
    assert value("borderbrief_feeds_fetched_total", outcome="ok") - ok == 1
    assert value("borderbrief_feeds_fetched_total", outcome="failed") - failed == 2
    assert value("borderbrief_feed_errors_total", reason="timeout") - before["timeout"] == 1


async def test_scheduler_role_queues_the_due_briefs_once(engine, tmp_path: Path) -> None:
    import asyncio
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import func, insert, select, update

    from bot.roles import run_scheduler
    from briefings.settings import Settings
    from briefings.store.tables import chats, items, outbox, stories, story_themes
    from tests.ops.helpers import add_chat, add_source

    now = datetime.now(UTC)
    async with engine.begin() as conn:
        source_id = await add_source(conn, "Wire", "https://wire.example/rss")
        story = await conn.execute(insert(stories).values(
            headline="Tariff talks resume", url="https://wire.example/1", summary="Talks.",
            first_seen_at=now - timedelta(hours=2), last_seen_at=now - timedelta(hours=2),
            source_count=1, languages="en"))
        story_id = story.inserted_primary_key[0]
        await conn.execute(insert(story_themes).values(story_id=story_id, theme="tariffs",
                                                       score=1.0))
        await conn.execute(insert(items).values(
            source_id=source_id, guid="1", url="https://wire.example/1",
            title="Tariff talks resume", summary="Talks.", language="en",
            published_at=now - timedelta(hours=2), fetched_at=now - timedelta(hours=2),
            content_hash="h1", story_id=story_id))
        for chat_id in (1, 2, 3):
            await add_chat(conn, chat_id, themes=("tariffs",))
        await conn.execute(update(chats).values(next_brief_at=now - timedelta(minutes=1)))
        await conn.execute(update(chats).where(chats.c.id == 3).values(paused=True))
    settings = Settings(database_url="sqlite+aiosqlite:///unused.db")
    stop = asyncio.Event()
    first = await run_scheduler(settings, engine, stop=stop, once=True)
    again = await run_scheduler(settings, engine, stop=stop, once=True)
    async with engine.connect() as conn:
        briefs = dict((await conn.execute(
            select(outbox.c.chat_id, func.count()).where(outbox.c.kind == "brief")
            .group_by(outbox.c.chat_id))).all())
    assert (first, again) == (2, 0)
    assert set(briefs) == {1, 2}
