"""What the owner commands do, as a library: add, remove and reload sources and themes.

The sources file stays the single truth (the poller syncs the store from it each cycle), so an
added or removed source is written to that file, checked by reading it back, and then synced
into the store. A file that does not check out is never written, and a bad file on /reload
leaves the running configuration as it was.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncEngine

from briefings.model import Source
from briefings.parse import parse_feed
from briefings.sources import (
    SourcesError,
    append_sources,
    check_feed_url,
    load_sources,
    parse_sources,
)
from briefings.store.sources import sync_sources
from briefings.themes import ThemesError, ThemeSet, load_themes


class AdminError(Exception):
    """An owner request that cannot be done; the message says why, for the owner."""


def _unwritable(path: Path, exc: OSError) -> str:
    return (f"cannot write the sources file {path}: {exc.strerror or exc} "
            "(point BORDERBRIEF_SOURCES at a writable copy of it)")


@dataclass(frozen=True, slots=True)
class NewSource:
    source: Source
    title: str
    items: int


async def check_new_source(
    fetcher: Any, url: str, *, now: datetime, name: str | None = None,
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
    parsed = parse_feed(result.body, source=probe, fetched_at=now,
                        content_type=result.content_type, base_url=result.url or url)
    if parsed.error or not parsed.items:
        raise AdminError(f"not a news feed: {parsed.error or 'no items in it'}")
    chosen_language = language or parsed.language or "en"
    if chosen_language not in ("en", "es"):
        chosen_language = "en"
    title = parsed.title.strip()
    chosen_name = (name or title or urlsplit(url).hostname or url)[:100]
    return NewSource(Source(name=chosen_name, url=url, language=chosen_language), title,
                     len(parsed.items))


async def add_source(engine: AsyncEngine, path: Path, new: Source, *, now: datetime) -> Source:
    """Append ``new`` to the sources file and sync the store; the stored name is returned."""
    try:
        added, skipped = append_sources(path, [new])
    except OSError as exc:
        raise AdminError(_unwritable(path, exc)) from None
    except SourcesError as exc:
        raise AdminError(str(exc)) from None
    if skipped or not added:
        raise AdminError("that feed is already in the sources list")
    await sync_file(engine, path, now=now)
    return added[0]


_TABLE = re.compile(r"^\s*\[\[\s*sources\s*\]\]\s*(#.*)?$")
_ANY_TABLE = re.compile(r"^\s*\[")


def without_source(text: str, name: str) -> tuple[str, Source]:
    """The sources file text with the ``[[sources]]`` table named ``name`` cut out."""
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if _TABLE.match(line)]
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(lines)
        for i in range(start + 1, end):  # a different kind of table ends this one early
            if _ANY_TABLE.match(lines[i]):
                end = i
                break
        # Comment lines right before the next table belong to it, not to this one.
        while end > start + 1 and lines[end - 1].lstrip().startswith("#"):
            end -= 1
        block = "".join(lines[start:end])
        try:
            entries = tomllib.loads(block).get("sources", [])
        except tomllib.TOMLDecodeError:
            continue
        if entries and str(entries[0].get("name", "")).casefold() == name.casefold():
            removed = parse_sources({"sources": entries})[0]
            while start > 0 and lines[start - 1].lstrip().startswith("#"):
                start -= 1  # its own comment goes with it
            return "".join(lines[:start] + lines[end:]), removed
    raise AdminError(f"no source named {name!r} in the sources list")


def cut_source_from_file(path: Path, name: str) -> Source:
    """Rewrite the sources file without the source named ``name``; checked before writing."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AdminError(f"cannot read the sources file: {exc.strerror or exc}") from None
    remaining, removed = without_source(text, name)
    try:
        parse_sources(tomllib.loads(remaining), origin=str(path))  # never write a broken file
        path.write_text(remaining, encoding="utf-8")
    except (tomllib.TOMLDecodeError, SourcesError) as exc:
        raise AdminError(f"the sources file would not read back: {exc}") from None
    except OSError as exc:
        raise AdminError(_unwritable(path, exc)) from None
    return removed


async def remove_source(engine: AsyncEngine, path: Path, name: str, *, now: datetime) -> Source:
    """Cut the source out of the sources file, then sync (the store row is disabled)."""
    removed = cut_source_from_file(path, name)
    await sync_file(engine, path, now=now)
    return removed


async def sync_file(engine: AsyncEngine, path: Path, *, now: datetime) -> list[Source]:
    """Read the sources file (SourcesError if bad) and make the store match it."""
    configured = load_sources(path)
    async with engine.begin() as conn:
        await sync_sources(conn, configured, now)
    return configured


@dataclass(frozen=True, slots=True)
class Reloaded:
    sources: list[Source] | None  # None: the file was bad and nothing changed
    themes: ThemeSet | None
    problems: list[str]


async def reload_config(
    engine: AsyncEngine, sources_path: Path, themes_path: Path, *, now: datetime
) -> Reloaded:
    """Re-read both files; each one that checks out is applied, each bad one is reported."""
    problems: list[str] = []
    sources: list[Source] | None = None
    themes: ThemeSet | None = None
    try:
        sources = await sync_file(engine, sources_path, now=now)
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
