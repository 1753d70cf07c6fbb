"""Chat commands that say what they do (issue 14), through the running bot and the stand-in."""

import logging
from datetime import UTC, datetime

from bot.flood import FloodLimiter
from bot.state import bot_state
from bot.texts import t
from briefings.store import chats as store
from tests.bot.helpers import START, running_bot

USER = 701
NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message")


def _buttons(call) -> list[dict]:
    return [b for row in call.params["reply_markup"]["inline_keyboard"] for b in row]


def _answers(calls) -> list[str]:
    return [c.params.get("text", "") for c in calls if c.method == "answerCallbackQuery"]


def _edits(calls) -> list[str]:
    return [c.params["text"] for c in calls if c.method == "editMessageText"]


async def _chat(engine, chat_id=USER):
    async with engine.connect() as conn:
        return await store.get_chat(conn, chat_id)


async def test_stop_asks_first_and_no_keeps_the_chat(botapi, engine, tmp_path):
    async with running_bot(botapi, engine, tmp_path) as bot:
        await bot.say(USER, "/start")
        [question] = await bot.say(USER, "/stop")
        buttons = _buttons(botapi.sent(USER)[-1])
        kept = await bot.press(USER, "st:n", message_id=4)
        still = await _chat(engine)
        gone = await bot.press(USER, "st:y", message_id=4)
    assert "Forget this chat?" in question
    assert [b["callback_data"] for b in buttons] == ["st:y", "st:n"]
    assert still is not None and _edits(kept) == ["Nothing changed: I'm still here."]
    assert "forgot" in _edits(gone)[0] and await _chat(engine) is None


async def test_old_keyboards_never_register_a_stopped_chat_again(botapi, engine, tmp_path):
    async with running_bot(botapi, engine, tmp_path) as bot:
        await bot.say(USER, "/start")  # the theme picker is on message 3
        await bot.say(USER, "/language")  # the language keyboard
        await bot.say(USER, "/stop")
        await bot.press(USER, "st:y", message_id=6)
        taps = []
        for data in ("tg:tariffs", "td", "ln:es", "st:y"):
            taps += await bot.press(USER, data, message_id=3)
        chat = await _chat(engine)
    assert chat is None  # before: the toggle re-registered the chat with every default theme
    assert not [c for c in taps if c.method in ("sendMessage", "editMessageReplyMarkup")]
    assert sum("/start" in text for text in _answers(taps)) == 3  # "send /start first"


async def test_themes_in_a_chat_never_started_asks_for_start(botapi, engine, tmp_path):
    async with running_bot(botapi, engine, tmp_path) as bot:
        [reply] = await bot.say(USER, "/themes")
    assert "/start" in reply and await _chat(engine) is None


async def test_pause_shows_in_settings_with_the_alerts(botapi, engine, tmp_path):
    async with running_bot(botapi, engine, tmp_path) as bot:
        await bot.say(USER, "/start")
        [paused] = await bot.say(USER, "/pause")
        [alerts] = await bot.say(USER, "/alerts on")
        [settings] = await bot.say(USER, "/settings")
        [resumed] = await bot.say(USER, "/resume")
        [settings_after] = await bot.say(USER, "/settings")
    assert "alerts" in paused.lower() and "paused" in paused
    assert "paused" in alerts and "/resume" in alerts
    assert "Daily brief: 08:00 — paused" in settings
    assert "Alerts: on, paused with the brief (/resume)" in settings
    assert "Alerts: on\n" in settings_after and "today at 08:00" in resumed


async def test_next_brief_is_promised_only_when_it_will_be_sent(botapi, engine, tmp_path):
    async with running_bot(botapi, engine, tmp_path) as bot:  # the clock: 03:00 UTC
        await bot.say(USER, "/start")
        [sent_now] = await bot.say(USER, "/time 12:09")
        await bot.say(USER, "/pause")
        [paused] = await bot.say(USER, "/time 12:10")
        [paused_zone] = await bot.say(USER, "/timezone UTC")
        await bot.say(USER, "/resume")
        async with engine.begin() as conn:  # today's brief already went out, at 02:00
            await store.update_chat(conn, USER, last_brief_at=START.replace(hour=2))
        [had_one] = await bot.say(USER, "/time 12:09")
        had_one_chat = await _chat(engine)
        await bot.say(USER, "/unsubscribe all")
        [no_themes] = await bot.say(USER, "/time 12:30")
    assert "the next one today at 12:09" in sent_now
    assert "today" not in paused and "/resume" in paused
    assert "today" not in paused_zone and "/resume" in paused_zone
    assert "the next one tomorrow at 12:09" in had_one
    assert had_one_chat.next_brief_at == datetime(2026, 11, 26, 12, 9, tzinfo=UTC)
    assert "next one" not in no_themes and "/themes" in no_themes


async def test_timezone_offsets_cities_and_am_pm(botapi, engine, tmp_path):
    async with running_bot(botapi, engine, tmp_path) as bot:
        await bot.say(USER, "/start")
        [fixed] = await bot.say(USER, "/timezone UTC-3:30")
        [city] = await bot.say(USER, "/timezone Ciudad de México")
        [pm] = await bot.say(USER, "/time 7:30 pm")
        chat = await _chat(engine)
    assert "UTC-03:30" in fixed and "St_Johns" not in fixed
    assert "America/Mexico_City" in city
    assert "19:30" in pm
    assert (chat.timezone, chat.brief_time) == ("America/Mexico_City", "19:30")


