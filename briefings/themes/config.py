"""Themes as data: load ``config/themes.toml``, parse /track themes, look themes up by name.

The term language and the file's schema are documented at the top of ``config/themes.toml``;
matching itself lives in ``briefings.themes.matcher``.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefings.paths import default_config_file
from briefings.themes.examples import ExamplesError, ThemeExamples, load_examples
from briefings.themes.termlang import Term, TermError, normalize, parse_term

WEAK_WEIGHT = 0.5
MAX_WITHIN = 50
_THEME_KEYS = {"name", "description", "terms", "weak", "exclude", "veto", "near", "threshold"}
_NEAR_KEYS = {"a", "b", "within", "weight"}
_THEME_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}\Z")
_LANG = re.compile(r"^([a-z]{2}|any)\Z")
_CUSTOM_NAME = re.compile(r"^[\w][\w ._-]{0,31}\Z")
# A /track message's terms: -"a phrase", "a phrase", or a bare word (phone keyboards' curly
# quotes are straightened first).
_TOKEN = re.compile(r'-?"[^"]*"|\S+')
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})


class ThemesError(Exception):
    """A themes file or a /track theme that cannot be used; says where and why."""


@dataclass(frozen=True, slots=True)
class NearRule:
    """Co-occurrence: a term of ``a`` within ``within`` words of a term of ``b`` (same field)."""

    a: tuple[Term, ...]
    b: tuple[Term, ...]
    within: int
    weight: float = 1.0

    @property
    def label(self) -> str:
        a = "|".join(t.source for t in self.a)
        b = "|".join(t.source for t in self.b)
        return f"{a} ~{self.within} {b}"


@dataclass(frozen=True)
class Theme:
    """A theme: display names, and the rules that say an item belongs to it."""

    name: str  # the key, e.g. "tariffs"
    names: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    description: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    terms: tuple[Term, ...] = ()  # strong (weight 1) and weak (weight 0.5) terms
    exclude: tuple[Term, ...] = ()  # phrases inside which a term does not count
    veto: tuple[Term, ...] = ()  # any of these rules the theme out for the item
    near: tuple[NearRule, ...] = ()
    threshold: float = 1.0

    def display(self, language: str = "en") -> str:
        """The theme's name in ``language``, else English, else its key."""
        return self.names.get(language) or self.names.get("en") or self.name


@dataclass(frozen=True)
class ThemeSet:
    """The configured themes, in file order, and their example sentences (if the file names
    an examples file: the semantic signal's data)."""

    themes: tuple[Theme, ...]
    semantic: ThemeExamples | None = None

    def get(self, name_or_display: str) -> Theme | None:
        """Find a theme by key or by any display name, ignoring case and accents."""
        wanted = normalize(name_or_display)
        for theme in self.themes:
            if wanted in (normalize(theme.name), *(normalize(n) for n in theme.names.values())):
                return theme
        return None

    def names(self) -> list[str]:
        return [t.name for t in self.themes]

    def __iter__(self) -> Iterator[Theme]:
        return iter(self.themes)

    def __len__(self) -> int:
        return len(self.themes)


