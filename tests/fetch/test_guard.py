"""SSRF guard: private, loopback and other non-public addresses are refused at every step."""

from __future__ import annotations

import ipaddress

import httpx
import pytest

from briefings.fetch import ErrorKind, FetchConfig, Fetcher
from briefings.fetch.guard import (
    BlockedAddress,
    GuardedTransport,
    PublicHosts,
    check_ip,
    check_url,
)
from tests.feedserver import FeedServer

REFUSED = [
    "127.0.0.1",
    "127.255.255.254",
    "10.0.0.1",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # CGNAT
    "100.127.255.255",
    "0.0.0.0",
    "224.0.0.1",  # multicast
    "240.0.0.1",  # reserved
    "255.255.255.255",
    "192.0.2.10",  # documentation
    "::1",
    "::",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "ff02::1",
    "::ffff:127.0.0.1",  # IPv4-mapped loopback
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::127.0.0.1",  # IPv4-compatible
    "2002:7f00:1::",  # 6to4 wrapping 127.0.0.1
    "64:ff9b::a00:1",  # NAT64 wrapping 10.0.0.1
    "2001:db8::1",  # documentation
]
ALLOWED = [
    "93.184.216.34",
    "8.8.8.8",
    "1.1.1.1",
    "172.32.0.1",  # just outside 172.16/12
    "100.128.0.1",  # just outside 100.64/10
    "2606:4700::1",
    "2a00:1450:4001::200e",
    "::ffff:93.184.216.34",  # mapped public IPv4
]


@pytest.mark.parametrize("address", REFUSED)
def test_check_ip_refuses(address: str) -> None:
    with pytest.raises(BlockedAddress, match="address"):
        check_ip(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ALLOWED)
