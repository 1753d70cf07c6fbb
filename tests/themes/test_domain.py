"""The one matcher every poller builds: configured themes plus every active chat's own."""

from __future__ import annotations

from datetime import UTC, datetime

from briefings import chats as chat_settings
from briefings.jobs.matching import build_matcher
from briefings.model import ThemeRef
from briefings.store import chats as store
from briefings.themes import load_themes
from tests.themes.conftest import SHIPPED

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
TITLE = "Border wall barrier raised near Nogales as U.S. tariffs on steel take effect"


async def _chat(conn, chat_id: int) -> None:
    await chat_settings.register_chat(conn, chat_id=chat_id, chat_type="private", language="en",
                              timezone="UTC", brief_time="08:00", themes=[], now=NOW)


async def test_matcher_has_configured_and_own_themes_of_active_chats(engine) -> None:
    themes = load_themes(SHIPPED)
    async with engine.begin() as conn:
        await _chat(conn, 1)
        await _chat(conn, 2)
        await store.track(conn, 1, "wall", '"border wall" barrier', now=NOW, cap=10)
        await store.track(conn, 2, "nogales", "nogales", now=NOW, cap=10)
        await store.update_chat(conn, 2, active=False)
    before = await build_matcher(engine, [])
    matcher = await build_matcher(engine, themes)
    found = {m.theme for m in matcher.match(TITLE, "", "en")}
    assert found == {"tariffs", ThemeRef("wall", 1).key}
    assert {m.theme for m in before.match(TITLE, "", "en")} == {ThemeRef("wall", 1).key}


async def test_borderbrief_poll_matches_chats_own_themes(engine, database_url, tmp_path) -> None:
    from sqlalchemy import select

    from bot.cli_poll import poll_once
    from briefings.settings import load_settings
    from briefings.sources import load_sources
    from briefings.store.tables import item_themes
    from tests.feedserver import RSS, FeedServer

    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
        "<link>https://news.example/</link><description>d</description>"
        f"<item><title>{TITLE}</title><link>https://news.example/1</link>"
        "<guid>https://news.example/1</guid><description>Steel.</description>"
        "<pubDate>Tue, 24 Nov 2026 20:00:00 +0000</pubDate></item></channel></rss>"
    ).encode()
    async with engine.begin() as conn:
        await _chat(conn, 1)
        await store.track(conn, 1, "wall", '"border wall" barrier', now=NOW, cap=10)
    with FeedServer() as feeds:
        url = feeds.add("/wire.xml", feed, {"Content-Type": RSS})
        sources = tmp_path / "sources.toml"
        sources.write_text(f'[[sources]]\nname = "Wire"\nurl = "{url}"\nlanguage = "en"\n')
        settings = load_settings(database_url=database_url, sources=sources, themes=SHIPPED,
                                 allow_private_sources=True)
        report = await poll_once(settings, load_sources(sources), load_themes(SHIPPED),
                                 force=False, show_progress=False)
    async with engine.connect() as conn:
        matched = set((await conn.execute(select(item_themes.c.theme))).scalars())
    assert report.new_items == 1
    assert matched == {"tariffs", ThemeRef("wall", 1).key}
