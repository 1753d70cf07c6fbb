"""Feed URLs that browsers and httpx read differently are refused wherever a source enters."""

from __future__ import annotations

import pytest

from briefings.sources import SourcesError, check_feed_url, parse_sources, read_opml
from briefings.sources.admin import AdminError, check_new_source
from tests.ops.helpers import NOW

AMBIGUOUS = [
    ("http://127.0.0.1:8090\\@public.test/f", "backslash"),
    ("http://a@b@public.test/f", "user name"),
    ("http://public.test\t/f", "space"),
    ("http://public test/f", "space"),
    ("http://127.1/f", "IPv4"),
    ("http://0x7f.0.0.1/f", "IPv4"),
    ("http://2130706433/f", "IPv4"),
    ("http://127%2e0%2e0%2e1/f", "host"),
    ("http://public.test:99999/f", "port"),
    ("http://public.test:0/f", "port"),
    ("http://xn--/f", "cannot be read: Malformed A-label"),  # IDNA's errors, not a traceback
    ("http://xn--zz-.example/f", "cannot be read"),
    ("http://[::1/f", "cannot be read: Invalid IPv6 URL"),  # urllib's own ValueErrors
    ("https://news.example.com\uff0frss", "cannot be read"),  # a fullwidth slash
    ("http://[1.2.3.4]/f", "cannot be read"),
]


@pytest.mark.parametrize(("url", "why"), AMBIGUOUS)
def test_ambiguous_urls_are_refused_in_the_sources_file(url: str, why: str) -> None:
    entry = {"name": "X", "url": url, "language": "en"}
    with pytest.raises(SourcesError, match=why):
        parse_sources({"sources": [entry]}, origin="sources.toml")


@pytest.mark.parametrize(
    "url",
    ["https://example.com/rss", "http://127.0.0.1:8090/feed.xml", "https://[::1]:8443/x",
     "https://user:pa%40ss@example.com/feed", "https://xn--fa-hia.de/feed", "https://faß.de/f",
     "https://example.com/a?b=c&d=e#frag", "https://1.example/rss"],
)
def test_plain_urls_are_accepted(url: str) -> None:
    check_feed_url(url)


def test_ambiguous_urls_are_skipped_by_opml_import_with_the_reason() -> None:
    url = "http://127.0.0.1:8090\\@public.test/f"
    document = f'<opml><body><outline text="B" xmlUrl="{url}"/></body></opml>'.encode()
    result = read_opml(document)
    assert result.sources == [] and "backslash" in result.skipped[0][1]


async def test_addsource_refuses_before_fetching() -> None:
    class NoFetch:
        async def fetch(self, url: str) -> None:
            raise AssertionError("fetched")

    with pytest.raises(AdminError, match="backslash"):
        await check_new_source(NoFetch(), "http://127.0.0.1:8090\\@public.test/f",  # type: ignore[arg-type]
                               now=NOW)


def test_an_unreadable_url_in_an_untitled_outline_is_skipped_with_the_reason() -> None:
    document = b'<opml><body><outline xmlUrl="http://[::1/f"/><outline text="Ok" ' \
               b'xmlUrl="https://ok.example/rss"/></body></opml>'  # fmt: skip
    result = read_opml(document)
    assert [s.name for s in result.sources] == ["Ok"]
    assert "cannot be read" in result.skipped[0][1]
