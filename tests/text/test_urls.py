"""canonical_url: one spelling per article, trackers gone, other parameters kept in order."""

from __future__ import annotations

import pytest

from briefings.text import canonical_url
from briefings.text.urls import without_password

CASES = [
    # (url, base, expected)
    ("https://example.com/a", None, "https://example.com/a"),
    ("HTTPS://WWW.Example.COM/Path/Case", None, "https://www.example.com/Path/Case"),
    ("https://example.com/a#comments", None, "https://example.com/a"),
    ("https://example.com:443/a", None, "https://example.com/a"),
    ("http://example.com:80/a", None, "http://example.com/a"),
    ("http://example.com:8080/a", None, "http://example.com:8080/a"),
    ("https://example.com", None, "https://example.com/"),
    (
        "https://example.com/a?utm_source=rss&utm_medium=feed&utm_campaign=x",
        None,
        "https://example.com/a",
    ),
    ("https://example.com/a?id=3&utm_source=rss&page=2", None, "https://example.com/a?id=3&page=2"),
    ("https://example.com/a?z=1&a=2", None, "https://example.com/a?z=1&a=2"),  # order kept
    ("https://example.com/a?fbclid=IwAR0&gclid=x&mc_cid=1&mc_eid=2", None, "https://example.com/a"),
    ("https://example.com/a?ref=homepage&cmpid=rss", None, "https://example.com/a"),
    ("https://example.com/a?UTM_Source=rss", None, "https://example.com/a"),
    ("https://example.com/a?q=tariffs%20mexico", None, "https://example.com/a?q=tariffs%20mexico"),
    ("https://example.com/a?flag", None, "https://example.com/a?flag"),
    ("/news/1?utm_source=x", "https://example.com/feed.xml", "https://example.com/news/1"),
    ("item.html", "https://example.com/feeds/rss.xml", "https://example.com/feeds/item.html"),
    ("//cdn.example.com/x", "https://example.com/", "https://cdn.example.com/x"),
    ("https://other.example/x", "https://example.com/", "https://other.example/x"),
    ("  https://example.com/a \n", None, "https://example.com/a"),
    ("", None, ""),
    ("", "https://example.com/", ""),
    ("mailto:desk@example.com", None, "mailto:desk@example.com"),
    ("https://example.com./a", None, "https://example.com/a"),
    ("https://[2001:DB8::1]:8443/a", None, "https://[2001:db8::1]:8443/a"),
    ("https://example.com:99999/a", None, "https://example.com:99999/a"),  # bad port: as given
    # A feed's login never reaches its items' links, resolved or given.
    ("/news/1", "https://reader:s3cret@example.com/feed.xml", "https://example.com/news/1"),
    ("https://reader:s3cret@example.com/a", None, "https://example.com/a"),
    ("https://token@Example.com:8443/a", None, "https://example.com:8443/a"),
]


@pytest.mark.parametrize(("url", "base", "expected"), CASES)
def test_canonical_url(url: str, base: str | None, expected: str) -> None:
    assert canonical_url(url, base) == expected


def test_canonical_url_is_idempotent() -> None:
    for url, base, _ in CASES:
        once = canonical_url(url, base)
        assert canonical_url(once) == once


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # The parameters that stay keep their exact spelling: no re-encoding.
        ("https://x.example/a?q=a%20b&utm_source=rss", "https://x.example/a?q=a%20b"),
        ("https://x.example/a?q=a+b&fbclid=1&x=%C3%B1", "https://x.example/a?q=a+b&x=%C3%B1"),
        ("https://x.example/a?utm%5Fsource=rss&id=1", "https://x.example/a?id=1"),
        ("https://x.example/a?&&id=1&utm_medium=x", "https://x.example/a?id=1"),
    ],
)
def test_kept_parameters_are_not_reencoded(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://reader:pa%40ss@example.com/feed", "https://reader:***@example.com/feed"),
        ("https://:token@example.com/feed", "https://:***@example.com/feed"),
        ("https://example.com/feed?a=b@c", "https://example.com/feed?a=b@c"),
        ("https://reader@example.com/feed", "https://reader@example.com/feed"),
        ("https://example.com/@user:x", "https://example.com/@user:x"),
        ("https://example.com?x=a:b@c", "https://example.com?x=a:b@c"),
        ("not a url", "not a url"),
    ],
)
def test_without_password(url: str, expected: str) -> None:
    assert without_password(url) == expected
