"""The gate in front of meaning: only items that name an anchor of the themes' area are
embedded and asked about meaning; the rest are decided by the rules alone.

The mechanics use the bag-of-words stand-in of test_semantic.py; the shipped anchors are
checked against the labelled items (none of their themes may sit on an item without one).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.match_quality import read_labelled
from briefings.themes import Matcher, ThemesError, ThemeSet, load_themes
from briefings.themes.explain import explain
from briefings.themes.semantic import SemanticModel
from tests.themes.conftest import HERE
from tests.themes.test_semantic import EXAMPLES, THEMES, Words, vec

ANCHORS = """
[anchors]
terms = ["steel", "acero", "México", "frontera*", "North America*"]
"""


def _themes(folder: Path, anchors: str = ANCHORS) -> ThemeSet:
    (folder / "examples.toml").write_text(EXAMPLES + anchors, encoding="utf-8")
    (folder / "themes.toml").write_text(THEMES, encoding="utf-8")
    return load_themes(folder / "themes.toml")


@pytest.fixture
def gated(tmp_path: Path) -> Matcher:
    themes = _themes(tmp_path)
    assert themes.semantic is not None
    return Matcher(themes.themes, SemanticModel.fit(themes.semantic, Words(), cache_dir=None))


# (title, summary, names an anchor)
GATE_CASES = [
    ("duties on steel imports raised again", "", True),  # en
    ("duties on imports raised again", "", False),  # the same news, no anchor: rules alone
    ("duties raised again", "on imported steel", True),  # an anchor in the lede counts too
    ("STEEL duties", "", True),  # case never matters
    ("steels and duties", "", True),  # plurals are included
    ("the Steelers win again", "", False),  # whole words only
    ("suben los derechos al acero", "", True),  # es
    ("derechos más altos en MEXICO", "", True),  # accents never matter: México = MEXICO
    ("cuotas en mexico", "", True),
    ("cuotas en Nuevo Mexicali", "", False),  # a word that only starts like one: no
    ("filas en las fronteras", "", True),  # frontera* is a prefix
    ("la cola en la aduana", "", False),
    ("North American duties", "", True),  # North America* continues the phrase's last word
    ("duties in South America", "", False),
]


@pytest.mark.parametrize(("title", "summary", "passes"), GATE_CASES)
def test_gate_passes_only_items_with_an_anchor(
    gated: Matcher, title: str, summary: str, passes: bool
) -> None:
    assert gated.anchored(title, summary, "en") is passes
    assert gated.needs_vector(title, summary, "en") is passes  # no rule decides these
    # a vector passed anyway is not used for an item without an anchor
    found = gated.match(title, summary, "en", vec(f"{title} {summary}"))
    assert all(m.hits[0].field == "meaning" for m in found)
    if not passes:
        assert found == []


def test_the_gate_keeps_out_what_meaning_would_have_matched(tmp_path: Path) -> None:
    text = "duties on imports raised again"
    open_themes = _themes(tmp_path, anchors="")
    assert open_themes.semantic is not None and open_themes.semantic.anchors == ()
    model = SemanticModel.fit(open_themes.semantic, Words(), cache_dir=None)
    ungated = Matcher(open_themes.themes, model)
    assert ungated.anchored(text, "") and ungated.needs_vector(text, "")  # no [anchors]: all
    assert [m.theme for m in ungated.match(text, "", "en", vec(text))] == ["trade"]
    gated = Matcher(open_themes.themes, SemanticModel.fit(_themes(tmp_path).semantic, Words(),
                                                          cache_dir=None))  # fmt: skip
    assert gated.match(text, "", "en", vec(text)) == []
    with_anchor = "duties on steel imports raised again"
    assert [m.theme for m in gated.match(with_anchor, "", "en", vec(with_anchor))] == ["trade"]


def test_batch_agrees_with_one_at_a_time(gated: Matcher) -> None:
    items = [(title, summary, "en") for title, summary, _ in GATE_CASES]
    vectors = np.stack([vec(f"{t} {s}") for t, s, _ in items])
    one_by_one = [gated.match(t, s, lang, vectors[k]) for k, (t, s, lang) in enumerate(items)]
    assert gated.match_many(items, vectors) == one_by_one
    asked: list[list[int]] = []

    def embed(indexes: list[int]) -> np.ndarray:
        asked.append(indexes)
        return vectors[indexes]

    assert gated.match_many(items, embed=embed) == one_by_one  # only the gated-in are embedded
    need = [k for k, item in enumerate(items) if gated.needs_vector(*item)]
    assert asked == [need] and 0 < len(need) < len(items)


def test_rules_still_decide_items_without_an_anchor(gated: Matcher) -> None:
    found = gated.match("a tariff on imports", "", "en", vec("a tariff on imports"))
    assert [(m.theme, m.hits[0].field) for m in found] == [("trade", "title")]
    assert not gated.needs_vector("a tariff on imports", "")  # decided: no vector needed
    assert Matcher(gated.themes).anchored("anything", "")  # no meaning model: no gate


def test_explain_says_meaning_was_not_asked(gated: Matcher) -> None:
    text = "duties on imports raised again"
    trade = explain(gated, text, "", "en", vec(text))[0]
    assert (trade.theme, trade.matched, trade.signal) == ("trade", False, "none")
    assert trade.reasons == (
        "no rule matched; meaning not asked: the item names none of the 5 [anchors] of the "
        "examples file (steel, acero, México, …)",
    )
    text = "duties on steel imports raised again"
    assert explain(gated, text, "", "en", vec(text))[0].signal == "meaning"


# ── the [anchors] table is checked ──────────────────────────────────────────────────────────

BAD_ANCHORS = [
    ("[anchors]\nterms = []\n", "[anchors] terms: give a non-empty list of terms"),
    ('[anchors]\nterms = "Mexico"\n', "[anchors] terms: give a non-empty list of terms"),
    ('[anchors]\nwords = ["Mexico"]\n', "[anchors] takes one key: terms = [...]"),
    ('[anchors]\nterms = ["Mexico"]\nweight = 2\n', "[anchors] takes one key: terms"),
    ('[anchors]\nterms = ["Mexico", "carte(l|les)"]\n',
     "[anchors] terms, term 2: 'carte(l|les)' has characters a term cannot use"),
    ('[anchors]\nterms = ["Mexico", 3]\n', "[anchors] terms, term 2: a term must be text"),
    ('[anchors]\nterms = ["ar*"]\n', "[anchors] terms, term 1: a prefix needs at least 3"),
    ('[anchors]\nterms = ["*cartel"]\n', "[anchors] terms, term 1: * only works at the end"),
    ('[anchors]\nterms = ["  "]\n', "[anchors] terms, term 1: empty term"),
]  # fmt: skip


@pytest.mark.parametrize(("anchors", "message"), BAD_ANCHORS)
def test_a_bad_anchor_list_is_refused_clearly(tmp_path: Path, anchors: str, message: str) -> None:
    with pytest.raises(ThemesError) as caught:
        _themes(tmp_path, anchors)
    assert str(caught.value).startswith(f"{tmp_path / 'examples.toml'}: {message}")


# ── the shipped anchors ─────────────────────────────────────────────────────────────────────

# (language, title, names an anchor): the themes' area in English and Spanish, and news outside
SHIPPED_CASES = [
    ("es", "Sheinbaum responde a Washington", True),
    ("es", "CÁRTELES bajo presión en la sierra", True),
    ("es", "Suben los aranceles al jitomate", True),
    ("es", "Refuerzan la vigilancia en la frontera norte", True),
    ("es", "Militares estadounidenses en Culiacán", True),
    ("en", "Pentagon weighs options against gangs", True),
    ("en", "Greenland is not for sale, Denmark says", True),
    ("en", "Counterfeit pills seized at the port", True),
    ("en", "North American trade pact review begins", True),
    ("en", "Tottenham Hotspur v Manchester United: Premier League – live!", False),
    ("en", "Apple beats earnings expectations on iPhone sales", False),
    ("en", "Orcas can imitate human speech, research reveals", False),
    ("es", "La Selección gana la final en penales", False),
    ("es", "Lluvias récord en la capital", False),
]


@pytest.mark.parametrize(("lang", "title", "passes"), SHIPPED_CASES)
def test_shipped_anchors(semantic_matcher: Matcher, lang: str, title: str, passes: bool) -> None:
    assert semantic_matcher.anchored(title, "", lang) is passes


@pytest.mark.parametrize("name", ["meaning.jsonl", "blind.jsonl", "heldout.jsonl"])
def test_no_labelled_theme_sits_on_an_item_without_an_anchor(
    semantic_matcher: Matcher, name: str
) -> None:
    items = [item for item in read_labelled(HERE / name) if item["themes"]]
    lost = [i["id"] for i in items if not semantic_matcher.anchored(i["title"], i["summary"])]
    assert lost == []  # widen the anchors with the area's words, never one item's


def test_the_examples_name_anchors(semantic_matcher: Matcher) -> None:
    model = semantic_matcher.semantic
    assert model is not None
    examples = model.examples
    written = [s for s, themes in zip(examples.sentences, examples.labels, strict=True) if themes]
    without = [s for s in written if not semantic_matcher.anchored(s, "")]
    assert len(without) <= len(written) // 50, without  # a theme's examples are its area
