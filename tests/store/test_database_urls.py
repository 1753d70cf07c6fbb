"""Database URLs as people are given them: libpq's options work, a bad one is one clear line."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from briefings.store.db import StoreUnavailable, open_engine, store_problem


@pytest.mark.parametrize(
    "options",
    ["?sslmode=prefer", "?sslmode=disable&connect_timeout=10", "?connect_timeout=0",
     "?timeout=5&command_timeout=30"],
)  # fmt: skip
async def test_managed_service_options_connect(postgres_url: str, options: str) -> None:
    engine = open_engine(postgres_url + options)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("postgresql+asyncpg://bb@db:port/bb", "the URL cannot be read"),
        ("postgresql+asyncpg://bb@db:99999/bb", "the URL's port must be from 1 to 65535"),
        ("postgresql+asyncpg://bb@db/bb?connect_timeout=soon",
         "connect_timeout must be seconds, not 'soon'"),
        ("postgresql+asyncpg://bb@db/bb?timeout=nan", "timeout must be seconds, not 'nan'"),
    ],
)
def test_unusable_urls_say_why_before_connecting(url: str, problem: str) -> None:
    with pytest.raises(StoreUnavailable) as caught:
        open_engine(url)
    assert store_problem(caught.value) is not None
    assert str(caught.value).startswith(problem)


async def test_an_option_asyncpg_does_not_take_is_named(postgres_url: str) -> None:
    engine = open_engine(postgres_url + "?application_name=bb")
    try:
        with pytest.raises(TypeError) as caught:
            async with engine.connect():
                pass
    finally:
        await engine.dispose()
    problem = store_problem(caught.value)
    assert problem == "the URL's option 'application_name' is not one asyncpg takes"
