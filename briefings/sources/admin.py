"""What the owner commands do, as a library: add, remove and reload sources and themes.

The sources files stay the single truth (the poller syncs the store from them each cycle), so an
added or removed source is written to the user's file (layers.py: never the shipped list),
checked by reading it back, and then synced into the store. A file that does not check out is
never written, and a bad file on /reload leaves the running configuration as it was.
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

from briefings.fetch import Fetcher
from briefings.model import Source
from briefings.parse import parse_feed
from briefings.sources.errors import SourcesError
from briefings.sources.feed_url import check_feed_url
from briefings.sources.file import (
    entry_to_toml,
    load_sources,
    parse_sources,
    plan_additions,
    with_tables,
)
from briefings.sources.layers import (
    USER_HEADER,
    SourceFiles,
    load_files,
    sources_from_text,
)
from briefings.store.sources import sync_sources
from briefings.themes import ThemesError, ThemeSet, load_themes


class AdminError(Exception):
    """An owner request that cannot be done; the message says why, for the owner."""


def _unwritable(files: SourceFiles, exc: OSError) -> str:
    fix = ("set BORDERBRIEF_DATA_DIR to a writable folder" if files.shipped is not None
           else "point BORDERBRIEF_SOURCES at a writable copy of it")  # fmt: skip
    return f"cannot write the sources file {files.user}: {exc.strerror or exc} ({fix})"


def _files(where: Path | SourceFiles) -> SourceFiles:
    # A bare path is a sources file that is the whole list, as BORDERBRIEF_SOURCES names one.
    return where if isinstance(where, SourceFiles) else SourceFiles(user=where)


@dataclass(frozen=True, slots=True)
class NewSource:
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
    files = _files(where)
    try:
        shipped = load_sources(files.shipped) if files.shipped is not None else None
        text = _user_text(files)
        current = sources_from_text(text, str(files.user), shipped)
        added, skipped = plan_additions(current, new)
        if added:
            _write_checked(files, with_tables(text, added), shipped)
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


def _user_text(files: SourceFiles) -> str:
    """The user's file as written; a layered one not made yet starts with its header."""
    if files.shipped is not None and not files.user.exists():
        return USER_HEADER
    try:
        return files.user.read_text(encoding="utf-8") if files.user.exists() else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise AdminError(f"cannot read the sources file {files.user}: {exc}") from None


def _write_checked(files: SourceFiles, text: str, shipped: list[Source] | None) -> None:
    """Write the user's file, but only a text that reads back (SourcesError otherwise)."""
    sources_from_text(text, str(files.user), shipped)
    try:
        files.user.parent.mkdir(parents=True, exist_ok=True)
        files.user.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise AdminError(_unwritable(files, exc)) from None


_TABLE = re.compile(r"^\s*\[\[\s*sources\s*\]\]\s*(#.*)?$")
_ANY_TABLE = re.compile(r"^\s*\[")


def without_source(text: str, name: str) -> tuple[str, Source]:
    """The sources file text with the ``[[sources]]`` table named ``name`` cut out."""
    cut = cut_table(text, name)
    if cut is None:
        raise AdminError(f"no source named {name!r} in the sources list")
    remaining, entry = cut
    return remaining, parse_sources({"sources": [entry]})[0]


def cut_table(text: str, name: str) -> tuple[str, dict[str, Any]] | None:
    """``text`` without the first ``[[sources]]`` table named ``name``, and that table."""
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
        try:
            entries = tomllib.loads("".join(lines[start:end])).get("sources", [])
        except tomllib.TOMLDecodeError:
            continue
        if entries and str(entries[0].get("name", "")).casefold() == name.casefold():
            while start > 0 and lines[start - 1].lstrip().startswith("#"):
                start -= 1  # its own comment goes with it
            return "".join(lines[:start] + lines[end:]), dict(entries[0])
    return None


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
        raise AdminError(_unwritable(SourceFiles(user=path), exc)) from None
    return removed


def cut_layered_source(files: SourceFiles, name: str) -> Source:
    """Drop the user's own entry for ``name``; a shipped source is turned off in the user file."""
    assert files.shipped is not None
    try:
        shipped = load_sources(files.shipped)
        text = _user_text(files)
        current = sources_from_text(text, str(files.user), shipped)
    except SourcesError as exc:
        raise AdminError(str(exc)) from None
    removed = next((s for s in current if s.name.casefold() == name.casefold()), None)
    if removed is None:
        raise AdminError(f"no source named {name!r} in the sources list")
    cut = cut_table(text, removed.name)
    text = cut[0] if cut else text
    try:
        left = sources_from_text(text, str(files.user), shipped)
        back = [s for s in left if s.url == removed.url or s.name.casefold() == name.casefold()]
        for source in back:  # a shipped source: it stays listed, turned off
            if source.enabled:
                text = with_tables_of(text, {"name": source.name, "enabled": False})
        _write_checked(files, text, shipped)
    except SourcesError as exc:
        raise AdminError(f"the sources file would not read back: {exc}") from None
    return removed


def with_tables_of(text: str, entry: dict[str, Any]) -> str:
    if text and not text.endswith("\n"):
        text += "\n"
    return text + "\n" + entry_to_toml(entry)


async def remove_source(
    engine: AsyncEngine, where: Path | SourceFiles, name: str, *, now: datetime
) -> Source:
    """Take the source out of the sources list, then sync (the store row is disabled)."""
    files = _files(where)
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
    configured = load_files(_files(where))
    async with engine.begin() as conn:
        await sync_sources(conn, configured, now)
    return configured


@dataclass(frozen=True, slots=True)
class Reloaded:
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
