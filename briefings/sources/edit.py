"""Text surgery on the user's sources file: a table cut out, a shipped source turned off, and
every write checked by reading the text back first, so a broken file is never written."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from briefings.model import Source
from briefings.sources.errors import AdminError, SourcesError
from briefings.sources.file import entry_to_toml, load_sources, parse_sources
from briefings.sources.layers import USER_HEADER, SourceFiles, sources_from_text


def unwritable(files: SourceFiles, exc: OSError) -> str:
    fix = ("set BORDERBRIEF_DATA_DIR to a writable folder" if files.shipped is not None
           else "point BORDERBRIEF_SOURCES at a writable copy of it")  # fmt: skip
    return f"cannot write the sources file {files.user}: {exc.strerror or exc} ({fix})"


def as_files(where: Path | SourceFiles) -> SourceFiles:
    # A bare path is a sources file that is the whole list, as BORDERBRIEF_SOURCES names one.
    return where if isinstance(where, SourceFiles) else SourceFiles(user=where)


def user_text(files: SourceFiles) -> str:
    """The user's file as written; a layered one not made yet starts with its header."""
    if files.shipped is not None and not files.user.exists():
        return USER_HEADER
    try:
        return files.user.read_text(encoding="utf-8") if files.user.exists() else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise AdminError(f"cannot read the sources file {files.user}: {exc}") from None


def write_checked(files: SourceFiles, text: str, shipped: list[Source] | None) -> None:
    """Write the user's file, but only a text that reads back (SourcesError otherwise)."""
    sources_from_text(text, str(files.user), shipped)
    try:
        files.user.parent.mkdir(parents=True, exist_ok=True)
        files.user.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise AdminError(unwritable(files, exc)) from None


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
        raise AdminError(unwritable(SourceFiles(user=path), exc)) from None
    return removed


def cut_layered_source(files: SourceFiles, name: str) -> Source:
    """Drop the user's own entry for ``name``; a shipped source is turned off in the user file."""
    assert files.shipped is not None
    try:
        shipped = load_sources(files.shipped)
        text = user_text(files)
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
        write_checked(files, text, shipped)
    except SourcesError as exc:
        raise AdminError(f"the sources file would not read back: {exc}") from None
    return removed


def with_tables_of(text: str, entry: dict[str, Any]) -> str:
    """``text`` with one more ``[[sources]]`` table, ``entry``, at the end."""
    if text and not text.endswith("\n"):
        text += "\n"
    return text + "\n" + entry_to_toml(entry)
