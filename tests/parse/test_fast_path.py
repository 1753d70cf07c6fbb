"""The fast reader gives exactly feedparser's items, on every fixture and shared feed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from briefings.model import Source
from briefings.parse import ParsedFeed, parse_feed
from tests.feedserver import parse_comment_headers

FEEDS = Path(__file__).resolve().parents[1] / "data" / "feeds"
FETCHED_AT = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
CONTENT_TYPES = [
    None,
    "application/rss+xml",
    "application/rss+xml; charset=utf-8",
    "application/atom+xml; charset=ISO-8859-1",
    "text/xml",
    "text/xml; charset=utf-8",
    "text/html; charset=windows-1252",
    "text/html; charset=utf-8",
    "text/plain",
    "application/octet-stream",
]


def both(body: bytes, content_type: str | None, language: str = "") -> tuple[ParsedFeed, ...]:
    source = Source(name="s", url="https://x.example/feed", language=language)
    kwargs = {
        "source": source,
        "fetched_at": FETCHED_AT,
        "content_type": content_type,
        "base_url": "https://x.example/feeds/feed.xml",
    }
    return (
        parse_feed(body, engine="auto", **kwargs),  # type: ignore[arg-type]
        parse_feed(body, engine="feedparser", **kwargs),  # type: ignore[arg-type]
    )


def same(fast: ParsedFeed, slow: ParsedFeed) -> bool:
    return (fast.items, fast.title, fast.error, fast.kind, fast.language, fast.link) == (
        slow.items,
        slow.title,
        slow.error,
        slow.kind,
        slow.language,
        slow.link,
    )


def fixture_files() -> list[Path]:
    return sorted(p for p in FEEDS.rglob("*") if p.is_file())


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.name)
@pytest.mark.parametrize("content_type", CONTENT_TYPES)
def test_fast_reader_matches_feedparser_on_fixtures(path: Path, content_type: str | None) -> None:
    fast, slow = both(path.read_bytes(), content_type)
    assert slow.engine == "feedparser"
    assert same(fast, slow), (fast, slow)


def test_fast_reader_is_used_for_plain_feeds() -> None:
    used = {
        path.name: both(path.read_bytes(), "application/rss+xml")[0].engine
        for path in fixture_files()
    }
    for name in (
        "rss2_borderwire.xml",
        "es_diariofrontera.xml",
        "es_vigianorte_latin1.xml",
        "en_marketdesk_cp1252.xml",
        "entities_cdata.xml",
    ):
        assert used[name] == "fast", name
    declined = (
        "billion_laughs.xml",
        "external_entity.xml",
        "invalid.xml",
        "not_a_feed.html",
        "rdf_gulfreport.rdf",
        "es_cronica_utf16le_bom.xml",
        "atom_northdesk.xml",
    )
    for name in declined:
        assert used[name] == "feedparser", name  # DOCTYPE, broken, RDF, UTF-16, xml:base


def test_fast_reader_matches_feedparser_on_shared_feeds(shared_data: Path) -> None:
    files = sorted(
        p for p in (shared_data / "feeds").rglob("*") if p.is_file() and p.suffix != ".md"
    )
    fast_count = 0
    mismatches = []
    for path in files:
        raw = path.read_bytes()
        content_type = parse_comment_headers(raw).get("Content-type")
        fast, slow = both(raw, content_type)
        fast_count += fast.engine == "fast"
        if not same(fast, slow):
            mismatches.append(path.name)
    assert mismatches == []
    assert fast_count >= 5  # the news feeds (guardian, heise, spiegel...) take the fast path


@pytest.mark.parametrize(
    "entry",
    [
        "<title>a</title><link>https://x.example/1</link>"
        "<pubDate>Tue, 24 Nov 2026 10:00:00 CET</pubDate>",
        "<title>a</title><link>https://x.example/1</link>"
        "<pubDate>mer, 16 nov 2022 00:38:15 +0100</pubDate>",
        "<title>a</title><link>https://x.example/1</link>"
        "<pubDate>Tue, 24 Nov 2026 10:00:00 -0600</pubDate>",
        "<title>a</title><link>https://x.example/1</link><pubDate>not a date</pubDate>",
        "<title>a</title><link>https://x.example/1</link>"
        "<dcterms:modified>2026-11-20</dcterms:modified>",
        "<title>a</title><link>https://x.example/1</link><itunes:summary>s</itunes:summary>",
        "<title>a</title><guid>https://x.example/perma</guid>",
        "<title>a</title><guid isPermaLink='false'>id-1</guid>",
        "<title>a <b>bold</b></title><link>https://x.example/1</link>",
        "<link>https://x.example/only-link</link>",
        "<title>a</title><link>/relative</link><description>&lt;p&gt;x&lt;/p&gt;</description>",
    ],
)
def test_fast_reader_matches_feedparser_on_edge_cases(entry: str) -> None:
    body = (
        '<rss version="2.0" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel><title>t</title>'
        f"<item>{entry}</item></channel></rss>"
    ).encode()
    fast, slow = both(body, None)
    assert same(fast, slow), (fast, slow)
