"""Fetch feeds politely and safely: shared httpx connection pools, bounded in time, size and number.

The Fetcher sends each request to its transport itself, which takes a quarter less CPU a
request than httpx's client (0.40 s instead of 0.55 s for 1,000 conditional GETs). The client's
other work is either done here as a feed needs it (a URL's ``user:password@`` sent as HTTP
Basic, on its redirects too while they stay on its site; cookies kept along one fetch's
redirects, for cookie walls) or not wanted: a cookie jar shared by every outlet, and its own
redirect following (ours checks every hop).

``Fetcher.fetch`` never raises for network, HTTP or size problems; it returns a FetchResult
whose ``kind`` says what went wrong and whose ``error`` is a short sentence a user can read.
"""

from __future__ import annotations

import asyncio
import base64
import ssl
import time
from types import TracebackType
from urllib.parse import urlsplit

import httpx

from briefings.fetch.body import TooLarge, drain, megabytes, read_body
from briefings.fetch.config import FetchConfig
from briefings.fetch.errors import ErrorKind, describe, http_kind
from briefings.fetch.guard import GuardedTransport, PublicHosts, check_url
from briefings.fetch.headers import (
    ACCEPT,
    conditional_headers,
    parse_max_age,
    parse_retry_after,
)
from briefings.fetch.result import FetchResult
from briefings.fetch.transport import SHARD_CONNECTIONS, ShardedTransport, shard_count

MAX_REDIRECTS = 5
_REDIRECTS = (301, 302, 303, 307, 308)


Login = tuple[httpx.URL, str]  # the URL that gave a user:password@, and its Authorization


def login_for(url: httpx.URL, earlier: Login | None) -> Login | None:
    """What to send ``url`` as HTTP Basic: its own ``user:password@``, else an earlier hop's
    where ``url`` is the same site or its https (as httpx's client keeps it on redirects)."""
    if url.userinfo:
        token = base64.b64encode(f"{url.username}:{url.password}".encode()).decode()
        return url, f"Basic {token}"
    if earlier is None:
        return None
    given = earlier[0]
    same = (given.scheme, given.port) == (url.scheme, url.port)
    upgraded = (given.scheme, given.port, url.scheme, url.port) == ("http", None, "https", None)
    return earlier if given.host == url.host and (same or upgraded) else None


def _redirect_target(base: httpx.URL, location: str) -> str | None:
    """Where a Location header sends us; None when httpx could not request it."""
    try:
        target = base.join(location)
        target.host  # noqa: B018 - a malformed IDNA name ("xn--") fails when read, not joined
    except (httpx.InvalidURL, UnicodeError):  # IDNA's errors are UnicodeErrors
        return None
    return str(target)


