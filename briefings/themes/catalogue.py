"""One catalogue of theme names: a ``ThemeRef`` to its display name in English or Spanish.

Shared themes are named by ``themes.toml``; a chat's own theme (/track) by the name its chat
gave it, in both languages; a shared key missing from the file by the shipped names below, if
it is one of them, else by the key itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from briefings.i18n import language_of
from briefings.model import ThemeRef
from briefings.themes.config import Theme, ThemeSet

# The shipped themes' names, for a key that is no longer (or not yet) in the themes file.
SHIPPED_NAMES: Mapping[str, Mapping[str, str]] = {
    "sovereignty": {"en": "Sovereignty", "es": "Soberanía"},
    "fentanyl": {"en": "Fentanyl", "es": "Fentanilo"},
    "tariffs": {"en": "Tariffs", "es": "Aranceles"},
}


class ThemeCatalogue:
    """The shared themes of a ``ThemeSet`` and some chats' own themes, by reference."""

    def __init__(
        self,
        themes: ThemeSet | Iterable[Theme] = (),
        own: Iterable[ThemeRef] = (),
        *,
        fallback: Mapping[str, Mapping[str, str]] = SHIPPED_NAMES,
    ) -> None:
        self._themes = themes if isinstance(themes, ThemeSet) else ThemeSet(tuple(themes))
        self._fallback = fallback
        self.shared: list[ThemeRef] = [ThemeRef(theme.name) for theme in self._themes]
        self.own: list[ThemeRef] = list(dict.fromkeys(ref for ref in own if ref.is_own))

    @property
    def themes(self) -> ThemeSet:
        return self._themes

    def theme(self, ref: ThemeRef) -> Theme | None:
        """The configured shared theme ``ref`` names (None for an own or unknown theme)."""
        if ref.is_own:
            return None
        return next((t for t in self._themes if t.name == ref.name), None)

    def knows(self, ref: ThemeRef) -> bool:
        """Whether ``ref`` is a configured shared theme or one of the own themes given."""
        return ref in self.own if ref.is_own else self.theme(ref) is not None

    def names(self, ref: ThemeRef) -> dict[str, str]:
        """The display names of ``ref`` by language (an own theme: its name in every language)."""
        if ref.is_own:
            return {"en": ref.name, "es": ref.name}
        theme = self.theme(ref)
        if theme is not None:
            return dict(theme.names)
        return dict(self._fallback.get(ref.name, {}))

    def display(self, ref: ThemeRef, language: str) -> str:
        """The name of ``ref`` in ``language`` (any ``es-*`` tag is Spanish), else in English."""
        names = self.names(ref)
        return names.get(language_of(language)) or names.get("en") or ref.name

    def label(self, key: str, language: str) -> str:
        """``display`` for a theme as stored (``ThemeRef.key``)."""
        return self.display(ThemeRef.parse(key), language)

    def resolve(self, text: str, language: str = "en") -> ThemeRef | None:
        """The theme a reader means by ``text``: a key or a display name in either language
        (case and accents ignored), else one of the own themes by its name."""
        theme = self._themes.get(text)
        if theme is not None:
            return ThemeRef(theme.name)
        wanted = text.strip().lower()
        return next((ref for ref in self.own if ref.name == wanted), None)

    def valid(self, language: str) -> list[str]:
        """Every name a reader may use, in ``language``: the shared themes, then the own."""
        return [self.display(ref, language) for ref in self.shared + self.own]
