"""Fetcher against a real local HTTP server: statuses, validators, redirects, limits."""

from __future__ import annotations

import asyncio
import base64
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

from briefings.fetch import ErrorKind, FetchConfig, Fetcher, FetchResult
from briefings.fetch.client import login_for
from briefings.fetch.headers import ACCEPT
from briefings.settings import load_settings
from tests.feedserver import FeedServer

FEEDS = Path(__file__).resolve().parents[1] / "data" / "feeds"
CONFIG = FetchConfig(timeout=0.5, deadline=5.0, max_bytes=1024 * 1024, allow_private=True)


async def fetch(url: str, config: FetchConfig = CONFIG, **kwargs: str | None) -> FetchResult:
    async with Fetcher(config) as fetcher:
        return await fetcher.fetch(url, **kwargs)


async def test_ok_then_not_modified_with_validators(feed_server: FeedServer) -> None:
    body = (FEEDS / "rss2_borderwire.xml").read_bytes()
    url = feed_server.add("/feed.xml", body, {"Content-Type": "application/rss+xml"})
    async with Fetcher(CONFIG) as fetcher:
        first = await fetcher.fetch(url)
        assert first.outcome == "ok" and first.status == 200
        assert first.body == body
        assert first.content_type == "application/rss+xml"
        assert first.etag and first.last_modified
        assert first.url == url and first.permanent_url is None and first.error is None
        second = await fetcher.fetch(url, etag=first.etag, last_modified=first.last_modified)
        by_date = await fetcher.fetch(url, last_modified=first.last_modified)
    assert second.outcome == "not_modified" and second.status == 304 and second.body == b""
    assert second.etag == first.etag and second.last_modified == first.last_modified
    assert by_date.outcome == "not_modified"
    assert feed_server.requests["/feed.xml"] == 3
    assert feed_server.conditional_requests["/feed.xml"] == 2
    assert feed_server.not_modified["/feed.xml"] == 2


async def test_no_conditional_headers_without_validators(feed_server: FeedServer) -> None:
    url = feed_server.add_file("/feed.xml", "atom_northdesk.xml")
    result = await fetch(url)
    sent = feed_server.last_headers["/feed.xml"]
    assert result.outcome == "ok"
    assert "if-none-match" not in sent and "if-modified-since" not in sent
    assert feed_server.conditional_requests["/feed.xml"] == 0
    assert sent["user-agent"].startswith("borderbrief/")
    assert sent["accept"] == ACCEPT
    assert "gzip" in sent["accept-encoding"]


async def test_a_feed_s_cookies_are_never_sent_back(feed_server: FeedServer) -> None:
    # A poller has no session: a cookie one outlet sets must not follow later requests.
    body = b"<rss version='2.0'><channel/></rss>"
    url = feed_server.add("/feed.xml", body, {"Content-Type": "application/rss+xml",
                                              "Set-Cookie": "visitor=abc123; Path=/"})  # fmt: skip
    async with Fetcher(CONFIG) as fetcher:
        first = await fetcher.fetch(url)
        again = await fetcher.fetch(url)
    assert first.outcome == again.outcome == "ok"
    assert feed_server.requests["/feed.xml"] == 2
    assert "cookie" not in feed_server.last_headers["/feed.xml"]


async def test_credentials_in_the_url_are_sent_as_basic_auth(feed_server: FeedServer) -> None:
    token = base64.b64encode(b"reader:pa@ss").decode()
    url = feed_server.add_gated("/private.xml", b"<rss version='2.0'><channel/></rss>",
                                header="Authorization", value=f"Basic {token}", status=401,
                                headers={"WWW-Authenticate": 'Basic realm="feeds"'})  # fmt: skip
    with_them = await fetch(url.replace("http://", "http://reader:pa%40ss@"))
    without = await fetch(url)
    assert with_them.outcome == "ok"
    assert without.outcome == "error" and without.status == 401


