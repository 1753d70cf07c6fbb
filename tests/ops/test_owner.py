"""Owner commands through the real PTB Application, the Bot API stand-in and the real store."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from briefings.paths import default_config_file
from briefings.sources import load_sources
from briefings.sources.admin import sync_file
from briefings.store.tables import bodies, outbox, sources
from tests.bot.helpers import START, RunningBot, running_bot
from tests.botapi import BotApiStandIn
from tests.feedserver import FeedServer
from tests.ops.helpers import add_chat, add_outbox, add_source, set_last_poll

OWNER = 500
STRANGER = 600
FEED = Path(__file__).resolve().parents[1] / "data" / "feeds" / "rss2_borderwire.xml"
SOURCES_TEXT = """# my feeds

[[sources]]
name = "Kept Wire"
url = "https://kept.example/rss"
language = "en"

# the one to remove, with its comment
[[sources]]
name = "Old Desk"
url = "https://old.example/rss"
language = "es"

[[sources]]
name = "Last Post"
url = "https://last.example/rss"
language = "en"
"""


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "config"  # not tmp_path itself: the bot helper writes a sources.toml there
    folder.mkdir()
    src = folder / "sources.toml"
    src.write_text(SOURCES_TEXT)
    themes = folder / "themes.toml"
    shutil.copy(default_config_file("themes.toml"), themes)
    return {"sources": src, "themes": themes}


async def ask(bot: RunningBot, chat_id: int, text: str, **kw: Any) -> list[str]:
    """Send a message; wait for the bot's reply (owner handlers run without blocking others)."""
    before = len(bot.api.calls)
    bot.api.push_update(bot.api.message(chat_id, text, **kw))
    await bot.api.wait_for(
        lambda: [c for c in bot.api.calls[before:] if c.method == "sendMessage"], timeout=15)
    await bot.settle(0.05)
    return [c.params.get("text", "") for c in bot.api.calls[before:] if c.method == "sendMessage"]


def owner_bot(botapi: BotApiStandIn, engine: AsyncEngine, tmp_path: Path, files: dict,
              **overrides: object):  # noqa: ANN201
    return running_bot(botapi, engine, tmp_path, owner_ids=[OWNER], sources=files["sources"],
                       themes=files["themes"], **overrides)


async def test_strangers_get_a_polite_refusal_and_nothing_else(
    botapi: BotApiStandIn, engine: AsyncEngine, tmp_path: Path, files: dict
) -> None:
    async with engine.begin() as conn:
        await add_chat(conn, -1001, type_="supergroup", themes=("tariffs",))
        await add_outbox(conn, -1001, 2)
    async with owner_bot(botapi, engine, tmp_path, files) as bot:
        for command in ("/stats", "/sources", "/addsource https://x.example/rss",
                        "/removesource Kept Wire", "/reload", "/broadcast hi all"):
            texts = await ask(bot, STRANGER, command)
            assert texts == ["Sorry, this command is only for the people who run this bot."]
        texts = await ask(bot, STRANGER, "/stats", language_code="es-MX")
        assert texts[0].startswith("Lo siento")
    assert "Old Desk" in files["sources"].read_text()  # nothing changed
    async with engine.connect() as conn:
        assert await conn.scalar(select(outbox.c.id).where(outbox.c.kind == "broadcast")) is None
    assert all(c.chat_id == STRANGER for c in botapi.sent())


async def test_owner_commands_only_in_a_private_chat(
    botapi: BotApiStandIn, engine: AsyncEngine, tmp_path: Path, files: dict
) -> None:
    async with owner_bot(botapi, engine, tmp_path, files) as bot:
        texts = await ask(bot, -2002, "/stats", user_id=OWNER, chat_type="group", title="G")
    assert texts == ["Owner commands work only in a private chat with the bot."]


