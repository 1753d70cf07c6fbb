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
    text = text.casefold()
    if text.isascii():
        return text
    if max(text) < _LIMIT_CHAR:  # one translate: the two steps below, character by character
        return text.translate(_TABLE or _fill())
    text = text.translate(_FOLD)
    if not text.isascii():
        return _decomposed(text)
    return text


def _decomposed(text: str) -> str:
    """Compatibility-decomposed, combining marks dropped: per character, as marks are all
    dropped whatever order NFKD puts them in."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# ``normalise`` after casefolding, as a list by code point (a list reads faster than a dict).
_TABLE: list[str] = []
_LIMIT_CHAR = chr(0x2100)


def _fill() -> list[str]:
    _TABLE.extend(_decomposed(chr(i).translate(_FOLD)) for i in range(ord(_LIMIT_CHAR)))
    return _TABLE


def words(text: str) -> list[str]:
    """The words of a text, with spelled-apart names joined and numbers in one form."""
    return _scan(_WORD.findall(normalise(text)))


def _scan(raw: list[str]) -> list[str]:
    """``words`` of a text's raw words (``_WORD`` matches in its normalised form)."""
    out: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        word = raw[i]
        if word in _JOIN_FIRST and i + 1 < n and (word, raw[i + 1]) in JOIN:
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


_JOIN_FIRST = frozenset(first for first, _ in JOIN)
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
    return _tokens(words(f"{title} . {lede}"))


def _tokens(found: list[str]) -> list[str]:
    out: list[str] = []
    cache, last = _word_cache, None
    for word in found:
        token = cache.get(word, "")
        if token == "":
            token = _canonical(word)
        if token is not None and token != last:
            out.append(token)
            last = token
    return out


def token_parts(title: str, summary: str) -> tuple[list[str], list[str], list[str]]:
    """``tokens(title, summary)``, ``tokens(title, "")`` and ``tokens("", summary)``, with
    each text normalised and split once. The words of ``title . lede`` are the title's then
    the lede's unless the two meet in a joined name, a thousand or a percent sign (then the
    whole is scanned again), and dropping a repeat is the same across the seam."""
    lede = " ".join(summary.split()[:LEDE_WORDS])
    # Normalising and splitting go character by character and word by word (no word spans
    # the ' . ' between): the raw words of 'title . lede' are the title's then the lede's.
    head, tail = _WORD.findall(normalise(title)), _WORD.findall(normalise(lede))
    in_title, in_lede = _tokens(_scan(head)), _tokens(_scan(tail))
    if head and tail and _seam(head[-1], tail):
        return _tokens(_scan(head + tail)), in_title, in_lede
    if in_title and in_lede and in_title[-1] == in_lede[0]:
        return in_title + in_lede[1:], in_title, in_lede
    return in_title + in_lede, in_title, in_lede


def _seam(last: str, tail: list[str]) -> bool:
    """True when scanning ``last`` then ``tail`` may differ from scanning them apart."""
    first = tail[0]
    if (last, first) in JOIN or first in THOUSAND:
        return True
    if len(tail) > 1:
        first = JOIN.get((first, tail[1]), first)
    return SAME.get(first, first) == "%"