async def test_a_cookie_wall_is_passed_within_one_fetch(feed_server: FeedServer) -> None:
    # The wall sets a cookie and redirects to itself; the feed comes once the cookie is back.
    url = feed_server.add_gated("/wall.xml", b"<rss version='2.0'><channel/></rss>",
                                header="Cookie", value="consent=yes", status=302,
                                headers={"Set-Cookie": "consent=yes; Path=/",
                                         "Location": "/wall.xml"})  # fmt: skip
    async with Fetcher(CONFIG) as fetcher:
        first = await fetcher.fetch(url)
        second = await fetcher.fetch(url)
    assert first.outcome == second.outcome == "ok"
    assert feed_server.requests["/wall.xml"] == 4  # the cookie lasted one fetch: walled twice


@pytest.mark.parametrize("location", ["http://example.com:port/feed", "http://xn--/feed"])
async def test_a_redirect_to_an_invalid_url_says_so(feed_server: FeedServer, location: str) -> None:
    url = feed_server.add_redirect("/moved.xml", location, status=302)
    result = await fetch(url)
    assert result.outcome == "error" and result.kind == ErrorKind.REDIRECT
    assert result.error == f"redirected to an invalid URL: {location!r}"


@pytest.mark.parametrize(
    ("redirect_to", "status"),
    [
        ("/private.xml", 200),  # relative: same site
        ("{base}/private.xml", 200),  # absolute, same site
        ("http://localhost:{port}/private.xml", 401),  # another host: the login stays behind
    ],
)
async def test_a_login_follows_redirects_on_its_own_site_only(
    feed_server: FeedServer, redirect_to: str, status: int
) -> None:
    token = base64.b64encode(b"reader:s3cret").decode()
    feed_server.add_gated("/private.xml", b"<rss version='2.0'><channel/></rss>",
                          header="Authorization", value=f"Basic {token}", status=401,
                          headers={})  # fmt: skip
    target = redirect_to.format(base=feed_server.base_url, port=feed_server.port)
    url = feed_server.add_redirect("/old.xml", target)
    result = await fetch(url.replace("http://", "http://reader:s3cret@"))
    assert result.status == status


@pytest.mark.parametrize(
    ("url", "earlier", "sent"),
    [
        ("https://a:b@x.example/f", None, "https://a:b@x.example/f"),
        ("https://x.example/f", None, None),
        ("https://x.example/g", "https://a:b@x.example/f", "https://a:b@x.example/f"),
        ("https://x.example/g", "http://a:b@x.example/f", "http://a:b@x.example/f"),  # to https
        ("http://x.example/g", "https://a:b@x.example/f", None),  # never down to http
        ("https://x.example:8443/g", "https://a:b@x.example/f", None),  # another port
        ("https://y.example/g", "https://a:b@x.example/f", None),  # another host
        ("https://c:d@y.example/g", "https://a:b@x.example/f", "https://c:d@y.example/g"),
    ],
)
def test_login_for(url: str, earlier: str | None, sent: str | None) -> None:
    def login(text: str) -> tuple[httpx.URL, str]:
        given = httpx.URL(text)
        pair = f"{given.username}:{given.password}".encode()
        return given, "Basic " + base64.b64encode(pair).decode()

    found = login_for(httpx.URL(url), login(earlier) if earlier else None)
    assert found == (login(sent) if sent else None)


async def test_changed_feed_is_fetched_again(feed_server: FeedServer) -> None:
    url = feed_server.add("/feed.xml", b"<rss version='2.0'><channel/></rss>")
    first = await fetch(url)
    feed_server.add(
        "/feed.xml",
        b"<rss version='2.0'><channel><title>new</title></channel></rss>",
        last_modified=datetime(2026, 11, 25, tzinfo=UTC),
    )
    again = await fetch(url, etag=first.etag, last_modified=first.last_modified)
    assert again.outcome == "ok" and b"new" in again.body and again.etag != first.etag


