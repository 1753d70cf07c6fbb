"""The themes' example sentences: the data the semantic signal is fitted on.

``themes.toml`` names the file (``semantic = "themes-semantic.toml"``); its format is
documented at the top of the shipped ``config/themes-semantic.toml``. Its ``[anchors]`` are
the cheap gate in front of the signal: an item that names none of them is decided by the rules
alone, and never embedded for meaning.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefings.themes.termlang import Term, TermError, parse_term

_THEME_KEYS = {"threshold", "margin", "examples", "counter"}
NO_MARGIN = float("-inf")


class ExamplesError(Exception):
    """An examples file that cannot be used; the themes loader adds where."""


@dataclass(frozen=True)
class ThemeExamples:
    """Every written sentence once, the themes it belongs to, and each theme's threshold."""

    sentences: tuple[str, ...]
    labels: tuple[frozenset[str], ...]  # per sentence: the themes it is an example of
    themes: tuple[str, ...]  # the themes with examples, in file order
    thresholds: tuple[float, ...]  # per theme: the probability an undecided item needs
    # per theme: how much nearer than every sentence not of the theme its nearest example must
    # be (cosine similarity); -inf, or no margins at all: no such check
    margins: tuple[float, ...] = ()
    # terms of the themes' area (places, actors, subjects): meaning considers only the items
    # that name one of them; none: every item
    anchors: tuple[Term, ...] = ()

    def threshold(self, theme: str) -> float:
        return self.thresholds[self.themes.index(theme)]

    def margin(self, theme: str) -> float:
        return self.margins[self.themes.index(theme)] if self.margins else NO_MARGIN


def load_examples(path: Path, known: Collection[str]) -> ThemeExamples:
    """Read an examples file; ``known`` are the theme keys of the themes file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ExamplesError(f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ExamplesError(f"not UTF-8 text ({exc.reason})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ExamplesError(f"invalid TOML: {exc}") from None
    except RecursionError:
        raise ExamplesError("invalid TOML: nested too deeply") from None
    unknown = set(data) - {"themes", "background", "anchors"}
    if unknown:
        raise ExamplesError(f"unknown top-level key(s) {sorted(unknown)}")
    table = data.get("themes")
    if not isinstance(table, dict) or not table:
        raise ExamplesError("no themes: add at least one [themes.NAME] table")
    labels: dict[str, set[str]] = {}  # sentence -> themes, in first-seen order
    themes: list[str] = []
    thresholds: list[float] = []
    margins: list[float] = []
    negatives: list[str] = []
    for name, body in table.items():
        positives, counter, threshold, margin = _theme_table(name, body, known)
        for text in positives:
            labels.setdefault(text, set()).add(name)
        negatives += counter
        themes.append(name)
        thresholds.append(threshold)
        margins.append(margin)
    background = data.get("background", {})
    if not isinstance(background, dict) or set(background) - {"examples"}:
        raise ExamplesError("[background] takes one key: examples = [...]")
    negatives += _sentences(background.get("examples", []), "[background] examples")
    for text in negatives:
        labels.setdefault(text, set())
    if all(labels.values()):
        raise ExamplesError("no counter-examples or background: every sentence is an example")
    return ThemeExamples(
        sentences=tuple(labels),
        labels=tuple(frozenset(found) for found in labels.values()),
        themes=tuple(themes),
        thresholds=tuple(thresholds),
        margins=tuple(margins),
        anchors=_anchors(data.get("anchors")),
    )


def _anchors(value: Any) -> tuple[Term, ...]:
    """The [anchors] table: ``terms = [...]`` in the themes' term language (any language)."""
    if value is None:
        return ()
    if not isinstance(value, dict) or set(value) != {"terms"}:
        raise ExamplesError("[anchors] takes one key: terms = [...] (the words of the themes' "
                            "area that let meaning consider an item)")  # fmt: skip
    terms = value["terms"]
    if not isinstance(terms, list) or not terms:
        raise ExamplesError("[anchors] terms: give a non-empty list of terms, or remove "
                            "[anchors] to let meaning consider every item")  # fmt: skip
    out = []
    for n, raw in enumerate(terms, 1):
        try:
            out.append(parse_term(raw))
        except TermError as exc:
            raise ExamplesError(f"[anchors] terms, term {n}: {exc}") from None
    return tuple(out)


def _theme_table(
    name: str, body: Any, known: Collection[str]
) -> tuple[list[str], list[str], float, float]:
    """A [themes.NAME] table: its examples, counter-examples, threshold and margin."""
    where = f"theme {name!r}"
    if name not in known:
        raise ExamplesError(f"{where}: not a theme of the themes file")
    if not isinstance(body, dict) or set(body) - _THEME_KEYS:
        raise ExamplesError(f"{where}: expected a table with keys {sorted(_THEME_KEYS)}")
    threshold = body.get("threshold")
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, int | float)
        or not 0 < threshold < 1
    ):
        raise ExamplesError(f"{where}, key 'threshold': a probability between 0 and 1")
    margin = body.get("margin", NO_MARGIN)
    if isinstance(margin, bool) or not isinstance(margin, int | float) or not margin < 1:
        raise ExamplesError(f"{where}, key 'margin': a similarity difference below 1")
    positives = _sentences(body.get("examples"), f"{where}, key 'examples'")
    if not positives:
        raise ExamplesError(f"{where}, key 'examples': give at least one sentence")
    counter = _sentences(body.get("counter", []), f"{where}, key 'counter'")
    both = set(positives) & set(counter)
    if both:
        raise ExamplesError(f"{where}: listed as example and counter: {sorted(both)[0]!r}")
    return positives, counter, float(threshold), float(margin)


def _sentences(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(t, str) and t.strip() for t in value):
        raise ExamplesError(f"{where}: must be a list of sentences")
    return [" ".join(t.split()) for t in value]
