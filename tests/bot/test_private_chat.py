"""A private chat with the running bot: start, themes keyboard, settings commands, stop."""

from datetime import UTC, datetime

from sqlalchemy import func, select
from telegram.ext import CommandHandler

from bot.handlers import COMMANDS
from bot.owner import COMMANDS as OWNER_COMMANDS
from briefings.store import chats as store
from briefings.store.tables import chats, subscriptions
from tests.bot.helpers import running_bot

USER = 501
ALL_NAMES = {*COMMANDS, *OWNER_COMMANDS}


async def test_start_registers_greets_and_shows_the_picker(botapi, engine, tmp_path):
    async with running_bot(botapi, engine, tmp_path) as bot:
        texts = await bot.say(USER, "/start")
        await botapi.wait_for(lambda: len(botapi.sent(USER)) >= 2)
    greeting, picker = botapi.sent(USER)[:2]
    assert "borderbrief" in greeting.params["text"] and "08:00" in greeting.params["text"]
    buttons = [b for row in picker.params["reply_markup"]["inline_keyboard"] for b in row]
    data = [b["callback_data"] for b in buttons]
    assert {"tg:sovereignty", "tg:fentanyl", "tg:tariffs", "td"} <= set(data)
    assert all(b["text"].startswith("✅") for b in buttons if b["callback_data"] != "td")
    assert all(len(d.encode()) <= 64 for d in data)
    async with engine.connect() as conn:
        chat = await store.get_chat(conn, USER)
        themes = await store.subscribed_themes(conn, USER)
    assert texts and chat is not None and chat.type == "private" and chat.language == "en"
    assert set(themes) >= {"sovereignty", "fentanyl", "tariffs"}
    assert chat.next_brief_at == datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


async def test_toggling_a_theme_edits_the_keyboard_in_place(botapi, engine, tmp_path):
    async with running_bot(botapi, engine, tmp_path) as bot:
        await bot.say(USER, "/start")
        await botapi.wait_for(lambda: len(botapi.sent(USER)) >= 2)
        picker = botapi.sent(USER)[1]
        message_id = 2  # the stand-in numbers the bot's messages per chat
        calls = await bot.press(USER, "tg:tariffs", message_id=message_id)
        await botapi.wait_for(lambda: botapi.calls_of("editMessageReplyMarkup"))
        async with engine.connect() as conn:
            after_off = await store.subscribed_themes(conn, USER)
        await bot.press(USER, "tg:tariffs", message_id=message_id)
        await botapi.wait_for(lambda: len(botapi.calls_of("editMessageReplyMarkup")) >= 2)
        async with engine.connect() as conn:
            after_on = await store.subscribed_themes(conn, USER)
        await bot.press(USER, "td", message_id=message_id)
        await botapi.wait_for(lambda: botapi.calls_of("editMessageText"))
    assert picker.params["reply_markup"]
    answer = next(c for c in calls if c.method == "answerCallbackQuery")
    assert "off" in answer.params["text"]
    first_edit = botapi.calls_of("editMessageReplyMarkup")[0]
    assert first_edit.params["message_id"] == message_id
    marks = {b["callback_data"]: b["text"][0] for row in
             first_edit.params["reply_markup"]["inline_keyboard"] for b in row}
    assert marks["tg:tariffs"] == "▫" and marks["tg:fentanyl"] == "✅"
    assert "tariffs" not in after_off and "tariffs" in after_on
    closed = botapi.calls_of("editMessageText")[0].params["text"]
    assert "/themes" in closed and "Tariffs" in closed


async def test_settings_commands_change_the_chat(botapi, engine, tmp_path):
    async with running_bot(botapi, engine, tmp_path) as bot:
        await bot.say(USER, "/start")
        [time_reply] = await bot.say(USER, "/time 7:30")
        [tz_reply] = await bot.say(USER, "/timezone America/Mexico_City")
        [offset_reply] = await bot.say(USER, "/timezone UTC-6")
        [alerts] = await bot.say(USER, "/alerts on")
        [quiet] = await bot.say(USER, "/quiet 22:00-07:00")
        [paused] = await bot.say(USER, "/pause")
        [settings] = await bot.say(USER, "/settings")
        [resumed] = await bot.say(USER, "/resume")
        async with engine.connect() as conn:
            chat = await store.get_chat(conn, USER)
    assert "07:30" in time_reply and "today at 07:30" in time_reply
    assert "America/Mexico_City" in tz_reply and "tomorrow at 07:30" in tz_reply
    assert "Etc/GMT+6" in offset_reply
    assert "on" in alerts and "22:00–07:00" in quiet and "paused" in paused.lower()
    assert "paused" in settings and "Etc/GMT+6" in settings and "22:00–07:00" in settings
    assert "07:30" in resumed
    assert (chat.brief_time, chat.timezone, chat.alerts, chat.paused) == (
        "07:30", "Etc/GMT+6", True, False)
    assert chat.quiet == ("22:00", "07:00")
    # 07:30 at UTC-6 is 13:30 UTC; the clock stands at 03:00 UTC.
    assert chat.next_brief_at == datetime(2026, 11, 25, 13, 30, tzinfo=UTC)


