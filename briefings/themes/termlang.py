"""The term language of themes: one term as written, and the text it is matched against.

A term is a word (``cartel``), a phrase (``trade war``), either of them ending in ``*`` for a
prefix (``arancel*`` matches "arancelario"; ``duty*`` also "duties"), or starting with ``=``
for that exact form only.
Plain words also match their regular plurals (+s, +es, z→ces, y→ies), so ``cartel`` matches
"cartels" and "carteles" but not "cartelera". Text and terms are both casefolded, stripped of
accents and reduced to words separated by single spaces before matching.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass

MAX_TERM_CHARS = 80
MIN_PREFIX_CHARS = 3
_MAX_VARIANTS = 64

_NONWORD = re.compile(r"[\W_]+")
_MARKS = re.compile(r"[\u0300-\u036f]")
_NONASCII = re.compile(r"[^\x00-\x7f]")
_ASCII_WORDS = bytes(  # a-z, 0-9 kept; A-Z lowered; everything else (and "?") a space
    b if 48 <= b <= 57 or 97 <= b <= 122 else b + 32 if 65 <= b <= 90 else 32 for b in range(256)
)
# What a term may contain: letters, digits, spaces and the punctuation of names like "U.S.",
# "T-MEC", "AT&T" or "Mexico's". Anything else (brackets, pipes, backslashes...) looks like
# someone expecting a regex, and is refused rather than silently ignored.
_ALLOWED = re.compile(r"^[\w\s'’.\-&/]+$")


class TermError(ValueError):
    """A term that cannot be used; the message is short and user-facing."""


def normalize(text: str) -> str:
    """Casefold, strip accents, and reduce to words separated by single spaces."""
    text = text.casefold()
    if not text.isascii():
        text = _MARKS.sub("", unicodedata.normalize("NFKD", text))
        # letters outside ASCII survive (ø, ł, Greek...): the slower Unicode-aware path
        if not text.isascii() and any(c.isalnum() for c in set(_NONASCII.findall(text))):
            return " ".join(_NONWORD.sub(" ", text).split())
    # only ASCII letters and digits are left worth keeping: a byte table is the fastest way
    return " ".join(text.encode("ascii", "replace").translate(_ASCII_WORDS).decode().split())


@dataclass(frozen=True, slots=True)
class Term:
    """One parsed term: as written (for "why"), normalised, and how it matches."""

    source: str  # as the user wrote it, shown in explanations
    text: str  # normalised words, without the markers
    prefix: bool = False  # ends with *: the last word may continue
    exact: bool = False  # starts with =: no plural forms
    lang: str | None = None  # None: any language
    weight: float = 1.0

    def automaton_keys(self) -> list[str]:
        """Automaton keys: padded with spaces so a hit is always on word boundaries."""
        words = self.text.split(" ")
        if self.exact:
            forms = [self.text]
        elif self.prefix:  # +s/+es already continue the prefix; a stem change does not
            head = " ".join(words[:-1] + [""])
            forms = [head + w for w in _plurals(words[-1]) if not w.startswith(words[-1])]
            forms.insert(0, self.text)
        else:
            choices = [_plurals(w) for w in words]
            if _count(choices) > _MAX_VARIANTS:  # long phrases: inflect the last word only
                choices = [[w] for w in words[:-1]] + [choices[-1]]
            forms = [" ".join(combo) for combo in itertools.product(*choices)]
        tail = "" if self.prefix else " "
        return [f" {form}{tail}" for form in forms]


def parse_term(raw: str, *, lang: str | None = None, weight: float = 1.0) -> Term:
    """Parse one term as written in a themes file or a /track command."""
    if not isinstance(raw, str):
        raise TermError(f"a term must be text, not {type(raw).__name__}")
    written = raw.strip()
    body = written
    if len(body) >= 2 and body[0] == body[-1] == '"':  # "a phrase" written with quotes
        body = body[1:-1].strip()
    exact = body.startswith("=")
    body = body.removeprefix("=").strip()
    prefix = body.endswith("*")
    body = body.removesuffix("*").rstrip()
    if not body:
        raise TermError(f"empty term {raw!r}")
    if len(body) > MAX_TERM_CHARS:
        raise TermError(f"term too long (over {MAX_TERM_CHARS} characters): {raw[:20]!r}…")
    if "*" in body:
        raise TermError(f"* only works at the end of a term: {raw!r}")
    if not _ALLOWED.match(body):
        raise TermError(
            f"{raw!r} has characters a term cannot use (letters, digits, spaces, - ' . & / only)"
        )
    text = normalize(body)
    if not text:
        raise TermError(f"{raw!r} has no letters or digits")
    if prefix and len(text.split(" ")[-1]) < MIN_PREFIX_CHARS:
        raise TermError(f"a prefix needs at least {MIN_PREFIX_CHARS} letters before *: {raw!r}")
    return Term(source=written, text=text, prefix=prefix, exact=exact, lang=lang, weight=weight)


def _plurals(word: str) -> list[str]:
    """The word and its regular English/Spanish plurals (a few harmless non-words too)."""
    if len(word) < 3 or not word.isalpha():
        return [word]
    forms = [word, word + "s", word + "es"]
    if word.endswith("z"):
        forms.append(word[:-1] + "ces")  # luz → luces, lápiz → lápices
    elif word.endswith("y") and len(word) > 3:
        forms.append(word[:-1] + "ies")  # duty → duties
    return forms


def _count(choices: list[list[str]]) -> int:
    n = 1
    for c in choices:
        n *= len(c)
    return n
