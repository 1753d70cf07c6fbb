"""The seed article through match → file → compose → render, and `borderbrief brief` on it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from briefings.briefs.compose import alert_for, compose_brief
from briefings.render import (
    TELEGRAM,
    TelegramRenderer,
    TextRenderer,
    telegram_html_is_valid,
    tg_escape,
)
from briefings.store.db import open_engine, upgrade
from briefings.store.stories import recent_stories
from briefings.stories import file_items
from briefings.themes import Matcher, ThemeCatalogue, load_themes
from tests.stories.helpers import add_item, add_source

THEMES_TOML = Path(__file__).resolve().parents[2] / "config" / "themes.toml"
NOW = datetime(2025, 11, 18, 20, 0, tzinfo=UTC)

# Two more reports of the same news (another English outlet, a Spanish one), and one other story.
OTHERS = [
    (
        "Border Wire",
        "en",
        "Mexico's Sheinbaum warns against unilateral U.S. military action on drug cartels",
        "Mexican President Claudia Sheinbaum warned against any unilateral U.S. military action "
        "on Mexican soil amid rising tensions over drug trafficking and border security, after "
        "reports that the Trump administration weighs drone strikes on cartels.",
    ),
    (
        "Noticias del Norte",
        "es",
        "Sheinbaum advierte contra acciones militares unilaterales de EE.UU. por el narcotráfico",
        "La presidenta Claudia Sheinbaum advirtió contra cualquier acción militar unilateral de "
        "Estados Unidos en territorio mexicano, en medio de crecientes tensiones por el "
        "narcotráfico y la seguridad en la frontera.",
    ),
    (
        "Trade Daily",
        "en",
        "Mexico proposes tariffs of up to 50% on cars from China",
        "Mexico's government proposed raising tariffs to as much as 50% on cars imported "
        "from China and other Asian countries without trade agreements.",
    ),
]


def _seed(shared_data: Path) -> tuple[str, str]:
    lines = (shared_data.parent / "seed-article.txt").read_text(encoding="utf-8").splitlines()
    return lines[0].strip(), " ".join(line.strip() for line in lines[1:] if line.strip())


async def _fill(conn, shared_data: Path) -> list[int]:
    matcher = Matcher(load_themes(THEMES_TOML).themes)
    title, summary = _seed(shared_data)
    seed_source = await add_source(conn, "HotNews Digest", weight=2.0)
    stored = [
        await add_item(conn, seed_source, title=title, summary=summary, at=NOW - timedelta(hours=3))
    ]
    for i, (outlet, lang, t, s) in enumerate(OTHERS):
        source = await add_source(conn, outlet, language=lang)
        at = NOW - timedelta(hours=2, minutes=10 * i)
        stored.append(await add_item(conn, source, title=t, summary=s, language=lang, at=at))
    matches = {s.id: matcher.match(s.item.title, s.item.summary, s.item.language) for s in stored}
    assert {m.theme for m in matches[stored[0].id]} == {"sovereignty", "fentanyl", "tariffs"}
    result = await file_items(conn, stored, matches, NOW)
    return result.new_story_ids


async def test_seed_article_from_match_to_rendered_brief(engine, shared_data):
    themes = load_themes(THEMES_TOML)
    async with engine.begin() as conn:
        new = await _fill(conn, shared_data)
        assert len(new) == 2  # the strike story (three outlets, EN and ES) and the car tariffs
        views = await recent_stories(
            conn, themes=["sovereignty", "fentanyl", "tariffs"], since=NOW - timedelta(days=1)
        )
        briefs = {
            lang: await compose_brief(
                conn, themes=themes, since=NOW - timedelta(days=1), now=NOW, language=lang
            )
            for lang in ("en", "es")
        }
    strike = next(v for v in views if v.source_count == 3)
    assert strike.languages == ["en", "es"]
    assert set(strike.themes) == {"sovereignty", "fentanyl", "tariffs"}
    assert strike.sources[0] == "HotNews Digest"  # the heaviest source gives the headline
    assert strike.headline == _seed(shared_data)[0]
    brief = briefs["en"]
    assert brief.story_ids().count(strike.id) == 1  # once, in its strongest theme
    for lang, composed in briefs.items():
        (part,) = TelegramRenderer(show_terms=True).brief(composed)
        assert telegram_html_is_valid(part)
        # Issue 11: the story three outlets tell leads the brief, under a headline in the
        # reader's language (an English and a Spanish report exist), with its coverage line
        # instead of "+1 source".
        assert composed.lead is not None and composed.lead.stories[0].id == strike.id
        shown = composed.lead.stories[0].headline_for(lang)
        assert shown.language == lang and tg_escape(shown.text) in part
        assert ("3 outlets" if lang == "en" else "3 medios") in part
        text = TextRenderer().brief(composed)[0]
        assert "<" not in text.replace("< ", "")
    (alert,) = TELEGRAM.alert(alert_for(strike, "es", ThemeCatalogue(themes)))
    assert telegram_html_is_valid(alert) and "Soberanía" in alert


@pytest.fixture
def cli_store(tmp_path, monkeypatch, shared_data) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("BORDERBRIEF_DATABASE_URL", url)
    monkeypatch.setenv("BORDERBRIEF_THEMES", str(THEMES_TOML))
    return url


def test_cli_brief_on_an_empty_store(cli_store, capsys):
    assert main(["brief"]) == 0
    out = capsys.readouterr().out
    assert "borderbrief poll --once" in out and len(out.strip().splitlines()) == 1


def test_cli_brief_prints_the_stored_brief(cli_store, shared_data, capsys):
    async def fill() -> None:
        engine = open_engine(cli_store)
        try:
            await upgrade(engine)
            async with engine.begin() as conn:
                await _fill(conn, shared_data)
        finally:
            await engine.dispose()

    asyncio.run(fill())
    # the items are from NOW (a fixed day in the past): look back far enough to include them
    days = (datetime.now(UTC) - NOW).days + 2
    assert main(["brief", "--since", f"{days}d", "--lang", "es", "--terms"]) == 0
    text = capsys.readouterr().out
    assert "Resumen diario" in text and "3 medios" in text and "<b>" not in text
    assert "coincidencias:" in text

    assert main(["brief", "--since", f"{days}d", "--html", "--theme", "Aranceles"]) == 0
    html = capsys.readouterr().out
    assert "<b>Daily brief</b>" in html and "Mexico proposes tariffs" in html
    assert "Sovereignty" not in html

    assert main(["brief", "--since", "30m"]) == 0
    assert "No stories" in capsys.readouterr().out

    assert main(["brief", "--theme", "weather"]) == 2
    err = capsys.readouterr().err
    assert "unknown theme 'weather'" in err and "tariffs" in err
