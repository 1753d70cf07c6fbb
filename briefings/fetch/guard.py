"""SSRF guard: feeds may only be fetched from public internet addresses.

Two checks, both on every request and redirect hop the Fetcher makes:

* ``check_url`` before the request: scheme http/https, host resolved, every address public.
  It gives the readable "refused: ..." error early. A host found public is not resolved again
  for a minute (``PublicHosts``): the check below still sees every connection.
* ``GuardedBackend`` on connect: the address the socket actually connected to is checked after
  DNS and before a byte is sent. This is the check that counts, because DNS may answer
  differently a second time (rebinding).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import time
import typing
from collections.abc import Callable

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_SHARED = ipaddress.IPv4Network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # NAT64 hides an IPv4 address in the low bits
_COMPAT = ipaddress.IPv6Network("::/96")  # deprecated IPv4-compatible addresses


class BlockedAddress(Exception):
    """A URL or address the fetcher must not reach; the message says why."""


class NonPublicAddress(BlockedAddress):
    """Refused for where it points (loopback, private, ...): a local feed may be allowed."""


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, 6to4, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _COMPAT and int(ip) > 1:  # not :: or ::1, which are checked as themselves
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _kind(ip: IPAddress) -> str | None:
    """What makes ``ip`` off limits, or None for a public address."""
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED:
        return "shared (CGNAT)"
    if isinstance(ip, ipaddress.IPv6Address) and ip in ipaddress.IPv6Network("fc00::/7"):
        return "unique-local"
    if ip.is_private:
        return "private"
    if ip.is_reserved or not ip.is_global:
        return "reserved"
    return None


def check_ip(ip: IPAddress) -> None:
    """Raise BlockedAddress unless ``ip`` is a public unicast address."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            ip = ipaddress.IPv6Address(str(ip).split("%", 1)[0])
        inner = _embedded_ipv4(ip)
        if inner is not None:
            kind = _kind(inner)
            if kind:
                raise NonPublicAddress(f"{ip} is a {kind} address (IPv4 {inner} inside IPv6)")
            if ip.ipv4_mapped is not None:
                return  # a mapped public IPv4 address is that address
    kind = _kind(ip)
    if kind:
        raise NonPublicAddress(f"{ip} is a {kind} address")


def _parse_ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


class PublicHosts:
    """Hosts (and ports) whose every address ``check_url`` found public, for ``ttl`` seconds.

    A poll of many feeds on one host resolves it once, not once a feed (a thread hop and a
    DNS query each). Only a public verdict is kept, and only briefly: GuardedBackend checks
    the peer of every connection anyway, so a host that turns private meanwhile is refused.
    """

    def __init__(self, ttl: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self._clock = ttl, clock
        self._until: dict[tuple[str, int], float] = {}

    def __contains__(self, host_port: tuple[str, int]) -> bool:
        until = self._until.get(host_port)
        return until is not None and self._clock() < until

    def add(self, host_port: tuple[str, int]) -> None:
        self._until[host_port] = self._clock() + self.ttl


async def check_url(url: str, public: PublicHosts | None = None) -> None:
    """Raise BlockedAddress for a non-http(s) URL or a host resolving to a non-public address;
    a host in ``public`` is not resolved again (a public one is added to it).

    DNS failures raise ``OSError`` (socket.gaierror) as they are: they are not a policy refusal.
    """
    try:
        parsed = httpx.URL(url)
        host = parsed.host  # a malformed IDNA name fails here, with a UnicodeError
    except (httpx.InvalidURL, TypeError, UnicodeError) as exc:
        raise BlockedAddress(f"not a valid URL: {exc}") from None
    if parsed.scheme not in ("http", "https"):
        raise BlockedAddress(f"only http and https URLs are fetched, not {parsed.scheme or '?'}")
    if not host:
        raise BlockedAddress("the URL has no host")
    literal = _parse_ip(host)
    if literal is not None:
        check_ip(literal)
        return
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    if public is not None and (host, port) in public:
        return
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    for _family, _type, _proto, _name, sockaddr in infos:
        address = _parse_ip(str(sockaddr[0]))
        if address is None:
            raise BlockedAddress(f"{host} resolved to an unknown address {sockaddr[0]!r}")
        try:
            check_ip(address)
        except BlockedAddress as exc:
            raise NonPublicAddress(f"{host} resolves to a non-public address: {exc}") from None
    if public is not None:
        public.add((host, port))


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """A network backend that refuses a connection whose peer is not a public address."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._inner.connect_tcp(
            host, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )
        peer = stream.get_extra_info("server_addr")
        address = _parse_ip(str(peer[0])) if peer else None
        try:
            if address is None:
                raise BlockedAddress(f"cannot tell which address {host} connected to")
            check_ip(address)
        except BlockedAddress:
            await stream.aclose()
            raise
        return stream

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedAddress("unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport with its connection pool built on GuardedBackend.

    httpx.AsyncHTTPTransport has no network_backend argument, so the pool is rebuilt here with
    the same settings httpx would use (no proxy: a proxy would hide the real peer).
    """

    def __init__(self, *, limits: httpx.Limits, ssl_context: ssl.SSLContext | None = None) -> None:
        # One context for both pools (httpx's, replaced below, and ours): each costs ~20 ms.
        context = ssl_context or httpx.create_ssl_context(trust_env=False)
        super().__init__(limits=limits, trust_env=False, verify=context)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(),
        )
