"""``borderbrief match [FILE.jsonl]`` and ``borderbrief explain TEXT | --url URL``."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from briefings.model import ThemeMatch
from briefings.settings import load_settings
from briefings.store.db import open_engine
from briefings.store.items import text_by_url
from briefings.themes import Matcher, ThemeCatalogue, ThemesError, ThemeSet, load_themes


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    match = sub.add_parser(
        "match",
        help="match JSON-lines items against the themes",
        description="Read items as JSON lines (id, lang, title, summary or lede) and write one "
        'JSON line per item: {"id": ..., "themes": [...], "why": {...}}.',
    )
    match.add_argument("file", nargs="?", type=Path, help="a .jsonl file (default: stdin)")
    match.add_argument("--themes", type=Path, help="themes file (default: the configured one)")
    match.set_defaults(func=_match)

    explain = sub.add_parser("explain", help="show which themes a headline matches, and why")
    explain.add_argument("text", nargs="*", help="a headline (the title)")
    explain.add_argument("--summary", default="", help="the item's summary or lede")
    explain.add_argument("--lang", help="the item's language (en, es)")
    explain.add_argument("--url", help="explain a stored item, found by its URL")
    explain.add_argument("--themes", type=Path, help="themes file (default: the configured one)")
    explain.set_defaults(func=_explain)


def _load(path: Path | None) -> ThemeSet:
    return load_themes(path or load_settings().themes)


# ── match ────────────────────────────────────────────────────────────────────────────────


def _match(args: argparse.Namespace) -> int:
    try:
        themes = _load(args.themes)
    except ThemesError as exc:
        print(f"borderbrief: {exc}", file=sys.stderr)
        return 2
    matcher = Matcher(themes.themes)
    if args.file is None:
        return match_lines(matcher, sys.stdin, sys.stdout, sys.stderr)
    try:
        with args.file.open(encoding="utf-8") as lines:
            return match_lines(matcher, lines, sys.stdout, sys.stderr)
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            raise  # stdout closed (`| head`), not the input: main says so
        print(f"borderbrief: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2


def match_lines(matcher: Matcher, lines: Iterable[str], out: TextIO, err: TextIO) -> int:
    """Match each JSON line; a bad line is reported on ``err`` and skipped (exit code 1)."""
    status = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise ValueError("expected a JSON object")
            result = _match_item(matcher, item)
        except (ValueError, TypeError) as exc:
            print(f"line {number}: skipped: {exc}", file=err)
            status = 1
            continue
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    out.flush()
    return status


def _match_item(matcher: Matcher, item: dict[str, Any]) -> dict[str, Any]:
    summary = item.get("summary")
    if summary is None:
        summary = item.get("lede")
    title = _text(item.get("title"), "title")
    lang = item.get("lang") or item.get("language")
    found = matcher.match(title, _text(summary, "summary"), lang if isinstance(lang, str) else None)
    return {
        "id": item.get("id"),
        "themes": [m.theme for m in found],
        "why": {
            m.theme: {
                "score": m.score,
                "hits": [{"term": h.term, "field": h.field} for h in m.hits],
            }
            for m in found
        },
    }


def _text(value: Any, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string")
    return value


# ── explain ──────────────────────────────────────────────────────────────────────────────


def _explain(args: argparse.Namespace) -> int:
    title, summary, lang = " ".join(args.text), args.summary, args.lang
    if args.url:
        found = asyncio.run(_stored_item(args.url))
        if found is None:
            print(f"borderbrief: no stored item has the URL {args.url}", file=sys.stderr)
            return 1
        title, summary, lang = found
    if not (title.strip() or summary.strip()):
        print("borderbrief: give a headline to explain, or --url URL", file=sys.stderr)
        return 2
    try:
        themes = _load(args.themes)
    except ThemesError as exc:
        print(f"borderbrief: {exc}", file=sys.stderr)
        return 2
    matches = Matcher(themes.themes).match(title, summary, lang)
    _print_explanation(ThemeCatalogue(themes, fallback={}), matches, lang or "en")
    return 0


async def _stored_item(url: str) -> tuple[str, str, str] | None:
    engine = open_engine(load_settings().database_url)
    try:
        async with engine.connect() as conn:
            row = await text_by_url(conn, url)
    finally:
        await engine.dispose()
    return None if row is None else (row.title, row.summary, row.language)


def _print_explanation(
    catalogue: ThemeCatalogue, matches: list[ThemeMatch], lang: str
) -> None:
    console = Console()
    if not matches:
        console.print("No theme matches.")
        return
    table = Table(title="Themes matched", show_lines=True)
    table.add_column("theme")
    table.add_column("score", justify="right")
    table.add_column("why (term → field)")
    for m in matches:
        shown = catalogue.label(m.theme, lang)
        why = "\n".join(f"{h.term} → {h.field}" for h in m.hits)
        table.add_row(escape(f"{shown} ({m.theme})"), f"{m.score:g}", escape(why))
    console.print(table)
