"""Compose: ranking, trend, a section per theme with a cap, never a story already sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from briefings.compose import compose_brief, latest, rank, score, trend
from briefings.render import render_brief, telegram_html_is_valid
from briefings.store.stories import StoryView, mark_sent
from briefings.stories import file_items
from tests.stories.headlines import REPORTS
from tests.stories.helpers import add_chat, add_report, match

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


def test_trend_needs_history():
    assert trend(14, [6, 6, 6, 0, 0, 0, 0], [True] * 7) == pytest.approx(
        trend(14, [6, 6, 6, 0, 0, 0, 0], [True] * 7)
    )
    got = trend(14, [0, 0, 0, 0, 6, 6, 6])
    assert got is not None and got.ratio == pytest.approx(14 / 6) and got.count == 14
    assert trend(14, [0, 0, 0, 0, 0, 6, 6]) is None  # two days only
    assert trend(0, [5] * 7) is None
    with_zero_days = trend(
        10, [0, 0, 0, 0, 5, 0, 5], [False, False, False, False, True, True, True]
    )
    assert with_zero_days is not None and with_zero_days.average == pytest.approx(10 / 3)
    assert trend(3, [0] * 7, [True] * 7) is None  # nothing to compare with


async def _file(conn, reports, at, themes_for):
    by_name: dict[str, int] = {}
    stored = [await add_report(conn, r, at, by_name) for r in reports]
    await file_items(conn, stored, {s.id: themes_for(s) for s in stored}, NOW)
    return stored


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
            cap_per_theme=2,
        )
        assert [s.theme for s in brief.sections] == ["fentanyl", "tariffs"]  # sovereignty: too old
        assert [s.name for s in brief.sections] == ["Fentanilo", "Aranceles"]
        fentanyl, tariffs = brief.sections
        assert [v.headline for v in fentanyl.stories] == [_event("china-cut")[0].title]
        assert len(tariffs.stories) == 2  # capped
        assert tariffs.stories[0].last_seen_at > tariffs.stories[1].last_seen_at
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
        assert [s.theme for s in again.sections] == ["tariffs"]  # the third tariffs story
        assert again.sections[0].name == "Tariffs"
        nothing = await compose_brief(
            conn,
            themes=["fentanyl"],
            since=NOW - timedelta(days=1),
            now=NOW,
            language="en",
            chat_id=5,
        )
        assert nothing.empty and render_brief(nothing) == []
    parts = render_brief(brief)
    assert len(parts) == 1 and telegram_html_is_valid(parts[0]) and "Resumen diario" in parts[0]


async def test_compose_with_the_shipped_themes_and_a_trend(engine):
    themes_module = pytest.importorskip("briefings.themes")
    theme_set = themes_module.load_themes(THEMES_TOML)
    async with engine.begin() as conn:
        # history: one story on each of the four days before today, then two today
        history = ["tariffs-effect", "china-cars", "water-threat", "china-cut"]
        for days, event in enumerate(history, start=1):
            await _file(
                conn,
                _event(event)[:1],
                NOW - timedelta(days=days, hours=1),
                lambda s: [match("tariffs")],
            )
        for event in ["troops-deal", "fto-designation"]:
            await _file(conn, _event(event), NOW - timedelta(hours=3), lambda s: [match("tariffs")])
        brief = await compose_brief(
            conn, themes=theme_set, since=NOW - timedelta(days=1), now=NOW, language="es"
        )
    (section,) = brief.sections
    assert section.name == theme_set.get("tariffs").names["es"]
    assert section.trend is not None and section.trend.count == 2
    assert section.trend.ratio == pytest.approx(2.0)
    assert "2,0× lo habitual" in render_brief(brief)[0]


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
