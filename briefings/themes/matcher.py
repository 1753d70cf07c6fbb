"""Match items against themes: one Aho-Corasick pass over the normalised text, then rules.

Every term becomes automaton keys padded with spaces (" cartel ", " arancel"), and the text is
normalised to words separated by single spaces with a space at each end, so every hit already
sits on word boundaries: no boundary check is needed after a hit.

Scoring: each distinct term counts its weight (strong 1, weak 0.5) and each near rule that
fires counts its weight; a theme matches when that strength reaches its threshold (1 by
default, so one weak term alone never matches). The score doubles a term's weight when it is
hit in the title, so title hits rank first.
"""

from __future__ import annotations

from collections.abc import Iterable

import ahocorasick

from briefings.model import Hit, ThemeMatch
from briefings.themes.config import Theme
from briefings.themes.termlang import Term, normalize

TITLE_FACTOR = 2.0
_TERM, _EXCL, _VETO, _NEAR_A, _NEAR_B = range(5)

# slot: (theme index, kind, index of the term or rule, index inside a near rule's side)
Slot = tuple[int, int, int, int]


class Matcher:
    """Compiled themes; ``match`` is pure and safe to call from any thread."""

    def __init__(self, themes: Iterable[Theme]) -> None:
        self.themes: tuple[Theme, ...] = tuple(themes)
        self._langs = [
            {t.lang for t in theme.terms if t.lang} for theme in self.themes
        ]  # the languages each theme has terms for
        # the same term written for two languages ("cartel", "cártel") counts once
        self._canon = [_canonical(theme.terms) for theme in self.themes]
        self._automaton = self._compile()

    def _compile(self) -> ahocorasick.Automaton | None:
        keys: dict[str, list[Slot]] = {}

        def add(term: Term, slot: Slot) -> None:
            for key in term.automaton_keys():
                keys.setdefault(key, []).append(slot)

        for ti, theme in enumerate(self.themes):
            for i, term in enumerate(theme.terms):
                add(term, (ti, _TERM, i, 0))
            for i, term in enumerate(theme.exclude):
                add(term, (ti, _EXCL, i, 0))
            for i, term in enumerate(theme.veto):
                add(term, (ti, _VETO, i, 0))
            for r, rule in enumerate(theme.near):
                for j, term in enumerate(rule.a):
                    add(term, (ti, _NEAR_A, r, j))
                for j, term in enumerate(rule.b):
                    add(term, (ti, _NEAR_B, r, j))
        if not keys:
            return None
        automaton = ahocorasick.Automaton()
        for key, slots in keys.items():
            # the core span of a hit excludes the padding spaces; a prefix key has no tail space
            tail = 0 if key.endswith(" ") else 1
            automaton.add_word(key, (len(key), tail, tuple(slots)))
        automaton.make_automaton()
        return automaton

    def match(self, title: str, summary: str, language: str | None = None) -> list[ThemeMatch]:
        """The themes an item belongs to, best score first.

        With ``language`` set, a theme's terms for other languages are ignored (terms under
        ``any`` always count) — unless the theme has no terms in that language at all.
        """
        if self._automaton is None:
            return []
        t, s = normalize(title), normalize(summary)
        text = f" {t} \n {s} "
        split = len(t) + 2  # a core span starting before this is in the title
        found: dict[int, list[tuple[Slot, int, int]]] = {}
        for end, (length, tail, slots) in self._automaton.iter(text):
            span = (end - length + 2, end + tail)
            for slot in slots:
                hits = found.get(slot[0])
                if hits is None:
                    found[slot[0]] = [(slot, *span)]
                else:
                    hits.append((slot, *span))
        results = []
        for ti, hits in found.items():
            result = self._judge(ti, hits, text, split, language)
            if result is not None:
                results.append(result)
        results.sort(key=lambda m: (-m.score, m.theme))
        return results

    def _judge(
        self,
        ti: int,
        hits: list[tuple[Slot, int, int]],
        text: str,
        split: int,
        language: str | None,
    ) -> ThemeMatch | None:
        theme = self.themes[ti]
        if len(hits) == 1:  # the common case: one stray term, exclusion or half a near rule
            _, kind, ref, _ = hits[0][0]
            if kind != _TERM or theme.terms[ref].weight < theme.threshold:
                return None
        if any(slot[1] == _VETO for slot, _, _ in hits):
            return None
        hits = _without_excluded(hits)
        foreign = language is not None and language in self._langs[ti]

        terms: list[tuple[int, int, int]] = []  # (canonical term index, span start, span end)
        # rule -> [(word index, in title, term index)]
        near_a: dict[int, list[tuple[int, bool, int]]] = {}
        near_b: dict[int, list[tuple[int, bool, int]]] = {}
        for (_, kind, ref, sub), s0, s1 in hits:
            if kind == _TERM:
                lang = theme.terms[ref].lang
                if not (foreign and lang is not None and lang != language):
                    terms.append((self._canon[ti][ref], s0, s1))
            else:
                side = near_a if kind == _NEAR_A else near_b
                side.setdefault(ref, []).append((text.count(" ", 0, s0), s0 < split, sub))

        fields: dict[int, bool] = {}  # term index -> hit in the title
        for ref, s0, _ in _outermost(terms, theme.terms) if len(terms) > 1 else terms:
            fields[ref] = fields.get(ref, False) or s0 < split

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
        if strength < theme.threshold - 1e-9:
            return None
        return ThemeMatch(theme.name, round(score, 3), tuple(title_hits + summary_hits))


def _without_excluded(hits: list[tuple[Slot, int, int]]) -> list[tuple[Slot, int, int]]:
    """The hits left once every term inside an excluded phrase is switched off for the item."""
    excluded = [(s0, s1) for slot, s0, s1 in hits if slot[1] == _EXCL]
    if not excluded:
        return hits
    off = {
        slot
        for slot, s0, s1 in hits
        if slot[1] != _EXCL and any(s0 < e1 and e0 < s1 for e0, e1 in excluded)
    }
    return [h for h in hits if h[0] not in off and h[0][1] != _EXCL]


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


def _canonical(terms: tuple[Term, ...]) -> list[int]:
    """For each term, the index of the first term that matches exactly the same words."""
    first: dict[tuple[str, bool, bool], int] = {}
    return [first.setdefault((t.text, t.prefix, t.exact), i) for i, t in enumerate(terms)]


def _field(in_title: bool) -> str:
    return "title" if in_title else "summary"
