"""Themes: the term language, the themes file and /track themes, matching, display names.

``termlang`` parses one term; ``config`` loads ``themes.toml`` and /track themes into a
``ThemeSet``; ``examples`` reads the themes' example sentences; ``semantic`` fits a model on
them (imported on its own: it needs numpy); ``matcher`` finds the themes of an item, rules
first, then meaning; ``explain`` says why; ``catalogue`` names a ``ThemeRef`` in the reader's
language.
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
from briefings.themes.examples import ThemeExamples
from briefings.themes.matcher import Matcher
from briefings.themes.termlang import Term

__all__ = [
    "Matcher",
    "NearRule",
    "Term",
    "Theme",
    "ThemeCatalogue",
    "ThemeExamples",
    "ThemeSet",
    "ThemesError",
    "load_themes",
    "parse_custom_theme",
]
