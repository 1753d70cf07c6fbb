"""Which feed URLs a source may have: absolute http(s), read the same way by everyone.

httpx (which fetches), the SSRF guard and a browser (where people check a link) must agree on
the host. ``http://127.0.0.1:8090\\@public.test/f`` is public.test to httpx but 127.0.0.1 to a
browser, which reads the backslash as a slash; tabs and newlines are dropped by browsers only;
``127.1`` and ``0x7f.0.0.1`` are IPv4 shorthands only some parsers know. Such URLs are refused.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import SplitResult, urlsplit

import httpx

from briefings.sources.errors import SourcesError

# RFC 3986 userinfo: unreserved, percent-encoded, sub-delims and ":"; anything else is ambiguous.
_USERINFO = re.compile(r"^(?:[A-Za-z0-9\-._~!$&'()*+,;=:]|%[0-9A-Fa-f]{2})*\Z")
# WHATWG: a host whose last label is a number is an IPv4 address, in any of its old spellings.
_NUMERIC_LABEL = re.compile(r"^(?:0[xX][0-9A-Fa-f]*|[0-9]+)\Z")
# Whitespace (str.isspace's, as \s is for str patterns) and the C0 controls and DEL.
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


def check_feed_url(url: str, where: str = "source") -> None:
    """Accept only absolute http(s) URLs with a host that every parser reads alike."""
    problem = _problem(url)
    if problem:
        raise SourcesError(f"{where}: {problem} (got {url!r})")


def _problem(url: str) -> str | None:
    try:
        parts = urlsplit(url)  # "[::1", a fullwidth "／" in the host: ValueError
    except ValueError as exc:
        return f"url cannot be read: {exc}"
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "url must be an http:// or https:// address"
    if "\\" in url:
        return "url has a backslash, which browsers read as / and httpx does not; use /"
    if _SPACE_OR_CONTROL.search(url):
        return "url has a space or a control character in it; percent-encode it (%20)"
    userinfo, at, _host = parts.netloc.rpartition("@")
    if at and not _USERINFO.match(userinfo):
        return "url has an ambiguous user name or password part (an extra @ or odd characters)"
    return _host_problem(url, parts.hostname or "", parts)


def _host_problem(url: str, host: str, parts: SplitResult) -> str | None:
    if not host:
        return "url has no host"
    if "%" in host:
        return "url host is percent-encoded; write it plainly"
    if not host.startswith("[") and ":" not in host:
        last = host.rstrip(".").rsplit(".", 1)[-1]
        if _NUMERIC_LABEL.match(last):
            try:
                ipaddress.IPv4Address(host)
            except ValueError:
                return "url host is an IPv4 address in a shorthand form; write it as a.b.c.d"
    try:
        port = parts.port  # reading it checks it (ValueError when out of range)
    except ValueError:
        port = 0
    if port == 0:
        return "url port is not a number from 1 to 65535"
    try:
        parsed = httpx.URL(url)
        # httpx shows an IDNA host decoded ("faß.de") and connects to its ASCII form: either
        # matches. A malformed one ("xn--") fails when read, with one of IDNA's UnicodeErrors.
        seen = {parsed.host.lower().rstrip("."),
                parsed.raw_host.decode("ascii").lower().rstrip(".")}  # fmt: skip
    except (httpx.InvalidURL, UnicodeError) as exc:
        return f"url cannot be read: {exc}"
    if host.lower().rstrip(".") not in seen:
        return f"url host reads as {parsed.host!r} to httpx but {host!r} to others"
    return None
