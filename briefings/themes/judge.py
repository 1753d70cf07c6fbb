"""What one theme's hits in one item add up to: a match, kept out, or undecided.

The matcher finds every hit of every theme in one pass; ``judge`` then weighs one theme's:
a veto term rules the theme out; terms inside an exclude phrase are switched off for the item;
each distinct term counts its weight once (strong 1, weak 0.5) and each near rule whose two
sides meet within reach counts its weight; the theme matches when that strength reaches its
threshold. A theme with a veto, or an exclude phrase and no match, is BLOCKED: the semantic
signal may not add it either.
"""

from __future__ import annotations

from dataclasses import dataclass

from briefings.model import Hit, ThemeMatch
from briefings.themes.config import Theme
from briefings.themes.termlang import Term

TITLE_FACTOR = 2.0
TERM, EXCL, VETO, NEAR_A, NEAR_B = range(5)  # what a hit is of: a slot's kind

# slot: (theme index, kind, index of the term or rule, index inside a near rule's side)
Slot = tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class Blocked:
    """A theme kept out of an item by its veto terms or exclude phrases (as written)."""

    veto: tuple[str, ...]
    exclude: tuple[str, ...]


def judge(
    theme: Theme,
    canon: list[int],
    langs: set[str],
    hits: list[tuple[Slot, int, int]],
    text: str,
    split: int,
    language: str | None,
) -> ThemeMatch | Blocked | None:
    """A match, BLOCKED (a veto term or exclude phrase is present), or None (undecided).

    ``canon``: each term's canonical index (one term written for two languages counts once);
    ``langs``: the languages the theme has terms for; ``split``: where the title ends in
    ``text``.
    """
    if len(hits) == 1:  # the common case: one stray term, exclusion or half a near rule
        _, kind, ref, _ = hits[0][0]
        if kind in (VETO, EXCL):
            return BLOCKED
        if kind != TERM or theme.terms[ref].weight < theme.threshold:
            return None
    if any(slot[1] == VETO for slot, _, _ in hits):
        return BLOCKED
    excluded = any(slot[1] == EXCL for slot, _, _ in hits)
    hits = _without_excluded(hits)
    foreign = language is not None and language in langs

    terms: list[tuple[int, int, int]] = []  # (canonical term index, span start, span end)
    near_a: Near = {}
    near_b: Near = {}
    for (_, kind, ref, sub), s0, s1 in hits:
        if kind == TERM:
            lang = theme.terms[ref].lang
            if not (foreign and lang is not None and lang != language):
                terms.append((canon[ref], s0, s1))
        else:
            side = near_a if kind == NEAR_A else near_b
            side.setdefault(ref, []).append((text.count(" ", 0, s0), s0 < split, sub))

    fields: dict[int, bool] = {}  # term index -> hit in the title
    for ref, s0, _ in _outermost(terms, theme.terms) if len(terms) > 1 else terms:
        fields[ref] = fields.get(ref, False) or s0 < split
    strength, score, found = _weigh(theme, fields, near_a, near_b)
    if strength < theme.threshold - 1e-9:
        return BLOCKED if excluded else None
    return ThemeMatch(theme.name, round(score, 3), found)


Near = dict[int, list[tuple[int, bool, int]]]  # rule -> [(word index, in title, term index)]


def _weigh(
    theme: Theme, fields: dict[int, bool], near_a: Near, near_b: Near
) -> tuple[float, float, tuple[Hit, ...]]:
    """Strength (what the threshold is compared with), score (title hits doubled), hits."""
    strength = score = 0.0
    title_hits: list[Hit] = []
    summary_hits: list[Hit] = []
    for ref, in_title in fields.items():
        term = theme.terms[ref]
        strength += term.weight
        score += term.weight * (TITLE_FACTOR if in_title else 1.0)
        (title_hits if in_title else summary_hits).append(Hit(term.source, _field(in_title)))
    for ref in near_a.keys() & near_b.keys():
        rule = theme.near[ref]
        pair = _closest(near_a[ref], near_b[ref], rule.within)
        if pair is None:
            continue
        in_title, ja, jb = pair
        strength += rule.weight
        score += rule.weight * (TITLE_FACTOR if in_title else 1.0)
        label = f"{rule.a[ja].source} ~{rule.within} {rule.b[jb].source}"
        (title_hits if in_title else summary_hits).append(Hit(label, _field(in_title)))
    return strength, score, tuple(title_hits + summary_hits)


BLOCKED = Blocked((), ())  # what the fast path returns; blocked_by() says why, for explain


def blocked_by(theme: Theme, hits: list[tuple[Slot, int, int]]) -> Blocked:
    """Which of the theme's veto terms and exclude phrases the item contains."""
    veto = sorted({theme.veto[ref].source for (_, kind, ref, _), _, _ in hits if kind == VETO})
    excl = sorted({theme.exclude[ref].source for (_, kind, ref, _), _, _ in hits if kind == EXCL})
    return Blocked(tuple(veto), tuple(excl))


def _without_excluded(hits: list[tuple[Slot, int, int]]) -> list[tuple[Slot, int, int]]:
    """The hits left once every term inside an excluded phrase is switched off for the item."""
    excluded = [(s0, s1) for slot, s0, s1 in hits if slot[1] == EXCL]
    if not excluded:
        return hits
    off = {
        slot
        for slot, s0, s1 in hits
        if slot[1] != EXCL and any(s0 < e1 and e0 < s1 for e0, e1 in excluded)
    }
    return [h for h in hits if h[0] not in off and h[0][1] != EXCL]


def _outermost(
    hits: list[tuple[int, int, int]], terms: tuple[Term, ...]
) -> list[tuple[int, int, int]]:
    """Drop hits inside another term's hit: one stretch of text counts once.

    "drug trafficking" does not also count "drug"; "drogas", hit by both "droga" and
    "drogas", counts once (the heavier term, else the first one written).
    """

    def covers(o: tuple[int, int, int], h: tuple[int, int, int]) -> bool:
        if o[0] == h[0] or not (o[1] <= h[1] and h[2] <= o[2]):
            return False
        if (o[1], o[2]) != (h[1], h[2]):
            return True
        return (terms[o[0]].weight, -o[0]) > (terms[h[0]].weight, -h[0])

    return [h for h in hits if not any(covers(o, h) for o in hits)]


def _closest(
    a: list[tuple[int, bool, int]], b: list[tuple[int, bool, int]], within: int
) -> tuple[bool, int, int] | None:
    """An a/b pair in one field within reach — (in title, a term, b term) — title first."""
    best: tuple[bool, int, int] | None = None
    for wa, ta, ja in a:
        for wb, tb, jb in b:
            if ta == tb and abs(wa - wb) <= within:
                if ta:
                    return (True, ja, jb)
                best = best or (False, ja, jb)
    return best


def canonical(terms: tuple[Term, ...]) -> list[int]:
    """For each term, the index of the first term that matches exactly the same words."""
    first: dict[tuple[str, bool, bool], int] = {}
    return [first.setdefault((t.text, t.prefix, t.exact), i) for i, t in enumerate(terms)]


def _field(in_title: bool) -> str:
    return "title" if in_title else "summary"
