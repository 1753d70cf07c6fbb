"""``borderbrief sources list|import|export``: the feeds, their health, OPML in and out."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.cli_poll import prepare_engine, terminal


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    src = sub.add_parser("sources", help="list, import or export the news feeds")
    actions = src.add_subparsers(dest="sources_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="each feed with its health: last fetch, errors")
    listing.set_defaults(func=_list)
    imp = actions.add_parser("import", help="append the feeds of an OPML file to the sources file")
    imp.add_argument("file", type=Path, help="an OPML file")
    imp.add_argument("--language", default="en",
                     help="language of outlines that name none (default: en)")  # fmt: skip
    imp.set_defaults(func=_import)
    exp = actions.add_parser("export", help="print the sources file as OPML")
    exp.set_defaults(func=_export)


def _import(args: argparse.Namespace) -> int:
    from briefings.settings import load_settings
    from briefings.sources import SourcesError, read_opml, source_files
    from briefings.sources.admin import AdminError, add_sources

    settings = load_settings()
    files = source_files(settings)  # the user's file, never the shipped list
    try:
        found = read_opml(args.file, default_language=args.language)
        added, skipped = add_sources(files, found.sources)
    except (SourcesError, AdminError) as exc:
        print(f"borderbrief: {exc}", file=sys.stderr)
        return 2
    print(f"{len(found.sources)} feed(s) in {args.file}: {len(added)} added to {files.user}, "
          f"{skipped} already there, {len(found.skipped)} outline(s) skipped")  # fmt: skip
    for source in added:
        print(f"  + {source.name} ({source.language}) {source.url}")
    for url, why in found.skipped:
        print(f"  - skipped {url}: {why}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from briefings.settings import load_settings
    from briefings.sources import configured_sources, export_opml

    settings = load_settings()
    configured = configured_sources(settings)
    sys.stdout.write(export_opml(configured))
    return 0


def _list(args: argparse.Namespace) -> int:
    from rich.table import Table

    from briefings.jobs.poll import utcnow
    from briefings.settings import load_settings
    from briefings.sources import configured_sources
    from briefings.store.sources import all_sources

    settings = load_settings()
    configured = configured_sources(settings)

    async def go() -> list[Any]:
        engine = await prepare_engine(settings, configured)
        try:
            async with engine.connect() as conn:
                return await all_sources(conn)
        finally:
            await engine.dispose()

    rows = asyncio.run(go())
    now = utcnow()
    table = Table(title=f"{len(rows)} sources", title_justify="left")
    for heading in ("Source", "Lang", "Status", "Last fetch", "Errors", "Next fetch", "Last error"):
        table.add_column(heading, overflow="fold")
    for row in rows:
        table.add_row(
            row.name, row.source.language, _status(row), _ago(row.last_fetched_at, now),
            str(row.error_count), _ago(row.next_fetch_at, now), row.last_error or "",
        )  # fmt: skip
    terminal().print(table)
    return 0


def _status(row: Any) -> str:
    if not row.source.enabled:
        return "disabled"
    if row.disabled_reason:
        return f"stopped: {row.disabled_reason}"
    if row.error_count:
        return "backing off"
    if row.last_fetched_at is None:
        return "new"
    return "ok"


def _ago(when: datetime | None, now: datetime) -> str:
    """'5m ago' / 'in 3h' / '-'."""
    if when is None:
        return "-"
    delta = when - now
    seconds = abs(delta.total_seconds())
    if seconds < 60:
        text = f"{int(seconds)}s"
    elif seconds < 3600:
        text = f"{int(seconds // 60)}m"
    elif seconds < 86400:
        text = f"{seconds / 3600:.1f}h"
    else:
        text = f"{seconds / 86400:.1f}d"
    return f"in {text}" if delta > timedelta(0) else f"{text} ago"
