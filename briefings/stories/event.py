"""Same event or not: a report against the reports of a story.

A pair score is the cosine of the two reports' sentence vectors, corrected by what vectors
miss: the time between the happenings, conflicting or shared quantities, different places,
different speakers. A story score is the mean of the report's best pair scores with the
story's members, so a story is judged by its members, not by its first report alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from briefings.stories.fingerprint import shingles_of
from briefings.stories.folding import fold
from briefings.stories.glossary import GLOSSARY, GLOSSARY_WORDS
from briefings.stories.names import places, places_conflict, speakers, speakers_conflict
from briefings.stories.quantities import (
    HAPPENING_UNITS,
    Quantity,
    quantities,
    quantities_conflict,
    quantities_shared,
)
from briefings.stories.when import Span, happening_span, span_gap_days, stated_days_differ
from briefings.stories.words import token_parts
from briefings.text.clean import own_title

LEDE_CHARS = 600  # of a summary: feeds' long descriptions go on about other things
Vector = npt.NDArray[np.float16]  # unit length: what a story keeps of a member (1 KB)
Shingles = npt.NDArray[np.uint32]  # sorted, distinct
NEG = -1e9  # a pair that cannot be one event
CONTRAST = 0.5


@dataclass(frozen=True, slots=True)
class EventParams:
    """The knobs of the same-event decision.

    ``threshold``, ``per_day``, ``lexical`` and ``top_k`` were chosen by cross-validation on
    the labelled dev set (``bench/story_quality.py``, grid "full"), scored on the reports as
    dated and crowded into one week alike: a poller sees many happenings of one theme at once,
    the dev set spreads them over a year. The dev set has no conflicting quantities or places:
    those penalties come from the hand-written cases (Otay Mesa vs Nogales, 25% vs 30%).
    """

    threshold: float = 0.7  # story score needed to join a story
    per_day: float = 0.1  # score lost per day between the two happenings
    max_gap_days: float = 3.0  # reports of one event are published within about three days
    quantity_conflict: float = 0.25  # 25% vs 30%, 250 lb vs 300 lb
    quantity_shared: float = 0.05  # both give '37' or '90 days'
    place_conflict: float = 0.25  # 'at Otay Mesa' vs 'in Nogales'
    speaker_conflict: float = 0.0  # 'Sheinbaum rejected' vs 'NBC reported': a reaction
    lexical: float = 3.0  # weight of the shared words and word pairs (Jaccard, EN/ES glossed)
    top_k: int = 3  # a story score is the mean of the report's k best member scores
    # Each report's subject (the words its title and lede both use: 'steel', 'tomatoes')
    # includes a word the other report never uses: two happenings on one theme, told with
    # the same actors and vocabulary ('U.S. tariffs on Mexico').
    contrast: float = CONTRAST


@dataclass(frozen=True, slots=True)
class Report:
    """A report reduced to what the same-event decision uses."""

    id: int
    span: Span  # when the reported happening may have taken place
    quantities: frozenset[Quantity]
    places: frozenset[str]
    speakers: frozenset[str]
    shingles: Shingles  # hashed words and word pairs of its title and lede
    vector: Vector
    language: str = ""
    subject: frozenset[str] = frozenset()  # tokens in both its title and its lede
    words: frozenset[str] = frozenset()  # every token of its title and lede


def report_from(
    id: int, lang: str, title: str, summary: str, published: Span, vector: Vector
) -> Report:
    """Read a report's features from its text (the vector is the caller's)."""
    title = own_title(title, summary)  # a lede's opening standing in for a title is none
    summary = summary[:LEDE_CHARS]  # the lede tells the happening (same-event rule 2)
    text = f"{title}. {summary}" if title else summary
    lede = summary or title  # ledes are sentence case; Title Case headlines fake proper names
    folded = fold(text)
    found, in_title, in_lede = token_parts(title, summary)
    head, body = frozenset(in_title), frozenset(in_lede)
    return Report(
        id,
        happening_span(published, text, folded),
        quantities(text, lang, folded),
        places(lede),
        speakers(lede),
        np.array(sorted(shingles_of(found)), dtype=np.uint32),
        vector,
        lang,
        head & body,
        head | body,
    )


def contrasted(a: Report, b: Report, *, whole: bool = False) -> bool:
    """Each report's subject has a token the other report never uses. Across languages only
    the glossary links words, so there only glossed tokens and numbers count ('remesas' is
    not missing from a report about 'remittances'), and one missing word on a side is not
    enough: the small glossary has gaps ("aseguran" is not glossed as "seize").

    ``whole``: a report with no subject (a headline alone, a lede alone) offers all its
    words but numbers instead. Only the veto of conflicting numbers asks so: two tellings of
    one event nearly always each have a word the other lacks, so that alone says little."""
    subject_a, subject_b = _subject(a, whole), _subject(b, whole)
    if not (subject_a and subject_b and a.words and b.words):
        return False
    if a.language == b.language:
        return bool(subject_a - b.words) and bool(subject_b - a.words)
    least = CROSS_LANGUAGE_CONTRAST
    return (len(_neutral(subject_a) - b.words) >= least
            and len(_neutral(subject_b) - a.words) >= least)  # fmt: skip


def _subject(report: Report, whole: bool) -> frozenset[str]:
    if report.subject or not whole:
        return report.subject
    return frozenset(t for t in report.words if not t[:1].isdigit())


CROSS_LANGUAGE_CONTRAST = 2  # glossed words a side must lack before two languages contrast
_GLOSSED = frozenset(GLOSSARY.values()) | frozenset(GLOSSARY_WORDS.values())


def _neutral(found: frozenset[str]) -> frozenset[str]:
    """The tokens that read the same in English and Spanish: glossary entries and numbers."""
    return frozenset(t for t in found if t in _GLOSSED or t[:1].isdigit())


def pair_score(a: Report, b: Report, params: EventParams) -> float:
    """Cosine corrected for time, shared words, quantities, places and speakers; NEG when the
    two cannot be one event (too far apart in time, or ledes naming different days)."""
    gap = span_gap_days(a.span, b.span)
    if gap > params.max_gap_days or stated_days_differ(a.span, b.span):
        return NEG
    score = float(a.vector.astype(np.float32) @ b.vector.astype(np.float32))
    score -= params.per_day * gap
    if params.lexical and a.shingles.size and b.shingles.size:
        shared = np.intersect1d(a.shingles, b.shingles, assume_unique=True).size
        score += params.lexical * (shared / (a.shingles.size + b.shingles.size - shared))
    return score + corrections(a, b, params)


def corrections(a: Report, b: Report, params: EventParams) -> float:
    """What quantities, places and speakers add to a pair's score (``SemanticIndex`` works
    out the rest, the same way as ``pair_score``, for all open reports at once)."""
    score, counted, conflict = 0.0, False, False
    if a.quantities and b.quantities:
        if quantities_conflict(a.quantities, b.quantities):
            score -= params.quantity_conflict
            conflict = True
        elif quantities_shared(a.quantities, b.quantities):
            score += params.quantity_shared
            counted = quantities_shared(a.quantities, b.quantities, HAPPENING_UNITS)
    if a.places and b.places and places_conflict(a.places, b.places):
        score -= params.place_conflict
    if (params.speaker_conflict and a.speakers and b.speakers
            and speakers_conflict(a.speakers, b.speakers)):  # fmt: skip
        score -= params.speaker_conflict
    # A shared count or amount ('37 sent', '300 lb'), none in conflict, ties two reports to
    # one happening more surely than their headline words set them apart. Not a shared rate:
    # a 25% tariff is announced, paused and in force, three happenings.
    if params.contrast and not counted:
        if contrasted(a, b):
            if conflict:
                # Other numbers and other subjects: two happenings, however alike the wording
                # ('5% on steel' and '10% on tomatoes' in one agency's template).
                return NEG
            score -= params.contrast
        elif conflict and contrasted(a, b, whole=True):
            return NEG  # the same, told by a headline or a lede alone (no subject)
    return score


def story_score(
    report: Report,
    members: Sequence[Report],
    bases: Sequence[float],
    params: EventParams,
    *,
    beat: float | None = None,
) -> float:
    """Mean of the report's k best pair scores with the members (``bases``: each pair's score
    before ``corrections``, NEG when impossible); one impossible pair vetoes the story.

    ``beat``: a score the caller needs; a story that cannot reach it, whatever the corrections
    add (at most ``most_added``), gets NEG without them. The bound is exact in floating point:
    rounding is monotonic, so the mean of the k best upper bounds is at least the score."""
    if not bases or min(bases) <= NEG / 2:
        return NEG  # another day's statement, or too far in time: never this story
    if beat is not None:
        added = most_added(params)
        upper = sorted(base + added for base in bases)[-params.top_k :]
        if sum(upper) / len(upper) < beat:
            return NEG
    scores = [base + corrections(report, member, params)
              for member, base in zip(members, bases, strict=True)]  # fmt: skip
    best = sorted(scores)[-params.top_k :]
    return sum(best) / len(best)


def most_added(params: EventParams) -> float:
    """The most ``corrections`` can add to a pair's score."""
    rewards = (params.quantity_shared, -params.quantity_conflict)
    return (max(0.0, *rewards) + max(0.0, -params.place_conflict)
            + max(0.0, -params.speaker_conflict) + max(0.0, -params.contrast))  # fmt: skip


DATED_SPAN_DAYS = 3.0  # a vaguer date (a month) does not bound a story's window
