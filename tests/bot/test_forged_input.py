"""Forged input (a webhook update anyone can build): nothing unknown, and no NUL, is stored.

Telegram never sends these, but an update can be forged (a leaked webhook secret, a modified
client sending callback data of its own). Every case runs on SQLite and on PostgreSQL, which
refuses a NUL byte in text outright.
"""

import logging

import pytest
from sqlalchemy import select

from briefings.store import chats as store
from briefings.store.tables import chat_themes, chats, subscriptions
from tests.bot.helpers import running_bot

USER = 601
SHARED = {"sovereignty", "fentanyl", "tariffs"}


async def _rows(engine):
    async with engine.connect() as conn:
        subs = {row.theme for row in await conn.execute(select(subscriptions))}
        own = [(row.name, row.terms) for row in await conn.execute(select(chat_themes))]
        titles = [row.title for row in await conn.execute(select(chats))]
    return subs, own, titles


@pytest.mark.parametrize("data", [
    "tg:TARIFFS",
    "tg:tariffs\x00",
    "tg:\x00",
    "tg:tariffs ",
    "tg:Aranceles",
    "tg:no-such-theme",
    "tg:c601:mine",  # an own theme is never a picker button
    "tg:" + "tariffs" * 20,  # longer than Telegram's 64 bytes
])
async def test_a_forged_picker_button_stores_nothing(botapi, engine, tmp_path, caplog, data):
    async with running_bot(botapi, engine, tmp_path) as bot:
        await bot.say(USER, "/start")
        await bot.press(USER, "tg:tariffs", message_id=2)  # off: a forged "on" would show
        before = len(botapi.calls)
        calls = await bot.press(USER, data, message_id=2)
        await bot.settle()
    subs, _own, _titles = await _rows(engine)
    assert subs == SHARED - {"tariffs"}
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert "text" not in calls[0].params  # a silent answer: no toggle was made
    assert not [c for c in botapi.calls[before:] if c.method == "sendMessage"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("data", [
    "tp:tariffs\x00",
    "tp:TARIFFS\x00",
    "tp:c601:mine\x00",
    "tp:c601:\x00",
    "tp:TARIFFS",
    "tp:c602:mine",  # another chat's own theme
    "tp:c0601:mine",
    "tp:" + "x" * 100,
])
async def test_a_forged_topic_button_is_answered_without_an_error(botapi, engine, tmp_path,
                                                                  caplog, data):
    async with running_bot(botapi, engine, tmp_path) as bot:
        await bot.say(USER, "/start")
        await bot.say(USER, "/track mine border wall")
        before = len(botapi.calls)
        await bot.press(USER, data, message_id=2)
        await bot.settle()
    answers = [c for c in botapi.calls[before:] if c.method == "answerCallbackQuery"]
    assert len(answers) == 1 and "text" not in answers[0].params
    assert not [c for c in botapi.calls[before:] if c.method == "sendMessage"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("data", ["tp:tariffs", "tp:c601:mine"])
async def test_a_real_topic_button_still_answers(botapi, engine, tmp_path, data):
    async with running_bot(botapi, engine, tmp_path) as bot:
        await bot.say(USER, "/start")
        await bot.say(USER, "/track mine border wall")
        before = len(botapi.calls)
        await bot.press(USER, data, message_id=2)
        await bot.settle()
    [reply] = [c.params["text"] for c in botapi.calls[before:] if c.method == "sendMessage"]
    assert "No stories" in reply


@pytest.mark.parametrize("command", [
    "/subscribe tariffs\x00",
    "/subscribe \x00",
    "/unsubscribe fentanyl\x00",
    "/track mine border\x00wall",
    "/track mi\x00ne border wall",
    "/untrack mine\x00",
    "/timezone Europe/Madrid\x00",
    "/time 07:30\x00",
    "/quiet 22:00-07:00\x00",
    "/language es\x00",
    "/alerts off\x00",
    "/topic tariffs\x00",
    "/topic mine\x00",
    "/latest 3\x00",
    "/channel add @news\x00chan",
    "/channel themes @newschan tariffs\x00",
])
async def test_no_nul_from_a_command_reaches_the_store(botapi, engine, tmp_path, caplog,
                                                       command):
    async with running_bot(botapi, engine, tmp_path) as bot:
        await bot.say(USER, "/start")
        await bot.say(USER, "/track mine border wall")
        replies = await bot.say(USER, command)
    subs, own, _titles = await _rows(engine)
    assert replies and not [r for r in replies if "went wrong" in r]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert subs <= SHARED | {"c601:mine"}
    assert all("\x00" not in name + terms for name, terms in own)
    async with engine.connect() as conn:
        chat = await store.get_chat(conn, USER)
    assert chat is not None and "\x00" not in chat.timezone + chat.brief_time + chat.language


async def test_a_name_with_nul_is_stored_without_it(botapi, engine, tmp_path, caplog):
    async with running_bot(botapi, engine, tmp_path) as bot:
        update = botapi.message(USER, "/start")
        update["message"]["chat"]["first_name"] = "A\x00na"
        update["message"]["chat"]["username"] = "ana\x00"
        update["message"]["from"]["first_name"] = "A\x00na"
        before = len(botapi.calls)
        update_id = botapi.push_update(update)
        await botapi.wait_for(lambda: update_id in bot.processed)
        replies = [c.params["text"] for c in botapi.calls[before:] if c.method == "sendMessage"]
    _subs, _own, titles = await _rows(engine)
    assert replies and not [r for r in replies if "went wrong" in r]
    assert titles == ["Ana"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