async def test_stats_counts_chats_subscriptions_feeds_poll_and_outbox(
    botapi: BotApiStandIn, engine: AsyncEngine, tmp_path: Path, files: dict
) -> None:
    async with engine.begin() as conn:
        await add_chat(conn, 1, themes=("tariffs", "fentanyl"))
        await add_chat(conn, 2, themes=("tariffs",))
        await add_chat(conn, -1003, type_="supergroup", themes=("sovereignty",))
        await add_chat(conn, 4, active=False, themes=("tariffs",))
        await add_outbox(conn, 1, 3)
        await add_source(conn, "ok feed", "https://a.example/rss")
        await add_source(conn, "bad feed", "https://b.example/rss", errors=4)
    async with owner_bot(botapi, engine, tmp_path, files) as bot:
        async with engine.begin() as conn:
            await set_last_poll(conn, bot.clock.now.replace(minute=0) - _minutes(7))
        bot.clock.now = bot.clock.now.replace(minute=0)
        (text,) = await ask(bot, OWNER, "/stats")
    assert "Chats: 3 active (private 2, supergroup 1); 1 inactive" in text
    assert "Subscriptions: fentanyl 1, sovereignty 1, tariffs 2" in text
    assert "Feeds: 1 healthy, 1 failing, 0 disabled" in text
    assert "Last poll: 7 min ago" in text
    assert "Outbox: 3 waiting" in text
    assert "secret title" not in text  # counts only, never a chat's identity


def _minutes(n: int):  # noqa: ANN202
    from datetime import timedelta

    return timedelta(minutes=n)


async def test_sources_lists_health(
    botapi: BotApiStandIn, engine: AsyncEngine, tmp_path: Path, files: dict
) -> None:
    async with engine.begin() as conn:
        await add_source(conn, "Good <One>", "https://a.example/rss")
        await add_source(conn, "Failing", "https://b.example/rss", errors=12)
    async with owner_bot(botapi, engine, tmp_path, files) as bot:
        (text,) = await ask(bot, OWNER, "/sources")
    assert "✅ <b>Good &lt;One&gt;</b>" in text
    assert "⚠️ <b>Failing</b> — 12 errors: timeout" in text


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "[::ffff:127.0.0.1]"])
async def test_addsource_refuses_a_loopback_feed_unless_private_sources_are_allowed(
    botapi: BotApiStandIn, engine: AsyncEngine, tmp_path: Path, files: dict, host: str
) -> None:
    with FeedServer() as feeds:
        feeds.add("/wire.xml", FEED.read_bytes())
        url = f"http://{host}:{feeds.port}/wire.xml"
        async with owner_bot(botapi, engine, tmp_path, files) as bot:
            (text,) = await ask(bot, OWNER, f"/addsource {url}")
        assert text.startswith("⚠️ refused:") and "loopback" in text
        assert str(feeds.port) not in files["sources"].read_text()
        assert feeds.requests["/wire.xml"] == 0  # refused before connecting


async def test_addsource_checks_the_feed_then_saves_it_to_the_file_and_store(
    botapi: BotApiStandIn, engine: AsyncEngine, tmp_path: Path, files: dict
) -> None:
    with FeedServer() as feeds:
        url = feeds.add("/wire.xml", FEED.read_bytes())
        page = feeds.add("/page.html", b"<html><body>Hello</body></html>",
                         {"Content-Type": "text/html"})
        async with owner_bot(botapi, engine, tmp_path, files, allow_private_sources=True) as bot:
            (refused,) = await ask(bot, OWNER, f"/addsource {page}")
            (bad_scheme,) = await ask(bot, OWNER, "/addsource ftp://x.example/rss")
            (added,) = await ask(bot, OWNER, f"/addsource {url} es Border Wire")
            (again,) = await ask(bot, OWNER, f"/addsource {url}")
    assert refused.startswith("⚠️ not a news feed")
    assert bad_scheme.startswith("⚠️") and "http" in bad_scheme
    assert added.startswith("✅ Added <b>Border Wire</b> (es)")
    assert again == "⚠️ that feed is already in the sources list"
    configured = {s.name: s for s in load_sources(files["sources"])}
    assert configured["Border Wire"].url == url and configured["Border Wire"].language == "es"
    assert "# the one to remove, with its comment" in files["sources"].read_text()
    async with engine.connect() as conn:
        row = (await conn.execute(select(sources).where(sources.c.name == "Border Wire"))).one()
    assert row.enabled and not row.seeded  # its first poll stores quietly


