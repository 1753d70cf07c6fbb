"""Themes: the term language, the themes file and /track themes, matching, display names.

``termlang`` parses one term; ``config`` loads ``themes.toml`` and /track themes into a
``ThemeSet``; ``matcher`` finds the themes of an item; ``catalogue`` names a ``ThemeRef`` in
the reader's language.
"""

from briefings.themes.catalogue import ThemeCatalogue
from briefings.themes.config import (
    NearRule,
    Theme,
    ThemesError,
    ThemeSet,
    load_themes,
    parse_custom_theme,
)
from briefings.themes.matcher import Matcher
from briefings.themes.termlang import Term

__all__ = [
    "Matcher",
    "NearRule",
    "Term",
    "Theme",
    "ThemeCatalogue",
    "ThemeSet",
    "ThemesError",
    "load_themes",
    "parse_custom_theme",
]
