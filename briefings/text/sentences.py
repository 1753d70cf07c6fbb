"""Sentences of an English or Spanish news lede, each kept verbatim."""

from __future__ import annotations

import re

__all__ = ["ends_a_sentence", "first_sentences", "split_sentences"]

# Words after which a period does not end a sentence (lower case, without the final period).
# "no" is left out on purpose: Spanish sentences end in "no." ("dijo que no.").
_ABBREVIATIONS_WORDS = """
    u.s u.s.a u.k u.n ee.uu eeuu ee e.u d.c n.y p.m a.m etc sr sra srta dr dra lic ing mr mrs
    ms gen lt col sgt gov sen rep pres st jr núm art inc corp co ltd vs approx dept ft lbs kg
"""
_ABBREVIATIONS = frozenset(_ABBREVIATIONS_WORDS.split())
# End punctuation, closing quotes, space, then what starts a sentence: a capital or a digit,
# maybe behind an opening quote, bracket or the Spanish ¿ ¡.
_BOUNDARY = re.compile(r"([.!?…]+)([\"'”’»)]*)(\s+)(?=[\"'“‘«(¿¡]?[A-ZÁÉÍÓÚÑÜ0-9])")
_DOTTED = re.compile(r"(?:[a-z]\.)+[a-z]")  # u.s, d.c, e.u
_ENDED = re.compile(r"[.!?…][\"'”’»)]*$")


def _not_an_end(word: str) -> bool:
    """Whether a period after ``word`` belongs to the word (abbreviation or initial)."""
    folded = word.lower()
    return (
        folded in _ABBREVIATIONS
        or _DOTTED.fullmatch(folded) is not None
        or (len(word) == 1 and word.isupper())  # "Donald J. Trump"
    )


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` in order; joined by spaces they give back the folded text.

    Not a boundary: a period after an abbreviation ('EE.UU.', 'U.S.', 'Sr.') or an initial,
    or inside a number ('1.2'). When unsure the text stays in one piece, never cut wrongly.
    """
    text = " ".join(text.split())
    out: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        word = text[start : m.start(1)].rsplit(" ", 1)[-1].strip("(\"'“‘«¿¡")
        if m.group(1) == "." and _not_an_end(word):
            continue
        out.append(text[start : m.end(2)])
        start = m.end(3)
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def ends_a_sentence(text: str) -> bool:
    """Whether ``text`` ends with end punctuation (maybe inside closing quotes)."""
    return _ENDED.search(text.rstrip()) is not None


def first_sentences(text: str, most: int = 2, max_chars: int = 320) -> str:
    """The first sentence of ``text``, and the next whole ones up to ``most`` while they fit
    (a feed's cut-short last sentence is never added)."""
    sentences = split_sentences(text)
    chosen = sentences[:1]
    for sentence in sentences[1:most]:
        if len(" ".join([*chosen, sentence])) > max_chars or not ends_a_sentence(sentence):
            break
        chosen.append(sentence)
    return " ".join(chosen)
