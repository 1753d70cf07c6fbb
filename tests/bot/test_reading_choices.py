"""The reader's side of issue 11 on the running bot: /headlines (/titulares) and /settings,
/latest above 20 capped, the "all reports" button, /why (/porque)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from bot.flood import FloodLimiter
from bot.state import bot_state
from tests.bot.helpers import START, running_bot
from tests.compose.helpers import Told, add_told_story

USER = 702
VOTE = [Told("La Jornada", "MX", "es", "El Senado vota contra la intervención extranjera",
             "El Senado aprobó por unanimidad una reforma contra la intervención extranjera."),
        Told("Reuters", "US", "en", "Mexico's Senate votes against foreign intervention",
             "Mexico's Senate unanimously approved a reform against foreign intervention."),
        Told("Milenio", "MX", "es", "Senado aprueba reforma antiintervención",
             "La reforma constitucional pasó con 127 votos a favor.")]


async def _stories(engine) -> None:
    async with engine.begin() as conn:
        await add_told_story(conn, 2, VOTE, at=START - timedelta(hours=2),
                             themes={"sovereignty": 2.0}, hits=["intervención"])
        await add_told_story(conn, 3, [Told("Wire", "US", "en", "Tariffs on steel rise")],
                             at=START - timedelta(hours=1), themes={"tariffs": 1.0},
                             hits=["tariff*"])


def _markup(call: Any) -> dict:
    markup = call.params.get("reply_markup")
    return json.loads(markup) if isinstance(markup, str) else (markup or {})


async def _reply_to(bot, text: str, replied: dict) -> list[str]:
    """Send ``text`` as a reply to ``replied`` (a message the bot sent); the bot's answers."""
    update = bot.api.message(USER, text)
    update["message"]["reply_to_message"] = replied
    before = len(bot.api.calls)
    update_id = bot.api.push_update(update)
    await bot._handled(update_id, before, False)
    return [c.params.get("text", "") for c in bot.api.calls[before:] if c.method == "sendMessage"]


async def test_headline_choice_latest_cap_reports_and_why(botapi, engine, tmp_path):
    await _stories(engine)
    async with running_bot(botapi, engine, tmp_path) as bot:
        bot_state(bot.app).flood = FloodLimiter(limit=100)
        await bot.say(USER, "/start")
        [done] = await bot.say(USER, "/headlines both")
        assert done == "Headlines from now on: in English and Spanish side by side."
        [settings] = await bot.say(USER, "/settings")
        assert "Headlines: in English and Spanish side by side" in settings
        [bad] = await bot.say(USER, "/headlines fr")
        assert "“fr” is not one of reader, en, es, or both" in bad and "/headlines both" in bad

        before = len(bot.api.calls)
        note, listed = await bot.say(USER, "/latest 21")
        assert note == "/latest shows at most 20 stories: here are the 20 newest."
        assert ("Mexico's Senate votes against foreign intervention / "
                "El Senado vota contra la intervención extranjera") in listed
        assert "3 outlets · 🇲🇽 2 · 🇺🇸 1" in listed
        [sent] = [c for c in bot.api.calls[before:] if c.params.get("text") == listed]
        [[button]] = _markup(sent)["inline_keyboard"]
        assert button["callback_data"] == "rp:2"

        calls = await bot.press(USER, "rp:2", message_id=1)
        [reports] = [c.params["text"] for c in calls if c.method == "sendMessage"]
        assert reports.startswith("<b>All 3 reports</b>")
        assert '🇺🇸 <a href="https://news.example/2/1">Reuters</a> · EN' in reports
        calls = await bot.press(USER, "rp:999", message_id=1)
        assert [c.params["text"] for c in calls if c.method == "sendMessage"] == [
            "That story is no longer kept."]
        calls = await bot.press(USER, "rp:x", message_id=1)
        assert [c.method for c in calls] == ["answerCallbackQuery"]

        [why] = await _reply_to(bot, "/why", {
            "message_id": 50, "date": 0, "chat": {"id": USER, "type": "private"},
            "text": "🔔 New story", "reply_markup": {"inline_keyboard": [
                [{"text": "All 3 reports", "callback_data": "rp:2"}]]}})
        assert "Why this story reached you" in why and "Your themes: Sovereignty" in why
        assert "<code>matched: intervención</code>" in why
        [by_words] = await bot.say(USER, "/porque steel")
        assert "Tariffs on steel rise" in by_words and "tariff*" in by_words
        [by_link] = await bot.say(USER, "/why https://news.example/2/0")
        assert "intervención" in by_link
        [lost] = await bot.say(USER, "/why weather in Oslo")
        assert lost == "I can't find that story among this week's stories on your themes."
        for odd in ("99999999999999999999", "²"):  # no story id: read as words, found in none
            assert await bot.say(USER, f"/why {odd}") == [lost]
        [how] = await bot.say(USER, "/why")
        assert "Reply <code>/why</code> to an alert" in how

        [again] = await bot.say(USER, "/titulares lector")
        assert again == ("Headlines from now on: in this chat's language where a report in "
                         "it exists.")


async def test_the_sender_sends_a_part_with_its_buttons(engine, botapi):
    from telegram import Bot
    from telegram.request import HTTPXRequest

    from bot.delivery import Sender
    from briefings.ratelimit import Limits
    from briefings.render.parts import Button, telegram_markup
    from briefings.store import outbox as ob
    from tests.schedule.helpers import add_chats

    markup = telegram_markup([Button("All 3 reports", "rp:2")])
    async with engine.begin() as conn:
        await add_chats(conn, [31], now=START)
        await ob.enqueue(conn, chat_ids=[31], parts=["<b>one</b>", "two"], kind="brief",
                         now=START, markups=[markup])
    request = HTTPXRequest(connection_pool_size=2)
    async with Bot(botapi.token, base_url=botapi.base_url, request=request) as bot:
        sender = Sender(bot, engine, clock=lambda: START + timedelta(seconds=1),
                        limits=Limits(per_second=100, per_chat_interval=0.01, margin=0.0))
        report = await sender.drain()
    assert report.sent == 2
    first, second = botapi.sent(31)
    assert _markup(first) == {"inline_keyboard": [[{"text": "All 3 reports",
                                                     "callback_data": "rp:2"}]]}
    assert "reply_markup" not in second.params


@pytest.mark.parametrize("public_url", [None, "https://news.example.org"])
async def test_latest_and_brief_link_the_story_page_like_briefs_and_alerts(
        botapi, engine, tmp_path, public_url):
    """With pages (``BORDERBRIEF_PUBLIC_URL``) a story links to its full-coverage page, as a
    delivered brief or alert does; without, it carries the "all reports" button."""
    await _stories(engine)
    async with running_bot(botapi, engine, tmp_path, public_url=public_url) as bot:
        await bot.say(USER, "/start")
        for command in ("/latest", "/brief"):
            before = len(bot.api.calls)
            await bot.say(USER, command)
            [sent] = [c for c in bot.api.calls[before:] if c.method == "sendMessage"
                      and "Mexico's Senate votes" in c.params["text"]]
            buttons = [b for row in _markup(sent).get("inline_keyboard", []) for b in row]
            if public_url is None:
                assert [b.get("callback_data") for b in buttons] == ["rp:2"], command
                assert "/s/" not in sent.params["text"]
            else:
                assert buttons == [], command
                assert f'<a href="{public_url}/s/' in sent.params["text"], command
                assert "Full coverage →" in sent.params["text"]
