"""``borderbrief stories``: the stored stories and what each knows — headlines, a grounded
summary, coverage by country and language, every report — as a table or JSON lines."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

# Only what registering the command needs is imported here: `borderbrief --help` imports this
# module too. The command imports its own tools when it runs.
if TYPE_CHECKING:
    from rich.console import Console

    from briefings.settings import Settings
    from briefings.store.stories import StoryView

LANGUAGES = ("en", "es")
DEFAULT_LIMIT = 50
MOST = 100_000  # a larger --limit is read as this: every story a store keeps, and then some


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    stories = sub.add_parser(
        "stories",
        help="list the stored stories: headlines, summary, coverage, reports",
        description="List the stories last seen in a recent span, newest first, with their "
        "headline in each language, a summary taken from a report, their coverage by country "
        "and language, and every report: a table, or one JSON object per line with --json.",
    )
    # Values are checked by the command, not by argparse, so a bad one costs one line.
    stories.add_argument("--since", default="24h", metavar="SPAN",
                         help="how far back: 30m, 24h, 7d (default 24h)")  # fmt: skip
    stories.add_argument("--theme", action="append", default=[], metavar="T",
                         help="a theme key or display name (repeatable; default: all)")  # fmt: skip
    stories.add_argument("--lang", metavar="en|es",
                         help="the reader's language: the headline and summary shown")  # fmt: skip
    stories.add_argument("--limit", default=str(DEFAULT_LIMIT), metavar="N",
                         help=f"at most N stories (default {DEFAULT_LIMIT})")  # fmt: skip
    stories.add_argument("--json", action="store_true", help="one JSON object per story and line")
    stories.set_defaults(func=_stories)


def _fail(message: str) -> int:
    print(f"borderbrief stories: {message}", file=sys.stderr)
    return 2


def _limit(text: str) -> int | None:
    """``--limit``: ASCII digits, at least 1; a huge number is ``MOST``."""
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit()) or not digits.strip("0"):
        return None
    return MOST if len(digits.lstrip("0")) > 6 else min(int(digits), MOST)


def _stories(args: argparse.Namespace) -> int:
    from bot.cli_brief import parse_duration, select_themes
    from bot.cli_store import EMPTY
    from briefings.settings import load_settings
    from briefings.themes import load_themes

    try:
        since = parse_duration(args.since)
    except argparse.ArgumentTypeError as exc:
        return _fail(f"--since: {exc}")
    if args.lang is not None and args.lang not in LANGUAGES:
        return _fail(f"--lang: {args.lang!r} is not a language here; use en or es")
    limit = _limit(args.limit)
    if limit is None:
        return _fail(f"--limit: {args.limit!r} is not a number of stories like 20")
    settings = load_settings()
    try:
        themes = [t.name for t in select_themes(load_themes(settings.themes), args.theme)]
    except ValueError as exc:
        return _fail(str(exc))
    language = args.lang or settings.default_language
    found = asyncio.run(_load(settings, themes, datetime.now(UTC) - since, limit))
    if found is None:
        print(EMPTY)
    elif args.json:
        for story in found:
            print(json.dumps(story_json(story, language), ensure_ascii=False))
    elif not found:
        print(f"No stories in the last {args.since.strip()}.")
    else:
        _console().print(_table(found, language, args.since.strip()))
    return 0


async def _load(
    settings: Settings, themes: list[str], since: datetime, limit: int
) -> list[StoryView] | None:
    """The stories with their facts, newest first; None when the store has no items at all."""
    from bot.cli_store import filled_store
    from briefings.store.stories import recent_stories
    from briefings.stories.facts import with_facts

    async with filled_store(settings) as conn:
        if conn is None:
            return None
        views = await recent_stories(conn, themes=themes, since=since, limit=limit)
    return with_facts(views)


def _at(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def story_json(story: StoryView, language: str) -> dict[str, Any]:
    """One story as JSON, with the same keys whatever it holds."""
    facts = story.facts
    headlines: dict[str, str | None] = dict.fromkeys(LANGUAGES)
    headlines.update({lang: h.text for lang, h in (facts.headlines if facts else {}).items()})
    summary = story.summary_for(language)
    coverage = story.coverage
    return {
        "id": story.id,
        "headline": story.headline_for(language).text,
        "headlines": headlines,
        "summary": None if summary is None else {
            "text": summary.text, "outlet": summary.outlet, "lang": summary.language,
            "url": summary.url,
        },
        "coverage": {
            "outlets": coverage.outlets, "by_country": coverage.by_country,
            "by_language": coverage.by_language, "one_sided": coverage.one_sided,
        },
        "reports": [
            {"outlet": r.outlet, "lang": r.language, "country": r.country,
             "published": _at(r.published_at), "url": r.url, "title": r.title}
            for r in story.reports
        ],
        "themes": sorted(story.themes, key=lambda t: (-story.themes[t], t)),
        "first_seen": _at(story.first_seen_at),
        "last_seen": _at(story.last_seen_at),
    }  # fmt: skip


def _count(n: int, one: str, many: str = "") -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _coverage_cell(story: StoryView) -> str:
    coverage = story.coverage
    lines = [_count(coverage.outlets, "outlet")]
    lines.append(" · ".join(f"{k} {n}" for k, n in coverage.by_country.items()))
    lines.append(" · ".join(f"{k} {n}" for k, n in coverage.by_language.items()))
    if coverage.one_sided:
        lines.append("[yellow]one country's press only[/]")
    return "\n".join(line for line in lines if line)


def _table(stories: list[StoryView], language: str, span: str) -> Any:
    from rich.markup import escape
    from rich.table import Table

    title = f"{_count(len(stories), 'story', 'stories')} in the last {span}"
    table = Table(title=title, title_justify="left", show_lines=True)
    for column in ("Last seen (UTC)", "Story", "Coverage", "Themes"):
        table.add_column(column)
    for story in stories:
        head = story.headline_for(language)
        cell = f"[bold]{escape(head.text)}[/] [dim]({escape(head.outlet)})[/]"
        summary = story.summary_for(language)
        if summary is not None:
            cell += f"\n{escape(summary.text)} [dim]— {escape(summary.outlet)}[/]"
        cell += f"\n[dim]#{story.id} · {_count(len(story.reports), 'report')}[/]"
        table.add_row(story.last_seen_at.astimezone(UTC).strftime("%m-%d %H:%M"), cell,
                      _coverage_cell(story), escape(", ".join(story.themes)))  # fmt: skip
    return table


def _console() -> Console:
    """stdout; piped output gets a wide table instead of rich's default 80 columns."""
    from rich.console import Console

    console = Console()
    return console if console.is_terminal else Console(width=160)
