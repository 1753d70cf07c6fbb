"""``borderbrief brief``: the brief for what is in the store, printed — no Telegram needed."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from datetime import UTC, datetime, timedelta

from bot.cli_store import EMPTY, filled_store
from briefings import i18n
from briefings.briefs.compose import compose_brief
from briefings.render.telegram import TelegramRenderer
from briefings.render.text import TextRenderer
from briefings.settings import load_settings
from briefings.themes import Theme, ThemesError, ThemeSet, load_themes

_DURATION = re.compile(r"^\s*([0-9]+)\s*([mhd])\s*$", re.IGNORECASE)
_SECONDS = {"m": 60, "h": 3600, "d": 86400}
LONGEST = timedelta(days=36500)  # "everything" is asked as 1000000d: a century is all of it


def parse_duration(text: str) -> timedelta:
    """'30m', '24h', '7d' as a timedelta (argparse type); at most a century."""
    found = _DURATION.match(text)
    digits = found.group(1).lstrip("0") if found else ""
    if not digits:  # no match, or zero
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration like 30m, 24h or 7d")
    longest = int(LONGEST.total_seconds())
    if len(digits) > 12:  # beyond a century in any unit (and int() refuses 4,300 digits)
        return LONGEST
    return timedelta(seconds=min(int(digits) * _SECONDS[found.group(2).lower()], longest))


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    brief = sub.add_parser(
        "brief",
        help="print the brief for what is in the store",
        description="Compose and print the brief of the stored stories on your themes: plain "
        "text by default, the Telegram HTML parts with --html.",
    )
    brief.add_argument(
        "--theme",
        action="append",
        default=[],
        metavar="T",
        help="a theme key or display name in either language (repeatable; default: all)",
    )
    brief.add_argument(
        "--since", type=parse_duration, default=timedelta(hours=24), help="30m, 24h, 7d..."
    )
    brief.add_argument("--lang", choices=i18n.languages(), help="language of the brief")
    brief.add_argument("--html", action="store_true", help="print the Telegram HTML parts")
    brief.add_argument("--terms", action="store_true", help="show the matched terms")
    brief.add_argument("--cap", type=int, default=5, help="stories per theme (default 5)")
    brief.set_defaults(func=_brief)


def select_themes(theme_set: ThemeSet, wanted: list[str]) -> list[Theme]:
    """The themes named (keys or display names); ValueError names the unknown one."""
    if not wanted:
        return list(theme_set.themes)
    chosen: list[Theme] = []
    for name in wanted:
        theme = theme_set.get(name)
        if theme is None:
            valid = ", ".join(
                f"{t.name} ({' / '.join(dict.fromkeys(t.names.values()))})" if t.names else t.name
                for t in theme_set.themes
            )
            raise ValueError(f"unknown theme {name!r}; valid themes: {valid}")
        if theme not in chosen:
            chosen.append(theme)
    return chosen


def _brief(args: argparse.Namespace) -> int:
    settings = load_settings()
    try:
        chosen = select_themes(load_themes(settings.themes), args.theme)
    except (ThemesError, ValueError) as exc:
        print(f"borderbrief: {exc}", file=sys.stderr)
        return 2
    language = args.lang or settings.default_language
    now = datetime.now(UTC)

    async def go() -> list[str] | None:
        async with filled_store(settings) as conn:
            if conn is None:
                return None
            brief = await compose_brief(
                conn,
                themes=chosen,
                since=now - args.since,
                now=now,
                language=language,
                cap_per_theme=max(1, args.cap),
            )
        face = TelegramRenderer if args.html else TextRenderer
        return face(show_terms=args.terms).brief(brief)

    parts = asyncio.run(go())
    if parts is None:
        print(EMPTY)
        return 0
    if not parts:
        names = ", ".join(t.display(language) for t in chosen)
        print(f"No stories on {names} in the last {_human(args.since)}.")
        return 0
    for i, part in enumerate(parts, start=1):
        if len(parts) > 1:
            print(f"--- part {i}/{len(parts)} ---")
        print(part)
        if i < len(parts):
            print()
    return 0


def _human(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"
