"""The lead story: most outlets, both countries' press, recency — and not repeated in its theme."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from briefings.briefs.compose import compose_brief
from briefings.briefs.lead import lead_score, pick_lead
from briefings.model import Coverage, Report
from briefings.render import TELEGRAM, TextRenderer, telegram_html_is_valid
from briefings.store.stories import StoryView
from tests.compose.helpers import Told, add_told_story

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def told(outlets: int, countries: dict[str, int] | None = None) -> Coverage:
    return Coverage(outlets, countries or {"US": outlets})


@pytest.mark.parametrize(
    ("stronger", "weaker", "why"),
    [
        ((told(3), 1), (told(2), 1), "more outlets"),
        ((told(2, {"MX": 1, "US": 1}), 1), (told(3), 1), "both presses beat one more outlet"),
        ((told(6, {"MX": 3, "US": 3}), 1), (told(12), 1), "both presses beat twice the size"),
        ((told(4), 1), (told(4), 6), "the more recent"),
        ((told(4), 6), (told(2), 1), "four outlets six hours older beat two now"),
        ((told(2), 1), (told(4), 12), "but not twelve hours older"),
        ((told(2), 30), (told(1), 0), "one outlet never leads"),
        ((told(3, {"MX": 2, "?": 1}), 1), (told(2), 1), "an outlet of no known country counts"),
    ],
)
def test_lead_score_orders_stories(stronger, weaker, why):
    (a, a_hours), (b, b_hours) = stronger, weaker
    assert lead_score(a, NOW - timedelta(hours=a_hours), NOW) > lead_score(
        b, NOW - timedelta(hours=b_hours), NOW), why


@pytest.mark.parametrize(
    ("coverage", "hours", "expected"),
    [
        (told(1), 0, 0.0),
        (told(2), 0, 2.0),
        (told(4), 0, 3.0),
        (told(4), 12, 1.5),
        (told(2, {"MX": 1, "US": 1}), 0, 3.0),
        (told(8, {"MX": 2, "US": 6}), 24, 4 * 1.5 / 4),
    ],
)
def test_lead_score_values(coverage, hours, expected):
    assert lead_score(coverage, NOW - timedelta(hours=hours), NOW) == pytest.approx(expected)


def _view(sid: int, outlets: list[tuple[str, str]], hours: float = 1) -> StoryView:
    at = NOW - timedelta(hours=hours)
    reports = tuple(Report(sid * 100 + i, name, "en", country, at, f"https://x.example/{sid}/{i}",
                           f"t{i}", "") for i, (name, country) in enumerate(outlets))
    return StoryView(sid, f"h{sid}", "", "", at, at, len(outlets), [], [], {"t": 1.0}, [],
                     reports)


def test_pick_lead_uses_the_reports_countries_and_breaks_ties():
    one_side = _view(1, [("A", "US"), ("B", "US"), ("C", "US")])
    both = _view(2, [("D", "MX"), ("E", "US")])
    assert pick_lead([one_side, both], NOW) is both  # 2 × 1.5 = 3 > 1 + log2 3
    same = _view(3, [("F", "MX"), ("G", "US")])
    assert pick_lead([both, same], NOW) is same  # a tie: the higher id
    assert pick_lead([_view(4, [("H", "US")])], NOW) is None
    assert pick_lead([], NOW) is None


BORDER = [Told("La Jornada", "MX", "es", "El Senado aprueba una reforma contra la intervención",
               "El Senado aprobó una reforma que prohíbe la intervención extranjera."),
          Told("Reuters", "US", "en", "Mexico's Senate passes anti-intervention reform",
               "Mexico's Senate approved a constitutional reform against foreign intervention."),
          Told("El Universal", "MX", "es", "Senado avala reforma antiintervención",
               "Los senadores avalaron la reforma por amplia mayoría.")]
WIDE_ONE_SIDE = [Told(f"Outlet {n}", "US", "en", f"Fentanyl seizure report {n}",
                      "Agents seized pills at the border crossing in Arizona.") for n in range(3)]


async def test_the_brief_opens_with_the_lead_and_does_not_repeat_it(engine):
    async with engine.begin() as conn:
        await add_told_story(conn, 1, BORDER, at=NOW - timedelta(hours=2),
                             themes={"sovereignty": 2.0})
        await add_told_story(conn, 2, WIDE_ONE_SIDE, at=NOW - timedelta(hours=1),
                             themes={"fentanyl": 2.0})
        await add_told_story(conn, 3, [Told("Solo", "US", "en", "A sovereignty op-ed")],
                             at=NOW - timedelta(minutes=30), themes={"sovereignty": 1.0})
        brief = await compose_brief(conn, themes=["fentanyl", "sovereignty"],
                                    since=NOW - timedelta(days=1), now=NOW, language="en")
    assert brief.lead is not None and [s.id for s in brief.lead.stories] == [1]
    assert brief.lead.name == "Sovereignty"
    assert [(s.theme, [v.id for v in s.stories]) for s in brief.sections] == [
        ("fentanyl", [2]), ("sovereignty", [3])]
    assert brief.story_ids() == [1, 2, 3]
    assert brief.without(frozenset({1})).lead is None
    (part,) = TELEGRAM.brief(brief)
    assert telegram_html_is_valid(part)
    lead_at = part.index("Top story")
    assert lead_at < part.index("Mexico's Senate passes") < part.index("▌Fentanyl")
    assert part.count("Senate passes") == 1
    assert "3 outlets · 🇲🇽 2 · 🇺🇸 1" in part
    assert "3 outlets · 🇺🇸 3 · <i>so far only press from United States</i>" in part
    text = TextRenderer().brief(brief)[0]
    assert text.index("** Top story · Sovereignty **") < text.index("== Fentanyl ==")


async def test_no_lead_without_a_story_two_outlets_tell(engine):
    async with engine.begin() as conn:
        await add_told_story(conn, 1, [Told("Solo", "US", "en", "A story")],
                             at=NOW - timedelta(hours=1), themes={"tariffs": 1.0})
        brief = await compose_brief(conn, themes=["tariffs"], since=NOW - timedelta(days=1),
                                    now=NOW, language="es")
    assert brief.lead is None and [s.theme for s in brief.sections] == ["tariffs"]
    assert "Noticia principal" not in TELEGRAM.brief(brief)[0]
