"""Hostile and broken bodies: no expansion, no file reads, no crash, a readable error."""

from __future__ import annotations

import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from briefings.fetch import ErrorKind
from briefings.model import Source
from briefings.parse import parse_feed

HOSTILE = Path(__file__).resolve().parents[1] / "data" / "feeds" / "hostile"
SOURCE = Source(name="hostile", url="https://x.example/feed", language="en")
FETCHED_AT = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)


def test_billion_laughs_is_not_expanded() -> None:
    body = (HOSTILE / "billion_laughs.xml").read_bytes()
    tracemalloc.start()
    parsed = parse_feed(body, source=SOURCE, fetched_at=FETCHED_AT)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 50 * 1024 * 1024  # expanded, &lol9; alone is 3 GB
    # No expansion: the output is a few bytes against the 3 GB of an expanded &lol9;.
    assert parsed.error is None and len(parsed.items) == 1
    (item,) = parsed.items
    assert item.title == "Laughs"  # no "lol" expansion and no raw "&lol9;" left behind
    assert "lol" not in item.summary
    assert parsed.title == "Bomb"
    assert len(item.title) + len(item.summary) < 100


def test_external_entities_are_not_resolved() -> None:
    body = (HOSTILE / "external_entity.xml").read_bytes()
    parsed = parse_feed(body, source=SOURCE, fetched_at=FETCHED_AT)
    (item,) = parsed.items
    text = item.title + item.summary
    assert "root:" not in text  # /etc/passwd not read
    assert "&secret" not in text and "&remote" not in text
    assert item.title == "Leak:"


def test_quadratic_blowup_entity_stays_small() -> None:
    # One big entity used many times: the attack that survives "no nested entities".
    entity = "A" * 50_000
    uses = "&a;" * 2_000
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "{entity}">]>'
        f'<rss version="2.0"><channel><title>q</title><item><title>t</title>'
        f"<link>https://x.example/1</link><description>{uses}</description></item>"
        f"</channel></rss>"
    ).encode()
    tracemalloc.start()
    parsed = parse_feed(body, source=SOURCE, fetched_at=FETCHED_AT)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 100 * 1024 * 1024  # expanded: 100 MB of "A"
    assert all(len(i.summary) <= 1000 for i in parsed.items)


@pytest.mark.parametrize(
    ("name", "content_type", "error_start", "kind"),
    [
        ("invalid.xml", "application/rss+xml", "malformed XML: ", ErrorKind.MALFORMED),
        ("not_a_feed.html", "text/html; charset=utf-8", "not a feed: HTML page",
         ErrorKind.NOT_A_FEED),
        ("not_a_feed.html", "application/rss+xml", "not a feed: HTML page",  # lying header
         ErrorKind.NOT_A_FEED),
    ],
)
def test_unusable_bodies_give_readable_errors(
    name: str, content_type: str, error_start: str, kind: ErrorKind
) -> None:
    parsed = parse_feed(
        (HOSTILE / name).read_bytes(),
        source=SOURCE,
        fetched_at=FETCHED_AT,
        content_type=content_type,
    )
    assert parsed.items == []
    assert parsed.error is not None and parsed.error.startswith(error_start)
    assert "\n" not in parsed.error and len(parsed.error) < 200
    assert parsed.kind is kind


def test_bozo_feed_with_entries_still_gives_items() -> None:
    parsed = parse_feed(
        (HOSTILE / "bozo_with_items.xml").read_bytes(), source=SOURCE, fetched_at=FETCHED_AT
    )
    assert parsed.error is None
    assert [i.title for i in parsed.items] == [
        "Tariffs & the peso: what to watch this week",
        "Nogales seizure: 1,100 lbs of fentanyl",
    ]


@pytest.mark.parametrize(
    ("body", "error", "kind"),
    [
        (b"", "empty response", ErrorKind.EMPTY),
        (b"   \n ", "empty response", ErrorKind.EMPTY),
        (b"\x00\xff\xfe garbage \x89PNG", "not a feed: ", ErrorKind.NOT_A_FEED),
        (b"<rss><channel><item><title>cut off", "malformed XML: ", ErrorKind.MALFORMED),
        (b'{"items": []}', "not a feed: ", ErrorKind.NOT_A_FEED),
        (b"<?xml version='1.0'?><note><to>x</to></note>", "not a feed: ", ErrorKind.NOT_A_FEED),
    ],
)
def test_garbage_bodies(body: bytes, error: str, kind: ErrorKind) -> None:
    parsed = parse_feed(body, source=SOURCE, fetched_at=FETCHED_AT)
    assert parsed.items == []
    assert parsed.error is not None and parsed.error.startswith(error)
    assert parsed.kind is kind


def test_empty_valid_feed_is_not_an_error() -> None:
    body = b'<rss version="2.0"><channel><title>Quiet day</title></channel></rss>'
    parsed = parse_feed(body, source=SOURCE, fetched_at=FETCHED_AT)
    assert parsed.items == [] and parsed.error is None


@pytest.mark.parametrize("reference", [b"&#99999999;", b"&#xD800;", b"&#x110000;",
                                       b"&#" + b"9" * 5000 + b";"])  # fmt: skip
def test_a_reference_to_no_character_costs_one_character_not_the_feed(reference: bytes) -> None:
    body = (b"<?xml version='1.0'?><rss version='2.0'><channel><title>T</title>"
            b"<item><guid>a</guid><title>Tariffs " + reference + b" rise</title></item>"
            b"<item><guid>b</guid><title>Fentanyl seized</title></item>"
            b"</channel></rss>")  # fmt: skip
    parsed = parse_feed(body, source=SOURCE, fetched_at=FETCHED_AT)
    assert parsed.error is None
    assert [item.title for item in parsed.items] == ["Tariffs \ufffd rise", "Fentanyl seized"]
