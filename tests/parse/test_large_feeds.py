"""Large feeds: the fast reader keeps the first MAX_ENTRIES items and still gives feedparser's
items, whether it reads the whole tree (small bodies) or a stream (from STREAM_FROM bytes), and
a stream never holds the whole tree."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from briefings.parse import fast
from briefings.parse.entries import MAX_ENTRIES
from tests.parse.test_fast_path import CONTENT_TYPES, both, fixture_files, same

RSS = "application/rss+xml"
ATOM = "application/atom+xml"


def rss(items: int, *, tail: str = "</channel></rss>", item_text: str = "Border trade.") -> bytes:
    head = '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Dump</title>'
    body = "".join(
        f"<item><guid>g{n}</guid><title>Tariffs, part {n}</title>"
        f"<link>https://dump.example/{n}</link><description>{item_text}</description>"
        "<pubDate>Tue, 24 Nov 2026 10:00:00 GMT</pubDate></item>"
        for n in range(items)
    )
    return (head + body + tail).encode()


@pytest.fixture(params=["tree", "stream"])
def way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Each test runs twice: bodies read as a whole tree, then every body read as a stream."""
    if request.param == "stream":
        monkeypatch.setattr(fast, "STREAM_FROM", 0)
    yield request.param


def atom(entries: int) -> bytes:
    head = '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
    body = "".join(
        f'<entry><id>urn:e{n}</id><title>Entry {n}</title><link href="https://a.example/{n}"/>'
        f"<summary>About {n}</summary><updated>2026-11-24T10:00:00Z</updated></entry>"
        for n in range(entries)
    )
    return (head + body + "<title>Late title</title></feed>").encode()


@pytest.mark.parametrize("body, content_type", [(rss(MAX_ENTRIES + 40), RSS),
                                                (atom(MAX_ENTRIES + 40), ATOM)])  # fmt: skip
def test_the_first_max_entries_and_feedparsers_items(
    body: bytes, content_type: str, way: str
) -> None:
    read = fast.read(body, content_type)
    assert read is not None
    assert len(read["entries"]) == MAX_ENTRIES
    assert read["entries"][-1]["link"].endswith(f"/{MAX_ENTRIES - 1}")
    quick, slow = both(body, content_type)
    assert quick.engine == "fast"
    assert same(quick, slow)
    assert len(quick.items) == MAX_ENTRIES


def test_channel_fields_after_the_items_are_still_read(way: str) -> None:
    body = rss(3, tail="<language>es</language><link>https://dump.example/</link></channel></rss>")
    read = fast.read(body, RSS)
    assert read is not None
    assert read["feed"] == {"title": "Dump", "language": "es", "link": "https://dump.example/"}
    assert same(*both(body, RSS))
    assert same(*both(atom(2), ATOM))


def test_broken_xml_after_the_kept_items_goes_to_feedparser(way: str) -> None:
    body = rss(MAX_ENTRIES + 5, tail="<item><title>cut off")
    assert fast.read(body, RSS) is None
    quick, slow = both(body, RSS)
    assert quick.engine == "feedparser"
    assert same(quick, slow)


def test_an_unsupported_late_item_does_not_matter_past_max_entries(way: str) -> None:
    # Markup inside a title makes the fast reader decline, but only in an item it keeps.
    late = rss(MAX_ENTRIES, tail="<item><title>a <b>b</b></title></item></channel></rss>")
    assert fast.read(late, RSS) is not None
    early = rss(1, tail="<item><title>a <b>b</b></title></item></channel></rss>")
    assert fast.read(early, RSS) is None


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.name)
def test_a_stream_reads_every_fixture_as_the_whole_tree_does(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = path.read_bytes()
    for content_type in CONTENT_TYPES:
        whole = fast.read(body, content_type)
        monkeypatch.setattr(fast, "STREAM_FROM", 0)
        assert fast.read(body, content_type) == whole, content_type
        monkeypatch.undo()


def test_a_large_feed_is_never_held_as_a_whole_tree() -> None:
    body = rss(6_000, item_text="Border trade report. " * 30)  # about 4.5 MB
    assert len(body) >= fast.STREAM_FROM
    tracemalloc.start()
    try:
        read = fast.read(body, RSS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert read is not None and len(read["entries"]) == MAX_ENTRIES
    # The whole tree costs several times the body; one item at a time, a fraction of it.
    assert peak < len(body) / 2, f"{peak / 1e6:.1f} MB traced for a {len(body) / 1e6:.1f} MB body"