async def test_subscribe_and_unsubscribe_by_name_in_either_language(botapi, engine, tmp_path):
    async with running_bot(botapi, engine, tmp_path) as bot:
        await bot.say(USER, "/start")
        [off] = await bot.say(USER, "/unsubscribe aranceles fentanyl")
        async with engine.connect() as conn:
            after_off = await store.subscribed_themes(conn, USER)
        [on] = await bot.say(USER, "/subscribe Tariffs")
        [again] = await bot.say(USER, "/subscribe tariffs")
        async with engine.connect() as conn:
            after_on = await store.subscribed_themes(conn, USER)
    assert "tariffs" not in after_off and "fentanyl" not in after_off
    assert "Unsubscribed" in off
    assert "tariffs" in after_on and "Subscribed" in on
    assert "already" in again


async def test_stop_forgets_the_chat_and_its_data(botapi, engine, tmp_path):
    async with running_bot(botapi, engine, tmp_path) as bot:
        await bot.say(USER, "/start")
        await bot.say(USER, "/track wall \"border wall\" barrier*")
        await bot.say(USER, "/stop")  # asks first; the answer is a button
        calls = await bot.press(USER, "st:y", message_id=5)
        [bye] = [c.params["text"] for c in calls if c.method == "editMessageText"]
        [again] = await bot.say(USER, "/stop")
        [settings] = await bot.say(USER, "/settings")
    async with engine.connect() as conn:
        chats_left = (await conn.execute(select(func.count()).select_from(chats))).scalar_one()
        subs_left = (await conn.execute(
            select(func.count()).select_from(subscriptions))).scalar_one()
        own = await store.list_chat_themes(conn, USER)
    assert "forgot" in bye and "/start" in bye
    assert "nothing" in again
    assert "/start" in settings
    assert (chats_left, subs_left, own) == (0, 0, [])


async def test_track_list_untrack(botapi, engine, tmp_path):
    async with running_bot(botapi, engine, tmp_path) as bot:
        await bot.say(USER, "/start")
        [none] = await bot.say(USER, "/track")
        [tracked] = await bot.say(USER, '/track Wall "border wall" barrier* -paint')
        [listed] = await bot.say(USER, "/track")
        async with engine.connect() as conn:
            keys = await store.theme_keys(conn, USER)
        [removed] = await bot.say(USER, "/untrack wall")
        [gone] = await bot.say(USER, "/untrack wall")
        async with engine.connect() as conn:
            own = await store.list_chat_themes(conn, USER)
    assert "/track" in none
    assert "Tracking <b>wall</b>" in tracked and "barrier*" in tracked
    assert "wall:" in listed and "1/5" in listed
    assert f"c{USER}:wall" in keys
    assert "Stopped tracking" in removed
    assert gone.startswith("⚠️") and "Example" in gone
    assert own == []


async def test_track_is_capped_per_chat(botapi, engine, tmp_path):
    async with running_bot(botapi, engine, tmp_path) as bot:
        for n in range(5):
            await bot.say(USER, f"/track t{n} word{n}")
        [refused] = await bot.say(USER, "/track t5 word5")
    assert refused.startswith("⚠️") and "5" in refused and "/untrack" in refused


# Registered command handlers deliberately left out of every menu, and why.
HIDDEN = {
    # The owner's commands (BORDERBRIEF_OWNER_IDS): other users must not be shown them.
    "stats", "sources", "addsource", "removesource", "reload", "broadcast",
}


def menus_set(botapi) -> dict[tuple[str, str | None], dict[str, str]]:
    """Each setMyCommands call's menu, by (scope type, language code): command → description."""
    return {(c.params.get("scope", {"type": "default"})["type"], c.params.get("language_code")):
            {m["command"]: m["description"] for m in c.params["commands"]}
            for c in botapi.calls_of("setMyCommands")}


