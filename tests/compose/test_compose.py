"""Compose: ranking, the lead story, trend, a section per theme with a cap, never a story
already sent."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from briefings.briefs.compose import compose_brief, latest, rank, score
from briefings.render import TELEGRAM, telegram_html_is_valid
from briefings.store.stories import StoryView, mark_sent
from tests.compose.helpers import Told, add_told_story
from tests.stories.headlines import REPORTS
from tests.stories.helpers import add_chat, match

NOW = datetime(2025, 11, 18, 20, 0, tzinfo=UTC)
THEMES_TOML = Path(__file__).resolve().parents[2] / "config" / "themes.toml"


def view(sid, *, hours_ago=1.0, sources=1, strength=1.0, theme="tariffs") -> StoryView:
    at = NOW - timedelta(hours=hours_ago)
    return StoryView(sid, f"h{sid}", "", "", at, at, sources, [], [], {theme: strength}, [])


def test_rank_weighs_recency_sources_and_strength():
    fresh, old = view(1, hours_ago=1), view(2, hours_ago=20)
    assert rank([old, fresh], NOW) == [fresh, old]
    wide, narrow = view(3, sources=5), view(4, sources=1)
    assert rank([narrow, wide], NOW) == [wide, narrow]
    strong, weak = view(5, strength=3.0), view(6, strength=0.5)
    assert rank([weak, strong], NOW) == [strong, weak]
    # four outlets twelve hours ago weigh as much as one outlet now (see the formula)
    assert score(view(7, hours_ago=12, sources=4), NOW) == pytest.approx(
        1.5 * score(view(8, hours_ago=0, sources=1), NOW)
    )
    # ties: the more recent, then the higher id
    assert [s.id for s in rank([view(9), view(10)], NOW)] == [10, 9]


async def _file(conn, reports, at, themes_for):
    """One story of ``reports`` (one event), its themes as ``themes_for`` matches each report.

    Written straight into the tables, so briefs are tested on the stories the labels say,
    whatever the clustering method makes of them (``tests/stories`` tests that).
    """
    scores: dict[str, float] = {}
    for report in reports:
        for m in themes_for(report):
            scores[m.theme] = max(scores.get(m.theme, 0.0), m.score)
    story_id = next(_ids)
    told = [Told(r.outlet, None, r.language, r.title, r.summary) for r in reports]
    await add_told_story(conn, story_id, told, at=at, themes=scores)


_ids = itertools.count(1)


def _event(name):
    return [r for r in REPORTS if r.event == name]


async def test_compose_sections_cap_strongest_theme_and_never_resend(engine):
    async with engine.begin() as conn:
        # tariffs only: three events; both tariffs and fentanyl (fentanyl stronger): one
        for hours, event in [(1, "tariffs-effect"), (2, "china-cars"), (3, "water-threat")]:
            await _file(
                conn, _event(event), NOW - timedelta(hours=hours), lambda s: [match("tariffs", 2.0)]
            )
        await _file(
            conn,
            _event("china-cut"),
            NOW - timedelta(hours=4),
            lambda s: [match("tariffs", 1.0), match("fentanyl", 3.0)],
        )
        await _file(
            conn,
            _event("rejects-strikes"),
            NOW - timedelta(days=3),
            lambda s: [match("sovereignty")],
        )

        brief = await compose_brief(
            conn,
            themes=["fentanyl", "tariffs", "sovereignty"],
            since=NOW - timedelta(days=1),
            now=NOW,
            language="es",
            cap_per_theme=1,
        )
        # Issue 11: the story most outlets tell (four) leads, and is not repeated in its theme;
        # the cap of one story per theme leaves water-threat for the next brief.
        assert brief.lead is not None and brief.lead.theme == "tariffs"
        assert [v.headline for v in brief.lead.stories] == [_event("tariffs-effect")[0].title]
        assert [s.theme for s in brief.sections] == ["fentanyl", "tariffs"]  # sovereignty: too old
        assert [s.name for s in brief.sections] == ["Fentanilo", "Aranceles"]
        fentanyl, tariffs = brief.sections
        assert [v.headline for v in fentanyl.stories] == [_event("china-cut")[0].title]
        assert [v.headline for v in tariffs.stories] == [_event("china-cars")[0].title]  # capped
        assert len(brief.story_ids()) == len(set(brief.story_ids())) == 3

        await add_chat(conn, 5, NOW)
        await mark_sent(conn, 5, brief.story_ids(), NOW)
        again = await compose_brief(
            conn,
            themes=["fentanyl", "tariffs"],
            since=NOW - timedelta(days=1),
            now=NOW,
            language="en",
            chat_id=5,
            cap_per_theme=2,
        )
        assert set(again.story_ids()).isdisjoint(brief.story_ids())
        # the third tariffs story, told by three outlets: it leads the next brief
        assert again.lead is not None and again.lead.name == "Tariffs" and not again.sections
        assert [v.headline for v in again.lead.stories] == [_event("water-threat")[0].title]
        nothing = await compose_brief(
            conn,
            themes=["fentanyl"],
            since=NOW - timedelta(days=1),
            now=NOW,
            language="en",
            chat_id=5,
        )
        assert nothing.empty and TELEGRAM.brief(nothing) == []
    parts = TELEGRAM.brief(brief)
    assert len(parts) == 1 and telegram_html_is_valid(parts[0]) and "Resumen diario" in parts[0]


async def test_compose_with_the_shipped_themes_and_a_trend(engine):
    themes_module = pytest.importorskip("briefings.themes")
    theme_set = themes_module.load_themes(THEMES_TOML)
    async with engine.begin() as conn:
        # a week of history, one story a day, then two stories today: twice the usual day
        for day in range(1, 8):
            await add_told_story(conn, day, [Told("Wire", "US", "en", f"Tariff story {day}")],
                                 at=NOW - timedelta(days=day, hours=1), themes={"tariffs": 1.0})
        for story_id in (20, 21):
            await add_told_story(conn, story_id, [Told("Wire", "US", "en", f"Today {story_id}")],
                                 at=NOW - timedelta(hours=3), themes={"tariffs": 1.0})
        brief = await compose_brief(
            conn, themes=theme_set, since=NOW - timedelta(days=1), now=NOW, language="es"
        )
    (section,) = brief.sections
    assert section.name == theme_set.get("tariffs").names["es"]
    assert section.trend is not None and section.trend.count == 2
    assert section.trend.ratio == pytest.approx(2.0)
    # Issue 11: in words that inform, not "2,0× lo habitual"
    assert "2 noticias hoy, cerca del doble del promedio de 1 al día" in TELEGRAM.brief(brief)[0]


async def test_latest_is_newest_first_and_ignores_sent(engine):
    async with engine.begin() as conn:
        for hours, event in [(5, "tariffs-effect"), (1, "china-cars"), (3, "water-threat")]:
            await _file(
                conn, _event(event), NOW - timedelta(hours=hours), lambda s: [match("tariffs")]
            )
        await _file(
            conn, _event("troops-deal"), NOW - timedelta(days=9), lambda s: [match("tariffs")]
        )
        await add_chat(conn, 9, NOW)
        got = await latest(conn, themes=["tariffs"], now=NOW, limit=2, chat_id=9)
        await mark_sent(conn, 9, [v.id for v in got], NOW)
        again = await latest(conn, themes=["tariffs"], now=NOW, limit=5, chat_id=9)
    assert [v.headline for v in got] == [
        _event("china-cars")[0].title,
        _event("water-threat")[0].title,
    ]
    assert len(again) == 3  # the nine-day-old story is out of the window