async def test_removesource_cuts_it_from_the_file_and_stops_polling(
    botapi: BotApiStandIn, engine: AsyncEngine, tmp_path: Path, files: dict
) -> None:
    await sync_file(engine, files["sources"], now=START)  # as the poller does each cycle
    async with owner_bot(botapi, engine, tmp_path, files) as bot:
        (missing,) = await ask(bot, OWNER, "/removesource Nope")
        (removed,) = await ask(bot, OWNER, "/removesource old desk")
    assert missing == "⚠️ no source named 'Nope' in the sources list"
    assert removed.startswith("🗑 Removed <b>Old Desk</b>")
    text = files["sources"].read_text()
    assert "Old Desk" not in text and "old.example" not in text
    assert [s.name for s in load_sources(files["sources"])] == ["Kept Wire", "Last Post"]
    async with engine.connect() as conn:
        rows = dict((await conn.execute(select(sources.c.name, sources.c.enabled))).all())
    assert rows == {"Kept Wire": True, "Last Post": True, "Old Desk": False}


async def test_reload_keeps_the_old_config_when_a_file_is_bad(
    botapi: BotApiStandIn, engine: AsyncEngine, tmp_path: Path, files: dict
) -> None:
    from bot.state import bot_state

    async with owner_bot(botapi, engine, tmp_path, files) as bot:
        before = bot_state(bot.app).themes
        files["themes"].write_text("[themes.broken\n")
        files["sources"].write_text(SOURCES_TEXT + '\n[[sources]]\nname = "No URL"\n')
        (text,) = await ask(bot, OWNER, "/reload")
        assert bot_state(bot.app).themes is before
        assert "sources not reloaded" in text and "No URL" in text
        assert "themes not reloaded" in text and "invalid TOML" in text
        assert text.count("the previous one stays in use") == 2

        files["sources"].write_text(SOURCES_TEXT)
        shutil.copy(default_config_file("themes.toml"), files["themes"])
        (text,) = await ask(bot, OWNER, "/reload")
        assert "✅ Sources reloaded: 3." in text and "✅ Themes reloaded:" in text
        assert bot_state(bot.app).themes is not before
        assert bot_state(bot.app).themes.names() == before.names()


async def test_broadcast_goes_to_every_active_chat_through_the_outbox(
    botapi: BotApiStandIn, engine: AsyncEngine, tmp_path: Path, files: dict
) -> None:
    async with engine.begin() as conn:
        for chat_id in (11, 12, -1013):
            await add_chat(conn, chat_id)
        await add_chat(conn, 14, active=False)
    async with owner_bot(botapi, engine, tmp_path, files) as bot:
        (question,) = await ask(bot, OWNER, "/broadcast Maintenance at 22:00 <UTC> & back soon")
        keyboard = botapi.sent(OWNER)[-1].params["reply_markup"]["inline_keyboard"]
        send = keyboard[0][0]["callback_data"]  # nothing is queued before the owner confirms
        calls = await bot.press(OWNER, send, message_id=2)
        (text,) = [c.params["text"] for c in calls if c.method == "editMessageText"]
    assert "3 chats" in question and "0 channels" in question
    assert text == "📣 Queued for 3 chats."
    async with engine.connect() as conn:
        rows = (await conn.execute(
            select(outbox.c.chat_id, bodies.c.text, outbox.c.status)
            .join(bodies, bodies.c.id == outbox.c.body_id).where(outbox.c.kind == "broadcast")
        )).all()
    assert sorted(r.chat_id for r in rows) == [-1013, 11, 12]
    assert {r.text for r in rows} == {"Maintenance at 22:00 &lt;UTC&gt; &amp; back soon"}
    assert {r.status for r in rows} == {"pending"}
    # Nothing went out directly: the sender delivers it at Telegram's pace.
    assert not [c for c in botapi.sent() if c.chat_id in (11, 12, -1013)]
