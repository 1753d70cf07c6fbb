"""The bot's replies (Telegram HTML), from the translation catalogues in ``briefings/locale``.

``t(lang, key, **values)`` is message ``key`` in ``lang`` (English where that catalogue lacks
it) with ``values`` HTML-escaped into its ``%(name)s`` placeholders, so user input and theme
names are always safe to show. A value wrapped in :class:`Html` is inserted as it is
(already-built markup); a :class:`OneOf` is listed the way the language lists choices.
"""

from __future__ import annotations

import html
from typing import Any

from babel.lists import format_list

from briefings.i18n import N_, SOURCE, catalogues, language_of, languages, text

__all__ = ["ADMIN_MENU", "GROUP_MENU", "MENU", "SOURCE", "Html", "N_", "OneOf", "aliases",
           "bad_arg", "example", "language_of", "languages", "menu", "t"]

# The command menu (setMyCommands), in the order users see it; message command.<name> says
# what each does. A private chat's menu lists every user command (the owner's are not shown).
MENU = ("latest", "brief", "topic", "trend", "why", "headlines", "themes", "subscribe",
        "unsubscribe", "track", "untrack", "time", "timezone", "alerts", "quiet", "settings",
        "language", "channel", "pause", "resume", "help", "start", "stop")
# In groups anyone may read, look at the settings and ask for help…
GROUP_MENU = ("latest", "brief", "topic", "trend", "why", "settings", "help")
# …and administrators also change the group's themes and settings. /channel is set up in a
# private chat only, so no group menu has it.
ADMIN_MENU = tuple(command for command in MENU if command != "channel")
AUDIENCES = {"private": MENU, "group": GROUP_MENU, "admin": ADMIN_MENU}


class Html(str):
    """A value that is already Telegram HTML and must not be escaped again."""


class OneOf(tuple[str, ...]):
    """Alternatives a reply lists the way its language does: "en or es", "en o es"."""


def t(lang: str, key: str, **values: Any) -> str:
    """The text ``key`` in ``lang`` with ``values`` escaped into its placeholders."""
    return text(lang, key, **{name: _safe(lang, value) for name, value in values.items()})


def _safe(lang: str, value: Any) -> str:
    if isinstance(value, Html):
        return value
    if isinstance(value, OneOf):
        value = format_list(list(value), style="or", locale=language_of(lang))
    return html.escape(str(value), quote=False)


def bad_arg(lang: str, problem: str, command: str, **values: Any) -> str:
    """The one-line reply to a bad argument: what was wrong, and an example of the right form."""
    problem_text = t(lang, problem, **values)
    return t(lang, "bad_arg", problem=Html(problem_text[:1].upper() + problem_text[1:]),
             example=example(lang, command))


def example(lang: str, command: str) -> str:
    """The right form of ``command``, shown after a bad argument."""
    return t(lang, f"example.{command}")


def menu(lang: str, audience: str = "private") -> list[tuple[str, str]]:
    """The command menu in ``lang`` for an ``audience`` of :data:`AUDIENCES`: (command, what it
    does). Telegram shows descriptions as they are: no HTML escaping."""
    return [(command, text(lang, f"command.{command}")) for command in AUDIENCES[audience]]


def aliases(command: str) -> list[str]:
    """Every language's own spelling of ``command`` (message alias.<command>), if it has one."""
    key = f"alias.{command}"
    if key not in catalogues().ids:
        return []
    spelled = (word for lang in languages() for word in t(lang, key).split())
    return [word for word in dict.fromkeys(spelled) if word != command]
