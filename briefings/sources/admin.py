"""What the owner commands do, as a library: add, remove and reload sources and themes.

The sources files stay the single truth (the poller syncs the store from them each cycle), so an
added or removed source is written to the user's file (layers.py: never the shipped list),
checked by reading it back, and then synced into the store. A file that does not check out is
never written, and a bad file on /reload leaves the running configuration as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncEngine

from briefings.fetch import Fetcher
from briefings.model import Source
from briefings.parse import parse_feed
from briefings.sources.edit import (
    as_files,
    cut_layered_source,
    cut_source_from_file,
    user_text,
    write_checked,
)
from briefings.sources.errors import AdminError, SourcesError
from briefings.sources.feed_url import check_feed_url
from briefings.sources.file import load_sources, plan_additions, with_tables
from briefings.sources.layers import SourceFiles, load_files, sources_from_text
from briefings.store.sources import sync_sources
from briefings.themes import ThemesError, ThemeSet, load_themes


@dataclass(frozen=True, slots=True)
class NewSource:
    """A feed checked by fetching it: the source to add, the feed's title, its items now."""

    source: Source
    title: str
    items: int


async def check_new_source(
    fetcher: Fetcher,
    url: str,
    *,
    now: datetime,
    name: str | None = None,
    language: str | None = None,
) -> NewSource:
    """Fetch ``url`` through the guarded fetcher and make sure it really is a feed."""
    try:
        check_feed_url(url, "url")
    except SourcesError as exc:
        raise AdminError(str(exc).removeprefix("url: ")) from None
    result = await fetcher.fetch(url)
    if result.outcome != "ok":
        raise AdminError(result.error or f"the server answered {result.status}")
    probe = Source(name=name or "new", url=url, language=language or "en")
    parsed = parse_feed(
        result.body,
        source=probe,
        fetched_at=now,
        content_type=result.content_type,
        base_url=result.url or url,
    )
    if parsed.error or not parsed.items:
        raise AdminError(f"not a news feed: {parsed.error or 'no items in it'}")
    chosen_language = language or parsed.language or "en"
    if chosen_language not in ("en", "es"):
        chosen_language = "en"
    title = parsed.title.strip()
    chosen_name = (name or title or urlsplit(url).hostname or url)[:100]
    return NewSource(
        Source(name=chosen_name, url=url, language=chosen_language), title, len(parsed.items)
    )


def add_sources(where: Path | SourceFiles, new: list[Source]) -> tuple[list[Source], int]:
    """Append the sources not yet listed (by URL) to the user's file: (added, skipped)."""
    files = as_files(where)
    try:
        shipped = load_sources(files.shipped) if files.shipped is not None else None
        text = user_text(files)
        current = sources_from_text(text, str(files.user), shipped)
        added, skipped = plan_additions(current, new)
        if added:
            write_checked(files, with_tables(text, added), shipped)
    except SourcesError as exc:
        raise AdminError(str(exc)) from None
    return added, skipped


async def add_source(
    engine: AsyncEngine, where: Path | SourceFiles, new: Source, *, now: datetime
) -> Source:
    """Add ``new`` to the user's sources file and sync the store; the stored name is returned."""
    added, skipped = add_sources(where, [new])
    if skipped or not added:
        raise AdminError("that feed is already in the sources list")
    await sync_file(engine, where, now=now)
    return added[0]


async def remove_source(
    engine: AsyncEngine, where: Path | SourceFiles, name: str, *, now: datetime
) -> Source:
    """Take the source out of the sources list, then sync (the store row is disabled)."""
    files = as_files(where)
    if files.shipped is None:
        removed = cut_source_from_file(files.user, name)
    else:
        removed = cut_layered_source(files, name)
    await sync_file(engine, files, now=now)
    return removed


async def sync_file(
    engine: AsyncEngine, where: Path | SourceFiles, *, now: datetime
) -> list[Source]:
    """Read the sources files (SourcesError if bad) and make the store match them."""
    configured = load_files(as_files(where))
    async with engine.begin() as conn:
        await sync_sources(conn, configured, now)
    return configured


@dataclass(frozen=True, slots=True)
class Reloaded:
    """What /reload applied, and what it did not and why."""

    sources: list[Source] | None  # None: the file was bad and nothing changed
    themes: ThemeSet | None
    problems: list[str]


async def reload_config(
    engine: AsyncEngine, files: Path | SourceFiles, themes_path: Path, *, now: datetime
) -> Reloaded:
    """Re-read both files; each one that checks out is applied, each bad one is reported."""
    problems: list[str] = []
    sources: list[Source] | None = None
    themes: ThemeSet | None = None
    try:
        sources = await sync_file(engine, files, now=now)
    except SourcesError as exc:
        problems.append(f"sources not reloaded: {exc}")
    try:
        themes = load_themes(themes_path)
        if not len(themes):
            raise ThemesError(f"{themes_path}: defines no themes")
    except ThemesError as exc:
        themes = None
        problems.append(f"themes not reloaded: {exc}")
    return Reloaded(sources, themes, problems)


__all__ = ["AdminError", "NewSource", "Reloaded", "add_source", "add_sources", "check_new_source",
           "reload_config", "remove_source", "sync_file"]
