"""Two worker processes on one real PostgreSQL store share the work, never doubling it."""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from briefings.store import outbox as ob
from briefings.store.claims import claim_due_sources, claim_outbox
from briefings.store.db import open_engine
from briefings.store.tables import chats, outbox, sources
from tests.botapi import BotApiStandIn
from tests.feedserver import FeedServer
from tests.ops.helpers import NOW, add_chat, add_outbox, add_source
from tests.pgdb import truncate_all

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    engine = open_engine(postgres_url)
    await truncate_all(engine)
    yield engine
    await engine.dispose()


def rss(n: int) -> bytes:
    items = "".join(
        f"<item><title>Feed {n} story {k}</title><link>https://news.example/{n}/{k}</link>"
        f"<guid>f{n}-{k}</guid><pubDate>Tue, 24 Nov 2026 1{k}:00:00 GMT</pubDate></item>"
        for k in range(3)
    )
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {n}</title>'
            f"<link>https://news.example/{n}</link>{items}</channel></rss>").encode()


async def run_workers(argv: list[str], env: dict[str, str], count: int = 2) -> list[str]:
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.roles", *argv, cwd=REPO, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(count)
    ]
    outputs = []
    for proc in procs:
        out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
        assert proc.returncode == 0, err.decode()[-3000:]
        outputs.append(out.decode().strip().splitlines()[-1])
    return outputs


def worker_env(postgres_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BORDERBRIEF_")}
    env.update(BORDERBRIEF_DATABASE_URL=postgres_url, BORDERBRIEF_LOG_FORMAT="json", **extra)
    return env


async def test_two_pollers_fetch_each_of_200_feeds_exactly_once(
    pg: AsyncEngine, postgres_url: str, tmp_path: Path
) -> None:
    with FeedServer() as feeds:
        entries = []
        for n in range(200):
            # Slow answers (8 claims of 25 feeds take one poller ~4 s) keep both busy at once,
            # even when one process starts a second or two after the other.
            url = feeds.add_slow(f"/f{n}.xml", rss(n), delay=0.3)
            entries.append(f'[[sources]]\nname = "Feed {n}"\nurl = "{url}"\nlanguage = "en"\n')
        file = tmp_path / "sources.toml"
        file.write_text("\n".join(entries))
        env = worker_env(postgres_url, BORDERBRIEF_SOURCES=str(file),
                         BORDERBRIEF_ALLOW_PRIVATE_SOURCES="true",
                         BORDERBRIEF_FETCH_PER_HOST="20", BORDERBRIEF_FETCH_CONCURRENCY="20")
        outputs = await run_workers(["poller", "--once"], env)
        requests = dict(feeds.requests)
    counts = [int(line.removeprefix("poller=")) for line in outputs]
    assert sum(counts) == 200
    assert all(count > 0 for count in counts), counts  # both did a share
    assert len(requests) == 200 and set(requests.values()) == {1}
    async with pg.connect() as conn:
        never = await conn.scalar(select(func.count()).select_from(sources)
                                  .where(sources.c.last_fetched_at.is_(None)))
        later = await conn.scalar(select(func.min(sources.c.next_fetch_at)))
    assert never == 0
    assert later > datetime.now(UTC) + timedelta(minutes=5)  # not due again this cycle


async def test_two_senders_send_each_of_1000_rows_exactly_once(
    pg: AsyncEngine, postgres_url: str, botapi: BotApiStandIn
) -> None:
    now = datetime.now(UTC)
    chat_ids = list(range(10_001, 11_001))
    async with pg.begin() as conn:
        await conn.execute(insert(chats), [
            {"id": c, "type": "private", "language": "en", "timezone": "UTC",
             "brief_time": "08:00", "active": True, "created_at": now} for c in chat_ids
        ])
        queued = await ob.enqueue(conn, chat_ids=chat_ids, parts=["hello"], kind="notice",
                                  now=now - timedelta(seconds=1), dedupe_prefix="scale")
    assert queued == 1000
    botapi.response_delay = 0.002
    env = worker_env(postgres_url, BORDERBRIEF_TELEGRAM_TOKEN=botapi.token,
                     BORDERBRIEF_TELEGRAM_API_URL=botapi.base_url)
    outputs = await run_workers(["sender", "--once", "--rate", "400"], env)
    counts = [int(line.removeprefix("sender=")) for line in outputs]
    assert sum(counts) == 1000
    assert all(count > 0 for count in counts), counts
    per_chat = Counter(call.chat_id for call in botapi.calls_of("sendMessage"))
    assert len(per_chat) == 1000 and set(per_chat.values()) == {1}
    async with pg.connect() as conn:
        statuses = dict((await conn.execute(
            select(outbox.c.status, func.count()).group_by(outbox.c.status))).all())
    assert statuses == {"sent": 1000}


async def test_claims_skip_rows_another_worker_is_claiming(pg: AsyncEngine) -> None:
    async with pg.begin() as conn:
        for n in range(6):
            await add_source(conn, f"s{n}", f"https://s{n}.example/rss")
        await add_chat(conn, 1)
        await add_outbox(conn, 1, 6, not_before=NOW)
    lease = timedelta(minutes=5)
    async with pg.connect() as first, pg.connect() as second:
        await first.begin()
        await second.begin()
        a = await claim_due_sources(first, NOW, limit=4, worker="a", lease=lease)
        b = await claim_due_sources(second, NOW, limit=4, worker="b", lease=lease)
        oa = await claim_outbox(first, NOW, limit=4, worker="a", lease=lease)
        obx = await claim_outbox(second, NOW, limit=4, worker="b", lease=lease)
        await first.commit()
        await second.commit()
    assert len(a) == 4 and len(b) == 2
    assert not {r.id for r in a} & {r.id for r in b}
    assert len(oa) == 4 and len(obx) == 2
    assert not {r.id for r in oa} & {r.id for r in obx}
    async with pg.begin() as conn:
        assert await claim_due_sources(conn, NOW, limit=10, worker="c", lease=lease) == []
        # A dead poller's sources come back when the lease runs out.
        again = await claim_due_sources(conn, NOW + lease + timedelta(seconds=1), limit=10,
                                        worker="c", lease=lease)
    assert len(again) == 6


async def test_source_claims_on_sqlite_too(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        for n in range(3):
            await add_source(conn, f"s{n}", f"https://s{n}.example/rss")
        await conn.execute(update(sources).where(sources.c.name == "s2")
                           .values(next_fetch_at=NOW + timedelta(hours=1)))
        first = await claim_due_sources(conn, NOW, limit=1, worker="a")
        rest = await claim_due_sources(conn, NOW, worker="a")
    assert [r.name for r in first] == ["s0"] and [r.name for r in rest] == ["s1"]
