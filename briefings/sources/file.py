"""The sources file (``config/sources.toml``): reading, checking, appending.

A source is one ``[[sources]]`` table with ``name``, ``url`` and ``language`` (required) and
``country``, ``weight``, ``interval``, ``enabled`` (optional). Mistakes are reported as one
``SourcesError`` naming the file, the entry and what is wrong.
"""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from briefings.model import Source
from briefings.sources.errors import SourcesError
from briefings.sources.feed_url import check_feed_url

KNOWN_KEYS = frozenset({"name", "url", "language", "country", "weight", "interval", "enabled"})
MIN_INTERVAL = 60  # seconds: anything faster is impolite to a news site
MAX_INTERVAL = 7 * 24 * 3600  # a week: a feed polled more rarely is as good as disabled
_LANGUAGE = re.compile(r"^[a-z]{2}\Z")
_COUNTRY = re.compile(r"^[A-Za-z]{2}\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ufffe\uffff]")  # none is allowed in XML


def load_sources(path: Path | str) -> list[Source]:
    """Read and check a sources file; raise SourcesError on the first problem found."""
    path = Path(path)
    return parse_sources(read_toml(read_text(path), str(path)), origin=str(path))


def read_text(path: Path) -> str:
    """A sources file's text; SourcesError says why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourcesError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise SourcesError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:  # a folder, no permission
        raise SourcesError(f"{path}: cannot read: {exc.strerror or exc}") from None


def read_toml(text: str, origin: str) -> dict[str, Any]:
    """A sources file's TOML; SourcesError says why it is not TOML."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourcesError(f"{origin}: not valid TOML: {exc}") from None
    except RecursionError:
        raise SourcesError(f"{origin}: not valid TOML: nested too deeply") from None


def parse_sources(data: Mapping[str, Any], *, origin: str = "sources") -> list[Source]:
    """Check the ``[[sources]]`` tables of an already-read TOML document."""
    entries = data.get("sources", [])
    if not isinstance(entries, list):
        raise SourcesError(f"{origin}: 'sources' must be an array of [[sources]] tables")
    sources: list[Source] = []
    names: dict[str, int] = {}
    urls: dict[str, int] = {}
    for number, entry in enumerate(entries, start=1):
        where = entry_label(origin, number, entry)
        source = source_from_entry(entry, where)
        for seen, key, what in ((names, source.name.casefold(), "name"), (urls, source.url, "url")):
            if key in seen:
                raise SourcesError(f"{where}: duplicate {what}, as source #{seen[key]}")
            seen[key] = number
        sources.append(source)
    return sources


def entry_label(origin: str, number: int, entry: object) -> str:
    """``<file>: source #3 ('Name')`` for messages; SourcesError unless ``entry`` is a table."""
    where = f"{origin}: source #{number}"
    if not isinstance(entry, dict):
        raise SourcesError(f"{where}: must be a [[sources]] table")
    if isinstance(entry.get("name"), str) and entry["name"].strip():
        where += f" ({entry['name'].strip()!r})"
    return where


def source_entry(source: Source) -> dict[str, Any]:
    """``source`` as a ``[[sources]]`` table; optional keys only when not the default."""
    entry: dict[str, Any] = {"name": source.name, "url": source.url, "language": source.language}
    if source.country:
        entry["country"] = source.country
    if source.weight != 1.0:
        entry["weight"] = source.weight
    if source.interval is not None:
        entry["interval"] = source.interval
    if not source.enabled:
        entry["enabled"] = False
    return entry