@pytest.mark.parametrize(
    ("codes", "permanent"),
    [
        ((301,), True),
        ((308,), True),
        ((301, 308), True),
        ((302,), False),
        ((307,), False),
        ((301, 302), False),  # one temporary hop: do not rewrite the stored URL
        ((303,), False),
    ],
)
async def test_redirects(feed_server: FeedServer, codes: tuple[int, ...], permanent: bool) -> None:
    final = feed_server.add_file("/final.xml", "rss2_borderwire.xml")
    target = "/final.xml"
    for n, code in reversed(list(enumerate(codes))):
        feed_server.add_redirect(f"/hop{n}", target, code)
        target = f"/hop{n}"
    result = await fetch(feed_server.url("/hop0"))
    assert result.outcome == "ok" and result.url == final
    assert result.permanent_url == (final if permanent else None)


async def test_relative_and_absolute_redirect_targets(feed_server: FeedServer) -> None:
    final = feed_server.add_file("/feeds/final.xml", "atom_northdesk.xml")
    feed_server.add_redirect("/old/feed", "../feeds/final.xml", 301)
    feed_server.add_redirect("/abs", final, 308)
    assert (await fetch(feed_server.url("/old/feed"))).url == final
    assert (await fetch(feed_server.url("/abs"))).permanent_url == final


async def test_redirect_loop_stops(feed_server: FeedServer) -> None:
    feed_server.add_redirect("/a", "/b", 302)
    feed_server.add_redirect("/b", "/a", 302)
    result = await fetch(feed_server.url("/a"))
    assert result.outcome == "error" and result.error == "more than 5 redirects"
    assert result.kind is ErrorKind.REDIRECT
    assert feed_server.requests["/a"] + feed_server.requests["/b"] == 6


async def test_retry_after_seconds(feed_server: FeedServer) -> None:
    url = feed_server.add_status("/busy", 429, {"Retry-After": "120"})
    result = await fetch(url)
    assert result.outcome == "error" and result.status == 429
    assert result.error == "HTTP 429 Too Many Requests" and result.kind is ErrorKind.HTTP_4XX
    assert result.retry_after == 120


async def test_retry_after_http_date(feed_server: FeedServer) -> None:
    when = datetime.now(UTC) + timedelta(hours=1)
    url = feed_server.add_status("/down", 503, {"Retry-After": format_datetime(when, True)})
    result = await fetch(url)
    assert result.status == 503 and result.retry_after is not None
    assert 3590 <= result.retry_after <= 3600


async def test_retry_after_garbage_is_ignored(feed_server: FeedServer) -> None:
    url = feed_server.add_status("/busy", 429, {"Retry-After": "soon"})
    assert (await fetch(url)).retry_after is None


@pytest.mark.parametrize(
    ("status", "error", "gone", "kind"),
    [
        (500, "HTTP 500 Internal Server Error", False, ErrorKind.HTTP_5XX),
        (404, "HTTP 404 Not Found", False, ErrorKind.HTTP_4XX),
        (403, "HTTP 403 Forbidden", False, ErrorKind.HTTP_4XX),
        (410, "HTTP 410 Gone", True, ErrorKind.GONE),
    ],
)
async def test_error_statuses(
    feed_server: FeedServer, status: int, error: str, gone: bool, kind: ErrorKind
) -> None:
    result = await fetch(feed_server.add_status("/x", status))
    assert result.outcome == "error" and result.status == status
    assert result.error == error and result.gone is gone and result.body == b""
    assert result.kind is kind


async def test_slow_server_times_out_within_the_timeout(feed_server: FeedServer) -> None:
    url = feed_server.add_slow("/slow", b"<rss/>", delay=30)
    result = await fetch(url)
    # Without the timeout the body would arrive (after 30 s) and the outcome would be "ok".
    assert result.outcome == "error" and result.error == "timed out after 0.5 s"
    assert result.kind is ErrorKind.TIMEOUT
    assert result.status is None and result.body == b""


