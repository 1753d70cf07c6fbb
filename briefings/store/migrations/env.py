"""Alembic environment: runs on a connection handed in by ``briefings.store.db.upgrade``,
or opens its own from ``sqlalchemy.url`` / BORDERBRIEF_DATABASE_URL when run by the alembic CLI."""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy import Connection

from briefings.store.tables import metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite ALTERs need batch mode
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    from briefings.store.db import open_engine

    url = config.get_main_option("sqlalchemy.url") or os.environ.get(
        "BORDERBRIEF_DATABASE_URL", "sqlite+aiosqlite:///data/borderbrief.db"
    )
    engine = open_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    run_offline()
elif (connection := config.attributes.get("connection")) is not None:
    _run(connection)
else:
    asyncio.run(_run_async())