async def test_language_alone_offers_a_keyboard_that_switches(botapi, engine, tmp_path):
    async with running_bot(botapi, engine, tmp_path) as bot:
        await bot.say(USER, "/start")
        [offer] = await bot.say(USER, "/language")
        buttons = _buttons(botapi.sent(USER)[-1])
        calls = await bot.press(USER, "ln:es", message_id=4)
        chat = await _chat(engine)
    assert "choose en or es" in offer
    assert {(b["text"], b["callback_data"]) for b in buttons} == {
        ("English", "ln:en"), ("Español", "ln:es")}
    assert _edits(calls) == ["Hablaré español aquí."] and chat.language == "es"


async def test_track_warns_about_common_words_and_unquoted_phrases(botapi, engine, tmp_path):
    async with running_bot(botapi, engine, tmp_path) as bot:
        await bot.say(USER, "/start")
        [common] = await bot.say(USER, '/track muro la "muro fronterizo"')
        [phrase] = await bot.say(USER, "/track wall border wall")
        [only_common] = await bot.say(USER, "/track noise the")
        [fine] = await bot.say(USER, '/track fence "border fence" barrier*')
        [both] = await bot.say(USER, "/track state secretary of state -church")
    assert "la: so common" in common and '<code>/track muro "muro fronterizo"</code>' in common
    assert "of: so common" in both and "<i>secretary of state</i>" in both
    assert '<code>/track state "secretary of state" -church</code>' in both
    assert "Without quotes, <i>border wall</i>" in phrase
    assert '<code>/track wall "border wall"</code>' in phrase
    assert "the: so common" in only_common and "<code>/untrack noise</code>" in only_common
    assert "⚠️" not in fine


async def test_spanish_channel_subcommands(botapi, engine, tmp_path):
    async with running_bot(botapi, engine, tmp_path) as bot:
        [empty] = await bot.say(USER, "/canal lista", language_code="es")
        [empty_en] = await bot.say(USER, "/channel list")
        [add] = await bot.say(USER, "/canal añadir", language_code="es")
        [remove] = await bot.say(USER, "/canal quitar", language_code="es")
        [themes] = await bot.say(USER, "/canal temas", language_code="es")
        [hour] = await bot.say(USER, "/canal hora @micanal", language_code="es")
        [unknown] = await bot.say(USER, "/canal volar", language_code="es")
    assert (empty, empty_en) == (t("es", "channel_list_empty"), t("en", "channel_list_empty"))
    for reply in (add, remove, themes):  # the subcommand was understood: it asks for a channel
        assert "Indica el canal como @nombre" in reply, reply
    assert "Indica el canal y la hora" in hour
    assert "Usa añadir, lista, temas o quitar" in unknown


async def test_done_twice_gets_no_error(botapi, engine, tmp_path, caplog):
    async with running_bot(botapi, engine, tmp_path) as bot:
        await bot.say(USER, "/start")
        first = await bot.press(USER, "td", message_id=3)
        botapi.fail_next("editMessageText", error_code=400, description=NOT_MODIFIED)
        second = await bot.press(USER, "td", message_id=3)
        await bot.settle()
    assert _edits(first) and not [t for t in _answers(first + second) if "wrong" in t]
    assert not [c for c in second if c.method == "sendMessage"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_4000_character_argument_gets_a_proper_answer(botapi, engine, tmp_path, caplog):
    long = "x" * 4000
    commands = ["/time", "/timezone", "/language", "/quiet", "/latest", "/topic", "/subscribe",
                "/unsubscribe", "/untrack", "/alerts", "/channel", "/channel themes @chan",
                "/track name", "/track", "/pause", "/canal"]
    async with running_bot(botapi, engine, tmp_path) as bot:
        bot_state(bot.app).flood = FloodLimiter(limit=100)  # not flooding: a table
        await bot.say(USER, "/start")
        replies = {command: await bot.say(USER, f"{command} {long}") for command in commands}
    for command, texts in replies.items():
        assert texts and all(len(text) < 4096 for text in texts), command
        assert not [t for t in texts if "went wrong" in t], command
        assert texts[0].startswith("⚠️"), (command, texts[0][:80])
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_an_empty_brief_counts_from_the_last_brief_only_when_there_was_one(
        botapi, engine, tmp_path):  # fmt: skip
    async with running_bot(botapi, engine, tmp_path) as bot:  # an empty store
        await bot.say(USER, "/start")
        [first] = await bot.say(USER, "/brief")
        async with engine.begin() as conn:
            await store.update_chat(conn, USER, last_brief_at=START.replace(hour=2))
        [later] = await bot.say(USER, "/brief")
        await bot.say(USER, "/language es")
        async with engine.begin() as conn:
            await store.update_chat(conn, USER, last_brief_at=None)
        [first_es] = await bot.say(USER, "/brief")
    assert "in the last 24 hours" in first and "last brief" not in first
    assert "since your last brief" in later
    assert "en las últimas 24 horas" in first_es