def load_themes(path: Path) -> ThemeSet:
    """Read and check a themes file; a ThemesError names the line and the reason."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ThemesError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ThemesError(f"{path}: not UTF-8 text ({exc.reason})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message already ends with "(at line L, column C)".
        line = _toml_error_line(str(exc))
        where = f"{path}:{line}" if line else str(path)
        raise ThemesError(f"{where}: invalid TOML: {exc}") from None
    except RecursionError:
        raise ThemesError(f"{path}: invalid TOML: nested too deeply") from None
    return _build_set(data, path, text)


def parse_custom_theme(name: str, terms: str, *, max_terms: int = 20) -> Theme:
    """A theme from a /track command: ``word "a phrase" prefix* -veto -"veto phrase"``."""
    name = name.strip()
    if not _CUSTOM_NAME.match(name):
        raise ThemesError("the name must be 1–32 letters, digits, spaces, - or _")
    tokens = _TOKEN.findall(terms.translate(_QUOTES))
    if not tokens:
        raise ThemesError("give at least one term")
    if len(tokens) > max_terms:
        raise ThemesError(f"at most {max_terms} terms")
    positive: list[Term] = []
    vetoes: list[Term] = []
    for token in tokens:
        negative = token.startswith("-") and len(token) > 1
        raw = token[1:] if negative else token
        try:
            term = parse_term(raw)
        except TermError as exc:
            raise ThemesError(str(exc)) from None
        (vetoes if negative else positive).append(term)
    if not positive:
        raise ThemesError("give at least one term that is not an exclusion (-word)")
    return Theme(
        name=name, names={"en": name, "es": name}, terms=tuple(positive), veto=tuple(vetoes)
    )


# --- building a ThemeSet from parsed TOML ---------------------------------------------------


def _build_set(data: dict[str, Any], path: Path, text: str) -> ThemeSet:
    def fail(reason: str, theme: str | None = None, key: str | None = None) -> ThemesError:
        line = _find_line(text, theme, key)
        where = f"{path}:{line}" if line else str(path)
        subject = f"theme {theme!r}" + (f", key {key!r}" if key else "") + ": " if theme else ""
        return ThemesError(f"{where}: {subject}{reason}")

    unknown = set(data) - {"themes", "semantic"}
    if unknown:
        raise fail(f"unknown top-level key(s) {sorted(unknown)}; themes go in [themes.NAME]")
    table = data.get("themes")
    if not isinstance(table, dict) or not table:
        raise fail("no themes: add at least one [themes.NAME] table")
    themes = [_build_theme(name, body, fail) for name, body in table.items()]
    return ThemeSet(tuple(themes), _examples(data.get("semantic"), path, set(table), text))


def _examples(name: Any, path: Path, known: set[str], text: str) -> ThemeExamples | None:
    """The examples file named by ``semantic = "FILE"``: beside the themes file, else the
    shipped one (a copy of themes.toml alone keeps the shipped examples)."""
    if name is None:
        return None
    line = next((i + 1 for i, ln in enumerate(text.splitlines()) if
                 re.match(r"^\s*semantic\s*=", ln)), None)  # fmt: skip
    # A file name: no folder, no NUL, and short enough for any file system (255 bytes).
    if (not isinstance(name, str) or not name.strip() or Path(name).name != name
            or "\0" in name or len(name.encode()) > 200):  # fmt: skip
        raise ThemesError(f"{path}:{line}: semantic must name a file beside the themes file, "
                          'e.g. "themes-semantic.toml"')  # fmt: skip
    where = path.parent / name
    if not where.is_file() and default_config_file(name).is_file():
        where = default_config_file(name)
    try:
        return load_examples(where, known)
    except ExamplesError as exc:
        raise ThemesError(f"{where}: {exc}") from None


def _build_theme(name: str, body: Any, fail: Any) -> Theme:
    if not _THEME_NAME.match(name):
        raise fail("a theme key must be lowercase letters, digits, - or _", name)
    if not isinstance(body, dict):
        raise fail("must be a table like [themes.NAME]", name)
    unknown = set(body) - _THEME_KEYS
    if unknown:
        key = sorted(unknown)[0]
        raise fail(f"unknown key (expected one of {sorted(_THEME_KEYS)})", name, key)
    names = _texts(body.get("name", {}), name, "name", fail)
    if "en" not in names:
        raise fail('needs an English display name: name = { en = "...", es = "..." }', name, "name")
    description = _texts(body.get("description", {}), name, "description", fail)

    terms = _lang_terms(body.get("terms", {}), 1.0, name, "terms", fail)
    terms += _lang_terms(body.get("weak", {}), WEAK_WEIGHT, name, "weak", fail)
    near = tuple(_near_rule(r, name, fail) for r in _list(body.get("near", []), name, "near", fail))
    if not any(t.weight >= 1.0 for t in terms) and not near:
        raise fail("no terms: give at least one strong term or near rule", name, "terms")
    threshold = body.get("threshold", 1.0)
    # nan compares false with everything: "not 0 < x < inf" refuses it, and inf, too.
    if (isinstance(threshold, bool) or not isinstance(threshold, int | float)
            or not 0 < threshold < math.inf):  # fmt: skip
        raise fail("must be a positive number", name, "threshold")
    return Theme(
        name=name,
        names=names,
        description=description,
        terms=tuple(terms),
        exclude=_plain_terms(body.get("exclude", []), name, "exclude", fail),
        veto=_plain_terms(body.get("veto", []), name, "veto", fail),
        near=near,
        threshold=float(threshold),
    )


def _texts(value: Any, theme: str, key: str, fail: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(v, str) and v.strip() for v in value.values()
    ):
        raise fail('must be a table of language = "text", e.g. { en = "...", es = "..." }',
                   theme, key)
    return {lang: text.strip() for lang, text in value.items()}


def _list(value: Any, theme: str, key: str, fail: Any) -> list[Any]:
    if not isinstance(value, list):
        raise fail("must be a list [ ... ]", theme, key)
    return value


def _lang_terms(value: Any, weight: float, theme: str, key: str, fail: Any) -> list[Term]:
    if not isinstance(value, dict):
        raise fail(f"must be a table of language = [terms], e.g. {key}.en = [...]", theme, key)
    out: list[Term] = []
    for lang, items in value.items():
        full = f"{key}.{lang}"
        if not _LANG.match(lang):
            raise fail("language must be a two-letter code (en, es) or any", theme, full)
        items = _list(items, theme, full, fail)
        if not items:
            raise fail("empty list of terms", theme, full)
        for raw in items:
            try:
                out.append(parse_term(raw, lang=None if lang == "any" else lang, weight=weight))
            except TermError as exc:
                raise fail(str(exc), theme, full) from None
    return out


def _plain_terms(value: Any, theme: str, key: str, fail: Any) -> tuple[Term, ...]:
    try:
        return tuple(parse_term(raw) for raw in _list(value, theme, key, fail))
    except TermError as exc:
        raise fail(str(exc), theme, key) from None


def _near_rule(value: Any, theme: str, fail: Any) -> NearRule:
    if not isinstance(value, dict):
        raise fail("each rule must be a table { a = [...], b = [...], within = N }", theme, "near")
    unknown = set(value) - _NEAR_KEYS
    if unknown:
        raise fail(f"unknown key(s) {sorted(unknown)} in a near rule", theme, "near")
    sides = []
    for side in ("a", "b"):
        items = value.get(side)
        if not isinstance(items, list) or not items:
            raise fail(f"a near rule needs a non-empty list {side} = [...]", theme, "near")
        try:
            sides.append(tuple(parse_term(raw) for raw in items))
        except TermError as exc:
            raise fail(str(exc), theme, "near") from None
    within = value.get("within")
    if isinstance(within, bool) or not isinstance(within, int) or not 1 <= within <= MAX_WITHIN:
        raise fail(f"within must be a whole number of words from 1 to {MAX_WITHIN}", theme, "near")
    weight = value.get("weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight < math.inf:
        raise fail("weight must be a positive number", theme, "near")
    return NearRule(a=sides[0], b=sides[1], within=within, weight=float(weight))


def _toml_error_line(message: str) -> int | None:
    found = re.search(r"at line (\d+)", message)
    return int(found.group(1)) if found else None


def _find_line(text: str, theme: str | None, key: str | None) -> int | None:
    """The line of a theme's table (and of a key inside it), for error messages."""
    if theme is None:
        return None
    lines = text.splitlines()
    name = re.escape(theme)
    table = re.compile(rf"^\s*\[+\s*themes\.(\"?){name}\1\s*[\].]")
    dotted = re.compile(rf"^\s*themes\.{name}\b")
    start = next((i for i, ln in enumerate(lines) if table.match(ln) or dotted.match(ln)), None)
    if start is None:
        return None
    if key:
        end = next(
            (i for i in range(start + 1, len(lines)) if _other_theme(lines[i], theme)), len(lines)
        )
        parts = [re.escape(p) for p in key.split(".")]
        dotted_key = r"\s*\.\s*".join(parts)
        # the exact key first (terms.es = ...), then its table ([themes.x.terms], terms = ...)
        for pattern in (
            rf"^\s*{dotted_key}\s*=",
            rf"^\s*\[+\s*themes\.{name}\.{dotted_key}\s*\]",
            rf"^\s*{parts[0]}\s*[=.]",
            rf"^\s*\[+\s*themes\.{name}\.{parts[0]}\b",
        ):
            found = next((i for i in range(start, end) if re.match(pattern, lines[i])), None)
            if found is not None:
                return found + 1
    return start + 1


def _other_theme(line: str, theme: str) -> bool:
    """Whether a line opens another theme's table."""
    return bool(re.match(rf"^\s*\[+\s*themes\.(?!{re.escape(theme)}\b)", line))

