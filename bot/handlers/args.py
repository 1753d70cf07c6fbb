"""Command arguments → values. Pure functions; a bad argument raises ArgError(problem, command).

``problem`` is a message id (``briefings/locale``) and ``command`` names the example shown after
it, so every bad argument gets a one-line reply with the right form. The words a reader may type
(on/off, all, language names) are the word lists of every UI language's catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from bot.keyboards import MAX_CALLBACK_BYTES
from bot.texts import N_, OneOf
from briefings import i18n
from briefings.briefs.schedule import format_hhmm
from briefings.briefs.when import is_half_of_day, parse_clock, parse_zone
from briefings.model import ThemeRef
from briefings.themes import ThemeCatalogue, ThemeSet

MAX_LATEST = 20
DEFAULT_LATEST = 5
_NAME = re.compile(r"^[\w-]{1,32}\Z")
_CHANNEL_REF = re.compile(r"^(@[A-Za-z][A-Za-z0-9_]{3,31}|-?\d{5,20})\Z")


def _true() -> frozenset[str]:
    return i18n.words(N_("words.on")) | {"on", "1"}


def _false() -> frozenset[str]:
    return i18n.words(N_("words.off")) | {"off", "0"}


def _language_names() -> dict[str, str]:
    """Every code and name of a UI language (message language.names) → its code."""
    names = {lang: lang for lang in i18n.languages()}
    for lang in i18n.languages():
        names.update((word.lower(), lang) for word in i18n.text(lang, N_("language.names")).split())
    return names


class ArgError(ValueError):
    """A bad argument: ``problem`` is a text key, ``command`` the example to show."""

    def __init__(self, problem: str, command: str, **values: Any) -> None:
        super().__init__(problem)
        self.problem, self.command, self.values = problem, command, values


def parse_count(args: Sequence[str], command: str, *, default: int = DEFAULT_LATEST,
                maximum: int = MAX_LATEST) -> int:
    """``[N]`` with 1 ≤ N ≤ maximum."""
    if not args:
        return default
    if len(args) > 1:
        raise ArgError("err_too_many_args", command)
    return _count(args[0], command, maximum)


def parse_latest(args: Sequence[str]) -> tuple[int, bool]:
    """``[N]`` for /latest; N above ``MAX_LATEST`` is capped to it (True), not refused."""
    if len(args) == 1 and args[0].isascii() and args[0].isdigit() and int(args[0]) > MAX_LATEST:
        return MAX_LATEST, True
    return parse_count(args, "latest"), False


def _count(text: str, command: str, maximum: int) -> int:
    # ASCII digits only: str.isdigit() is also true of "²" and "⑤", which int() refuses.
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= maximum:
        raise ArgError("err_count", command, value=text, max=maximum)
    return int(text)


def split_topic(args: Sequence[str]) -> tuple[str, int]:
    """``THEME [N]`` (the theme may be several words) → (theme text, N)."""
    words = list(args)
    count = DEFAULT_LATEST
    if len(words) > 1 and words[-1].isascii() and words[-1].lstrip("-").isdigit():
        count = _count(words.pop(), "topic", MAX_LATEST)
    return " ".join(words), count


def resolve_themes(args: Sequence[str], themes: ThemeCatalogue | ThemeSet, command: str,
                   lang: str = "en") -> list[str]:
    """Theme names in either language → keys. ``all`` means every theme.

    A display name of several words is tried whole first, then words (or comma-separated parts)
    one by one.
    """
    catalogue = _catalogue(themes)
    valid = ", ".join(catalogue.display(ref, lang) for ref in catalogue.shared)
    text = " ".join(args).strip()
    if not text:
        raise ArgError("err_no_theme", command, valid=valid)
    if text.lower() in i18n.words(N_("words.all")):
        return [ref.key for ref in catalogue.shared]
    whole = catalogue.resolve(text, lang)
    if whole is not None and not whole.is_own:
        return [whole.key]
    parts = [p.strip() for p in text.split(",")] if "," in text else text.split()
    keys = []
    for part in filter(None, parts):
        ref = catalogue.resolve(part, lang)
        if ref is None or ref.is_own:
            raise ArgError("err_unknown_theme", command, value=part, valid=valid)
        keys.append(ref.key)
    if not keys:  # only commas: no theme named, never "no themes" (that would clear a list)
        raise ArgError("err_no_theme", command, valid=valid)
    return list(dict.fromkeys(keys))


def _catalogue(themes: ThemeCatalogue | ThemeSet) -> ThemeCatalogue:
    return themes if isinstance(themes, ThemeCatalogue) else ThemeCatalogue(themes, fallback={})


def parse_brief_time(args: Sequence[str], current: str) -> str:
    """``HH:MM`` (also ``7``, ``19.30``, ``19h``, ``7pm``, ``7:30 p.m.``) → ``HH:MM``."""
    if not args:
        raise ArgError("err_time_missing", "time", current=current)
    text = " ".join(args)
    try:
        return format_hhmm(parse_clock(text))
    except ValueError:
        raise ArgError("err_time", "time", value=text) from None


def parse_tz(args: Sequence[str], current: str) -> str:
    """``Area/City``, a city (``Mexico City``, ``CDMX``) or a UTC offset → a zone name."""
    if not args:
        raise ArgError("err_timezone_missing", "timezone", current=current)
    text = " ".join(args)
    try:
        return parse_zone(text)
    except ValueError:
        raise ArgError("err_timezone", "timezone", value=text) from None


def join_half_of_day(words: Sequence[str]) -> list[str]:
    """``["7", "pm"]`` → ``["7 pm"]``: an am/pm typed as a word of its own joins its time."""
    joined: list[str] = []
    for word in words:
        if joined and is_half_of_day(word):
            joined[-1] += " " + word
        else:
            joined.append(word)
    return joined


def parse_on_off(args: Sequence[str], command: str = "alerts") -> bool:
    if len(args) != 1 or args[0].lower() not in _true() | _false():
        raise ArgError("err_on_off", command)
    return args[0].lower() in _true()


def parse_language(args: Sequence[str]) -> str:
    names = _language_names()
    if len(args) != 1 or args[0].lower() not in names:
        raise ArgError("err_language", "language", value=" ".join(args) or "—",
                       choices=OneOf(i18n.languages()))
    return names[args[0].lower()]


def parse_quiet(args: Sequence[str]) -> tuple[str, str] | None:
    """``HH:MM-HH:MM`` (or ``HH:MM HH:MM``) → (start, end); ``off`` → None."""
    text = " ".join(args).strip()
    if text.lower() in _false():
        return None
    until = "|".join(rf"\b{re.escape(word)}\b" for word in sorted(i18n.words(N_("words.until"))))
    pieces = re.split(rf"\s*(?:-|–|—|{until}|\s)\s*", text) if text else []
    pieces = join_half_of_day([p for p in pieces if p])
    if len(pieces) != 2:
        raise ArgError("err_quiet", "quiet", value=text or "—")
    try:
        start, end = (format_hhmm(parse_clock(p)) for p in pieces)
    except ValueError:
        raise ArgError("err_quiet", "quiet", value=text) from None
    if start == end:
        raise ArgError("err_quiet_same", "quiet")
    return start, end


def parse_track(args: Sequence[str], themes: ThemeCatalogue | ThemeSet) -> tuple[str, str]:
    """``NAME TERM…`` → (lower-case name, the terms as typed)."""
    if len(args) < 2:
        raise ArgError("err_track_usage", "track")
    name = args[0].lower()
    if not _NAME.match(name):
        raise ArgError("err_track_name", "track", value=args[0])
    if _catalogue(themes).resolve(name) is not None:
        raise ArgError("err_track_name_taken", "track", value=args[0])
    return name, " ".join(args[1:])


def parse_untrack(args: Sequence[str]) -> str:
    if len(args) != 1:
        raise ArgError("err_untrack_missing", "untrack")
    return args[0].lower()


def parse_channel_ref(text: str) -> str | int:
    """``@name`` → ``"@name"``; a numeric id → int."""
    if not _CHANNEL_REF.match(text):
        raise ArgError("err_channel_ref", "channel")
    return text if text.startswith("@") else int(text)


def without_nul(words: Iterable[str]) -> list[str]:
    """Command words without NUL bytes: no client types one, and PostgreSQL refuses them."""
    return [word for word in (w.replace("\x00", "") for w in words) if word]


def button_theme(data: str, prefix: str, catalogue: ThemeCatalogue) -> ThemeRef | None:
    """The theme a button's callback data names, if it is exactly a key ``catalogue`` knows.

    Callback data comes back as the client sends it, so it may be forged: over-long data, a
    NUL, another spelling (``TARIFFS``) or an unknown theme is None, before any store call.
    """
    if len(data) > MAX_CALLBACK_BYTES or "\x00" in data or not data.startswith(prefix):
        return None
    key = data.removeprefix(prefix)
    ref = ThemeRef.parse(key)
    return ref if ref.key == key and catalogue.knows(ref) else None
