"""The production poll matches by meaning too: an item the rules miss, read by its meaning."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from briefings.fetch import FetchConfig, Fetcher
from briefings.jobs.poll import poll_job
from briefings.model import Source
from briefings.paths import default_config_file
from briefings.settings import Settings
from briefings.store.sources import sync_sources
from briefings.store.tables import item_themes, items
from briefings.themes import Matcher, load_themes
from tests.feedserver import FeedServer
from tests.pipeline.conftest import rss

MEANING = Path(__file__).resolve().parents[1] / "themes" / "meaning.jsonl"
OFF_TOPIC = ("garden", "Spring flower show opens in Chelsea", "Gardeners showed new roses.")


async def test_the_poller_matches_an_item_the_rules_miss_by_its_meaning(
    engine: AsyncEngine, database_url: str, feed_server: FeedServer, tmp_path: Path
) -> None:
    case = json.loads(MEANING.read_text(encoding="utf-8").splitlines()[0])  # m01, sovereignty
    themes = load_themes(default_config_file("themes.toml"))
    assert Matcher(themes.themes).match(case["title"], case["summary"], "en") == []
    url = feed_server.add("/wire.xml", rss([("m01", case["title"], case["summary"]), OFF_TOPIC]))
    async with engine.begin() as conn:
        await sync_sources(conn, [Source("wire", url, "en")], datetime.now(UTC))
    settings = Settings(database_url=database_url, allow_private_sources=True,
                        cache_dir=str(tmp_path / "cache"))  # fmt: skip
    async with Fetcher(FetchConfig(allow_private=True)) as fetcher:
        job = poll_job(settings, engine, fetcher, themes, alerts=False, ignore_schedule=True)
        await job.run_once(datetime.now(UTC))
    async with engine.connect() as conn:
        found = {(guid, theme) for guid, theme in await conn.execute(
            select(items.c.guid, item_themes.c.theme)
            .join(item_themes, item_themes.c.item_id == items.c.id))}  # fmt: skip
    assert found == {("m01", "sovereignty")}
    assert any((tmp_path / "cache").iterdir()), "the fit was cached in the configured folder"
