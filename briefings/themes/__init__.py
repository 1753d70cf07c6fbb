"""Themes: the term language, the themes file and /track themes, matching, display names.

``termlang`` parses one term; ``config`` loads ``themes.toml`` and /track themes into a
``ThemeSet``; ``examples`` reads the themes' example sentences; ``semantic`` fits a model on
them (imported on its own: it needs numpy); ``matcher`` finds the themes of an item, rules
first, then meaning; ``explain`` says why; ``catalogue`` names a ``ThemeRef`` in the reader's
language.

``ThemeCatalogue`` is imported when first asked for: it brings the UI's i18n (babel), which
matching never needs (``borderbrief match``, bench/startup.py).
"""

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from briefings.themes.catalogue import ThemeCatalogue


def __getattr__(name: str) -> Any:
    if name != "ThemeCatalogue":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from briefings.themes.catalogue import ThemeCatalogue

    return ThemeCatalogue


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