async def test_trickling_server_hits_the_total_deadline(feed_server: FeedServer) -> None:
    # Each chunk arrives before the read timeout, so only the per-feed deadline can stop it.
    url = feed_server.add_trickle("/trickle", b"<!-- . -->", every=0.1)
    config = FetchConfig(timeout=0.5, deadline=1.0, allow_private=True)
    # The trickle never ends: without the deadline the fetch would hang. wait_for only stops a
    # broken deadline from hanging the suite (30 s, far above the 1 s deadline); the outcome
    # below is the assertion.
    result = await asyncio.wait_for(fetch(url, config), timeout=30)
    assert result.outcome == "error" and result.error == "timed out after 1 s in total"
    assert result.kind is ErrorKind.TIMEOUT


@pytest.mark.parametrize("announce_length", [True, False])
async def test_oversized_body_is_cut_off(feed_server: FeedServer, announce_length: bool) -> None:
    url = feed_server.add_large("/big", 50 * 1024 * 1024, announce_length=announce_length)
    result = await fetch(url)
    assert result.outcome == "error" and result.error == "feed larger than 1 MB"
    assert len(result.body) <= CONFIG.max_bytes and result.kind is ErrorKind.TOO_LARGE


async def test_body_exactly_at_the_limit_is_fine(feed_server: FeedServer) -> None:
    url = feed_server.add_large("/edge", 4096)
    result = await fetch(url, FetchConfig(max_bytes=4096, allow_private=True))
    assert result.outcome == "ok" and len(result.body) == 4096


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_compressed_body(feed_server: FeedServer, encoding: str) -> None:
    body = (FEEDS / "es_diariofrontera.xml").read_bytes()
    url = feed_server.add_gzip("/gz", body, encoding=encoding)
    result = await fetch(url)
    assert result.outcome == "ok" and result.body == body


async def test_gzip_bomb_is_stopped_by_decoded_size(feed_server: FeedServer) -> None:
    url = feed_server.add_gzip_bomb("/bomb", 50 * 1024 * 1024)
    assert len(feed_server.routes["/bomb"].body) < 100 * 1024  # small on the wire
    result = await fetch(url)
    assert result.outcome == "error" and result.error == "feed larger than 1 MB"


async def test_corrupt_gzip_is_a_readable_error(feed_server: FeedServer) -> None:
    url = feed_server.add("/bad", b"\x1f\x8b not really gzip", {"Content-Encoding": "gzip"})
    result = await fetch(url)
    assert result.outcome == "error" and result.error is not None
    assert result.error.startswith("corrupt compressed body")
    assert result.kind is ErrorKind.DECODING


async def test_cache_control_and_expires(feed_server: FeedServer) -> None:
    cached = feed_server.add("/cc", b"<rss/>", {"Cache-Control": "public, max-age=1800"})
    no_store = feed_server.add("/ns", b"<rss/>", {"Cache-Control": "no-store, max-age=1800"})
    date = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    expires = feed_server.add(
        "/ex",
        b"<rss/>",
        {
            "Expires": format_datetime(date + timedelta(minutes=20), True),
        },
    )
    assert (await fetch(cached)).max_age == 1800
    assert (await fetch(no_store)).max_age is None
    # The stdlib server sends today's Date, so Expires in the past gives 0.
    assert (await fetch(expires)).max_age == 0


async def test_connection_refused_is_an_error_not_an_exception() -> None:
    with FeedServer() as server:
        port = server.port  # a port that was just free and is now closed again
    result = await fetch(f"http://127.0.0.1:{port}/feed.xml")
    assert result.outcome == "error" and result.error is not None
    assert result.error.startswith("could not connect")
    assert result.kind is ErrorKind.NETWORK


async def test_invalid_url_is_an_error() -> None:
    result = await fetch("not a url")
    assert result.outcome == "error" and result.error is not None
    assert result.kind is not None


