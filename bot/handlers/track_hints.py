"""What a /track would do that its author may not mean, and the command that would do better.

Two surprises: a term so common (``the``, ``de``, ``la``) that nearly every story matches and the
chat floods; and words typed without quotes (``border wall``), which are separate terms, each
enough for a match, where a phrase was meant. The common words of every UI language are message
words.common of its catalogue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.texts import N_
from briefings import i18n
from briefings.themes.termlang import normalize

_TOKEN = re.compile(r'-?"[^"]*"|\S+')  # as parse_custom_theme splits the terms
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})


@dataclass
class TrackHints:
    """The common words and the unquoted phrases found, and the command that avoids them."""

    common: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    better: str = ""

    def __bool__(self) -> bool:
        return bool(self.common or self.phrases)


def track_hints(name: str, terms: str) -> TrackHints:
    """The surprises in ``/track name terms`` (falsy when there are none)."""
    tokens = _TOKEN.findall(terms.translate(_QUOTES))
    common_words = i18n.words(N_("words.common"))
    hints = TrackHints(common=[t for t in tokens if _is_common(t, common_words)])
    better: list[str] = []
    for run in _runs(tokens):
        if len(run) > 1:  # quoted, its common words no longer match on their own
            phrase = " ".join(run)
            hints.phrases.append(phrase)
            better.append(f'"{phrase}"')
        elif run[0] not in hints.common:
            better.append(run[0])
    if hints:
        positive = [t for t in better if not t.startswith("-")]
        hints.better = f"/track {name} {' '.join(better)}" if positive else f"/untrack {name}"
    return hints


def _is_common(token: str, common: frozenset[str]) -> bool:
    """A term (not an exclusion) made only of common words."""
    if token.startswith("-"):
        return False
    words = normalize(token.strip('"').lstrip("=").rstrip("*")).split()
    return bool(words) and all(word in common for word in words)


def _plain(token: str) -> bool:
    return not token.startswith(('"', "-", "=")) and not token.endswith("*")


def _runs(tokens: list[str]) -> list[list[str]]:
    """The tokens, with consecutive plain words (no quotes, *, = or -) grouped together."""
    runs: list[list[str]] = []
    for token in tokens:
        if runs and _plain(token) and _plain(runs[-1][-1]):
            runs[-1].append(token)
        else:
            runs.append([token])
    return runs
