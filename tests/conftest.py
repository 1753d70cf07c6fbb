"""Shared fixtures: a real store on SQLite (a file) and on PostgreSQL (a real server).

Tests that take ``engine`` run twice, once per backend. PostgreSQL comes from
BORDERBRIEF_TEST_POSTGRES_URL (default: the local server's ``test`` database); each test run
creates its own database there so parallel runs never collide. With
BORDERBRIEF_REQUIRE_POSTGRES=1 (as in CI) an unreachable server fails the run instead of
skipping.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from briefings.store.db import open_engine, upgrade
from briefings.store.tables import metadata

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
if not SHARED_DATA.is_dir():  # a checkout beside shared/ in another layout
    SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

POSTGRES_ADMIN_URL = os.environ.get(
    "BORDERBRIEF_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the checkout (real-world feeds, labelled items)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"shared data folder not found at {SHARED_DATA}")
    return SHARED_DATA


async def _create_database(admin_url: str, name: str) -> None:
    engine = open_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()


async def _drop_database(admin_url: str, name: str) -> None:
    engine = open_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await engine.dispose()


async def _migrate(url: str) -> None:
    engine = open_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test run, dropped at the end."""
    name = f"bb_test_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_create_database(POSTGRES_ADMIN_URL, name))
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server
        message = f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {exc}"
        if os.environ.get("BORDERBRIEF_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_migrate(url))
    yield url
    asyncio.run(_drop_database(POSTGRES_ADMIN_URL, name))


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store URL for each backend; the PostgreSQL one is emptied before each test."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'borderbrief.db'}"
    return str(request.getfixturevalue("postgres_url"))


async def _truncate_all(engine: AsyncEngine) -> None:
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A migrated, empty store on the backend of ``database_url``."""
    eng = open_engine(database_url)
    if eng.dialect.name == "postgresql":
        await _truncate_all(eng)
    else:
        await upgrade(eng)
    yield eng
    await eng.dispose()
