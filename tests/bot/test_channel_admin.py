"""/channel time, and a channel's brief controlled only by its administrators of the moment."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from briefings.briefs.schedule import next_brief_at
from briefings.store import chats as store
from tests.bot.helpers import running_bot
from tests.bot.test_groups_channels import ADMIN, CHANNEL, _channel


async def _get(engine):
    async with engine.connect() as conn:
        return await store.get_chat(conn, CHANNEL)


async def test_channel_time_sets_time_and_zone_and_reschedules(botapi, engine, tmp_path):
    _channel(botapi)
    async with running_bot(botapi, engine, tmp_path) as bot:
        await bot.say(ADMIN, "/channel add @noticiasnorte")
        added = await _get(engine)
        [timed] = await bot.say(ADMIN, "/channel time @noticiasnorte 06:15")
        only_time = await _get(engine)
        [zoned] = await bot.say(ADMIN,
                                "/channel time @noticiasnorte 19:30 America/Mexico_City")
        both = await _get(engine)
        [bad_time] = await bot.say(ADMIN, "/channel time @noticiasnorte 25:99")
        [bad_zone] = await bot.say(ADMIN, "/channel time @noticiasnorte 07:00 Mars/Olympus")
        [missing] = await bot.say(ADMIN, "/channel time @noticiasnorte")
        after_bad = await _get(engine)
        now = bot.clock()
    assert added.brief_time == "08:00" and added.timezone == "UTC"
    assert only_time.brief_time == "06:15" and only_time.timezone == "UTC"
    assert only_time.next_brief_at == next_brief_at("06:15", "UTC", now)
    assert "Noticias Norte" in timed and "06:15" in timed
    assert both.brief_time == "19:30" and both.timezone == "America/Mexico_City"
    assert both.next_brief_at == next_brief_at("19:30", "America/Mexico_City", now)
    local = both.next_brief_at.astimezone(ZoneInfo("America/Mexico_City"))
    assert local.strftime("%H:%M") == "19:30" and both.next_brief_at - now < timedelta(days=1)
    assert "19:30" in zoned and "America/Mexico_City" in zoned
    for reply in (bad_time, bad_zone, missing):
        assert "/channel time @mychannel" in reply
    assert "25:99" in bad_time and "Mars/Olympus" in bad_zone
    assert after_bad == both  # a bad argument changes nothing


async def test_channel_time_in_spanish(botapi, engine, tmp_path):
    _channel(botapi)
    async with running_bot(botapi, engine, tmp_path) as bot:
        await bot.say(ADMIN, "/start", language_code="es")
        await bot.say(ADMIN, "/canal add @noticiasnorte", language_code="es")
        [reply] = await bot.say(ADMIN, "/canal time @noticiasnorte 07:00 UTC-6",
                                language_code="es")
    assert "recibirá su resumen diario a las <b>07:00</b>" in reply


async def test_former_channel_admin_loses_control(botapi, engine, tmp_path):
    _channel(botapi)
    async with running_bot(botapi, engine, tmp_path) as bot:
        await bot.say(ADMIN, "/channel add @noticiasnorte")
        before = await _get(engine)
        async with engine.connect() as conn:
            themes_before = await store.subscribed_themes(conn, CHANNEL)
        botapi.set_member(CHANNEL, ADMIN, "member")  # demoted
        checks = len(botapi.calls_of("getChatMember"))
        [themes] = await bot.say(ADMIN, "/channel themes @noticiasnorte fentanyl")
        [timed] = await bot.say(ADMIN, "/channel time @noticiasnorte 05:00")
        botapi.set_member(CHANNEL, ADMIN, "left")
        [removed] = await bot.say(ADMIN, f"/channel remove {CHANNEL}")
        after = await _get(engine)
        async with engine.connect() as conn:
            themes_after = await store.subscribed_themes(conn, CHANNEL)
        botapi.set_member(CHANNEL, ADMIN, "administrator")  # promoted again: control is back
        [again] = await bot.say(ADMIN, "/channel time @noticiasnorte 05:00")
    for reply in (themes, timed, removed):
        assert "you aren't one" in reply
    assert after == before and themes_after == themes_before
    asked = [c.params for c in botapi.calls_of("getChatMember")[checks:]]
    assert sum(1 for p in asked if p["user_id"] == ADMIN) >= 3
    assert "05:00" in again


def test_help_shows_channel_time():
    from bot.texts import t

    for lang in ("en", "es"):
        assert "/channel time @" in t(lang, "help")
