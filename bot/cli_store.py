"""The store as the read-only commands (`brief`, `stories`) open it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

    from briefings.settings import Settings

EMPTY = "The store is empty: fetch the news first with `borderbrief poll --once`."


@asynccontextmanager
async def filled_store(settings: Settings) -> AsyncIterator[AsyncConnection | None]:
    """A connection to the store, its schema brought up to date (a fresh machine has none
    yet); None when it holds no items at all, so the command can say what to do first."""
    from briefings.store.db import open_engine, upgrade
    from briefings.store.items import count_items

    engine = open_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with engine.connect() as conn:
            yield conn if await count_items(conn) else None
    finally:
        await engine.dispose()
