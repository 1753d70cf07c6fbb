"""Hostile and broken feeds end to end: served, fetched, parsed; a readable outcome each."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from briefings.fetch import FetchConfig, Fetcher
from briefings.model import Source
from briefings.parse import parse_feed
from tests.feedserver import DATA_FEEDS, FeedServer

CONFIG = FetchConfig(timeout=2, deadline=5, allow_private=True)
SOURCE = Source(name="Border Wire", url="https://x.example/feed", language="en")


@pytest.mark.parametrize(
    ("file", "content_type", "titles", "error"),
    [
        ("hostile/billion_laughs.xml", "application/rss+xml", ["Laughs"], None),
        ("hostile/external_entity.xml", "application/rss+xml", ["Leak:"], None),
        ("hostile/invalid.xml", "application/rss+xml", [], "malformed XML: "),
        ("hostile/not_a_feed.html", "text/html; charset=utf-8", [], "not a feed: HTML page"),
        ("es_vigianorte_latin1.xml", "text/xml; charset=ISO-8859-1", None, None),
        ("es_cronica_utf16le_bom.xml", "application/xml", None, None),
    ],
)
async def test_served_feed_gives_items_or_a_readable_error(
    feed_server: FeedServer,
    file: str,
    content_type: str,
    titles: list[str] | None,
    error: str | None,
) -> None:
    url = feed_server.add_file("/feed", file, {"Content-Type": content_type})
    async with Fetcher(CONFIG) as fetcher:
        result = await fetcher.fetch(url)
    assert result.outcome == "ok" and result.content_type == content_type
    parsed = parse_feed(
        result.body,
        source=SOURCE,
        fetched_at=datetime.now(UTC),
        content_type=result.content_type,
        base_url=result.url,
    )
    if error:
        assert parsed.error is not None and parsed.error.startswith(error)
    else:
        assert parsed.error is None
    if titles is not None:
        assert [item.title for item in parsed.items] == titles
    else:  # accents survive the HTTP charset and the BOM
        text = " ".join(item.title for item in parsed.items)
        assert "ó" in text or "í" in text
        assert "\ufffd" not in text and "Ã" not in text


async def test_gzip_feed_parses(feed_server: FeedServer) -> None:
    url = feed_server.add_gzip("/gz", (DATA_FEEDS / "es_diariofrontera.xml").read_bytes())
    async with Fetcher(CONFIG) as fetcher:
        result = await fetcher.fetch(url)
    parsed = parse_feed(
        result.body,
        source=SOURCE,
        fetched_at=datetime.now(UTC),
        content_type=result.content_type,
        base_url=result.url,
    )
    assert len(parsed.items) == 7
    assert parsed.items[0].title.startswith("Sheinbaum responde a Trump: «México no se subordina»")
