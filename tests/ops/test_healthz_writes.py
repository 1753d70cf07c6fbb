"""/healthz tells a store that reads but refuses writes (locked, read-only, full) apart."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.http import HttpEndpoint, check_health, start_http_server
from briefings.settings import Settings
from tests.storefault import failing_store

SETTINGS = Settings(poll_interval=60)


@pytest.fixture
async def served(engine: AsyncEngine) -> AsyncIterator[tuple[HttpEndpoint, httpx.AsyncClient]]:
    endpoint = await start_http_server(SETTINGS, engine, port=0, host="127.0.0.1")
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{endpoint.port}", timeout=10) as c:
        yield endpoint, c
    await endpoint.aclose()


async def test_healthz_is_503_with_the_reason_when_writes_fail(served, engine: AsyncEngine
                                                               ) -> None:
    _, client = served
    assert (await client.get("/healthz")).json()["store_writable"] is True
    with failing_store(engine, lambda: True, writes_only=True):
        response = await client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["store"] == "reachable" and body["store_writable"] is False
    assert body["status"] == "store not writable: Exception: database is locked"


async def test_a_locked_sqlite_file_is_reported(engine: AsyncEngine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("a file lock is SQLite's")
    path = engine.url.database
    assert path
    holder = sqlite3.connect(path, timeout=0.1)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the one writer's lock
    try:
        now = datetime.now(UTC)
        report = await check_health(SETTINGS, engine, now=now, started_at=now)
    finally:
        holder.rollback()
        holder.close()
    assert report.store and not report.writable and not report.healthy
    assert report.status.startswith("store not writable: ")
