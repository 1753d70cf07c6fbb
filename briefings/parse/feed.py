"""A reader's output (feedparser's shape) → ``ParsedFeed``: items, title, or why none."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from briefings.fetch.errors import ErrorKind
from briefings.model import Item, Source
from briefings.parse.entries import (
    MAX_ENTRIES,
    clean_title,
    declared_entities,
    entry_item,
    language_code,
)

_HTMLISH = re.compile(rb"<\s*(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """What came out of one feed body: items, the feed's title, or why nothing usable did."""

    items: list[Item] = field(default_factory=list)
    title: str = ""
    error: str | None = None  # readable reason when nothing usable came out
    language: str | None = None  # the feed's declared language ("en", "es"), if any
    link: str | None = None  # the feed's home page, if it names one
    engine: str = "feedparser"  # which reader produced it: "fast" or "feedparser"
    kind: ErrorKind | None = None  # set with ``error``: what went wrong, for code and metrics


def assemble(
    parsed: Any,
    body: bytes,
    *,
    source: Source,
    fetched_at: datetime,
    content_type: str | None,
    base_url: str | None,
    engine: str,
) -> ParsedFeed:
    """The ParsedFeed of one reader's output (a FeedParserDict or the fast reader's dict)."""
    feed = parsed.get("feed", {})
    entries = parsed.get("entries", [])
    declared = declared_entities(body)
    title = clean_title(feed.get("title", ""), declared)
    feed_language = language_code(feed.get("language"))
    link = feed.get("link") or None
    if not entries:
        why = _why_empty(parsed, body, content_type)
        return ParsedFeed(
            title=title if why is None else "",
            error=why[1] if why else None,
            kind=why[0] if why else None,
            language=feed_language,
            link=link,
            engine=engine,
        )
    base = base_url or link
    language = source.language or feed_language or "en"
    items: list[Item] = []
    seen: set[str] = set()
    for entry in entries[:MAX_ENTRIES]:
        item = entry_item(
            entry, source=source, language=language, fetched_at=fetched_at, base=base,
            declared=declared,
        )  # fmt: skip
        if item is not None and item.guid not in seen:
            seen.add(item.guid)
            items.append(item)
    kind, error = (None, None) if items else _why_unusable(parsed, entries)
    return ParsedFeed(
        items=items, title=title, error=error, language=feed_language, link=link, engine=engine,
        kind=kind,
    )  # fmt: skip


def _why_unusable(parsed: Any, entries: list[Any]) -> tuple[ErrorKind, str]:
    """Entries, but none a reader could use: why."""
    if parsed.get("bozo") and not any(e.get("summary") for e in entries[:MAX_ENTRIES]):
        return ErrorKind.MALFORMED, _malformed(parsed)
    return ErrorKind.NO_ITEMS, "no usable items: entries have neither a title nor a link"


def _why_empty(parsed: Any, body: bytes, content_type: str | None) -> tuple[ErrorKind, str] | None:
    """Why a body gave no entries; None for a well-formed empty feed."""
    head = body[:2048].replace(b"\x00", b"")
    is_html = bool(_HTMLISH.search(head)) or (content_type or "").lower().startswith(
        ("text/html", "application/xhtml")
    )
    if not parsed.get("version"):
        if is_html:
            return ErrorKind.NOT_A_FEED, "not a feed: HTML page"
        start = head.lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n")
        if not start.startswith(b"<"):
            return ErrorKind.NOT_A_FEED, "not a feed: the response is not XML"
        if parsed.get("bozo"):
            return ErrorKind.MALFORMED, _malformed(parsed)
        return ErrorKind.NOT_A_FEED, "not a feed: no RSS, Atom or RDF root element"
    if parsed.get("bozo"):
        return ErrorKind.MALFORMED, _malformed(parsed)
    return None  # a valid feed that happens to be empty right now


def _malformed(parsed: Any) -> str:
    return f"malformed XML: {_exception_text(parsed.get('bozo_exception'))}"


def _exception_text(exc: object) -> str:
    if exc is None:
        return "unknown problem"
    line = getattr(exc, "getLineNumber", None)
    message = getattr(exc, "getMessage", None)
    if callable(line) and callable(message):
        return f"{message()} (line {line()})"
    return str(exc)[:200] or type(exc).__name__
