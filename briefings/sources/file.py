"""The sources file (``config/sources.toml``) and OPML: reading, checking, writing.

A source is one ``[[sources]]`` table with ``name``, ``url`` and ``language`` (required) and
``country``, ``weight``, ``interval``, ``enabled`` (optional). Mistakes are reported as one
``SourcesError`` naming the file, the entry and what is wrong.
"""

from __future__ import annotations

import json
import re
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from briefings.model import Source

KNOWN_KEYS = frozenset({"name", "url", "language", "country", "weight", "interval", "enabled"})
MIN_INTERVAL = 60  # seconds: anything faster is impolite to a news site
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
# Entity declarations are how XML bombs and external-entity reads start; OPML never needs them.
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


class SourcesError(Exception):
    """A bad sources file or OPML document: the message says where and what."""


def load_sources(path: Path | str) -> list[Source]:
    """Read and check a sources file; raise SourcesError on the first problem found."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourcesError(f"{path}: file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SourcesError(f"{path}: not valid TOML: {exc}") from None
    return parse_sources(data, origin=str(path))


def parse_sources(data: Mapping[str, Any], *, origin: str = "sources") -> list[Source]:
    """Check the ``[[sources]]`` tables of an already-read TOML document."""
    entries = data.get("sources", [])
    if not isinstance(entries, list):
        raise SourcesError(f"{origin}: 'sources' must be an array of [[sources]] tables")
    sources: list[Source] = []
    names: dict[str, int] = {}
    urls: dict[str, int] = {}
    for number, entry in enumerate(entries, start=1):
        where = f"{origin}: source #{number}"
        if not isinstance(entry, dict):
            raise SourcesError(f"{where}: must be a [[sources]] table")
        if isinstance(entry.get("name"), str) and entry["name"].strip():
            where += f" ({entry['name'].strip()!r})"
        source = _source_from_entry(entry, where)
        for seen, key, what in ((names, source.name.casefold(), "name"), (urls, source.url, "url")):
            if key in seen:
                raise SourcesError(f"{where}: duplicate {what}, as source #{seen[key]}")
            seen[key] = number
        sources.append(source)
    return sources


def _source_from_entry(entry: Mapping[str, Any], where: str) -> Source:
    unknown = sorted(set(entry) - KNOWN_KEYS)
    if unknown:
        raise SourcesError(
            f"{where}: unknown key {', '.join(unknown)} (known: {', '.join(sorted(KNOWN_KEYS))})"
        )
    name = _required_text(entry, "name", where)
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
        isinstance(interval, bool) or not isinstance(interval, int) or interval < MIN_INTERVAL
    ):
        raise SourcesError(f"{where}: interval must be whole seconds, at least {MIN_INTERVAL}")
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


def check_feed_url(url: str, where: str = "source") -> None:
    """Accept only absolute http(s) URLs with a host."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SourcesError(f"{where}: url must be an http:// or https:// address (got {url!r})")


# ── OPML ─────────────────────────────────────────────────────────────────────────────────


def import_opml(document: Path | str | bytes, *, default_language: str = "en") -> list[Source]:
    """The feeds of an OPML document (outlines with ``xmlUrl``, nested or not), deduplicated.

    Documents declaring a DTD or entities are refused: OPML has no use for them.
    """
    if isinstance(document, bytes):
        raw, origin = document, "OPML"
    else:
        path = Path(document)
        try:
            raw, origin = path.read_bytes(), str(path)
        except FileNotFoundError:
            raise SourcesError(f"{path}: file not found") from None
    if _DTD.search(raw):
        raise SourcesError(f"{origin}: refusing OPML with a DOCTYPE or ENTITY declaration")
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise SourcesError(f"{origin}: not valid XML: {exc}") from None
    if root.tag.lower() != "opml":
        raise SourcesError(f"{origin}: the root element is <{root.tag}>, not <opml>")
    sources: list[Source] = []
    names: set[str] = set()
    urls: set[str] = set()
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if not url or url in urls:
            continue
        try:
            check_feed_url(url)
        except SourcesError:
            continue  # a non-http outline (e.g. a local file) is not a feed we can poll
        name = unique_name(_outline_name(outline, url), names)
        language = _opml_language(outline.get("language"), default_language)
        sources.append(Source(name=name, url=url, language=language))
        names.add(name.casefold())
        urls.add(url)
    return sources


def _outline_name(outline: ET.Element, url: str) -> str:
    for attribute in ("title", "text"):
        value = " ".join((outline.get(attribute) or "").split())
        if value:
            return value[:200]
    return urlsplit(url).netloc


def _opml_language(value: str | None, default: str) -> str:
    # OPML language attributes come as "es", "es-MX" or "es_mx".
    code = (value or "").strip().lower()[:2]
    return code if _LANGUAGE.match(code) else default


def unique_name(name: str, taken: Iterable[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)``... if a case-insensitive twin is taken."""
    taken_folded = {t.casefold() for t in taken}
    candidate, n = name, 1
    while candidate.casefold() in taken_folded:
        n += 1
        candidate = f"{name} ({n})"
    return candidate


def export_opml(sources: Iterable[Source], *, title: str = "borderbrief sources") -> str:
    """An OPML 2.0 document listing ``sources`` (language and country kept as attributes)."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    for source in sources:
        attributes = {
            "type": "rss",
            "text": source.name,
            "title": source.name,
            "xmlUrl": source.url,
            "language": source.language,
        }
        if source.country:
            attributes["country"] = source.country
        ET.SubElement(body, "outline", attributes)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# ── Writing the sources file ─────────────────────────────────────────────────────────────


def _toml_string(value: str) -> str:
    # A JSON string is a valid TOML basic string (same escapes, \uXXXX included).
    return json.dumps(value, ensure_ascii=False)


def source_to_toml(source: Source) -> str:
    """One ``[[sources]]`` table; optional keys only when they differ from the default."""
    lines = [
        "[[sources]]",
        f"name = {_toml_string(source.name)}",
        f"url = {_toml_string(source.url)}",
        f"language = {_toml_string(source.language)}",
    ]
    if source.country:
        lines.append(f"country = {_toml_string(source.country)}")
    if source.weight != 1.0:
        lines.append(f"weight = {source.weight!r}")
    if source.interval is not None:
        lines.append(f"interval = {source.interval}")
    if not source.enabled:
        lines.append("enabled = false")
    return "\n".join(lines) + "\n"


def append_sources(path: Path | str, new: Iterable[Source]) -> tuple[list[Source], int]:
    """Append the sources whose URL is not yet in the file, keeping its text as written.

    Names that clash get a `` (2)`` suffix. Returns (added, skipped as duplicates).
    """
    path = Path(path)
    existing = load_sources(path) if path.exists() else []
    names = [s.name for s in existing]
    urls = {s.url for s in existing}
    added: list[Source] = []
    skipped = 0
    for source in new:
        if source.url in urls:
            skipped += 1
            continue
        name = unique_name(source.name, names)
        renamed = Source(
            name=name,
            url=source.url,
            language=source.language,
            country=source.country,
            weight=source.weight,
            interval=source.interval,
            enabled=source.enabled,
        )
        added.append(renamed)
        names.append(name)
        urls.add(source.url)
    if added:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        if text and not text.endswith("\n"):
            text += "\n"
        text += "".join("\n" + source_to_toml(s) for s in added)
        parse_sources(tomllib.loads(text), origin=str(path))  # never write a file we can't read
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return added, skipped