def test_check_ip_allows_public(address: str) -> None:
    # Allowed means it returns (None) instead of raising BlockedAddress.
    assert check_ip(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/feed", "loopback"),
        ("http://[::1]:8080/feed", "loopback"),
        ("https://10.1.2.3/feed", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://localhost/feed", "localhost resolves to a non-public address"),
        ("ftp://example.com/feed.xml", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("gopher://127.0.0.1:6379/", "only http and https"),
        ("http:///nohost", "no host"),
        ("http://xn--/feed", "not a valid URL: Malformed A-label"),
    ],
)
async def test_check_url_refuses(url: str, reason: str) -> None:
    with pytest.raises(BlockedAddress, match=reason):
        await check_url(url)


async def test_check_url_allows_public_literal() -> None:
    # No DNS needed for a literal; allowed means it returns instead of raising.
    assert await check_url("https://93.184.216.34/feed.xml") is None
    assert await check_url("http://[2606:4700::1]:8080/feed") is None
    with pytest.raises(BlockedAddress, match="private"):  # the same check does refuse
        await check_url("https://10.0.0.1/feed.xml")


async def test_fetcher_refuses_the_local_server(feed_server: FeedServer) -> None:
    url = feed_server.add_file("/feed.xml", "rss2_borderwire.xml")
    async with Fetcher(FetchConfig(timeout=2)) as fetcher:
        result = await fetcher.fetch(url)
        by_name = await fetcher.fetch(f"http://localhost:{feed_server.port}/feed.xml")
    assert result.outcome == "error"
    assert result.error == (
        "refused: 127.0.0.1 is a loopback address (set BORDERBRIEF_ALLOW_PRIVATE_SOURCES=true "
        "to poll feeds on local or private addresses)"
    )
    assert result.kind is by_name.kind is ErrorKind.BLOCKED
    assert result.status is None and result.body == b""
    assert by_name.outcome == "error" and by_name.error is not None
    assert by_name.error.startswith("refused: localhost resolves to a non-public address")
    assert by_name.error.endswith("BORDERBRIEF_ALLOW_PRIVATE_SOURCES=true to poll feeds on local "
                                  "or private addresses)")
    assert feed_server.requests["/feed.xml"] == 0  # not a single request reached the server


async def test_guarded_transport_checks_the_connected_peer(feed_server: FeedServer) -> None:
    # Without the URL pre-check, the connect-time check alone must stop the request.
    url = feed_server.add_file("/feed.xml", "rss2_borderwire.xml")
    transport = GuardedTransport(limits=httpx.Limits(max_connections=2))
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(BlockedAddress, match="127.0.0.1 is a loopback address"):
            await client.get(url)
    assert feed_server.requests["/feed.xml"] == 0


async def test_redirect_hop_to_private_address_is_refused(feed_server: FeedServer) -> None:
    # allow_private=True lets the first hop reach 127.0.0.1; a hop to a scheme we never fetch
    # is still refused. (Only loopback is reachable here, so this is what can be tested.)
    feed_server.add_redirect("/to-file", "file:///etc/passwd", 302)
    async with Fetcher(FetchConfig(allow_private=True, timeout=2)) as fetcher:
        result = await fetcher.fetch(feed_server.url("/to-file"))
    assert result.outcome == "error"
    assert result.error == "redirected to a non-http(s) URL"
    assert result.kind is ErrorKind.REDIRECT


async def test_allow_private_reaches_the_local_server(feed_server: FeedServer) -> None:
    url = feed_server.add_file("/feed.xml", "rss2_borderwire.xml")
    async with Fetcher(FetchConfig(allow_private=True, timeout=2)) as fetcher:
        result = await fetcher.fetch(url)
    assert result.outcome == "ok" and result.status == 200


async def test_a_refused_scheme_does_not_suggest_the_private_switch() -> None:
    async with Fetcher(FetchConfig(timeout=2)) as fetcher:
        result = await fetcher.fetch("ftp://example.com/feed.xml")
    assert result.kind is ErrorKind.BLOCKED or result.kind is ErrorKind.INVALID_URL
    assert result.error is not None and "ALLOW_PRIVATE" not in result.error


@pytest.mark.parametrize(
    ("ask_at", "known"),
    [(0.0, True), (59.9, True), (60.0, False), (500.0, False)],
)
def test_public_hosts_forget_after_ttl(ask_at: float, known: bool) -> None:
    now = [100.0]
    public = PublicHosts(ttl=60.0, clock=lambda: now[0])
    public.add(("feeds.example", 443))
    now[0] += ask_at
    assert (("feeds.example", 443) in public) is known
    assert ("feeds.example", 80) not in public  # another port is another check


async def test_a_host_remembered_public_is_not_resolved_but_still_checked_on_connect(
    feed_server: FeedServer,
) -> None:
    # localhost resolves to loopback: only a remembered verdict lets check_url pass it...
    feed_server.add_file("/feed.xml", "rss2_borderwire.xml")
    port = feed_server.port
    public = PublicHosts()
    public.add(("localhost", port))
    assert await check_url(f"http://localhost:{port}/feed.xml", public) is None
    with pytest.raises(BlockedAddress, match="non-public"):  # another port: resolved, refused
        await check_url(f"http://localhost:{port + 1}/feed.xml", public)
    # ...and the connection is refused all the same: the check that counts sees every peer.
    transport = GuardedTransport(limits=httpx.Limits(max_connections=2))
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(BlockedAddress, match="loopback address"):
            await client.get(f"http://localhost:{port}/feed.xml")
    assert feed_server.requests["/feed.xml"] == 0


async def test_check_url_keeps_no_refusal() -> None:
    public = PublicHosts()
    for _ in range(2):  # refused each time, and never remembered as public
        with pytest.raises(BlockedAddress, match="localhost resolves to a non-public address"):
            await check_url("http://localhost:8080/feed.xml", public)
    assert ("localhost", 8080) not in public
    public.add(("127.0.0.1", 80))  # a literal is checked as itself, whatever is remembered
    with pytest.raises(BlockedAddress, match="loopback"):
        await check_url("http://127.0.0.1/feed.xml", public)


async def test_fetcher_refuses_a_private_host_every_time(feed_server: FeedServer) -> None:
    # Every poll of a refused host is refused: only public verdicts are kept.
    url = f"http://localhost:{feed_server.port}/feed.xml"
    feed_server.add_file("/feed.xml", "rss2_borderwire.xml")
    async with Fetcher(FetchConfig(timeout=2)) as fetcher:
        results = [await fetcher.fetch(url) for _ in range(3)]
    assert [r.kind for r in results] == [ErrorKind.BLOCKED] * 3
    assert feed_server.requests["/feed.xml"] == 0
