"""Countries as readers see them: a flag, a name in the reader's language."""

from __future__ import annotations

from babel import Locale

from briefings import i18n
from briefings.stories.coverage import UNKNOWN_COUNTRY


def flag(country: str) -> str:
    """The flag emoji of a two-letter country code ("" for anything else)."""
    code = country.upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        return ""
    return "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in code)


def country_name(country: str, language: str) -> str:
    if country == UNKNOWN_COUNTRY:
        return i18n.text(language, "page.country_unknown")
    return str(Locale.parse(language).territories.get(country.upper(), country.upper()))
