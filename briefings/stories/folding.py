"""Text folded for comparison: accents stripped, case folded (EN/ES alike)."""

from __future__ import annotations

import unicodedata

# Non-ASCII character -> itself without its accents, filled as characters are first seen
# (a translate table: one C pass per text instead of a Python step per character).
_PLAIN: dict[int, str] = {}
# Below this code point (Latin, Greek, Cyrillic, general punctuation: nearly every news text),
# a list indexed by code point, built on first use: str.translate reads a list far faster
# than a dict (no missed-key exception per ASCII character).
TABLE_LIMIT = 0x2100
_TABLE: list[str] = []


def unaccent(text: str) -> str:
    """Strip accents, keep case: 'Descartó' -> 'Descarto' (ñ becomes n)."""
    if text.isascii():
        return text
    if max(text) < _LIMIT_CHAR:
        return text.translate(_TABLE or _fill())
    for char in set(text):
        if ord(char) > 127 and ord(char) not in _PLAIN:
            _PLAIN[ord(char)] = _strip(char)
    return text.translate(_PLAIN)


_LIMIT_CHAR = chr(TABLE_LIMIT)


def _fill() -> list[str]:
    _TABLE.extend(chr(i) if i < 128 else _strip(chr(i)) for i in range(TABLE_LIMIT))
    return _TABLE


def _strip(char: str) -> str:
    nfd = unicodedata.normalize("NFD", char)
    return unicodedata.normalize("NFC", "".join(c for c in nfd if unicodedata.category(c) != "Mn"))


def fold(text: str) -> str:
    """Casefold and strip accents: 'México' -> 'mexico'."""
    return unaccent(text.casefold())
