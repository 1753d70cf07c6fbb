"""Feed bytes → clean ``Item`` values, with feedparser doing the XML and encoding work.

feedparser never fetches external entities and does not expand nested entity declarations, so
"billion laughs" and XXE bodies come back unexpanded; we also strip the leftover ``&name;``
references such bodies leave in titles. Nothing here raises on a bad feed: the reason comes
back as ``ParsedFeed.error``.
"""

from __future__ import annotations

import calendar
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser

from briefings.model import Item, Source
from briefings.text import content_hash, html_to_text, shorten
from briefings.urls import canonical_url

MAX_ENTRIES = 500  # a feed with more is a dump, not news; the newest come first in practice
TITLE_LIMIT = 300
SUMMARY_LIMIT = 1000
GUID_LIMIT = 1000  # a GUID longer than this is garbage; hash it instead
FUTURE_SLACK = timedelta(days=1)  # dates further ahead than this are feed bugs

_DECLARED_ENTITY = re.compile(rb"<!ENTITY\s+(?:%\s*)?([A-Za-z_][\w.-]*)")
_HTMLISH = re.compile(rb"<\s*(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """What came out of one feed body: items, the feed's title, or why nothing usable did."""

    items: list[Item] = field(default_factory=list)
    title: str = ""
    error: str | None = None  # readable reason when nothing usable came out
    language: str | None = None  # the feed's declared language ("en", "es"), if any
    link: str | None = None  # the feed's home page, if it names one


def parse_feed(
    body: bytes,
    *,
    source: Source,
    fetched_at: datetime,
    content_type: str | None = None,
    base_url: str | None = None,
) -> ParsedFeed:
    """Parse one feed body into items; never raises for a bad body."""
    if fetched_at.tzinfo is None:
        fetched_at = fetched_at.replace(tzinfo=UTC)
    fetched_at = fetched_at.astimezone(UTC)
    if not body or not body.strip():
        return ParsedFeed(error="empty response")
    parsed = _run_feedparser(body, content_type=content_type)
    if isinstance(parsed, str):
        return ParsedFeed(error=parsed)
    feed = parsed.get("feed", {})
    entries = parsed.get("entries", [])
    declared = _declared_entities(body)
    title = _clean_title(feed.get("title", ""), declared)
    feed_language = _language_code(feed.get("language"))
    link = feed.get("link") or None
    if not entries:
        error = _why_empty(parsed, body, content_type)
        return ParsedFeed(
            title=title if error is None else "", error=error, language=feed_language, link=link
        )

    base = base_url or link
    language = source.language or feed_language or "en"
    items: list[Item] = []
    seen: set[str] = set()
    for entry in entries[:MAX_ENTRIES]:
        item = _item(
            entry,
            source=source,
            language=language,
            fetched_at=fetched_at,
            base=base,
            declared=declared,
        )
        if item is not None and item.guid not in seen:
            seen.add(item.guid)
            items.append(item)
    error = None
    if not items:  # entries, but none a reader could use
        error = "no usable items: entries have neither a title nor a link"
        if parsed.get("bozo") and not any(e.get("summary") for e in entries[:MAX_ENTRIES]):
            error = f"malformed XML: {_exception_text(parsed.get('bozo_exception'))}"
    return ParsedFeed(items=items, title=title, error=error, language=feed_language, link=link)


def _run_feedparser(body: bytes, *, content_type: str | None) -> feedparser.FeedParserDict | str:
    # No content-location: feedparser would resolve plain RSS GUIDs ("abc-123") against it as
    # if they were links. We resolve item links against the base ourselves (xml:base still
    # applies inside the document).
    headers = {"content-type": content_type} if content_type else {}
    try:
        # We strip HTML ourselves, so feedparser's HTML sanitiser and relative-URI rewriting
        # inside content would be wasted work (they dominate its run time on big feeds).
        return feedparser.parse(
            body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
        )
    except Exception as exc:  # noqa: BLE001 - feedparser bugs must not stop a poll cycle
        return f"parser failed: {type(exc).__name__}: {str(exc)[:200]}"


def _why_empty(parsed: Any, body: bytes, content_type: str | None) -> str | None:
    """The readable reason a body gave no entries; None for a well-formed empty feed."""
    head = body[:2048].replace(b"\x00", b"")
    is_html = bool(_HTMLISH.search(head)) or (content_type or "").lower().startswith(
        ("text/html", "application/xhtml")
    )
    if not parsed.get("version"):
        if is_html:
            return "not a feed: HTML page"
        start = head.lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n")
        if not start.startswith(b"<"):
            return "not a feed: the response is not XML"
        if parsed.get("bozo"):
            return f"malformed XML: {_exception_text(parsed.get('bozo_exception'))}"
        return "not a feed: no RSS, Atom or RDF root element"
    if parsed.get("bozo"):
        return f"malformed XML: {_exception_text(parsed.get('bozo_exception'))}"
    return None  # a valid feed that happens to be empty right now


def _exception_text(exc: object) -> str:
    if exc is None:
        return "unknown problem"
    line = getattr(exc, "getLineNumber", None)
    message = getattr(exc, "getMessage", None)
    if callable(line) and callable(message):
        return f"{message()} (line {line()})"
    return str(exc)[:200] or type(exc).__name__


def _item(
    entry: Any,
    *,
    source: Source,
    language: str,
    fetched_at: datetime,
    base: str | None,
    declared: frozenset[str],
) -> Item | None:
    link = entry.get("link") or ""
    url = canonical_url(link, base) if link else ""
    title = _clean_title(entry.get("title", ""), declared)
    summary = _strip_declared(html_to_text(_summary_html(entry), limit=SUMMARY_LIMIT), declared)
    if not title and not url:
        return None  # nothing a reader could recognise or open
    if not title:
        title = shorten(summary, 120) or url
    digest = content_hash(title, summary)
    guid = (entry.get("id") or "").strip()
    if not guid or len(guid) > GUID_LIMIT:
        guid = url or f"hash:{digest}"
    return Item(
        source=source.name,
        guid=guid,
        url=url,
        title=title,
        summary=summary,
        language=language,
        published_at=_published(entry, fetched_at),
        content_hash=digest,
    )


def _summary_html(entry: Any) -> str:
    summary = entry.get("summary") or ""
    if summary:
        return str(summary)
    for content in entry.get("content") or []:
        value = content.get("value")
        if value:
            return str(value)
    return ""


def _published(entry: Any, fetched_at: datetime) -> datetime:
    """Entry time in UTC: published, else updated; missing or absurd → fetch time."""
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if isinstance(value, time.struct_time):
            try:
                when = datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
            except (OverflowError, ValueError, OSError):
                continue
            if when > fetched_at + FUTURE_SLACK or when.year < 1990:
                return fetched_at
            return when
    return fetched_at


def _language_code(value: object) -> str | None:
    """'en-us' → 'en'; None for anything that does not look like a language tag."""
    if not isinstance(value, str):
        return None
    code = re.split(r"[-_\s]", value.strip().lower(), maxsplit=1)[0]
    return code if code.isalpha() and 2 <= len(code) <= 8 else None


def _declared_entities(body: bytes) -> frozenset[str]:
    """Entity names a DOCTYPE declares: left unexpanded by feedparser, dropped from text."""
    if b"<!ENTITY" not in body[:65536].replace(b"\x00", b""):
        return frozenset()
    head = body[:65536].replace(b"\x00", b"")
    return frozenset(name.decode("ascii", "replace") for name in _DECLARED_ENTITY.findall(head))


def _strip_declared(text: str, declared: frozenset[str]) -> str:
    if not declared or "&" not in text:
        return text
    names = sorted(declared, key=len, reverse=True)  # "lol9" before "lol"
    pattern = "&(?:" + "|".join(re.escape(name) for name in names) + r")(?:;|(?![\w.-]))"
    return re.sub(r"\s+", " ", re.sub(pattern, "", text)).strip()


def _clean_title(raw: object, declared: frozenset[str]) -> str:
    return _strip_declared(html_to_text(str(raw or ""), limit=TITLE_LIMIT), declared)
