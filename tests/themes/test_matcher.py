"""Table-driven matcher tests: boundaries, accents, inflection, phrases, rules, scores."""

from __future__ import annotations

import pytest

from briefings.model import Hit
from briefings.themes import Matcher, Theme, parse_custom_theme
from briefings.themes.termlang import parse_term

# (title, summary, language, the "trade" theme's terms hit, or None for no match)
TRADE_CASES = [
    ("New tariff on steel", "", "en", ["tariff"]),
    ("New tariffs on steel", "", "en", ["tariff"]),  # plural
    ("TARIFF!", "", "en", ["tariff"]),  # case
    ("Tariffing is not a word we match", "", "en", None),  # whole words only
    ("Stariff", "", "en", None),
    ("Nuevos aranceles al acero", "", "es", ["arancel*"]),
    ("Impuesto arancelario", "", "es", ["arancel*"]),  # prefix
    ("Defensa de la soberanía", "", "es", ["soberanía"]),
    ("DEFENSA DE LA SOBERANIA", "", "es", ["soberanía"]),  # accent-insensitive
    ("Soberanías", "", "es", ["soberanía"]),  # accented plural
    ("The trade war escalates", "", "en", ["trade war"]),  # phrase
    ("Trade wars escalate", "", "en", ["trade war"]),  # phrase, plural
    ("Trade and war", "", "en", None),  # not a phrase hit
    ("Revisión del T-MEC", "", "es", ["T-MEC"]),  # punctuation inside a term
    ("Revisión del T MEC", "", "es", ["T-MEC"]),
    ("Import duties rise", "", "en", ["duty*"]),
    ("US and Mexico", "", "en", ["=US"]),
    ("USes of steel", "", "en", None),  # exact form: no plural
    ("Light show", "a tariff on drones", "en", None),  # veto
    ("A feed-in tariff for solar", "", "en", None),  # exclusion switches the term off
    ("A feed-in tariff for solar", "and later, the tariff on steel", "en", None),  # item-wide
    ("A feed-in tariff, and a trade war", "", "en", ["trade war"]),  # other terms still count
    ("A new levy", "", "en", None),  # one weak term is not enough
    ("A new levy", "y un gravamen", None, ["levy", "gravamen"]),  # two weak terms are
    ("A new levy", "y un gravamen", "es", None),  # English terms ignored for Spanish items
    ("Drones struck a cartel", "", "en", ["drone* ~3 cartel"]),  # near
    ("Drone flights seen over the territory of a cartel", "", "en", None),  # too far apart
    ("Drones seen", "a cartel", "en", None),  # near counts within one field
]


@pytest.mark.parametrize(("title", "summary", "lang", "expected"), TRADE_CASES)
def test_trade_theme(
    demo_matcher: Matcher, title: str, summary: str, lang: str | None, expected: list[str] | None
) -> None:
    found = {m.theme: m for m in demo_matcher.match(title, summary, lang)}
    if expected is None:
        assert "trade" not in found
    else:
        assert sorted(h.term for h in found["trade"].hits) == sorted(expected)


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("Golpe al cártel de Sinaloa", True),
        ("Los cárteles", True),
        ("Cartels smuggle", True),
        ("La cartelera del fin de semana", False),  # cartel is not a prefix
        ("Smugglers caught", True),
        ("", False),
    ],
)
def test_crime_boundaries(demo_matcher: Matcher, text: str, matches: bool) -> None:
    assert any(m.theme == "crime" for m in demo_matcher.match(text, "")) is matches


def test_hits_name_the_field(demo_matcher: Matcher) -> None:
    [match] = [m for m in demo_matcher.match("Tariff news", "a trade war, more tariffs") if
               m.theme == "trade"]  # fmt: skip
    assert match.hits == (Hit("tariff", "title"), Hit("trade war", "summary"))


def test_title_hit_scores_above_summary_hit(demo_matcher: Matcher) -> None:
    in_title = demo_matcher.match("Tariff news", "nothing")[0]
    in_summary = demo_matcher.match("News", "a tariff")[0]
    assert in_title.score > in_summary.score


def test_more_distinct_terms_score_higher(demo_matcher: Matcher) -> None:
    one = demo_matcher.match("", "a tariff")[0]
    two = demo_matcher.match("", "a tariff and a trade war")[0]
    assert two.score > one.score
    same_twice = demo_matcher.match("", "a tariff and another tariff")[0]
    assert same_twice.score == one.score  # repeating a term adds nothing


def test_results_sorted_by_score(demo_matcher: Matcher) -> None:
    found = demo_matcher.match("Cartel smugglers", "and a tariff")
    assert [m.theme for m in found] == ["crime", "trade"]
    assert found[0].score > found[1].score


def test_custom_theme_matches_like_file_themes() -> None:
    theme = parse_custom_theme("drones", 'dron* "drone strike" -"light show"')
    matcher = Matcher([theme])
    assert matcher.match("Drone strike on a ranch", "")[0].theme == "drones"
    assert matcher.match("Drones de vigilancia", "")[0].hits == (Hit("dron*", "title"),)
    assert matcher.match("Drone light show", "") == []


def test_no_themes_matches_nothing() -> None:
    assert Matcher([]).match("tariff", "cartel") == []


def test_cross_language_spelling_counts_once(shipped_matcher: Matcher) -> None:
    # "cartel" is a weak fentanyl term in English and in Spanish: still one weak term
    assert all(m.theme != "fentanyl" for m in shipped_matcher.match("El cártel", "the cartel"))


def test_one_stretch_of_text_counts_once() -> None:
    weak = [parse_term(t, weight=0.5) for t in ("droga", "drogas", "pills", "counterfeit pills")]
    matcher = Matcher([Theme(name="t", terms=(*weak, parse_term("drug trafficking"),
                                              parse_term("drug", weight=0.5)))])  # fmt: skip
    assert matcher.match("Las drogas", "") == []  # two terms, one word
    assert matcher.match("Counterfeit pills", "") == []  # a phrase and a word inside it
    [m] = matcher.match("Drug trafficking", "")
    assert m.hits == (Hit("drug trafficking", "title"),)  # "drug" inside it is not listed
    [m] = matcher.match("Drug trafficking", "and other drug news, with pills")
    assert [h.term for h in m.hits] == ["drug trafficking", "drug", "pills"]
