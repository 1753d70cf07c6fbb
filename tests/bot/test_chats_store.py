"""The chats store: registration, subscriptions, own themes, settings, forgetting."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from briefings import chats as chat_settings
from briefings.model import ThemeRef
from briefings.store import channels as channel_store
from briefings.store import chats as store
from briefings.store.tables import (
    bodies,
    chat_themes,
    item_themes,
    items,
    outbox,
    sent_stories,
    sources,
    subscriptions,
)

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


async def _register(conn, chat_id=42, **kw):
    args = dict(
        chat_id=chat_id, chat_type="private", language="en", timezone="America/Mexico_City",
        brief_time="08:00", themes=["sovereignty", "tariffs"], now=NOW,
    )
    args.update(kw)
    return await chat_settings.register_chat(conn, **args)


async def test_register_creates_with_defaults_and_next_brief(engine):
    async with engine.begin() as conn:
        chat, created = await _register(conn)
        themes = await store.subscribed_themes(conn, 42)
    assert created
    assert themes == ["sovereignty", "tariffs"]
    # 08:00 in Mexico City (UTC-6) after 03:00 UTC (21:00 local) is 14:00 UTC the same day.
    assert chat.next_brief_at == datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
    assert (chat.language, chat.paused, chat.alerts, chat.active) == ("en", False, False, True)


async def test_register_twice_keeps_settings_and_subscriptions(engine):
    async with engine.begin() as conn:
        await _register(conn)
        await store.unsubscribe(conn, 42, ["tariffs"])
        await store.update_chat(conn, 42, language="es")
        chat, created = await _register(conn, themes=["fentanyl"], title="Ana")
        themes = await store.subscribed_themes(conn, 42)
    assert not created
    assert chat.language == "es" and chat.title == "Ana"
    assert themes == ["sovereignty"]


async def test_register_reactivates_a_deactivated_chat(engine):
    async with engine.begin() as conn:
        await _register(conn)
        await store.update_chat(conn, 42, active=False, deactivated_reason="blocked")
        chat, _ = await _register(conn)
    assert chat.active


async def test_subscribe_unsubscribe_toggle(engine):
    async with engine.begin() as conn:
        await _register(conn, themes=[])
        assert await store.subscribe(conn, 42, ["tariffs", "tariffs", "fentanyl"]) == [
            "tariffs", "fentanyl"]
        assert await store.subscribe(conn, 42, ["tariffs"]) == []
        assert await store.unsubscribe(conn, 42, ["tariffs", "sovereignty"]) == ["tariffs"]
        assert await store.toggle_theme(conn, 42, "sovereignty") is True
        assert await store.toggle_theme(conn, 42, "fentanyl") is False
        assert await store.subscribed_themes(conn, 42) == ["sovereignty"]


@pytest.mark.parametrize(
    ("brief_time", "tz", "expected"),
    [
        ("07:30", None, datetime(2026, 11, 25, 13, 30, tzinfo=UTC)),
        (None, "Europe/Madrid", datetime(2026, 11, 25, 7, 0, tzinfo=UTC)),
        ("02:00", "UTC", datetime(2026, 11, 26, 2, 0, tzinfo=UTC)),
    ],
)
async def test_set_schedule_recomputes_next_brief(engine, brief_time, tz, expected):
    async with engine.begin() as conn:
        await _register(conn)
        chat = await chat_settings.set_schedule(
            conn, 42, now=NOW, brief_time=brief_time, timezone=tz
        )
    assert chat.next_brief_at == expected
    assert chat.brief_time == (brief_time or "08:00")


async def test_set_schedule_on_unknown_chat_raises(engine):
    async with engine.begin() as conn:
        with pytest.raises(store.ChatNotFound):
            await chat_settings.set_schedule(conn, 7, now=NOW, brief_time="09:00")


async def test_resume_schedules_from_now_without_catching_up(engine):
    async with engine.begin() as conn:
        await _register(conn)
        await chat_settings.set_paused(conn, 42, True, now=NOW)
        later = NOW + timedelta(days=3)
        chat = await chat_settings.set_paused(conn, 42, False, now=later)
    assert not chat.paused
    assert chat.next_brief_at == datetime(2026, 11, 28, 14, 0, tzinfo=UTC)


async def test_quiet_hours_set_and_clear(engine):
    async with engine.begin() as conn:
        await _register(conn)
        chat = await store.set_quiet(conn, 42, ("22:00", "07:00"))
        assert chat.quiet == ("22:00", "07:00")
        chat = await store.set_quiet(conn, 42, None)
    assert chat.quiet is None


async def test_track_caps_redefines_and_untracks(engine):
    async with engine.begin() as conn:
        await _register(conn)
        assert await store.track(conn, 42, "wall", "wall border*", now=NOW, cap=2) is True
        assert await store.track(conn, 42, "ports", "port*", now=NOW, cap=2) is True
        with pytest.raises(store.TooManyThemes):
            await store.track(conn, 42, "third", "x", now=NOW, cap=2)
        # Redefining an existing one is not a new theme, so the cap does not apply.
        assert await store.track(conn, 42, "wall", "wall -paint", now=NOW, cap=2) is False
        own = await store.list_chat_themes(conn, 42)
        keys = await store.theme_keys(conn, 42)
        assert await store.untrack(conn, 42, "ports") is True
        assert await store.untrack(conn, 42, "ports") is False
        left = [t.name for t in await store.list_chat_themes(conn, 42)]
    assert [(t.name, t.terms) for t in own] == [("ports", "port*"), ("wall", "wall -paint")]
    assert keys == ["sovereignty", "tariffs", "c42:ports", "c42:wall"]
    assert left == ["wall"]


def test_custom_theme_key_round_trip():
    key = ThemeRef("my wall", -1001234).key
    assert key == "c-1001234:my wall"
    assert ThemeRef.parse(key) == ThemeRef("my wall", -1001234)
    assert ThemeRef.parse("tariffs") == ThemeRef("tariffs")  # a shared theme
    assert ThemeRef.parse("cartels") == ThemeRef("cartels")


async def test_channel_owner_and_listing(engine):
    async with engine.begin() as conn:
        await _register(conn, chat_id=-1002, chat_type="channel", title="Beta")
        await _register(conn, chat_id=-1001, chat_type="channel", title="alpha")
        await _register(conn, chat_id=-1003, chat_type="channel", title="Other's")
        await channel_store.set_channel_owner(conn, -1002, 5, now=NOW)
        await channel_store.set_channel_owner(conn, -1001, 5, now=NOW)
        await channel_store.set_channel_owner(conn, -1003, 6, now=NOW)
        mine = await channel_store.channels_of(conn, 5)
        owner = await channel_store.channel_owner(conn, -1003)
    assert [c.title for c in mine] == ["alpha", "Beta"]
    assert owner == 6


async def test_forget_chat_deletes_everything_it_owns(engine):
    async with engine.begin() as conn:
        await _register(conn)
        await _register(conn, chat_id=43)
        await store.track(conn, 42, "wall", "wall", now=NOW, cap=5)
        await store.track(conn, 43, "wall", "wall", now=NOW, cap=5)
        source_id = (await conn.execute(insert(sources).values(
            name="S", url="https://s.example/f", language="en", created_at=NOW
        ))).inserted_primary_key[0]
        item_id = (await conn.execute(insert(items).values(
            source_id=source_id, guid="g", language="en", published_at=NOW, fetched_at=NOW
        ))).inserted_primary_key[0]
        for key in ("c42:wall", "c43:wall", "tariffs"):
            await conn.execute(insert(item_themes).values(
                item_id=item_id, theme=key, score=1.0, hits=[]))
        body_id = (await conn.execute(insert(bodies).values(
            text="hi", created_at=NOW))).inserted_primary_key[0]
        await conn.execute(insert(outbox).values(
            chat_id=42, body_id=body_id, kind="brief", not_before=NOW, created_at=NOW))
        await conn.execute(insert(sent_stories), [
            {"chat_id": c, "story_id": 1, "sent_at": NOW} for c in (42, 43)])
        assert await store.forget_chat(conn, 42) is True
        assert await store.forget_chat(conn, 42) is False
        assert await store.get_chat(conn, 42) is None

        async def count(table, where):
            return (await conn.execute(select(func.count()).select_from(table).where(where))
                    ).scalar_one()

        assert await count(subscriptions, subscriptions.c.chat_id == 42) == 0
        assert await count(chat_themes, chat_themes.c.chat_id == 42) == 0
        assert await count(outbox, outbox.c.chat_id == 42) == 0
        assert await count(sent_stories, sent_stories.c.chat_id == 42) == 0
        assert await count(sent_stories, sent_stories.c.chat_id == 43) == 1
        left = set((await conn.execute(select(item_themes.c.theme))).scalars())
        other = await store.subscribed_themes(conn, 43)
    assert left == {"c43:wall", "tariffs"}
    assert other == ["sovereignty", "tariffs"]
