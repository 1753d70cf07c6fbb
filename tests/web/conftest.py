"""The real HTTP server with its pages, on 127.0.0.1, over a store filled by ``fill``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.http import HttpEndpoint, start_http_server
from briefings.render.links import load_key, story_token
from briefings.settings import Settings
from briefings.store.db import open_engine, upgrade
from tests.web.fill import Filled, fill

PUBLIC_URL = "https://news.example.org"


@dataclass
class Served:
    endpoint: HttpEndpoint
    engine: AsyncEngine
    settings: Settings
    filled: Filled
    key: bytes

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.endpoint.port}"

    def story(self, story_id: int, query: str = "") -> str:
        return f"{self.base}/s/{story_token(self.key, story_id)}{query}"


async def serve(engine: AsyncEngine, **settings: object) -> AsyncIterator[Served]:
    now = datetime.now(UTC)
    filled = await fill(engine, now)
    chosen = Settings(public_url=PUBLIC_URL, **settings)  # type: ignore[arg-type]
    endpoint = await start_http_server(chosen, engine, port=0, host="127.0.0.1")
    try:
        yield Served(endpoint, engine, chosen, filled, await load_key(engine, chosen, now=now))
    finally:
        await endpoint.aclose()


@pytest.fixture
async def served(engine: AsyncEngine) -> AsyncIterator[Served]:
    """The pages over a filled store, on each backend."""
    async for served in serve(engine):
        yield served


@pytest.fixture
async def served_sqlite(tmp_path: Path) -> AsyncIterator[Served]:
    """The pages over a filled SQLite store (the browser tests: one backend is enough)."""
    engine = open_engine(f"sqlite+aiosqlite:///{tmp_path / 'pages.db'}")
    await upgrade(engine)
    try:
        async for served in serve(engine):
            yield served
    finally:
        await engine.dispose()