def source_from_entry(entry: Mapping[str, Any], where: str) -> Source:
    """One checked Source from a ``[[sources]]`` table; SourcesError says what is wrong."""
    unknown = sorted(set(entry) - KNOWN_KEYS)
    if unknown:
        raise SourcesError(
            f"{where}: unknown key {', '.join(unknown)} (known: {', '.join(sorted(KNOWN_KEYS))})"
        )
    name = _required_text(entry, "name", where)
    if _CONTROL.search(name):  # no XML could carry it: `sources export` would write bad OPML
        raise SourcesError(f"{where}: name has a control character in it")
    url = _required_text(entry, "url", where)
    check_feed_url(url, where)
    language = _required_text(entry, "language", where).lower()
    if not _LANGUAGE.match(language):
        raise SourcesError(f"{where}: bad language {language!r}; use a two-letter code like en, es")
    country = entry.get("country")
    if country is not None and not (isinstance(country, str) and _COUNTRY.match(country)):
        raise SourcesError(f"{where}: bad country {country!r}; use two letters like US, MX")
    weight = entry.get("weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= 10:
        raise SourcesError(f"{where}: weight must be a number above 0 and at most 10")
    interval = entry.get("interval")
    if interval is not None and (
        isinstance(interval, bool) or not isinstance(interval, int)
        or not MIN_INTERVAL <= interval <= MAX_INTERVAL
    ):  # fmt: skip
        raise SourcesError(f"{where}: interval must be whole seconds, from {MIN_INTERVAL} to "
                           f"{MAX_INTERVAL} (a week)")  # fmt: skip
    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):
        raise SourcesError(f"{where}: enabled must be true or false")
    return Source(
        name=name,
        url=url,
        language=language,
        country=country.upper() if country else None,
        weight=float(weight),
        interval=interval,
        enabled=enabled,
    )


def _required_text(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if value is None:
        raise SourcesError(f"{where}: missing {key}")
    if not isinstance(value, str) or not value.strip():
        raise SourcesError(f"{where}: {key} must be a non-empty string")
    return value.strip()


def unique_name(name: str, taken: Iterable[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)``... if a case-insensitive twin is taken."""
    taken_folded = {t.casefold() for t in taken}
    candidate, n = name, 1
    while candidate.casefold() in taken_folded:
        n += 1
        candidate = f"{name} ({n})"
    return candidate


def _toml_string(value: str) -> str:
    # A JSON string is a valid TOML basic string (same escapes, \uXXXX included).
    return json.dumps(value, ensure_ascii=False)


def source_to_toml(source: Source) -> str:
    """One ``[[sources]]`` table; optional keys only when they differ from the default."""
    return entry_to_toml(source_entry(source))


def entry_to_toml(entry: Mapping[str, Any]) -> str:
    """A ``[[sources]]`` table of strings, numbers and booleans, in the order given."""
    lines = ["[[sources]]"]
    for key, value in entry.items():
        if isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, str):
            lines.append(f"{key} = {_toml_string(value)}")
        else:
            lines.append(f"{key} = {value!r}")
    return "\n".join(lines) + "\n"


def plan_additions(existing: Iterable[Source], new: Iterable[Source]) -> tuple[list[Source], int]:
    """The sources of ``new`` whose URL is not yet there, renamed `` (2)`` on a name clash."""
    known = list(existing)
    names = [s.name for s in known]
    urls = {s.url for s in known}
    added: list[Source] = []
    skipped = 0
    for source in new:
        if source.url in urls:
            skipped += 1
            continue
        renamed = dataclasses.replace(source, name=unique_name(source.name, names))
        added.append(renamed)
        names.append(renamed.name)
        urls.add(source.url)
    return added, skipped


def with_tables(text: str, sources: Iterable[Source]) -> str:
    """``text`` with a ``[[sources]]`` table appended per source, its own text kept as written."""
    if text and not text.endswith("\n"):
        text += "\n"
    return text + "".join("\n" + source_to_toml(s) for s in sources)


def append_sources(path: Path | str, new: Iterable[Source]) -> tuple[list[Source], int]:
    """Append the sources whose URL is not yet in the file, keeping its text as written.

    Names that clash get a `` (2)`` suffix. Returns (added, skipped as duplicates).
    """
    path = Path(path)
    existing = load_sources(path) if path.exists() else []
    added, skipped = plan_additions(existing, new)
    if added:
        text = with_tables(path.read_text(encoding="utf-8") if path.exists() else "", added)
        parse_sources(tomllib.loads(text), origin=str(path))  # never write a file we can't read
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return added, skipped
