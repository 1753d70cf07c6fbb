"""The sources in use: the shipped list, with the user's own file layered over it.

The shipped list lives inside the package (site-packages, for a pip install), so nothing is ever
written there: what ``sources import``, /addsource and /removesource change goes to
``<BORDERBRIEF_DATA_DIR>/sources.toml``. In that file an entry whose name or url is a shipped
source's changes it (only the keys it gives; ``enabled = false`` turns it off); any other entry
adds a feed. A user file saying ``use_shipped_sources = false`` (``borderbrief init`` writes one)
is the whole list. A file named by BORDERBRIEF_SOURCES replaces the shipped list, and changes
are written to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from briefings.model import Source
from briefings.paths import default_config_file
from briefings.sources.errors import SourcesError
from briefings.sources.file import (
    entry_label,
    load_sources,
    parse_sources,
    read_text,
    read_toml,
    source_entry,
    source_from_entry,
)

USER_FILE = "sources.toml"
WHOLE_LIST_KEY = "use_shipped_sources"
USER_HEADER = """\
# Your changes to the shipped list of news feeds; borderbrief reads that list, then this file.
# An entry with the name or url of a shipped source changes it (only the keys given here;
# enabled = false stops it); any other entry adds a feed. `borderbrief init --force` replaces
# this file with a full copy of the list to edit instead.
"""


class SourceSettings(Protocol):
    """What finding the sources files needs from the settings."""

    @property
    def sources(self) -> Path: ...

    @property
    def data_dir(self) -> Path: ...


@dataclass(frozen=True, slots=True)
class SourceFiles:
    """Where the sources come from: ``user`` (read, and written on changes) over ``shipped``."""

    user: Path
    shipped: Path | None = None  # None: ``user`` is the whole list


def source_files(settings: SourceSettings) -> SourceFiles:
    """The user's file in the data folder over the shipped list, unless another list is named."""
    if _same_file(settings.sources, default_config_file("sources.toml")):
        return SourceFiles(user=settings.data_dir / USER_FILE, shipped=settings.sources)
    return SourceFiles(user=settings.sources)


def configured_sources(settings: SourceSettings) -> list[Source]:
    """Every configured source, layers applied; SourcesError names the file and entry at fault."""
    return load_files(source_files(settings))


def load_files(files: SourceFiles) -> list[Source]:
    shipped = load_sources(files.shipped) if files.shipped is not None else None
    if shipped is not None and not files.user.is_file():
        return shipped
    return sources_from_text(read_text(files.user), str(files.user), shipped)


def sources_from_text(text: str, origin: str, shipped: list[Source] | None) -> list[Source]:
    """The sources a user file's ``text`` gives, over ``shipped`` (None: the file stands alone)."""
    data = read_toml(text, origin)
    whole = data.get(WHOLE_LIST_KEY, True)
    if not isinstance(whole, bool):
        raise SourcesError(f"{origin}: {WHOLE_LIST_KEY} must be true or false")
    if shipped is None or not whole:
        return parse_sources(data, origin=origin)
    return layer(shipped, data, origin)


def layer(shipped: list[Source], data: Mapping[str, Any], origin: str) -> list[Source]:
    """``shipped`` with the user's entries applied in order: changes in place, additions after."""
    entries = data.get("sources", [])
    if not isinstance(entries, list):
        raise SourcesError(f"{origin}: 'sources' must be an array of [[sources]] tables")
    result = list(shipped)
    added: list[Source] = []
    for number, entry in enumerate(entries, start=1):
        where = entry_label(origin, number, entry)
        index = _match(result, entry, where)
        if index is None:
            added.append(source_from_entry(entry, where))
        else:
            result[index] = source_from_entry({**source_entry(result[index]), **entry}, where)
    result += added
    parse_sources({"sources": [source_entry(s) for s in result]}, origin=f"{origin} (layered)")
    return result


def _match(current: list[Source], entry: Mapping[str, Any], where: str) -> int | None:
    """The index of the shipped source ``entry`` names by name or url, if any."""
    name, url = entry.get("name"), entry.get("url")
    hits = {
        i for i, source in enumerate(current)
        if (isinstance(name, str) and source.name.casefold() == name.strip().casefold())
        or (isinstance(url, str) and source.url == url.strip())
    }  # fmt: skip
    if len(hits) > 1:
        raise SourcesError(f"{where}: its name and url match two different shipped sources")
    return hits.pop() if hits else None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False
