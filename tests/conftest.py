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
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from briefings.store.db import open_engine, upgrade
from tests.pgdb import create_database, drop_database, truncate_all

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


async def _migrate(url: str) -> None:
    engine = open_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test run, dropped at the end."""
    try:
        url = asyncio.run(create_database(POSTGRES_ADMIN_URL))
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server
        message = f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {exc}"
        if os.environ.get("BORDERBRIEF_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    asyncio.run(_migrate(url))
    yield url
    asyncio.run(drop_database(POSTGRES_ADMIN_URL, url))


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store URL for each backend; the PostgreSQL one is emptied before each test."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'borderbrief.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A migrated, empty store on the backend of ``database_url``."""
    eng = open_engine(database_url)
    if eng.dialect.name == "postgresql":
        await truncate_all(eng)
    else:
        await upgrade(eng)
    yield eng
    await eng.dispose()
