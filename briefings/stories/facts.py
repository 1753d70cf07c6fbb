"""What a story knows, from its reports alone: a headline per language, a summary, coverage.

Nothing here is invented: a headline is one report's title, a summary is the first one or two
sentences of one report's lede after the feed's boilerplate is gone, each with its outlet.
Reports are ranked by centrality, how much each says what the others say: the cosine of the
clustering method's vectors when it has them, else the overlap of their words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

import numpy as np

from briefings.model import Excerpt, Report, StoryFacts
from briefings.store.stories import StoryView
from briefings.stories.coverage import coverage
from briefings.text.boilerplate import strip_boilerplate, strip_title_noise
from briefings.text.clean import own_title
from briefings.text.sentences import ends_a_sentence, first_sentences, split_sentences

__all__ = [
    "cosine_centrality",
    "grounded_lede",
    "lexical_centrality",
    "ranked",
    "story_facts",
    "with_facts",
]

MIN_SUMMARY_WORDS = 6  # shorter leftovers ("Video", "Por Redacción") say nothing
_WORD = re.compile(r"\w+")
# Frequent EN/ES words of four letters or more (folded, as compared): they would make every
# report look central.
_COMMON_WORDS = """
    that this with from have were been will would said says their there they about after into
    than more over also when what which while other could should just only year years para
    como este esta estos estas sobre tras entre pero desde donde cuando dijo ante hasta tiene
    tienen sera fueron sido habia todos todo segun durante porque
"""
_COMMON = frozenset(_COMMON_WORDS.split())
_CALENDAR = re.compile(
    r"(?:january|february|march|april|june|july|august|september|october|november|december"
    r"|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre"
    r"|diciembre|monday|tuesday|wednesday|thursday|friday|saturday|sunday|lunes|martes"
    r"|miércoles|jueves|viernes|sábado|domingo)"
)


def _folded_words(text: str) -> list[str]:
    """Lower-case words without accents (so "México" meets "Mexico")."""
    plain = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return _WORD.findall(plain)


def _content_words(report: Report) -> frozenset[str]:
    words = _folded_words(f"{report.title} {report.lede}")
    # Numbers of any length count ("25" in "25%"); words only from four letters up.
    return frozenset(w for w in words if not w.isalpha() or (len(w) >= 4 and w not in _COMMON))


def lexical_centrality(reports: Sequence[Report]) -> dict[int, float]:
    """Each report's mean word overlap (Jaccard) with the other reports; names and numbers are
    shared across languages, so English and Spanish reports meet too."""
    words = [_content_words(r) for r in reports]
    out: dict[int, float] = {}
    for i, report in enumerate(reports):
        others = [j for j in range(len(reports)) if j != i]
        overlaps = [len(words[i] & words[j]) / (len(words[i] | words[j]) or 1) for j in others]
        out[report.item_id] = sum(overlaps) / len(overlaps) if overlaps else 1.0
    return out


def cosine_centrality(vectors: Mapping[int, Sequence[float]]) -> dict[int, float]:
    """Each report's mean cosine to the other reports' vectors (item id → vector)."""
    ids = list(vectors)
    if len(ids) < 2:
        return dict.fromkeys(ids, 1.0)
    rows = np.asarray([vectors[i] for i in ids], dtype=np.float64)
    rows /= np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
    sims = rows @ rows.T
    means = (sims.sum(axis=1) - np.diag(sims)) / (len(ids) - 1)
    return {item_id: float(m) for item_id, m in zip(ids, means, strict=True)}


def ranked(
    reports: Sequence[Report], centrality: Mapping[int, float] | None = None, lead_url: str = ""
) -> list[Report]:
    """Most central first; ties go to the story's lead report (``lead_url``), then the earliest."""
    scores = dict(centrality or {})
    if any(r.item_id not in scores for r in reports):  # vectors for some only: words for all
        scores = lexical_centrality(reports)
    return sorted(
        reports,
        key=lambda r: (-round(scores[r.item_id], 6), r.url != lead_url, r.published_at, r.item_id),
    )


def _excerpt(text: str, report: Report) -> Excerpt:
    return Excerpt(text, report.outlet, report.language, report.url, report.item_id)


