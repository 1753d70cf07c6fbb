"""The filing's shortcuts give what the plain forms give: text split once, regexes run only
near their anchors, posting lists as arrays, stories pruned by a score bound."""

from __future__ import annotations

import random
import unicodedata
from datetime import datetime

import numpy as np
import pytest

from briefings.stories import folding, names, quantities, when, words
from briefings.stories.event import NEG, EventParams, Report, corrections, story_score
from briefings.stories.postings import BIG, Postings
from briefings.stories.when import Span, happening_span

PIECES = [
    "US", "U.S.", "Estados", "Unidos", "united", "states", "por", "ciento", "per", "cent",
    "percent", "25", "%", "mil", "thousand", "10,000", "1.200", "Casa", "Blanca", "EE.", "UU.",
    "T-MEC", "Peña", "ÑANDÚ", "“quote”", "≠", "ﬁ", "한국", "e\u0301", "İstanbul", "ß", "lunes",
    "on Monday", "ayer", "yesterday", "next Friday", "entrará en vigor el jueves", "tariffs",
    "aranceles", ".", ",", "¿", "’", "us$ 1,5", "mxn $300", "3 500 pesos", "300 lb", "g20", "10h",
    "2025", "enero 4", "Sheinbaum said", "NBC reported", "according to NBC News", "según CNN",
    "Ebrard dijo", "saidx", "said2", "reportedly", "at Otay Mesa", "en Nogales", "☃", "𝔘𝔖",
]  # fmt: skip


def texts(seed: int, count: int = 3000) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(PIECES) for _ in range(rng.randint(0, 9))) for _ in range(count)]


def test_normalise_and_unaccent_match_the_per_text_unicode_forms() -> None:
    for text in texts(1):
        folded = text.casefold().translate(words._FOLD)
        if not folded.isascii():
            folded = unicodedata.normalize("NFKD", folded)
            folded = "".join(c for c in folded if not unicodedata.combining(c))
        if "US" not in text:  # the capital-US rule aside
            assert words.normalise(text) == folded
        plain = "".join(folding._strip(c) if ord(c) > 127 else c for c in text)
        assert folding.unaccent(text) == plain


def test_token_parts_are_the_three_token_lists() -> None:
    for title, summary in zip(texts(2), texts(3), strict=True):
        assert words.token_parts(title, summary) == (
            words.tokens(title, summary), words.tokens(title, ""), words.tokens("", summary)
        )  # fmt: skip
    # A name, a thousand or a percent sign across the seam of title and lede.
    for title, summary in [("Casa", "Blanca dijo"), ("25", "por ciento"), ("10", "mil"),
                           ("25", "% tariff"), ("5", "percent")]:  # fmt: skip
        assert words.token_parts(title, summary)[0] == words.tokens(title, summary)


def test_quantity_matches_are_the_regex_matches() -> None:
    rng = random.Random(4)
    alphabet = "0123456789 $us mxn.,%-kglb pesos de mil"
    extra = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(3000)]
    for text in texts(5) + extra:
        folded = folding.fold(text)
        expected = [m.group(0, "num") + (m.start(),) for m in quantities._QTY_RE.finditer(folded)]
        assert [m.group(0, "num") + (m.start(),) for m in quantities._matches(folded)] == expected


def test_speakers_and_days_match_the_full_scans() -> None:
    published = Span(datetime(2026, 3, 4, 12), datetime(2026, 3, 4, 12))
    for text in texts(6):
        head = folding.unaccent(text[:300]).replace("’", "'")
        found: set[str] = set()
        for m in names._SPEAKER_BEFORE.finditer(head):
            found.update(names._name_words(m.group(1)))
        for m in names._SPEAKER_FROM.finditer(head.casefold()):
            found.update(names._name_words(head[m.start(1) : m.end(1)]))
        assert names.speakers(text) == found
        folded = folding.fold(text)  # the day rules look for the regexes' words first
        assert any(day in folded for day in when._WEEKDAYS) or not when._WEEKDAY_RE.search(folded)
        assert "yesterday" in folded or "ayer" in folded or not when._YESTERDAY_RE.search(folded)
        assert happening_span(published, text) == happening_span(published, text, folded)


@pytest.mark.parametrize("rebuild", [False, True])
def test_postings_jaccard_is_the_exact_jaccard(rebuild: bool) -> None:
    rng = np.random.default_rng(7)
    rows = [np.unique(rng.integers(0, 60, size=rng.integers(0, 12))).astype(np.uint32)
            for _ in range(4 * BIG)]  # fmt: skip
    postings = Postings()
    for n, shingles in enumerate(rows):
        postings.add(n, shingles)
    if rebuild:
        postings.rebuild(rows)
    for query in rows[:20]:
        got = postings.jaccard(query, len(rows))
        for n, other in enumerate(rows):
            union = len(set(query.tolist()) | set(other.tolist()))
            shared = len(set(query.tolist()) & set(other.tolist()))
            assert got[n] == (shared / union if shared else 0.0)


def test_postings_rebuilt_from_rows_without_words_hold_nothing() -> None:
    postings = Postings()
    postings.add(0, np.array([3], dtype=np.uint32))
    postings.rebuild([np.zeros(0, dtype=np.uint32)] * 3)  # compacted: the kept rows are empty
    assert postings.jaccard(np.array([3], dtype=np.uint32), 3).tolist() == [0.0, 0.0, 0.0]


def test_a_story_that_cannot_beat_the_bar_is_not_scored_but_one_that_can_is() -> None:
    def report(n: int, quantity: float | None = None) -> Report:
        found = frozenset() if quantity is None else frozenset({quantities.Quantity("", quantity)})
        span = Span(datetime(2026, 3, 4), datetime(2026, 3, 4))
        return Report(n, span, found, frozenset(), frozenset(), np.zeros(0, dtype=np.uint32),
                      np.zeros(4, dtype=np.float16))  # fmt: skip

    params = EventParams()
    new, members = report(0, 37), [report(1, 37), report(2), report(3, 37)]
    bases = [0.66, 0.7, 0.5]
    exact = story_score(new, members, bases, params)
    assert exact == pytest.approx((0.71 + 0.7 + 0.55) / 3)
    assert story_score(new, members, bases, params, beat=exact) == exact
    assert story_score(new, members, bases, params, beat=exact + 0.1) == NEG
    assert story_score(new, members, [0.9, NEG, 0.9], params, beat=0.0) == NEG
    assert corrections(new, members[0], params) == params.quantity_shared
