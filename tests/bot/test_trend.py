"""/trend through the running bot and the Bot API stand-in: a chart photo, or words when the
history is too short, in the chat's language."""

from __future__ import annotations

import re

from tests.bot.helpers import FakeClock, running_bot
from tests.web.fill import fill

USER = 611
PNG = b"\x89PNG\r\n\x1a\n"
PUBLIC_URL = "https://news.example.org"


async def test_trend_of_a_theme_is_a_chart_with_its_counts_and_page(botapi, engine, tmp_path):
    clock = FakeClock()
    await fill(engine, clock.now)
    async with running_bot(botapi, engine, tmp_path, clock=clock,
                           public_url=PUBLIC_URL) as bot:
        texts = await bot.say(USER, "/trend tariffs")
    assert texts == []
    [photo] = botapi.photos(USER)
    upload = photo.params["photo"]
    assert upload["data"].startswith(PNG) and upload["content_type"] == "image/png"
    assert len(upload["data"]) > 10_000
    caption = photo.params["caption"]
    assert re.match(r"<b>Tariffs</b>: 11 stories in 1[0-4] days\n", caption)
    assert "🇲🇽 Mexican press 3 · 🇺🇸 U.S. press 3 · Both 3 · Other press 2" in caption
    assert f'<a href="{PUBLIC_URL}/t/tariffs">' in caption
    assert photo.params["parse_mode"] == "HTML"


async def test_trend_in_spanish_by_its_spanish_name(botapi, engine, tmp_path):
    clock = FakeClock()
    await fill(engine, clock.now)
    async with running_bot(botapi, engine, tmp_path, clock=clock) as bot:
        await bot.say(USER, "/tendencia aranceles", language_code="es")
    [photo] = botapi.photos(USER)
    assert photo.params["caption"].startswith("<b>Aranceles</b>: 11 noticias en ")
    assert "Prensa de México 3" in photo.params["caption"]
    assert "<a href" not in photo.params["caption"]  # no public address: no page to link


async def test_too_little_history_is_said_not_drawn(botapi, engine, tmp_path):
    async with running_bot(botapi, engine, tmp_path) as bot:
        [reply] = await bot.say(USER, "/trend fentanyl")
    assert botapi.photos(USER) == []
    assert reply.startswith("Too little history to chart Fentanyl yet: 0 stories since "
                            "borderbrief began reading the news.")


async def test_bare_trend_charts_each_theme_of_the_chat(botapi, engine, tmp_path):
    clock = FakeClock()
    await fill(engine, clock.now)
    async with running_bot(botapi, engine, tmp_path, clock=clock) as bot:
        texts = await bot.say(USER, "/trend")
    assert len(botapi.photos(USER)) == 1  # tariffs has history; the others say so in words
    assert len(texts) == 2 and all(t.startswith("Too little history") for t in texts)


async def test_trend_of_an_unknown_theme_says_which_exist(botapi, engine, tmp_path):
    async with running_bot(botapi, engine, tmp_path) as bot:
        [reply] = await bot.say(USER, "/trend <b>weather</b>")
    assert "&lt;b&gt;weather&lt;/b&gt;" in reply and "/trend tariffs" in reply
    assert botapi.photos(USER) == []
