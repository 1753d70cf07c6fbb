"""Connection pools for the fetcher: a few small ones instead of one big one."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Callable
from types import TracebackType

import httpx

SHARD_CONNECTIONS = 4  # connections a pool holds at a time, about (see ShardedTransport)


def shard_count(concurrency: int) -> int:
    """How many pools serve ``concurrency`` requests in flight."""
    return max(1, -(-concurrency // SHARD_CONNECTIONS))


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
