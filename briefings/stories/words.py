"""An item's content tokens: casefolded, accents folded, stop-words dropped, stemmed, glossed.

Each word is cut to a 6-letter stem and passed through a small EN<->ES glossary, so
``intervención militar`` and ``military intervention`` give the same tokens (``interv``,
``milita``).
"""

from __future__ import annotations

import re
import unicodedata

from briefings.stories.glossary import (
    GLOSSARY,
    GLOSSARY_LENGTHS,
    GLOSSARY_WORDS,
    JOIN,
    SAME,
    STOP_WORDS,
    THOUSAND,
)

LEDE_WORDS = 30  # words of the summary that count: a lede, not the whole article
STEM = 6
_US_UPPER = re.compile(r"\bUS\b")  # "US strikes": the country only when written in capitals
_WORD = re.compile(r"\d+(?:[.,]\d{3})*|[a-z0-9]+|%")
# Accents of Spanish and other Latin scripts, folded without a Unicode round trip per letter.
_FOLD = str.maketrans("áàâäãåéèêëíìîïóòôöõúùûüñçý", "aaaaaaeeeeiiiiooooouuuuncy")


def normalise(text: str) -> str:
    """Casefold and strip accents; a capitalised ``US`` becomes ``usa``."""
    if "US" in text:
        text = _US_UPPER.sub(" usa ", text)
    text = text.casefold().translate(_FOLD)
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return text


def words(text: str) -> list[str]:
    """The words of a text, with spelled-apart names joined and numbers in one form."""
    raw = _WORD.findall(normalise(text))
    out: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        word = raw[i]
        if i + 1 < n and (word, raw[i + 1]) in JOIN:
            word = JOIN[(word, raw[i + 1])]
            i += 1
        word = SAME.get(word, word)
        if word[0].isdigit():
            word = word.replace(",", "").replace(".", "")  # 10,000 / 10.000 -> 10000
            if i + 1 < n and raw[i + 1] in THOUSAND:
                word, i = word + "000", i + 1
        if word == "%" and out and out[-1][0].isdigit():
            out[-1] += "pct"
        elif word != "%":
            out.append(word)
        i += 1
    return out


_word_cache: dict[str, str | None] = {}


def _canonical(word: str) -> str | None:
    """A word's shared token: its glossary entry, else its 6-letter stem; None for stop-words."""
    cached = _word_cache.get(word, "")
    if cached != "":
        return cached
    result: str | None
    if word in STOP_WORDS or (len(word) < 3 and not word.isdigit()):
        result = None
    else:
        result = GLOSSARY_WORDS.get(word)
        for n in GLOSSARY_LENGTHS if result is None else ():
            if len(word) >= n and word[:n] in GLOSSARY:
                result = GLOSSARY[word[:n]]
                break
        if result is None:
            result = word[:STEM] if not word[0].isdigit() else word
    if len(_word_cache) < 200_000:
        _word_cache[word] = result
    return result


def tokens(title: str, summary: str) -> list[str]:
    """The content tokens of a title and the first words of its summary, in reading order."""
    lede = " ".join(summary.split()[:LEDE_WORDS])
    out: list[str] = []
    for word in words(f"{title} . {lede}"):
        token = _canonical(word)
        if token is not None and (not out or out[-1] != token):
            out.append(token)
    return out
