"""Why an item is or is not in each theme: which signal decided, and on what evidence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from briefings.model import ThemeMatch
from briefings.themes.examples import NO_MARGIN
from briefings.themes.judge import Blocked
from briefings.themes.matcher import Matcher

if TYPE_CHECKING:
    import numpy.typing as npt

Signal = Literal["rules", "veto", "exclude", "meaning", "none"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """One theme's answer for one item."""

    theme: str
    matched: bool
    signal: Signal  # what decided: a rule match, a veto/exclude, the semantic signal, nothing
    reasons: tuple[str, ...]  # one line each, for people
    score: float = 0.0


def explain(
    matcher: Matcher,
    title: str,
    summary: str,
    language: str | None = None,
    vector: npt.ArrayLike | None = None,
) -> list[Verdict]:
    """A verdict per theme of ``matcher``, in its order; matched themes agree with ``match``."""
    outcomes = matcher.rule_outcomes(title, summary, language)
    found = {m.theme: m for m in matcher.match(title, summary, language, vector)}
    anchored = matcher.anchored(title, summary, language)
    seen = vector if anchored else None  # meaning does not consider an item without an anchor
    return [
        _verdict(matcher, t.name, outcomes.get(t.name), found.get(t.name), seen, anchored)
        for t in matcher.themes
    ]


def _verdict(
    matcher: Matcher,
    theme: str,
    rules: ThemeMatch | Blocked | None,
    matched: ThemeMatch | None,
    vector: npt.ArrayLike | None,
    anchored: bool = True,
) -> Verdict:
    if isinstance(rules, ThemeMatch):
        hits = tuple(f"{h.term} → {h.field}" for h in rules.hits)
        return Verdict(theme, True, "rules", hits, rules.score)
    if isinstance(rules, Blocked):
        if rules.veto:
            return Verdict(theme, False, "veto", (f"veto: {', '.join(rules.veto)}",))
        return Verdict(theme, False, "exclude", (f"excluded: {', '.join(rules.exclude)}",))
    model = matcher.semantic
    if model is None or theme not in model.themes:
        return Verdict(theme, False, "none", ("no rule matched",))
    if not anchored:
        some = ", ".join(t.source for t in matcher.anchors[:3])
        return Verdict(theme, False, "none", (
            "no rule matched; meaning not asked: the item names none of the "
            f"{len(matcher.anchors)} [anchors] of the examples file ({some}, …)",
        ))  # fmt: skip
    if vector is None:
        return Verdict(theme, False, "none", ("no rule matched; meaning not asked (no vector)",))
    j = model.themes.index(theme)
    p = float(model.probabilities(vector)[0, j])
    votes = int(model.votes(vector)[0, j])
    from briefings.themes.semantic import NEIGHBOURS, VOTES

    near = model.nearest_example(vector, theme)
    reasons: tuple[str, ...] = (
        f"no rule matched; meaning: probability {p:.2f} (needs {model.thresholds[j]:.2f})",
        f"{votes} of the {NEIGHBOURS} nearest examples are this theme's (needs {VOTES})",
    )
    margin = float(model.margins[j])
    if margin != NO_MARGIN:
        gap = float(model.gaps(vector)[0, j])
        reasons += (
            f"its nearest example is {gap:+.2f} nearer than any other sentence "
            f"(needs {margin:+.2f})",
        )
    reasons += (f"nearest example ({near.similarity:.2f}): {near.sentence}",)
    closest = model.neighbours(vector, 1)[0]
    if theme not in closest.themes:
        whose = ", ".join(sorted(closest.themes)) or "no theme"
        reasons += (f"nearest sentence ({closest.similarity:.2f}, {whose}): {closest.sentence}",)
    score = matched.score if matched else round(p, 3)
    return Verdict(theme, matched is not None, "meaning", reasons, score)
