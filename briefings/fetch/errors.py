"""What went wrong with a feed, as a kind code can branch on beside a sentence people read.

The fetcher and the parser name the kind where the failure happens; metrics, back-off and
messages read the kind instead of guessing from the wording.
"""

from __future__ import annotations

import socket
import zlib
from enum import StrEnum

import httpx

from briefings.fetch.guard import BlockedAddress, NonPublicAddress

# Said with every refusal of a local address: the switch that allows it, for a feed on the LAN.
PRIVATE_HINT = (
    " (set BORDERBRIEF_ALLOW_PRIVATE_SOURCES=true to poll feeds on local or private addresses)"
)


class ErrorKind(StrEnum):
    """Why a feed gave nothing usable this time."""

    TIMEOUT = "timeout"  # the connect/read timeout or the per-feed deadline
    DNS = "dns"  # the host name did not resolve
    NETWORK = "network"  # could not connect, or the connection broke
    BLOCKED = "blocked"  # refused by the SSRF guard: not a public http(s) address
    INVALID_URL = "invalid_url"
    REDIRECT = "redirect"  # too many redirects, or one to a non-http(s) URL
    TOO_LARGE = "too_large"  # the body is over the size cap
    DECODING = "decoding"  # corrupt or unsupported Content-Encoding
    HTTP_4XX = "http_4xx"
    HTTP_5XX = "http_5xx"
    HTTP_OTHER = "http_other"  # an informational (1xx) or unknown status as the final answer
    GONE = "gone"  # 410: stop polling
    EMPTY = "empty"  # an empty body
    NOT_A_FEED = "not_a_feed"  # HTML, not XML, or XML without an RSS/Atom/RDF root
    MALFORMED = "malformed"  # broken XML that gave nothing usable
    NO_ITEMS = "no_items"  # entries, but none with a title or a link
    PARSE = "parse"  # the parser itself failed
    INTERNAL = "internal"  # our side failed (the store, a bug), not the feed
    OTHER = "other"


def http_kind(status: int) -> ErrorKind:
    """The kind of an HTTP status that ends a fetch without a feed."""
    if status == 410:
        return ErrorKind.GONE
    if 400 <= status < 500:
        return ErrorKind.HTTP_4XX
    if 500 <= status < 600:
        return ErrorKind.HTTP_5XX
    return ErrorKind.HTTP_OTHER


def describe(exc: Exception, *, timeout: float) -> tuple[ErrorKind, str]:
    """The kind of a fetch exception and a short sentence for people."""
    if isinstance(exc, BlockedAddress):
        hint = PRIVATE_HINT if isinstance(exc, NonPublicAddress) else ""
        return ErrorKind.BLOCKED, f"refused: {exc}{hint}"
    if isinstance(exc, httpx.TimeoutException):
        return ErrorKind.TIMEOUT, f"timed out after {timeout:g} s"
    if isinstance(exc, socket.gaierror):
        return ErrorKind.DNS, f"could not resolve host ({exc.strerror or exc})"
    if isinstance(exc, httpx.ConnectError):
        text = str(exc)
        if "Name or service not known" in text or "nodename nor servname" in text:
            return ErrorKind.DNS, "could not resolve host"
        return ErrorKind.NETWORK, f"could not connect: {text or type(exc).__name__}"
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return ErrorKind.INVALID_URL, f"invalid URL: {exc}"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return ErrorKind.NETWORK, f"connection broken: {exc or type(exc).__name__}"
    if isinstance(exc, zlib.error):
        return ErrorKind.DECODING, f"corrupt compressed body: {exc}"
    if isinstance(exc, httpx.DecodingError):
        return ErrorKind.DECODING, f"{type(exc).__name__}: {exc}"[:300]
    return ErrorKind.OTHER, f"{type(exc).__name__}: {exc}"[:300]
