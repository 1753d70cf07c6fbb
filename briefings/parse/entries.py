"""From one reader's entry (feedparser's field names) to an ``Item``: shared by every reader.

Both readers give entries with feedparser's keys (``title``, ``link``, ``id``, ``summary``,
``content``, ``published_parsed``...), so the cleaning, dating and dedupe keys live here once.
"""

from __future__ import annotations

import calendar
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from briefings.model import Item, Source
from briefings.text import canonical_url, content_hash, html_to_text, shorten

MAX_ENTRIES = 500  # a feed with more is a dump, not news; the newest come first in practice
TITLE_LIMIT = 300
SUMMARY_LIMIT = 1000
GUID_LIMIT = 1000  # a GUID longer than this is garbage; hash it instead
FUTURE_SLACK = timedelta(days=1)  # dates further ahead than this are feed bugs

_DECLARED_ENTITY = re.compile(rb"<!ENTITY\s+(?:%\s*)?([A-Za-z_][\w.-]*)")


def entry_item(
    entry: Any,
    *,
    source: Source,
    language: str,
    fetched_at: datetime,
    base: str | None,
    declared: frozenset[str],
) -> Item | None:
    """The item an entry describes, or None when it has neither a title nor a link."""
    link = entry.get("link") or ""
    url = canonical_url(link, base) if link else ""
    title = clean_title(entry.get("title", ""), declared)
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


def language_code(value: object) -> str | None:
    """'en-us' → 'en'; None for anything that does not look like a language tag."""
    if not isinstance(value, str):
        return None
    code = re.split(r"[-_\s]", value.strip().lower(), maxsplit=1)[0]
    return code if code.isalpha() and 2 <= len(code) <= 8 else None


def declared_entities(body: bytes) -> frozenset[str]:
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


def clean_title(raw: object, declared: frozenset[str]) -> str:
    """A title as plain text, capped, with leftover declared-entity references dropped."""
    return _strip_declared(html_to_text(str(raw or ""), limit=TITLE_LIMIT), declared)
