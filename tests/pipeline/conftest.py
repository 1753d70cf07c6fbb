"""Fixtures for poll-cycle tests: a real feed server and a real fetcher pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

import pytest

from tests.feedserver import FeedServer


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A started FeedServer on a random port, stopped after the test."""
    with FeedServer() as server:
        yield server


def rss(items: list[tuple[str, str, str]], *, title: str = "Test feed") -> bytes:
    """A small RSS 2.0 document: one <item> per (guid, title, summary)."""
    base = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>',
        f"<title>{escape(title)}</title><link>https://news.example/</link>",
    ]
    for n, (guid, headline, summary) in enumerate(items):
        published = format_datetime(base - timedelta(minutes=n), usegmt=True)
        parts.append(
            f"<item><guid isPermaLink=\"false\">{escape(guid)}</guid>"
            f"<title>{escape(headline)}</title>"
            f"<link>https://news.example/{escape(guid)}</link>"
            f"<description>{escape(summary)}</description>"
            f"<pubDate>{published}</pubDate></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")
