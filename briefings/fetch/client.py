"""Fetch feeds politely and safely: one shared httpx client, bounded in time, size and number.

``Fetcher.fetch`` never raises for network, HTTP or size problems; it returns a FetchResult
whose ``error`` is a short sentence a user can read. Scheduling maths (``backoff_delay``,
``next_fetch_delay``) are pure functions.
"""

from __future__ import annotations

import asyncio
import re
import socket
import time
import zlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import TYPE_CHECKING, Literal

import httpx

from briefings import __version__
from briefings.guard import BlockedAddress, GuardedTransport, check_url

if TYPE_CHECKING:
    from briefings.settings import Settings

MAX_REDIRECTS = 5
MAX_CACHE_AGE = 6 * 3600.0  # a server's max-age beyond this is ignored: news goes stale
MAX_RETRY_AFTER = 86_400.0
MAX_BACKOFF = 86_400.0  # one day
_READ_CHUNK = 64 * 1024
# Bodies of 304s, redirects and errors are read (up to this much) and dropped: an unread body
# makes httpcore close the connection instead of keeping it alive for the next feed.
_DRAIN_LIMIT = 64 * 1024
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1"
)
_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)", re.IGNORECASE)
_NO_CACHE = re.compile(r"(?:^|[,\s])(?:no-store|no-cache)(?:$|[,\s=])", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FetchConfig:
    """Limits for every fetch; built from Settings in production."""

    timeout: float = 15.0  # connect/read timeout, seconds
    deadline: float = 30.0  # total per feed, seconds
    max_bytes: int = 10 * 1024 * 1024
    concurrency: int = 20  # overall in-flight requests
    per_host: int = 4  # in-flight per host
    user_agent: str = f"borderbrief/{__version__} (+https://github.com/borderbrief/borderbrief)"
    allow_private: bool = False  # SSRF guard off only when True (local tests and benchmarks)

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchConfig:
        return cls(
            timeout=settings.fetch_timeout,
            deadline=settings.fetch_deadline,
            max_bytes=settings.fetch_max_bytes,
            concurrency=settings.fetch_concurrency,
            per_host=settings.fetch_per_host,
            allow_private=settings.allow_private_sources,
        )


@dataclass(frozen=True, slots=True)
class FetchResult:
    """The outcome of fetching one feed URL."""

    outcome: Literal["ok", "not_modified", "error"]
    url: str  # URL finally fetched (after redirects)
    permanent_url: str | None = None  # set when every redirect hop was 301/308: store it
    status: int | None = None  # final HTTP status; None when no response
    body: bytes = b""
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    retry_after: float | None = None  # seconds, from Retry-After (429/503)
    max_age: float | None = None  # seconds, from Cache-Control max-age or Expires
    error: str | None = None  # short readable reason
    gone: bool = False  # 410 Gone: stop polling this feed


class _TooLarge(Exception):
    pass


class _Inflater:
    """Decode a Content-Encoding while counting decoded bytes, so a gzip bomb stops at the cap."""

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        self._raw_deflate_tried = False
        self._junk = False
        # 47 = zlib header auto-detect (gzip or zlib); raw deflate is tried if that fails.
        self._zlib = zlib.decompressobj(47) if encoding in ("gzip", "x-gzip", "deflate") else None

    def decode(self, data: bytes, room: int) -> bytes:
        """Decoded bytes of ``data``; raises _TooLarge if they would exceed ``room``."""
        if self._junk:
            return b""
        if self._zlib is None:
            if len(data) > room:
                raise _TooLarge
            return data
        try:
            out = self._zlib.decompress(data, room + 1)
        except zlib.error:
            if self._encoding != "deflate" or self._raw_deflate_tried:
                raise
            self._raw_deflate_tried = True  # servers that send raw deflate without the header
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._zlib.decompress(data, room + 1)
        # Concatenated gzip members (some servers append to a gzip file) decode one by one.
        while self._zlib.eof and self._zlib.unused_data and len(out) <= room:
            rest = self._zlib.unused_data
            self._zlib = zlib.decompressobj(47)
            try:
                out += self._zlib.decompress(rest, room + 1 - len(out))
            except zlib.error:
                self._junk = True  # trailing bytes after the last member: ignored, as browsers do
                break
        if len(out) > room or (self._zlib.unconsumed_tail and not self._junk):
            raise _TooLarge
        return out


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB" if size >= 1024 * 1024 else f"{size} bytes"


def _parse_retry_after(value: str | None, now: float) -> float | None:
    """Retry-After as seconds (delta or HTTP date), never negative."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


def _parse_max_age(headers: httpx.Headers, now: float) -> float | None:
    """Freshness lifetime from Cache-Control max-age, else Expires (minus Date or now)."""
    cache_control = headers.get("cache-control", "")
    if _NO_CACHE.search(cache_control):
        return None
    match = _MAX_AGE.search(cache_control)
    if match:
        return float(match.group(1))
    expires = headers.get("expires")
    if not expires:
        return None
    try:
        when = parsedate_to_datetime(expires)
        date = parsedate_to_datetime(headers["date"]).timestamp() if "date" in headers else now
    except (TypeError, ValueError, IndexError, KeyError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - date)


async def _drain(response: httpx.Response, limit: int = _DRAIN_LIMIT) -> None:
    """Read what is left of a small unused body so the connection can be reused."""
    if response.is_stream_consumed or response.is_closed:
        return
    left = limit
    async for chunk in response.aiter_raw():
        left -= len(chunk)
        if left < 0:
            return  # not worth it: closing the connection is cheaper


_SHARD_CONNECTIONS = 4  # connections a pool holds at a time, about (see ShardedTransport)


def _shard_count(config: FetchConfig) -> int:
    return max(1, -(-config.concurrency // _SHARD_CONNECTIONS))


class ShardedTransport(httpx.AsyncBaseTransport):
    """Requests spread over a few small connection pools instead of one big one.

    httpcore's pool re-examines every connection it holds each time a request starts or ends
    (a socket poll per connection, and a count of the idle ones per idle one): its cost grows
    with the square of its size, 2.3 CPU-s per 1,000 polls at 20 connections against 0.9 at 5.
    A request goes to the shard with the fewest responses open, first in an order that starts
    at the one its host's name picks: one at a time, a host's requests all use one shard (and
    its kept-alive connection); many at once, they spread evenly. The Fetcher's semaphores
    bound what is in flight.
    """

    def __init__(self, shards: list[httpx.AsyncBaseTransport]) -> None:
        if not shards:
            raise ValueError("at least one shard")
        self._shards = shards
        self._busy = [0] * len(shards)  # per shard: responses not yet closed

    async def __aenter__(self) -> ShardedTransport:
        for shard in self._shards:
            await shard.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc: BaseException | None = None,
        tb: TracebackType | None = None,
    ) -> None:
        for shard in self._shards:
            await shard.__aexit__(exc_type, exc, tb)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        busy, n = self._busy, len(self._shards)
        first = zlib.crc32(request.url.host.encode()) % n
        index = min(((first + i) % n for i in range(n)), key=busy.__getitem__)  # first of equals
        busy[index] += 1
        try:
            response = await self._shards[index].handle_async_request(request)
        except BaseException:
            busy[index] -= 1
            raise
        response.stream = _ReleasingStream(response.stream, lambda: self._release(index))
        return response

    def _release(self, index: int) -> None:
        self._busy[index] -= 1

    async def aclose(self) -> None:
        for shard in self._shards:
            await shard.aclose()


class _ReleasingStream(httpx.AsyncByteStream):
    """A response body that tells its ShardedTransport when it is closed."""

    def __init__(
        self, inner: httpx.SyncByteStream | httpx.AsyncByteStream, release: Callable[[], None]
    ) -> None:
        self._inner = inner
        self._release: Callable[[], None] | None = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        assert isinstance(self._inner, httpx.AsyncByteStream)
        async for chunk in self._inner:
            yield chunk

    async def aclose(self) -> None:
        try:
            if isinstance(self._inner, httpx.AsyncByteStream):
                await self._inner.aclose()
        finally:
            release, self._release = self._release, None
            if release is not None:
                release()


class Fetcher:
    """One shared httpx.AsyncClient with the SSRF guard and limits; an async context manager."""

    def __init__(
        self, config: FetchConfig, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.config = config
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._overall = asyncio.Semaphore(config.concurrency)
        self._per_host: dict[str, asyncio.Semaphore] = {}

    async def __aenter__(self) -> Fetcher:
        config = self.config
        # The shards share the requests in flight evenly; each may still open as many
        # connections as there are requests (the semaphores bound those).
        limits = httpx.Limits(
            max_connections=config.concurrency,
            max_keepalive_connections=_SHARD_CONNECTIONS,
            keepalive_expiry=30.0,
        )
        transport = self._transport
        if transport is None:
            transport = ShardedTransport([self._pool(limits) for _ in range(_shard_count(config))])
        self._client = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(config.timeout, pool=config.deadline),
            follow_redirects=False,  # followed by hand: every hop is checked and classified
            trust_env=False,  # an environment proxy would bypass the guard's peer check
            headers={
                "User-Agent": config.user_agent,
                "Accept": ACCEPT,
                "Accept-Encoding": "gzip, deflate",
            },
        )
        await self._client.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._client is not None:
            await self._client.__aexit__(exc_type, exc, tb)
            self._client = None

    def _pool(self, limits: httpx.Limits) -> httpx.AsyncBaseTransport:
        if self.config.allow_private:
            return httpx.AsyncHTTPTransport(limits=limits, trust_env=False)
        return GuardedTransport(limits=limits)

    def _host_slot(self, url: str) -> asyncio.Semaphore:
        try:
            host = httpx.URL(url).host.lower()
        except (httpx.InvalidURL, TypeError):
            host = ""
        slot = self._per_host.get(host)
        if slot is None:
            slot = self._per_host[host] = asyncio.Semaphore(self.config.per_host)
        return slot

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET one feed (conditionally when validators are given); never raises for bad feeds."""
        if self._client is None:
            raise RuntimeError("use 'async with Fetcher(...)' before fetching")
        # Per host first, then overall: a queue for one busy host must not hold global slots.
        async with self._host_slot(url), self._overall:
            try:
                async with asyncio.timeout(self.config.deadline):
                    return await self._fetch(url, etag=etag, last_modified=last_modified)
            except TimeoutError:
                return FetchResult(
                    "error", url, error=f"timed out after {self.config.deadline:g} s in total"
                )
            except Exception as exc:  # noqa: BLE001 - the poll cycle must survive any feed
                return FetchResult("error", url, error=self._describe(exc))

    def _describe(self, exc: Exception) -> str:
        if isinstance(exc, BlockedAddress):
            return f"refused: {exc}"
        if isinstance(exc, httpx.TimeoutException):
            return f"timed out after {self.config.timeout:g} s"
        if isinstance(exc, socket.gaierror):
            return f"could not resolve host ({exc.strerror or exc})"
        if isinstance(exc, httpx.ConnectError):
            text = str(exc)
            if "Name or service not known" in text or "nodename nor servname" in text:
                return "could not resolve host"
            return f"could not connect: {text or type(exc).__name__}"
        if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
            return f"invalid URL: {exc}"
        if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
            return f"connection broken: {exc or type(exc).__name__}"
        if isinstance(exc, zlib.error):
            return f"corrupt compressed body: {exc}"
        return f"{type(exc).__name__}: {exc}"[:300]

    async def _fetch(self, url: str, *, etag: str | None, last_modified: str | None) -> FetchResult:
        assert self._client is not None
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        all_permanent = True
        for hop in range(MAX_REDIRECTS + 1):
            if not self.config.allow_private:
                await check_url(current)
            request = self._client.build_request("GET", current, headers=headers)
            response = await self._client.send(request, stream=True)
            try:
                location = response.headers.get("location")
                if response.status_code in (301, 302, 303, 307, 308) and location:
                    all_permanent = all_permanent and response.status_code in (301, 308)
                    current = str(response.url.join(location.strip()))
                    if not current.startswith(("http://", "https://")):
                        return FetchResult(
                            "error", current, status=response.status_code,
                            error="redirected to a non-http(s) URL",
                        )  # fmt: skip
                    continue
                permanent = current if hop > 0 and all_permanent else None
                return await self._result(response, current, permanent, etag, last_modified)
            finally:
                await _drain(response)
                await response.aclose()
        return FetchResult("error", current, error=f"more than {MAX_REDIRECTS} redirects")

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
            "max_age": _parse_max_age(headers, now),
        }
        if status == 304:
            return FetchResult(
                "not_modified",
                etag=headers.get("etag") or sent_etag,
                last_modified=headers.get("last-modified") or sent_last_modified,
                **common,  # type: ignore[arg-type]
            )
        if status >= 400 or status < 200:
            reason = response.reason_phrase or ""
            return FetchResult(
                "error",
                error=f"HTTP {status} {reason}".strip(),
                retry_after=_parse_retry_after(headers.get("retry-after"), now),
                gone=status == 410,
                **common,  # type: ignore[arg-type]
            )
        try:
            body = await self._read_body(response)
        except _TooLarge:
            return FetchResult(
                "error",
                error=f"feed larger than {_megabytes(self.config.max_bytes)}",
                **common,  # type: ignore[arg-type]
            )
        return FetchResult(
            "ok",
            body=body,
            etag=headers.get("etag"),
            last_modified=headers.get("last-modified"),
            **common,  # type: ignore[arg-type]
        )

    async def _read_body(self, response: httpx.Response) -> bytes:
        """Read at most max_bytes of decoded body while streaming; raise _TooLarge beyond."""
        limit = self.config.max_bytes
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("identity", "", "gzip", "x-gzip", "deflate"):
            raise httpx.DecodingError(f"unsupported Content-Encoding {encoding!r}")
        declared = response.headers.get("content-length", "")
        if encoding in ("identity", "") and declared.isdigit() and int(declared) > limit:
            raise _TooLarge  # refuse before reading a byte
        inflater = _Inflater(encoding)
        chunks: list[bytes] = []
        total = 0
        async for raw in response.aiter_raw(_READ_CHUNK):
            piece = inflater.decode(raw, limit - total)
            total += len(piece)
            chunks.append(piece)
        return b"".join(chunks)


def backoff_delay(error_count: int, base_interval: float) -> float:
    """Seconds until the next try after ``error_count`` consecutive errors.

    Gentle exponential growth from the first error: the interval doubles every 10 errors
    (x1.07 per error), so a feed down for an afternoon is retried nearly as usual, one down for
    days drifts towards the cap of one day. Users dislike feeds dropped after a few errors.
    """
    base = max(float(base_interval), 1.0)
    if error_count <= 0:
        return base
    return max(base, min(MAX_BACKOFF, base * 2.0 ** (error_count / 10.0)))


def next_fetch_delay(result: FetchResult, base_interval: float, error_count: int) -> float:
    """Seconds until the feed should be polled again.

    Success or 304: the longest of the interval, the server's max-age (capped at 6 h) and any
    Retry-After. Error: the back-off for ``error_count`` (consecutive errors, this one
    included), or longer when the server asked for it with Retry-After.
    """
    base = max(float(base_interval), 1.0)
    retry_after = min(result.retry_after or 0.0, MAX_RETRY_AFTER)
    if result.outcome == "error":
        return max(backoff_delay(max(error_count, 1), base), retry_after)
    max_age = min(result.max_age or 0.0, MAX_CACHE_AGE)
    return max(base, max_age, retry_after)
