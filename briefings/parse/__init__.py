"""Feed bytes → clean ``Item`` values: a small dispatch over one reader per format.

Plain, well-formed RSS 2.0 and Atom 1.0 go to the fast ElementTree reader (fast.py, about
4x faster); it declines anything where it could differ from feedparser (RDF, other encodings,
DOCTYPEs, broken XML, odd dates), which then reads it (feedparser_reader.py). Both give the
same items: tests/parse/test_fast_path.py compares them on every fixture. Nothing here raises
on a bad feed: the reason comes back as ``ParsedFeed.error`` and ``ParsedFeed.kind``.
To add a format (JSON Feed, say): a reader module returning feedparser-shaped entries, and a
line below.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from briefings.fetch.errors import ErrorKind
from briefings.model import Source
from briefings.parse import fast, feedparser_reader
from briefings.parse.feed import ParsedFeed, assemble

__all__ = ["ParsedFeed", "parse_feed"]


def parse_feed(
    body: bytes,
    *,
    source: Source,
    fetched_at: datetime,
    content_type: str | None = None,
    base_url: str | None = None,
    engine: Literal["auto", "feedparser"] = "auto",
) -> ParsedFeed:
    """Parse one feed body into items; never raises for a bad body.

    ``engine="auto"`` tries the fast reader first; ``"feedparser"`` skips it.
    """
    if fetched_at.tzinfo is None:
        fetched_at = fetched_at.replace(tzinfo=UTC)
    if not body or not body.strip():
        return ParsedFeed(error="empty response", kind=ErrorKind.EMPTY)
    engine_used = "fast"
    parsed: Any = fast.read(body, content_type) if engine == "auto" else None
    if parsed is None:
        engine_used, parsed = "feedparser", feedparser_reader.read(body, content_type)
    if isinstance(parsed, str):
        return ParsedFeed(error=parsed, kind=ErrorKind.PARSE, engine=engine_used)
    return assemble(
        parsed, body, source=source, fetched_at=fetched_at.astimezone(UTC),
        content_type=content_type, base_url=base_url, engine=engine_used,
    )  # fmt: skip
