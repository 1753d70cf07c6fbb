"""Match items against themes: one Aho-Corasick pass over the normalised text, then rules.

Every term becomes automaton keys padded with spaces (" cartel ", " arancel"), and the text is
normalised to words separated by single spaces with a space at each end, so every hit already
sits on word boundaries: no boundary check is needed after a hit.

Scoring: each distinct term counts its weight (strong 1, weak 0.5) and each near rule that
fires counts its weight; a theme matches when that strength reaches its threshold (1 by
default, so one weak term alone never matches). The score doubles a term's weight when it is
hit in the title, so title hits rank first.

Rules decide first. A theme the rules leave undecided for an item (no match, and none of its
veto terms or exclude phrases present) may still join through the semantic signal, when the
matcher has a ``SemanticModel`` and the caller passes the item's vector: its score is the
model's probability (below 1, so rule matches rank first) and its one hit says "meaning".

Meaning is asked only about items that name one of the examples file's anchors (the themes'
area: Mexico, the border, cartels, tariffs...): a cheap lexical gate, found in the same
automaton pass, in front of the expensive signal (an item's vector costs ~1.5 ms). An item
without an anchor is decided by the rules alone: ``needs_vector`` says no, and a vector passed
for it is not used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import ahocorasick

from briefings.model import Hit, ThemeMatch
from briefings.themes.config import Theme
from briefings.themes.judge import (
    EXCL,
    NEAR_A,
    NEAR_B,
    TERM,
    VETO,
    Blocked,
    Slot,
    blocked_by,
    canonical,
    judge,
)
from briefings.themes.termlang import Term, normalize

if TYPE_CHECKING:  # numpy is imported only by a matcher that has a semantic model
    import numpy.typing as npt

    from briefings.themes.semantic import SemanticModel

SEMANTIC_FIELD = "meaning"  # Hit.field of a semantic match
Item = tuple[str, str, str | None]  # title, summary, language


class Matcher:
    """Compiled themes; ``match`` is pure and safe to call from any thread."""

    def __init__(self, themes: Iterable[Theme], semantic: SemanticModel | None = None) -> None:
        self.themes: tuple[Theme, ...] = tuple(themes)
        self.semantic = semantic
        names = [theme.name for theme in self.themes]
        # theme index -> column of the semantic model (None: rules only)
        self._column = [
            semantic.themes.index(n) if semantic and n in semantic.themes else None for n in names
        ]
        self._by_name = {n: i for i, n in enumerate(names)}
        self._langs = [
            {t.lang for t in theme.terms if t.lang} for theme in self.themes
        ]  # the languages each theme has terms for
        # the same term written for two languages ("cartel", "cártel") counts once
        self._canon = [canonical(theme.terms) for theme in self.themes]
        # the gate in front of meaning (none: meaning considers every item)
        self._anchors = semantic.examples.anchors if semantic is not None else ()
        self._automaton = self._compile()

    def _compile(self) -> ahocorasick.Automaton | None:
        keys: dict[str, list[Slot]] = {}

        def add(term: Term, slot: Slot) -> None:
            for key in term.automaton_keys():
                keys.setdefault(key, []).append(slot)

        for ti, theme in enumerate(self.themes):
            for i, term in enumerate(theme.terms):
                add(term, (ti, TERM, i, 0))
            for i, term in enumerate(theme.exclude):
                add(term, (ti, EXCL, i, 0))
            for i, term in enumerate(theme.veto):
                add(term, (ti, VETO, i, 0))
            for r, rule in enumerate(theme.near):
                for j, term in enumerate(rule.a):
                    add(term, (ti, NEAR_A, r, j))
                for j, term in enumerate(rule.b):
                    add(term, (ti, NEAR_B, r, j))
        anchors = {key for term in self._anchors for key in term.automaton_keys()}
        for key in anchors:
            keys.setdefault(key, [])
        if not keys:
            return None
        automaton = ahocorasick.Automaton()
        for key, slots in keys.items():
            # the core span of a hit excludes the padding spaces; a prefix key has no tail space
            tail = 0 if key.endswith(" ") else 1
            automaton.add_word(key, (len(key), tail, tuple(slots), key in anchors))
        automaton.make_automaton()
        return automaton

    def match(
        self,
        title: str,
        summary: str,
        language: str | None = None,
        vector: npt.ArrayLike | None = None,
    ) -> list[ThemeMatch]:
        """The themes an item belongs to, best score first.

        With ``language`` set, a theme's terms for other languages are ignored (terms under
        ``any`` always count) — unless the theme has no terms in that language at all.
        With ``vector`` (the item's sentence vector) the semantic signal decides the themes
        the rules leave undecided.
        """
        found, blocked, anchored = self._scan(title, summary, language)
        if vector is None or not self._undecided(found, blocked, anchored):
            return found
        import numpy as np

        row = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        return self._decide([found], [blocked], [anchored], row)[0]

    def match_many(
        self,
        items: Sequence[Item],
        vectors: npt.ArrayLike | None = None,
        *,
        embed: Callable[[list[int]], npt.ArrayLike] | None = None,
    ) -> list[list[ThemeMatch]]:
        """``match`` for a batch, each item scanned once. The semantic signal decides every
        undecided (item, theme) pair in one matrix product, over ``vectors`` (one row per
        item) or, when ``embed`` is given instead, over the rows ``embed(indexes)`` gives for
        just the items that need meaning (asked once, and only if some do)."""
        scanned = [self._scan(title, summary, language) for title, summary, language in items]
        results = [found for found, _, _ in scanned]
        if self.semantic is None or not items:
            return results
        if vectors is not None:
            need = list(range(len(items)))
        elif embed is not None:
            need = [i for i, one in enumerate(scanned) if self._undecided(*one)]
            if not need:
                return results
            vectors = embed(need)
        else:
            return results
        decided = self._decide([results[i] for i in need], [scanned[i][1] for i in need],
                               [scanned[i][2] for i in need], vectors)  # fmt: skip
        for i, found in zip(need, decided, strict=True):
            results[i] = found
        return results

    def needs_vector(self, title: str, summary: str, language: str | None = None) -> bool:
        """Whether the item names an anchor (if the examples file lists any) and the rules
        leave a theme of the semantic model undecided for it."""
        if self.semantic is None:
            return False
        return bool(self._undecided(*self._scan(title, summary, language)))

    def anchored(self, title: str, summary: str, language: str | None = None) -> bool:
        """Whether meaning may consider the item: it names an anchor, or there are none."""
        return self._scan(title, summary, language)[2]

    @property
    def anchors(self) -> tuple[Term, ...]:
        """The gate's terms, as the examples file lists them (empty: no gate)."""
        return self._anchors

    def _undecided(
        self, found: list[ThemeMatch], blocked: dict[int, Blocked], anchored: bool
    ) -> list[int]:
        """The semantic model's columns that the rules left undecided for one item (none
        for an item without an anchor: meaning does not consider it)."""
        if self.semantic is None or not anchored:
            return []
        decided = {self._by_name[m.theme] for m in found}.union(blocked)
        return [c for ti, c in enumerate(self._column) if c is not None and ti not in decided]

    def _decide(
        self,
        results: list[list[ThemeMatch]],
        blocked: list[dict[int, Blocked]],
        anchored: list[bool],
        vectors: Any,
    ) -> list[list[ThemeMatch]]:
        """Add the semantic matches of the undecided (item, theme) pairs to ``results``."""
        import numpy as np

        assert self.semantic is not None
        undecided = np.ones((len(results), len(self.semantic.themes)), dtype=bool)
        undecided[~np.asarray(anchored, dtype=bool)] = False
        for row, (found, kept_out) in enumerate(zip(results, blocked, strict=True)):
            for ti in [*(self._by_name[m.theme] for m in found), *kept_out]:
                if (column := self._column[ti]) is not None:
                    undecided[row, column] = False
        chosen, probs = self.semantic.decide(vectors, undecided)
        names = self.semantic.themes
        for row, column in zip(*np.nonzero(chosen), strict=True):
            p = float(probs[row, column])
            hit = Hit(f"meaning {p:.2f}", SEMANTIC_FIELD)
            found = results[row]
            found.append(ThemeMatch(names[column], round(p, 3), (hit,)))
            if len(found) > 1:
                found.sort(key=lambda m: (-m.score, m.theme))
        return results

    def rule_outcomes(
        self, title: str, summary: str, language: str | None = None
    ) -> dict[str, ThemeMatch | Blocked]:
        """What the rules say per theme: a match, or what kept it out (for ``explain``)."""
        found, blocked, _ = self._scan(title, summary, language, explain=True)
        outcomes: dict[str, ThemeMatch | Blocked] = {m.theme: m for m in found}
        for ti, why in blocked.items():
            outcomes[self.themes[ti].name] = why
        return outcomes

    def _scan(
        self, title: str, summary: str, language: str | None, explain: bool = False
    ) -> tuple[list[ThemeMatch], dict[int, Blocked], bool]:
        """The rule matches, best first, the themes kept out (why, when ``explain``), and
        whether the item names an anchor (always true without anchors)."""
        anchored = not self._anchors
        if self._automaton is None:
            return [], {}, anchored
        t, s = normalize(title), normalize(summary)
        text = f" {t} \n {s} "
        split = len(t) + 2  # a core span starting before this is in the title
        found: dict[int, list[tuple[Slot, int, int]]] = {}
        for end, (length, tail, slots, anchor) in self._automaton.iter(text):
            if anchor:
                anchored = True
            span = (end - length + 2, end + tail)
            for slot in slots:
                hits = found.get(slot[0])
                if hits is None:
                    found[slot[0]] = [(slot, *span)]
                else:
                    hits.append((slot, *span))
        results = []
        blocked: dict[int, Blocked] = {}
        for ti, hits in found.items():
            theme = self.themes[ti]
            result = judge(theme, self._canon[ti], self._langs[ti], hits, text, split, language)
            if isinstance(result, ThemeMatch):
                results.append(result)
            elif result is not None:
                blocked[ti] = blocked_by(theme, hits) if explain else result
        results.sort(key=lambda m: (-m.score, m.theme))
        return results, blocked, anchored
