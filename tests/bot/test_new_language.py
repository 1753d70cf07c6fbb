"""A new UI language is a file: a Portuguese catalogue in a folder, nothing else.

/language offers it and switches to it, the command menu is set in it, briefs use its words and
its dates (CLDR), and what it does not translate reads in English.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from briefings import i18n
from briefings.briefs.content import Brief, Section
from briefings.render import TELEGRAM
from briefings.store.stories import StoryView
from tests.bot.helpers import running_bot

USER = 4242
PORTUGUESE = r'''
msgid ""
msgstr ""
"Language: pt\n"
"Content-Type: text/plain; charset=utf-8\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\n"

msgid "language_set"
msgstr "Vou falar português aqui."

msgid "language.names"
msgstr "portuguese português portugues"

msgid "command.latest"
msgstr "Últimas notícias dos seus temas"

msgid "brief.title"
msgstr "Resumo diário"

msgid "date.long"
msgstr "EEEE, d 'de' MMMM 'de' y"

msgid "story.outlets"
msgid_plural "story.outlets"
msgstr[0] "%(num)s veículo"
msgstr[1] "%(num)s veículos"
'''


@pytest.fixture
def portuguese(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "locale"
    po = folder / "pt" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text(PORTUGUESE, encoding="utf-8")
    i18n.use_catalogues(folder)
    yield folder
    i18n.use_catalogues()  # the shipped catalogues alone again


async def test_language_offers_a_new_catalogue_and_speaks_it(botapi, engine, tmp_path,
                                                             portuguese):
    async with running_bot(botapi, engine, tmp_path) as bot:
        [offer] = await bot.say(USER, "/language")
        [chosen] = await bot.say(USER, "/language português")
        [help_text] = await bot.say(USER, "/help")
        [by_code] = await bot.say(USER + 1, "/language pt")
    assert "choose en, es, or pt" in offer  # CLDR: English lists with a serial comma
    assert chosen == by_code == "Vou falar português aqui."
    assert help_text.startswith("<b>borderbrief</b> — U.S.–Mexico news")  # not translated yet
    menus = {c.params.get("language_code"): c.params["commands"]
             for c in botapi.calls_of("setMyCommands")}
    assert set(menus) == {None, "es", "pt"}
    latest = {c["command"]: c["description"] for c in menus["pt"]}
    assert latest["latest"] == "Últimas notícias dos seus temas"
    assert latest["brief"] == "Your brief, right now"  # English where pt says nothing


def test_a_brief_in_the_new_language_uses_its_words_dates_and_plurals(portuguese):
    now = datetime(2025, 11, 18, 14, 5, tzinfo=UTC)
    story = StoryView(id=1, headline="Headline", url="https://news.example/1", summary="",
                      first_seen_at=now, last_seen_at=now, source_count=3, sources=["A"],
                      languages=["en"], themes={"tariffs": 1.0}, hits=[])
    brief = Brief(i18n.language_of("pt-BR"), now, now - timedelta(days=1),
                  [Section("tariffs", "Tarifas", [story], None)])
    (part,) = TELEGRAM.brief(brief)
    assert part.startswith("<b>Resumo diário</b> · terça-feira, 18 de novembro de 2025")
    assert "3 veículos" in part  # issue 11: the coverage line replaced "+2 sources"
    assert i18n.languages() == ("en", "es", "pt")
    i18n.use_catalogues()
    assert i18n.languages() == ("en", "es") and i18n.language_of("pt-BR") == "en"
