"""OPML in and out: the feeds of a feed reader's export, and ours for theirs."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from briefings.model import Source
from briefings.sources.errors import SourcesError
from briefings.sources.file import source_entry, source_from_entry, unique_name

_LANGUAGE = re.compile(r"^[a-z]{2}\Z")
# Entity declarations are how XML bombs and external-entity reads start; OPML never needs them.
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class OpmlFeeds:
    """The feeds of an OPML document, and each outline left out as (xmlUrl, why)."""

    sources: list[Source]
    skipped: list[tuple[str, str]]


def import_opml(document: Path | str | bytes, *, default_language: str = "en") -> list[Source]:
    """The feeds of an OPML document (``read_opml`` without the skipped outlines)."""
    return read_opml(document, default_language=default_language).sources


def read_opml(document: Path | str | bytes, *, default_language: str = "en") -> OpmlFeeds:
    """The feeds of an OPML document (outlines with ``xmlUrl``, nested or not), deduplicated.

    Each outline with an ``xmlUrl`` that is not imported is reported with the reason. Documents
    declaring a DTD or entities are refused: OPML has no use for them.
    """
    root = _read_root(document)
    sources: list[Source] = []
    skipped: list[tuple[str, str]] = []
    names: set[str] = set()
    urls: set[str] = set()
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if not url:
            continue  # a folder or a web page link, not a feed
        if url in urls:
            skipped.append((url, "duplicate of an outline above"))
            continue
        try:
            source = _outline_source(outline, url, default_language)
        except SourcesError as exc:
            skipped.append((url, str(exc).removeprefix("outline: ")))
            continue
        source = dataclasses.replace(source, name=unique_name(source.name, names))
        sources.append(source)
        names.add(source.name.casefold())
        urls.add(url)
    return OpmlFeeds(sources, skipped)


def _read_root(document: Path | str | bytes) -> ET.Element:
    if isinstance(document, bytes):
        raw, origin = document, "OPML"
    else:
        path = Path(document)
        try:
            raw, origin = path.read_bytes(), str(path)
        except FileNotFoundError:
            raise SourcesError(f"{path}: file not found") from None
        except OSError as exc:  # a folder, no permission
            raise SourcesError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if _DTD.search(raw):
        raise SourcesError(f"{origin}: refusing OPML with a DOCTYPE or ENTITY declaration")
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise SourcesError(f"{origin}: not valid XML: {exc}") from None
    except (ValueError, LookupError) as exc:  # expat: a multi-byte (Shift_JIS) or unknown encoding
        raise SourcesError(f"{origin}: cannot read its encoding: {exc}; save it as UTF-8") from None
    if root.tag.lower() != "opml":
        raise SourcesError(f"{origin}: the root element is <{root.tag}>, not <opml>")
    return root


def _outline_source(outline: ET.Element, url: str, default_language: str) -> Source:
    """The checked Source an outline describes; our own export's extra attributes included."""
    entry: dict[str, object] = {
        "name": _outline_name(outline, url),
        "url": url,
        "language": _opml_language(outline.get("language"), default_language),
    }
    for key, read in _EXTRA.items():
        value = outline.get(key)
        if value is not None:
            entry[key] = read(value.strip())
    return source_from_entry(entry, "outline")


def _number(text: str) -> object:
    try:
        return int(text) if text.lstrip("-").isdigit() else float(text)
    except ValueError:
        return text  # source_from_entry says what is wrong with it


def _boolean(text: str) -> object:
    return {"true": True, "false": False}.get(text.lower(), text)


# Attributes beyond OPML's own that ``export_opml`` writes so that a round trip loses nothing.
_EXTRA: dict[str, Callable[[str], object]] = {
    "country": str, "weight": _number, "interval": _number, "enabled": _boolean,
}


def _outline_name(outline: ET.Element, url: str) -> str:
    for attribute in ("title", "text"):
        value = " ".join((outline.get(attribute) or "").split())
        if value:
            return value[:200]
    try:
        return urlsplit(url).netloc
    except ValueError:  # an unreadable URL: check_feed_url names the problem next
        return url[:200]


def _opml_language(value: str | None, default: str) -> str:
    # OPML language attributes come as "es", "es-MX" or "es_mx".
    code = (value or "").strip().lower()[:2]
    return code if _LANGUAGE.match(code) else default


def export_opml(sources: Iterable[Source], *, title: str = "borderbrief sources") -> str:
    """An OPML 2.0 document listing ``sources``, every field kept for ``read_opml``."""
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
        extra = source_entry(source)
        for key in _EXTRA:
            if key in extra:
                value = extra[key]
                attributes[key] = str(value).lower() if isinstance(value, bool) else str(value)
        ET.SubElement(body, "outline", attributes)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
