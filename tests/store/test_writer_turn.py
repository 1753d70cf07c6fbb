"""SQLite writers of one process wait their turn: none fails with ``database is locked``.

SQLite's own wait is shortened here (``busy_timeout`` 300 ms) so a writer held up longer than
that shows the difference quickly: without the turn it fails, with it it waits and succeeds.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from briefings.store.db import open_engine

HOLD = 1.0  # seconds the first writer keeps its transaction open: longer than busy_timeout


def _short_busy_timeout(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=300")
    cursor.close()


@pytest.fixture
async def engine(tmp_path: Path):
    eng = open_engine(f"sqlite+aiosqlite:///{tmp_path / 'turns.db'}")
    event.listen(eng.sync_engine, "connect", _short_busy_timeout)
    async with eng.begin() as conn:
        await conn.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
    yield eng
    await eng.dispose()


async def _write(engine: AsyncEngine, body: str, *, hold: float = 0.0) -> float:
    """One write transaction, kept open ``hold`` seconds; returns when it committed."""
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO notes (body) VALUES (:b)"), {"b": body})
        await asyncio.sleep(hold)
    return time.monotonic()


async def _count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM notes"))).scalar_one())


async def test_a_writer_waits_past_sqlites_busy_timeout(engine):
    first = asyncio.create_task(_write(engine, "slow", hold=HOLD))
    await asyncio.sleep(0.1)  # the first writer holds the lock
    writers = [asyncio.create_task(_write(engine, f"quick {n}")) for n in range(20)]
    done = await asyncio.gather(first, *writers)
    assert all(end >= done[0] for end in done[1:])  # each waited for the slow one
    assert await _count(engine) == 21


async def test_readers_do_not_wait_for_the_writer(engine):
    first = asyncio.create_task(_write(engine, "slow", hold=HOLD))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    assert await _count(engine) == 0  # the write is not committed yet; the read goes on
    assert time.monotonic() - started < HOLD / 2
    await first


async def test_the_turn_is_given_back_after_a_failed_transaction(engine):
    with pytest.raises(RuntimeError):
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO notes (body) VALUES ('lost')"))
            raise RuntimeError("a handler failed halfway")
    with pytest.raises(OperationalError):  # a failing statement rolls back, too
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO notes (body) VALUES ('one')"))
            await conn.execute(text("INSERT INTO no_such_table VALUES (1)"))
    await asyncio.wait_for(_write(engine, "next"), 2)
    assert await _count(engine) == 1


async def test_the_turn_is_given_back_when_a_connection_is_dropped(engine):
    conn = await engine.connect()
    await conn.execute(text("INSERT INTO notes (body) VALUES ('dropped')"))
    await conn.invalidate()  # a lost connection: no commit, no rollback
    await asyncio.wait_for(_write(engine, "next"), 2)
    assert await _count(engine) == 1
    await conn.close()


async def test_a_cancelled_writer_gives_the_turn_back(engine):
    first = asyncio.create_task(_write(engine, "slow", hold=HOLD))
    await asyncio.sleep(0.1)
    waiting = asyncio.create_task(_write(engine, "cancelled"))
    await asyncio.sleep(0.1)
    waiting.cancel()
    await first
    await asyncio.wait_for(_write(engine, "next"), 2)
    assert await _count(engine) == 2
