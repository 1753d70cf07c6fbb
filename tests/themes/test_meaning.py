"""The shipped themes matched by rules and meaning, with the real sentence embedder.

Cases are our own, written as news items of the region: ``meaning.jsonl`` (many described
without any of a theme's words) and ``blind.jsonl`` (written after the examples and thresholds
were frozen, scored once). Neither was used to write the examples or choose thresholds. The
few they get wrong are listed below, strictly: if one starts passing, say so here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bench.match_quality import evaluate, read_labelled
from briefings.themes import Matcher
from tests.themes.conftest import HERE

THEMES = ("sovereignty", "fentanyl", "tariffs")
FILES = ("meaning.jsonl", "blind.jsonl")
KNOWN_WRONG = {
    "n02": "tariffs by meaning: growing more food at home reads like import policy",
    "b39": "tariffs by meaning: remittances sit near trade between the two countries",
}
CASES = [(name, item) for name in FILES for item in read_labelled(HERE / name)]


def _param(name: str, item: dict[str, Any]) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=KNOWN_WRONG[item["id"]])] \
        if item["id"] in KNOWN_WRONG else []  # fmt: skip
    return pytest.param(item, id=f"{name}:{item['id']}", marks=marks)


@pytest.mark.parametrize("item", [_param(name, item) for name, item in CASES])
def test_case(
    semantic_matcher: Matcher, embed: Callable[[str, str], Any], item: dict[str, Any]
) -> None:
    vector = embed(item["title"], item["summary"])
    found = semantic_matcher.match(item["title"], item["summary"], item["lang"], vector)
    assert sorted(m.theme for m in found) == sorted(item["themes"])


# Hard negatives, short: the rules' exclusions and vetoes, and meaning, keep them all out.
HARD_NEGATIVES = [
    ("es", "Suben las tarifas de luz en Sonora", "La CFE aplicará el ajuste a los hogares."),
    ("es", "Aumenta la tarifa del transporte público", "El pasaje costará 12 pesos."),
    ("en", "Hotels raise room rates for the World Cup", "Prices near stadiums doubled."),
    ("en", "New feed-in tariffs for rooftop solar", "Households will earn less per kilowatt."),
    ("en", "Europe wants data sovereignty", "Cloud data should stay in EU data centres."),
    ("es", "Plan de soberanía alimentaria para el maíz", "Apoyos a productores de temporal."),
    ("en", "Sovereign bonds rally", "Investors bought Mexican government debt."),
    ("en", "Nurse stole fentanyl from hospital", "Vials meant for surgery went missing."),
    ("es", "Falta fentanilo en quirófanos", "Hospitales posponen cirugías por el desabasto."),
    ("en", "Drone light show replaces fireworks", "A thousand drones lit up the sky."),
    ("en", "Cement makers fined for price-fixing cartel", "They split the market for years."),
    ("es", "Ucrania defiende su soberanía", "Kyiv rechaza ceder territorio a Rusia."),
]


@pytest.mark.parametrize(("lang", "title", "summary"), HARD_NEGATIVES)
def test_hard_negatives_stay_out(
    semantic_matcher: Matcher, embed: Callable[[str, str], Any], lang: str, title: str,
    summary: str,
) -> None:  # fmt: skip
    assert semantic_matcher.match(title, summary, lang, embed(title, summary)) == []


@pytest.mark.parametrize("name", FILES)
def test_quality_on_our_cases(
    semantic_matcher: Matcher, embed: Callable[[str, str], Any], name: str
) -> None:
    items = read_labelled(HERE / name)
    vectors = [embed(i["title"], i["summary"]) for i in items]
    combined, errors = evaluate(semantic_matcher, items, vectors)
    rules, _ = evaluate(Matcher(semantic_matcher.themes), items)
    for theme in THEMES:
        assert combined[theme].f1 >= 0.93, "\n".join(errors)
        assert combined[theme].f1 >= rules[theme].f1
