"""Scratch PostgreSQL databases for tests and benchmarks: create, empty, drop."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from briefings.store.db import open_engine
from briefings.store.tables import metadata


async def _admin(admin_url: str, statement: str) -> None:
    engine = open_engine(admin_url, isolation_level="AUTOCOMMIT")  # no DDL inside a transaction
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def create_database(admin_url: str, prefix: str = "bb_test") -> str:
    """A new, empty database beside ``admin_url``'s; returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    await _admin(admin_url, f'CREATE DATABASE "{name}"')
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


async def drop_database(admin_url: str, url: str) -> None:
    """Drop the database of ``url``, closing any connection still open to it."""
    await _admin(admin_url, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


async def truncate_all(engine: AsyncEngine) -> None:
    """Empty every table of the schema (keeps the schema and its migration revision)."""
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