def registered_commands(app) -> set[str]:
    """The name of every command handler, not its other languages' spellings (a handler the
    command tables do not know shows every name it answers to)."""
    found: set[str] = set()
    for handlers in app.handlers.values():
        for handler in handlers:
            if isinstance(handler, CommandHandler):
                found |= (handler.commands & ALL_NAMES) or handler.commands
    return found


async def test_set_my_commands_and_descriptions_in_english_and_spanish(botapi, engine, tmp_path):
    async with running_bot(botapi, engine, tmp_path):
        await botapi.wait_for(lambda: len(botapi.calls_of("setMyShortDescription")) >= 2)
    menus = menus_set(botapi)
    assert set(menus) == {(scope, lang) for scope in ("default", "all_group_chats",
                                                      "all_chat_administrators")
                          for lang in (None, "es")}
    for scope in ("default", "all_group_chats", "all_chat_administrators"):
        english, spanish = menus[scope, None], menus[scope, "es"]
        assert list(english) == list(spanish), scope  # same commands, same order
        assert english["latest"] != spanish["latest"]
        assert all(3 <= len(about) <= 256 for about in [*english.values(), *spanish.values()])
    descriptions = {c.params.get("language_code"): c.params["description"]
                    for c in botapi.calls_of("setMyDescription")}
    assert set(descriptions) == {None, "es"} and "noticias" in descriptions["es"]


async def test_the_menu_lists_every_command_in_english_and_spanish(botapi, engine, tmp_path):
    async with running_bot(botapi, engine, tmp_path) as bot:
        await botapi.wait_for(lambda: len(botapi.calls_of("setMyCommands")) >= 6)
        commands = registered_commands(bot.app)
    menus = menus_set(botapi)
    # A private chat's menu: every command a handler answers, but the deliberately hidden.
    assert commands >= HIDDEN
    for lang in (None, "es"):
        assert set(menus["default", lang]) == commands - HIDDEN, lang
    assert menus["default", None]["headlines"].startswith("Headlines in your language")
    assert menus["default", None]["why"].startswith("Why a story reached you")
    assert menus["default", "es"]["headlines"].startswith("Titulares en tu idioma")
    assert menus["default", "es"]["why"].startswith("Por qué te llegó una noticia")
    assert menus["default", "es"]["quiet"] == "Horas sin alertas"
    for lang in (None, "es"):
        group, admin = set(menus["all_group_chats", lang]), set(menus["all_chat_administrators",
                                                                      lang])
        # Anyone in a group reads; administrators also change the group's settings; /channel
        # is set up in a private chat only.
        assert {"latest", "brief", "topic", "trend", "why", "settings", "help"} == group
        assert group < admin == commands - HIDDEN - {"channel"}


async def test_spanish_user_gets_a_spanish_ui(botapi, engine, tmp_path):
    async with running_bot(botapi, engine, tmp_path) as bot:
        await bot.say(USER, "/start", language_code="es-MX")
        await botapi.wait_for(lambda: len(botapi.sent(USER)) >= 2)
        greeting, picker = botapi.sent(USER)[:2]
        [time_reply] = await bot.say(USER, "/time 25:00", language_code="es-MX")
        [english] = await bot.say(USER, "/language en", language_code="es-MX")
        [help_text] = await bot.say(USER, "/ayuda", language_code="es-MX")
    assert "¡Hola" in greeting.params["text"]
    labels = [b["text"] for row in picker.params["reply_markup"]["inline_keyboard"] for b in row]
    assert any("Aranceles" in label for label in labels) and "Listo" in labels[-1]
    assert time_reply.startswith("⚠️") and "Ejemplo" in time_reply
    assert english == "I'll speak English here."
    assert "Reading" in help_text


async def test_unknown_command_gets_a_hint(botapi, engine, tmp_path):
    async with running_bot(botapi, engine, tmp_path) as bot:
        [hint] = await bot.say(USER, "/frobnicate")
    assert "/help" in hint


async def test_topic_without_argument_offers_a_keyboard_with_own_themes(botapi, engine, tmp_path):
    async with running_bot(botapi, engine, tmp_path) as bot:
        await bot.say(USER, "/track wall barrier*")
        await bot.say(USER, "/topic")
    [keyboard] = [c for c in botapi.sent(USER) if "reply_markup" in c.params]
    data = [b["callback_data"] for row in keyboard.params["reply_markup"]["inline_keyboard"]
            for b in row]
    assert {"tp:sovereignty", "tp:fentanyl", "tp:tariffs", f"tp:c{USER}:wall"} <= set(data)
    assert "Which theme" in keyboard.params["text"]
