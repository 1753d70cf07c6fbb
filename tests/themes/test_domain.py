"""The one matcher every poller builds: configured themes plus every active chat's own."""

from __future__ import annotations

from datetime import UTC, datetime

from briefings.domain import build_domain, build_matcher
from briefings.store import chats as store
from briefings.store.stories import file_items
from briefings.themes import load_themes
from tests.themes.conftest import SHIPPED

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
TITLE = "Border wall barrier raised near Nogales as U.S. tariffs on steel take effect"


async def _chat(conn, chat_id: int) -> None:
    await store.register_chat(conn, chat_id=chat_id, chat_type="private", language="en",
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
    matcher, filer = await build_domain(engine, themes)
    found = {m.theme for m in matcher.match(TITLE, "", "en")}
    assert found == {"tariffs", store.custom_theme_key(1, "wall")}
    assert {m.theme for m in before.match(TITLE, "", "en")} == {store.custom_theme_key(1, "wall")}
    assert filer is file_items