def lede_sentences(report: Report) -> list[str]:
    """The lede's sentences once footers, read-more links and datelines are gone."""
    lede = strip_boilerplate(report.lede, title=report.title, empty_ok=True)
    sentences = split_sentences(lede)
    while sentences and _is_dateline(sentences[0]):  # "Ciudad de México, 5 de junio de 2025."
        sentences.pop(0)
    return sentences


def _is_dateline(sentence: str) -> bool:
    """Only names, numbers and dates: no lower-case word of four letters but a month or day."""
    words = re.findall(r"[^\W\d_]{4,}", sentence)
    return not [w for w in words if w.islower() and not _CALENDAR.fullmatch(w)]


def report_headline(report: Report) -> str:
    """The report's title without media labels; untitled (or titled with its lede's opening:
    ``own_title``), its lede's first sentence."""
    if _titled(report):
        return strip_title_noise(report.title)
    return next(iter(lede_sentences(report)), "")


def _titled(report: Report) -> bool:
    return bool(own_title(report.title, report.lede).strip())


def grounded_lede(report: Report, headline: str | None = None) -> str:
    """The first one or two sentences of the report's lede, verbatim, once footers, read-more
    links and datelines are gone; "" when what is left is too short or only the headline.

    An untitled report's first sentence is its headline, so it is left out; ``headline``, the
    headline its language shows, if another report gives it: then the sentence is left out
    only when it mostly says that headline again (``_repeats``)."""
    sentences = lede_sentences(report)
    if not _titled(report) and sentences and (headline is None
                                               or _repeats(sentences[0], headline)):
        sentences = sentences[1:]
    text = first_sentences(" ".join(sentences))
    words = _folded_words(text)
    if len(words) < MIN_SUMMARY_WORDS or words == _folded_words(report.title):
        return ""
    return text


REPEATS = 0.6  # of a sentence's content words found in the headline: it says it again


def _repeats(sentence: str, headline: str) -> bool:
    """Most of the sentence's content words (numbers, words of four letters or more) are
    the headline's: a wire's other copy of the same opening, no summary under it."""
    words = {w for w in _folded_words(sentence) if len(w) >= 4 or w.isdigit()}
    if not words:
        return True
    shown = set(_folded_words(headline))
    return len(words & shown) >= REPEATS * len(words)


def _per_language(excerpts: Iterable[Excerpt]) -> dict[str, Excerpt]:
    """The first excerpt of each language, in the order given."""
    out: dict[str, Excerpt] = {}
    for excerpt in excerpts:
        out.setdefault(excerpt.language, excerpt)
    return out


def story_facts(
    reports: Sequence[Report], centrality: Mapping[int, float] | None = None, lead_url: str = ""
) -> StoryFacts:
    """A story's facts from its reports (``centrality``: item id → score, when known)."""
    order = ranked(reports, centrality, lead_url)
    # An outlet's own headline beats a lede's first sentence standing in for one (long, and
    # not written as a headline), within a language and overall.
    titled = sorted(order, key=lambda r: not _titled(r))
    heads = [_excerpt(text, r) for r in titled if (text := report_headline(r))]
    headlines = _per_language(heads)
    # An untitled report that does not head its language may give its opening as summary.
    shown = {lang: head.text for lang, head in headlines.items()}
    heading = {head.item_id for head in headlines.values()}
    ledes = [_excerpt(text, r) for r in order
             if (text := grounded_lede(r, None if r.item_id in heading
                                       else shown.get(r.language)))]  # fmt: skip
    # A whole sentence beats one a feed cut short, within a language and overall.
    ledes.sort(key=lambda e: not ends_a_sentence(e.text))
    return StoryFacts(
        reports=tuple(sorted(reports, key=lambda r: (r.published_at, r.item_id))),
        coverage=coverage(reports),
        headlines=headlines,
        summaries=_per_language(ledes),
        headline=heads[0] if heads else None,
        summary=ledes[0] if ledes else None,
    )


def with_facts(
    stories: Iterable[StoryView], centrality: Mapping[int, float] | None = None
) -> list[StoryView]:
    """The stories with their facts worked out (those without reports are left as they are)."""
    return [
        replace(s, facts=story_facts(s.reports, centrality, s.url)) if s.reports else s
        for s in stories
    ]