async def test_concurrency_is_bounded_per_host(feed_server: FeedServer) -> None:
    url = feed_server.add_slow("/slow", b"<rss/>", delay=0.2)
    config = FetchConfig(timeout=5, per_host=2, concurrency=10, allow_private=True)
    async with Fetcher(config) as fetcher:
        started = time.perf_counter()
        results = await asyncio.gather(*(fetcher.fetch(url) for _ in range(6)))
        elapsed = time.perf_counter() - started
    assert all(r.outcome == "ok" for r in results)
    assert elapsed >= 0.55  # 6 requests, 2 at a time, 0.2 s each: three rounds


async def test_concurrency_is_bounded_overall(feed_server: FeedServer) -> None:
    # Different host names for the same server, so only the overall limit applies.
    url = feed_server.add_slow("/slow", b"<rss/>", delay=0.2)
    urls = [url, url.replace("127.0.0.1", "localhost")] * 2
    config = FetchConfig(timeout=5, per_host=4, concurrency=1, allow_private=True)
    async with Fetcher(config) as fetcher:
        started = time.perf_counter()
        results = await asyncio.gather(*(fetcher.fetch(u) for u in urls))
        elapsed = time.perf_counter() - started
    assert all(r.outcome == "ok" for r in results)
    assert elapsed >= 0.75  # one at a time


def test_config_from_settings() -> None:
    settings = load_settings(
        fetch_timeout=7,
        fetch_deadline=20,
        fetch_max_bytes=2048,
        fetch_concurrency=5,
        fetch_per_host=2,
        allow_private_sources=True,
    )
    config = FetchConfig.from_settings(settings)
    assert (config.timeout, config.deadline, config.max_bytes) == (7, 20, 2048)
    assert (config.concurrency, config.per_host, config.allow_private) == (5, 2, True)
    assert "borderbrief/" in config.user_agent


async def test_fetch_outside_context_manager_is_a_programming_error() -> None:
    with pytest.raises(RuntimeError):
        await Fetcher(CONFIG).fetch("http://127.0.0.1/")


async def test_connections_are_reused_across_200_304_and_errors(feed_server: FeedServer) -> None:
    url = feed_server.add_file("/feed.xml", "rss2_borderwire.xml")
    error = feed_server.add_status("/err", 500, body=b"oops " * 100)
    feed_server.add_redirect("/moved", "/feed.xml", 301)
    async with Fetcher(CONFIG) as fetcher:
        first = await fetcher.fetch(url)
        for _ in range(3):
            assert (await fetcher.fetch(url, etag=first.etag)).outcome == "not_modified"
            assert (await fetcher.fetch(error)).outcome == "error"
            assert (await fetcher.fetch(feed_server.url("/moved"))).outcome == "ok"
    assert feed_server.requests["/feed.xml"] == 7
    assert feed_server.connections == 1  # unread bodies would have closed the connection


async def test_concatenated_gzip_members_and_trailing_junk(feed_server: FeedServer) -> None:
    import gzip

    head, tail = b"<rss version='2.0'><channel><title>two ", b"members</title></channel></rss>"
    body = gzip.compress(head) + gzip.compress(tail) + b"\x00\x00junk"
    url = feed_server.add("/multi", body, {"Content-Encoding": "gzip"})
    result = await fetch(url)
    assert result.outcome == "ok", result.error
    assert result.body == head + tail


@pytest.mark.parametrize("allow_private", [False, True])
async def test_unknown_host_is_a_readable_error(allow_private: bool) -> None:
    config = FetchConfig(timeout=2, deadline=5, allow_private=allow_private)
    result = await fetch("http://no-such-host.invalid/feed.xml", config)  # RFC 6761: never resolves
    assert result.outcome == "error" and result.error is not None
    assert result.error.startswith("could not resolve host")
    assert result.kind is ErrorKind.DNS
