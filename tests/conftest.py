"""Shared fixtures: a real store on SQLite (a file) and on PostgreSQL (a real server).

Tests that take ``engine`` run twice, once per backend. PostgreSQL comes from
BORDERBRIEF_TEST_POSTGRES_URL (default: the local server's ``test`` database); each test run
creates its own database there so parallel runs never collide.

What a clone may lack is skipped with a reason naming it, unless a switch (all set by .ci/run)
makes it a failure: BORDERBRIEF_REQUIRE_POSTGRES=1 for the server, BORDERBRIEF_REQUIRE_DATA=1 for
the labelled data folder ../shared/data beside the checkout, BORDERBRIEF_REQUIRE_BROWSER=1 for
Debian's /usr/bin/chromium driven by playwright.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from briefings.store.db import open_engine, upgrade
from tests.pgdb import create_database, drop_database, truncate_all

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CHROMIUM = Path("/usr/bin/chromium")

# The fitted theme model's disk cache (briefings.themes.cache) of this run, never the user's:
# a folder of its own per run, kept for the run (subprocesses of the tests inherit it).
if "BORDERBRIEF_CACHE_DIR" not in os.environ:
    import atexit
    import shutil
    import tempfile

    os.environ["BORDERBRIEF_CACHE_DIR"] = tempfile.mkdtemp(prefix="borderbrief-test-cache-")
    atexit.register(shutil.rmtree, os.environ["BORDERBRIEF_CACHE_DIR"], ignore_errors=True)

POSTGRES_ADMIN_URL = os.environ.get(
    "BORDERBRIEF_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


def missing(message: str, switch: str) -> NoReturn:
    """Skip with ``message``, or fail with it when the environment sets ``switch=1``."""
    if os.environ.get(switch) == "1":
        pytest.fail(f"{message} ({switch}=1 requires it)")
    pytest.skip(message)


def shared_data_folder(folder: Path = SHARED_DATA) -> Path:
    """``folder`` if it is there, else skip (or fail under BORDERBRIEF_REQUIRE_DATA=1)."""
    if not folder.is_dir():
        missing(f"labelled data folder {folder} not found (../shared/data beside the checkout)",
                "BORDERBRIEF_REQUIRE_DATA")
    return folder


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the checkout (real-world feeds, labelled items)."""
    return shared_data_folder()


def chromium_executable(path: Path = CHROMIUM) -> Path:
    """Debian's Chromium for playwright, else skip (or fail under BORDERBRIEF_REQUIRE_BROWSER=1)."""
    if not path.is_file():
        missing(f"{path} not found: install Debian's chromium package (`make test` does, as "
                "root) to run the browser tests", "BORDERBRIEF_REQUIRE_BROWSER")
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing("the playwright package is not installed (pip install -e '.[dev]')",
                "BORDERBRIEF_REQUIRE_BROWSER")
    return path


@pytest.fixture(scope="session")
def chromium() -> Path:
    """The Chromium binary the browser tests launch (``executable_path=``); never downloaded."""
    return chromium_executable()


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
        missing(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {exc}",
                "BORDERBRIEF_REQUIRE_POSTGRES")
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
