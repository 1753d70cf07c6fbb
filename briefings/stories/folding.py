"""Text folded for comparison: accents stripped, case folded (EN/ES alike)."""

from __future__ import annotations

import unicodedata

# Non-ASCII character -> itself without its accents, filled as characters are first seen
# (a translate table: one C pass per text instead of a Python step per character).
_PLAIN: dict[int, str] = {}


def unaccent(text: str) -> str:
    """Strip accents, keep case: 'Descartó' -> 'Descarto' (ñ becomes n)."""
    if text.isascii():
        return text
    for char in set(text):
        if ord(char) > 127 and ord(char) not in _PLAIN:
            _PLAIN[ord(char)] = _strip(char)
    return text.translate(_PLAIN)


def _strip(char: str) -> str:
    nfd = unicodedata.normalize("NFD", char)
    return unicodedata.normalize("NFC", "".join(c for c in nfd if unicodedata.category(c) != "Mn"))


def fold(text: str) -> str:
    """Casefold and strip accents: 'México' -> 'mexico'."""
    return unaccent(text.casefold())
