"""The semantic signal's mechanics: the examples file, the model, rules first, explain.

A tiny bag-of-words embedder stands in for the sentence encoder here, so that every case is
about the mechanism and not about what a real model makes of a sentence (test_meaning.py
does that, with the real one).
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from briefings.paths import default_config_file
from briefings.themes import Matcher, ThemesError, ThemeSet, load_themes
from briefings.themes.explain import explain
from briefings.themes.semantic import SemanticModel

THEMES = """
semantic = "examples.toml"

[themes.trade]
name = { en = "Trade", es = "Comercio" }
terms.en = ["tariff"]
exclude = ["feed-in tariff"]
veto = ["light show"]

[themes.crime]
name = { en = "Crime", es = "Crimen" }
terms.any = ["cartel"]
"""

EXAMPLES = """
[themes.trade]
threshold = 0.45
examples = [
  "duties on steel imports raised",
  "new import duties on steel and cars",
  "duties on imported steel rise again",
  "import duties on cars and steel",
]
counter = [
  "electricity rates rise for homes",
  "homes pay more for electricity",
  "electricity rates for shops rise",
  "bus fares rise in the city",
]

[background]
examples = [
  "the football team wins the cup",
  "heavy rain floods the city",
  "the team wins again at home",
  "rain and floods in the north",
]
"""


class Words:
    """Bag of words hashed into 64 dimensions: texts that share words are near."""

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        rows = np.zeros((len(texts), 64), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                rows[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % 64] += 1.0
        return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)


@pytest.fixture
def themes(tmp_path: Path) -> ThemeSet:
    (tmp_path / "examples.toml").write_text(EXAMPLES, encoding="utf-8")
    path = tmp_path / "themes.toml"
    path.write_text(THEMES, encoding="utf-8")
    return load_themes(path)


@pytest.fixture
def matcher(themes: ThemeSet) -> Matcher:
    assert themes.semantic is not None
    return Matcher(themes.themes, SemanticModel.fit(themes.semantic, Words()))


def vec(text: str) -> np.ndarray:
    return Words().encode([text])[0]


# ── the examples file ───────────────────────────────────────────────────────────────────────


def test_examples_file_is_read(themes: ThemeSet) -> None:
    examples = themes.semantic
    assert examples is not None
    assert examples.themes == ("trade",) and examples.threshold("trade") == 0.45
    assert len(examples.sentences) == 12  # each sentence once
    labelled = dict(zip(examples.sentences, examples.labels, strict=True))
    assert labelled["duties on steel imports raised"] == {"trade"}
    assert labelled["bus fares rise in the city"] == frozenset()  # a counter-example


def test_shipped_themes_name_their_examples(shipped: ThemeSet) -> None:
    examples = shipped.semantic
    assert examples is not None
    assert examples.themes == ("sovereignty", "fentanyl", "tariffs")
    for theme in examples.themes:
        assert sum(theme in found for found in examples.labels) >= 40
        assert 0 < examples.threshold(theme) < 1
    assert sum(not found for found in examples.labels) >= 100  # counters and background


def test_a_copy_of_themes_toml_alone_keeps_the_shipped_examples(tmp_path: Path) -> None:
    copy = tmp_path / "themes.toml"
    shutil.copy(default_config_file("themes.toml"), copy)
    assert load_themes(copy).semantic == load_themes(default_config_file("themes.toml")).semantic


def test_no_semantic_line_means_rules_only(tmp_path: Path) -> None:
    path = tmp_path / "themes.toml"
    path.write_text(THEMES.replace('semantic = "examples.toml"', ""), encoding="utf-8")
    assert load_themes(path).semantic is None


@pytest.mark.parametrize(
    ("examples", "message"),
    [
        ("[themes.weather]\nthreshold = 0.5\nexamples = ['sun']\n", "not a theme of the themes"),
        ("[themes.trade]\nthreshold = 1.5\nexamples = ['a']\ncounter = ['b']\n", "between 0 and 1"),
        ("[themes.trade]\nthreshold = 0.5\nexamples = []\ncounter = ['b']\n", "at least one"),
        ("[themes.trade]\nthreshold = 0.5\nexamples = [3]\ncounter = ['b']\n", "list of sentences"),
        ("[themes.trade]\nthreshold = 0.5\nexamples = ['a']\n", "no counter-examples"),
        ("[themes.trade]\nthreshold = 0.5\nexamples = ['a']\ncounter = ['a']\n", "and counter"),
        ("[themes.trade]\nthreshold = 0.5\nexample = ['a']\n", "expected a table with keys"),
        ("[themes.trade\n", "invalid TOML"),
    ],
)
def test_bad_examples_file(tmp_path: Path, examples: str, message: str) -> None:
    (tmp_path / "examples.toml").write_text(examples, encoding="utf-8")
    path = tmp_path / "themes.toml"
    path.write_text(THEMES, encoding="utf-8")
    with pytest.raises(ThemesError) as caught:
        load_themes(path)
    assert str(caught.value).startswith(f"{tmp_path / 'examples.toml'}: ")
    assert message in str(caught.value)


def test_missing_examples_file_and_bad_name(tmp_path: Path) -> None:
    path = tmp_path / "themes.toml"
    path.write_text(THEMES.replace("examples.toml", "nowhere.toml"), encoding="utf-8")
    with pytest.raises(ThemesError, match="nowhere.toml: cannot read"):
        load_themes(path)
    path.write_text(THEMES.replace('"examples.toml"', '"../elsewhere/x.toml"'), encoding="utf-8")
    with pytest.raises(ThemesError, match=rf"{path}:2: semantic must name a file beside"):
        load_themes(path)


# ── rules first, then meaning ───────────────────────────────────────────────────────────────

# (text, the trade theme's outcome: "rules", "meaning" or None for no match)
CASES = [
    ("a tariff on steel", "rules"),  # a rule match stays a rule match
    ("duties on steel imports raised again", "meaning"),  # no rule word: meaning decides
    ("import duties on cars rise", "meaning"),
    ("electricity rates rise for homes", None),  # a counter-example's neighbourhood
    ("heavy rain floods the north", None),  # background
    ("light show: duties on steel imports raised", None),  # a veto keeps meaning out too
    ("a feed-in tariff, and duties on steel imports raised", None),  # so does an exclusion
    ("a feed-in tariff, and a tariff on steel imports", None),  # same word inside and out
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_rules_first_then_meaning(matcher: Matcher, text: str, expected: str | None) -> None:
    found = {m.theme: m for m in matcher.match(text, "", "en", vec(text))}
    if expected is None:
        assert "trade" not in found
    elif expected == "rules":
        assert found["trade"].hits[0].field == "title" and found["trade"].score >= 1
    else:
        (hit,) = found["trade"].hits
        assert (hit.field, hit.term.split()[0]) == ("meaning", "meaning")
        assert 0.45 <= found["trade"].score < 1  # below every rule match: they rank first


def test_without_a_vector_only_rules_decide(matcher: Matcher) -> None:
    assert matcher.match("duties on steel imports raised again", "", "en") == []
    assert matcher.needs_vector("duties on steel imports raised again", "")
    assert not matcher.needs_vector("light show", "")  # vetoed: nothing left to decide
    assert not Matcher(matcher.themes).needs_vector("duties on steel", "")


def test_batch_agrees_with_one_at_a_time(matcher: Matcher) -> None:
    items = [(text, "", "en") for text, _ in CASES]
    vectors = np.stack([vec(text) for text, _ in CASES])
    one_by_one = [matcher.match(t, s, lang, vectors[k]) for k, (t, s, lang) in enumerate(items)]
    assert matcher.match_many(items, vectors) == one_by_one
    assert matcher.match_many(items) == [matcher.match(t, s, lang) for t, s, lang in items]
    asked: list[list[int]] = []

    def embed(indexes: list[int]) -> np.ndarray:
        asked.append(indexes)
        return vectors[indexes]

    assert matcher.match_many(items, embed=embed) == one_by_one  # each item scanned once
    assert asked == [[k for k, item in enumerate(items) if matcher.needs_vector(*item)]]
    decided = [item for item in items if not matcher.needs_vector(*item)]
    assert decided
    assert matcher.match_many(decided, embed=embed) == [matcher.match(*i) for i in decided]
    assert len(asked) == 1  # nothing left to meaning: never asked


def test_themes_without_examples_are_rules_only(matcher: Matcher) -> None:
    found = matcher.match("the cartel", "", "en", vec("duties on steel imports raised"))
    assert [m.theme for m in found] == ["crime", "trade"]  # crime by rules, trade by meaning
    assert "crime" not in {m.theme for m in matcher.match("gangs", "", "en", vec("gangs"))}


def test_thresholds_can_be_replaced_without_refitting(matcher: Matcher) -> None:
    model = matcher.semantic
    assert model is not None
    strict = Matcher(matcher.themes, model.with_thresholds([0.99]))
    text = "duties on steel imports raised again"
    assert strict.match(text, "", "en", vec(text)) == []
    assert model.thresholds.tolist() == pytest.approx([0.45])  # the original is unchanged


def test_the_neighbour_vote_is_needed_too(themes: ThemeSet) -> None:
    assert themes.semantic is not None
    model = SemanticModel.fit(themes.semantic, Words()).with_thresholds([0.0001])
    lone = "the team wins the cup"  # near the background: almost no probability, no votes
    assert model.votes(vec(lone)[None])[0, 0] < 3
    assert Matcher(themes.themes, model).match(lone, "", "en", vec(lone)) == []


# ── explain ─────────────────────────────────────────────────────────────────────────────────


def test_explain_says_which_signal_decided(matcher: Matcher) -> None:
    def verdicts(text: str) -> dict[str, tuple[bool, str, str]]:
        return {v.theme: (v.matched, v.signal, " | ".join(v.reasons))
                for v in explain(matcher, text, "", "en", vec(text))}  # fmt: skip

    matched, signal, why = verdicts("a tariff on steel")["trade"]
    assert (matched, signal, why) == (True, "rules", "tariff → title")
    matched, signal, why = verdicts("duties on steel imports raised again")["trade"]
    assert (matched, signal) == (True, "meaning")
    assert "probability" in why and "(needs 0.45)" in why
    assert "of the 5 nearest examples are this theme's (needs 3)" in why
    assert "nearest example (" in why and "duties on" in why
    assert verdicts("light show: duties on steel")["trade"] == (False, "veto", "veto: light show")
    assert verdicts("a feed-in tariff")["trade"] == (False, "exclude", "excluded: feed-in tariff")
    matched, signal, why = verdicts("heavy rain floods the north")["trade"]
    assert (matched, signal) == (False, "meaning") and "nearest sentence (" in why
    assert verdicts("heavy rain")["crime"] == (False, "none", "no rule matched")


def test_explain_without_a_vector(matcher: Matcher) -> None:
    (trade, crime) = explain(matcher, "duties on steel imports raised", "", "en")
    assert (trade.matched, trade.signal) == (False, "none")
    assert trade.reasons == ("no rule matched; meaning not asked (no vector)",)
    assert crime.reasons == ("no rule matched",)


# ── the margin over the nearest near miss ───────────────────────────────────────────────────

# (text, margin, joins): the nearest example must beat the nearest other sentence by the margin
MARGIN_CASES = [
    ("duties on steel imports raised again", None, True),  # no margin: vote and probability
    ("duties on steel imports raised again", 0.0, True),  # an example is nearest
    ("duties on steel imports raised again", 0.9, False),  # ...but not by that much
    ("import duties on cars rise", 0.0, True),
    ("import duties on cars rise", 0.95, False),
]


@pytest.mark.parametrize(("text", "margin", "joins"), MARGIN_CASES)
def test_margin_keeps_out_what_sits_nearest_a_near_miss(
    themes: ThemeSet, text: str, margin: float | None, joins: bool
) -> None:
    assert themes.semantic is not None
    model = SemanticModel.fit(themes.semantic, Words(), cache_dir=None)
    model = model.with_thresholds([0.0001], [float("-inf") if margin is None else margin])
    found = Matcher(themes.themes, model).match(text, "", "en", vec(text))
    assert ("trade" in {m.theme for m in found}) == joins
    why = " | ".join(explain(Matcher(themes.themes, model), text, "", "en", vec(text))[0].reasons)
    assert ("nearer than any other sentence" in why) == (margin is not None)


def test_margin_is_read_from_the_examples_file(tmp_path: Path) -> None:
    (tmp_path / "examples.toml").write_text(
        EXAMPLES.replace("threshold = 0.45", "threshold = 0.45\nmargin = 0.02"), encoding="utf-8"
    )
    (tmp_path / "themes.toml").write_text(THEMES, encoding="utf-8")
    examples = load_themes(tmp_path / "themes.toml").semantic
    assert examples is not None and examples.margin("trade") == pytest.approx(0.02)
    (tmp_path / "examples.toml").write_text(
        EXAMPLES.replace("threshold = 0.45", "threshold = 0.45\nmargin = 'big'"), encoding="utf-8"
    )
    with pytest.raises(ThemesError, match="key 'margin'"):
        load_themes(tmp_path / "themes.toml")