def _host(url: str) -> str:
    """The URL's host, lower case: only a key for its semaphore, so the standard library's
    parser does (httpx's costs ~40 µs a call, 4% of a warm poll)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


class Fetcher:
    """httpx connection pools with the SSRF guard and limits; an async context manager."""

    def __init__(
        self, config: FetchConfig, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.config = config
        self._given = transport
        self._transport: httpx.AsyncBaseTransport | None = None
        self._overall = asyncio.Semaphore(config.concurrency)
        self._per_host: dict[str, asyncio.Semaphore] = {}
        self._public = PublicHosts()  # hosts check_url found public lately
        self._headers = {
            "User-Agent": config.user_agent,
            "Accept": ACCEPT,
            "Accept-Encoding": "gzip, deflate",
        }
        # Every request carries its timeouts, as httpx's client would add them.
        self._timeouts = {"timeout": httpx.Timeout(config.timeout, pool=config.deadline).as_dict()}

    async def __aenter__(self) -> Fetcher:
        transport = self._given
        if transport is None:
            config = self.config
            # The shards share the requests in flight evenly; each may still open as many
            # connections as there are requests (the semaphores bound those).
            limits = httpx.Limits(
                max_connections=config.concurrency,
                max_keepalive_connections=SHARD_CONNECTIONS,
                keepalive_expiry=30.0,
            )
            # One TLS context for every pool: loading the CA store costs ~20 ms each time.
            context = httpx.create_ssl_context(trust_env=False)
            pools = [self._pool(limits, context) for _ in range(shard_count(config.concurrency))]
            transport = ShardedTransport(pools)
        await transport.__aenter__()
        self._transport = transport
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._transport is not None:
            transport, self._transport = self._transport, None
            await transport.__aexit__(exc_type, exc, tb)

    def _pool(self, limits: httpx.Limits, context: ssl.SSLContext) -> httpx.AsyncBaseTransport:
        if self.config.allow_private:
            return httpx.AsyncHTTPTransport(limits=limits, trust_env=False, verify=context)
        return GuardedTransport(limits=limits, ssl_context=context)

    def _host_slot(self, url: str) -> asyncio.Semaphore:
        host = _host(url)
        slot = self._per_host.get(host)
        if slot is None:
            slot = self._per_host[host] = asyncio.Semaphore(self.config.per_host)
        return slot

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET one feed (conditionally when validators are given); never raises for bad feeds."""
        if self._transport is None:
            raise RuntimeError("use 'async with Fetcher(...)' before fetching")
        # Per host first, then overall: a queue for one busy host must not hold global slots.
        async with self._host_slot(url), self._overall:
            try:
                async with asyncio.timeout(self.config.deadline):
                    return await self._fetch(url, etag=etag, last_modified=last_modified)
            except TimeoutError:
                error = f"timed out after {self.config.deadline:g} s in total"
                return FetchResult("error", url, error=error, kind=ErrorKind.TIMEOUT)
            except Exception as exc:  # noqa: BLE001 - the poll cycle must survive any feed
                kind, error = describe(exc, timeout=self.config.timeout)
                return FetchResult("error", url, error=error, kind=kind)

    async def _fetch(self, url: str, *, etag: str | None, last_modified: str | None) -> FetchResult:
        assert self._transport is not None
        headers = {**self._headers, **conditional_headers(etag, last_modified)}
        current = url
        all_permanent = True
        cookies: httpx.Cookies | None = None  # kept along one chain of redirects (a cookie wall)
        login: Login | None = None
        for hop in range(MAX_REDIRECTS + 1):
            if not self.config.allow_private:
                await check_url(current, self._public)
            request = httpx.Request("GET", current, headers=headers, extensions=self._timeouts)
            login = login_for(request.url, login)
            if login is not None:
                request.headers["Authorization"] = login[1]
            if cookies:
                cookies.set_cookie_header(request)
            response = await self._transport.handle_async_request(request)
            response.request = request  # its url and the redirects' base
            try:
                location = response.headers.get("location")
                if response.status_code in _REDIRECTS and location:
                    all_permanent = all_permanent and response.status_code in (301, 308)
                    target = _redirect_target(response.url, location.strip())
                    if target is None:
                        return FetchResult(
                            "error", current, status=response.status_code,
                            error=f"redirected to an invalid URL: {location.strip()[:100]!r}",
                            kind=ErrorKind.REDIRECT,
                        )  # fmt: skip
                    current = target
                    if not current.startswith(("http://", "https://")):
                        return FetchResult(
                            "error", current, status=response.status_code,
                            error="redirected to a non-http(s) URL", kind=ErrorKind.REDIRECT,
                        )  # fmt: skip
                    if "set-cookie" in response.headers:
                        cookies = cookies if cookies is not None else httpx.Cookies()
                        cookies.extract_cookies(response)
                    continue
                permanent = current if hop > 0 and all_permanent else None
                return await self._result(response, current, permanent, etag, last_modified)
            finally:
                await drain(response)
                await response.aclose()
        error = f"more than {MAX_REDIRECTS} redirects"
        return FetchResult("error", current, error=error, kind=ErrorKind.REDIRECT)

    async def _result(
        self,
        response: httpx.Response,
        url: str,
        permanent_url: str | None,
        sent_etag: str | None,
        sent_last_modified: str | None,
    ) -> FetchResult:
        now = time.time()
        status = response.status_code
        headers = response.headers
        common = {
            "url": url,
            "permanent_url": permanent_url,
            "status": status,
            "content_type": headers.get("content-type"),
            "max_age": parse_max_age(headers, now),
        }
        if status == 304:
            return FetchResult(
                "not_modified",
                etag=headers.get("etag") or sent_etag,
                last_modified=headers.get("last-modified") or sent_last_modified,
                **common,
            )
        if status >= 400 or status < 200:
            reason = response.reason_phrase or ""
            return FetchResult(
                "error",
                error=f"HTTP {status} {reason}".strip(),
                kind=http_kind(status),
                retry_after=parse_retry_after(headers.get("retry-after"), now),
                gone=status == 410,
                **common,
            )
        try:
            body = await read_body(response, self.config.max_bytes)
        except TooLarge:
            return FetchResult(
                "error",
                error=f"feed larger than {megabytes(self.config.max_bytes)}",
                kind=ErrorKind.TOO_LARGE,
                **common,
            )
        return FetchResult(
            "ok",
            body=body,
            etag=headers.get("etag"),
            last_modified=headers.get("last-modified"),
            **common,
        )
