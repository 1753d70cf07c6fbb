"""A real HTTP feed server on 127.0.0.1 (random port) for tests and benchmarks.

Usage::

    with FeedServer() as server:            # or: async with FeedServer() as server
        url = server.add("/feed.xml", body, {"Content-Type": "application/rss+xml"})
        ...
        assert server.requests["/feed.xml"] == 1

Every route registered with :meth:`FeedServer.add` carries an ETag and a Last-Modified and
answers 304 to a matching If-None-Match / If-Modified-Since. Helpers add the awkward cases a
fetcher must survive:

* ``add_file(path, "rss2_borderwire.xml")`` serves a fixture from ``tests/data/feeds``; the
  hostile ones are ``hostile/billion_laughs.xml``, ``hostile/external_entity.xml``,
  ``hostile/invalid.xml``, ``hostile/not_a_feed.html``, ``hostile/bozo_with_items.xml``;
* ``add_status`` (429 + Retry-After, 500, 410...), ``add_redirect`` (301/302/307/308);
* ``add_slow`` (answers after a delay), ``add_trickle`` (a byte now and then: beats read
  timeouts), ``add_large`` (a lazily generated body of any size);
* ``add_gzip`` (gzip/deflate), ``add_gzip_bomb`` (small on the wire, huge inflated).

Counters: ``requests[path]``, ``conditional_requests[path]``, ``not_modified[path]``,
``last_headers[path]`` and ``connections``. Registering a route is a dict insert, so thousands
of feeds are cheap (``bench/poll.py`` serves 1,000). ``parse_comment_headers`` reads the
``Header:`` lines of feedparser's test files.
"""

from __future__ import annotations

import gzip as gzip_module
import hashlib
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DATA_FEEDS = Path(__file__).resolve().parent / "data" / "feeds"
RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
_CHUNK = 64 * 1024
_FIXED_LAST_MODIFIED = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@dataclass
class Route:
    """What one path answers. ``stream`` (if set) yields the body lazily instead of ``body``."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: datetime | None = None
    delay: float = 0.0  # seconds to wait before answering (interrupted by stop())
    stream: Callable[[], Iterator[bytes]] | None = None
    length: int | None = None  # Content-Length to announce for ``stream``; None = close-delimited
    # (header, value, status, headers): a request whose header lacks the value gets the status
    # and headers instead of the body (a login or a cookie wall).
    gate: tuple[str, str, int, dict[str, str]] | None = None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real feed servers do
    server: _Server
    timeout = 10  # an idle keep-alive connection is closed after this many seconds
    # Headers and body go out in separate writes; with Nagle on, the body waits for the
    # client's delayed ACK (40 ms a response on Linux).
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        self.server.owner._count_connection()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's name
        pass  # quiet: pytest output stays readable

    def do_GET(self) -> None:  # noqa: N802 - stdlib's name
        owner = self.server.owner
        path = self.path
        route = owner.routes.get(path) or owner.routes.get(path.split("?", 1)[0])
        conditional = "If-None-Match" in self.headers or "If-Modified-Since" in self.headers
        owner._count(path.split("?", 1)[0], self.headers, conditional)
        if route is None:
            self._send(404, b"not found", {"Content-Type": "text/plain"})
            return
        if route.gate and route.gate[1] not in (self.headers.get(route.gate[0]) or ""):
            self._send(route.gate[2], b"", route.gate[3])
            return
        if route.delay and owner._stopping.wait(route.delay):
            self.close_connection = True
            return
        if route.status == 200 and self._not_modified(route):
            owner._count_304(path.split("?", 1)[0])
            headers = {}
            if route.etag:
                headers["ETag"] = route.etag
            self._send(304, b"", headers)
            return
        headers = dict(route.headers)
        if route.etag:
            headers.setdefault("ETag", route.etag)
        if route.last_modified:
            headers.setdefault("Last-Modified", format_datetime(route.last_modified, usegmt=True))
        if route.stream is not None:
            self._send_stream(route, headers)
        else:
            self._send(route.status, route.body, headers)

    def _not_modified(self, route: Route) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:  # RFC 9110: If-None-Match wins over If-Modified-Since
            tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
            return route.etag is not None and (route.etag in tags or "*" in tags)
        since = self.headers.get("If-Modified-Since")
        if since and route.last_modified:
            try:
                return route.last_modified <= parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
        return False

    def _send(self, status: int, body: bytes, headers: Mapping[str, str]) -> None:
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _send_stream(self, route: Route, headers: Mapping[str, str]) -> None:
        assert route.stream is not None
        try:
            self.send_response(route.status)
            for name, value in headers.items():
                self.send_header(name, value)
            if route.length is not None:
                self.send_header("Content-Length", str(route.length))
            else:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            for chunk in route.stream():
                if self.server.owner._stopping.is_set():
                    break
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            pass  # the client stopped reading: exactly what a size cap should do
        self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # idle keep-alive connections must not hold up stop()
    request_queue_size = 256  # a benchmark opens many connections at once
    owner: FeedServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # a client hanging up is normal


class FeedServer:
    """A threaded HTTP server on 127.0.0.1 serving registered routes; counts every request."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host = host
        self._port = port
        self.routes: dict[str, Route] = {}
        self.requests: Counter[str] = Counter()
        self.conditional_requests: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()
        self.last_headers: dict[str, dict[str, str]] = {}
        self.request_times: dict[str, list[float]] = {}  # time.monotonic() of each request
        self.connections = 0  # TCP connections accepted: shows whether keep-alive works
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ---------------------------------------------------------------------
    def start(self) -> FeedServer:
        self._stopping.clear()
        server = _Server((self._host, self._port), _Handler)
        server.owner = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="feed-server"
        )
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes slow routes and ends endless streams
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> FeedServer:
        return self.start()

    async def __aexit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "server not started"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    # -- counters -----------------------------------------------------------------------
    def _count(self, path: str, headers: Any, conditional: bool) -> None:
        with self._lock:
            self.requests[path] += 1
            self.request_times.setdefault(path, []).append(time.monotonic())
            if conditional:
                self.conditional_requests[path] += 1
            self.last_headers[path] = {k.lower(): v for k, v in headers.items()}

    def _count_connection(self) -> None:
        with self._lock:
            self.connections += 1

    def _count_304(self, path: str) -> None:
        with self._lock:
            self.not_modified[path] += 1

    def reset_counts(self) -> None:
        with self._lock:
            self.requests.clear()
            self.conditional_requests.clear()
            self.not_modified.clear()
            self.last_headers.clear()
            self.request_times.clear()
            self.connections = 0

    # -- routes -------------------------------------------------------------------------
    def add(
        self,
        path: str,
        body: bytes,
        headers: Mapping[str, str] | None = None,
        status: int = 200,
        *,
        etag: str | None | bool = True,
        last_modified: datetime | None | bool = True,
    ) -> str:
        """Serve ``body`` at ``path``; returns its URL.

        ``headers`` None sends ``Content-Type: application/rss+xml; charset=utf-8``; a mapping
        (even empty) is sent as given.
        ``etag``/``last_modified``: True = derive (hash of the body / a fixed date), False or
        None = send none, or give the value. Re-adding a path replaces it (a feed update).
        """
        # No headers at all: an RSS Content-Type. Headers given: exactly those (so a test can
        # serve a body with no Content-Type, as some servers do).
        headers = {"Content-Type": RSS} if headers is None else dict(headers)
        if etag is True:
            etag = '"' + hashlib.blake2b(body, digest_size=8).hexdigest() + '"'
        if last_modified is True:
            last_modified = _FIXED_LAST_MODIFIED
        self.routes[path] = Route(
            status=status,
            body=body,
            headers=headers,
            etag=etag or None,
            last_modified=last_modified or None,
        )
        return self.url(path) if self._server else path

    def add_file(
        self, path: str, file: Path | str, headers: Mapping[str, str] | None = None
    ) -> str:
        """Serve a file (relative paths are under ``tests/data/feeds``)."""
        file = Path(file)
        if not file.is_absolute():
            file = DATA_FEEDS / file
        return self.add(path, file.read_bytes(), headers)

    def add_status(
        self, path: str, status: int, headers: Mapping[str, str] | None = None, body: bytes = b""
    ) -> str:
        """Answer ``status`` (e.g. 429 with Retry-After, 500, 410) with no validators."""
        headers = {"Content-Type": "text/plain", **(headers or {})}
        return self.add(
            path,
            body or f"status {status}".encode(),
            headers,
            status,
            etag=False,
            last_modified=False,
        )

    def add_gated(
        self, path: str, body: bytes, *, header: str, value: str, status: int,
        headers: Mapping[str, str],
    ) -> str:  # fmt: skip
        """Serve ``body`` only to requests whose ``header`` holds ``value``; answer the others
        ``status`` with ``headers`` (401 for a login, a redirect with Set-Cookie for a wall)."""
        url = self.add(path, body)
        self.routes[path].gate = (header, value, status, dict(headers))
        return url

    def add_redirect(self, path: str, target: str, status: int = 301) -> str:
        """Redirect ``path`` to ``target`` (a path on this server or a full URL)."""
        return self.add_status(path, status, {"Location": target})

    def add_slow(
        self, path: str, body: bytes, delay: float, headers: Mapping[str, str] | None = None
    ) -> str:
        """Answer only after ``delay`` seconds (stop() interrupts the wait)."""
        url = self.add(path, body, headers)
        self.routes[path].delay = delay
        return url

    def add_trickle(self, path: str, chunk: bytes, every: float, count: int = 1000) -> str:
        """Send headers at once, then one ``chunk`` every ``every`` seconds: beats read timeouts."""
        stopping = self._stopping

        def stream() -> Iterator[bytes]:
            for _ in range(count):
                yield chunk
                if stopping.wait(every):
                    return

        return self._add_stream(path, stream, {"Content-Type": RSS}, length=None)

    def add_large(self, path: str, size: int, *, announce_length: bool = True) -> str:
        """Stream ``size`` bytes of a valid-looking RSS feed, generated lazily (never in memory)."""
        head = b'<?xml version="1.0"?><rss version="2.0"><channel><title>big</title>'
        item = b"<item><title>padding</title><description>" + b"x" * 900 + b"</description></item>"

        def stream() -> Iterator[bytes]:
            sent = 0
            yield head
            sent += len(head)
            block = item * (_CHUNK // len(item))
            while sent < size:
                piece = block[: size - sent]
                yield piece
                sent += len(piece)

        return self._add_stream(
            path, stream, {"Content-Type": RSS}, length=size if announce_length else None
        )

    def add_gzip(
        self,
        path: str,
        body: bytes,
        headers: Mapping[str, str] | None = None,
        *,
        encoding: str = "gzip",
    ) -> str:
        """Serve ``body`` compressed with Content-Encoding ``gzip`` or ``deflate``."""
        packed = gzip_module.compress(body) if encoding == "gzip" else zlib.compress(body)
        url = self.add(
            path, packed, {"Content-Type": RSS, **(headers or {}), "Content-Encoding": encoding}
        )
        return url

    def add_gzip_bomb(self, path: str, size: int) -> str:
        """A small gzip body that inflates to ``size`` bytes of spaces (a decompression bomb)."""
        compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31 = gzip container
        block = b" " * _CHUNK
        parts = [compressor.compress(block) for _ in range(size // _CHUNK)]
        parts.append(compressor.flush())
        return self.add(path, b"".join(parts), {"Content-Type": RSS, "Content-Encoding": "gzip"})

    def _add_stream(
        self,
        path: str,
        stream: Callable[[], Iterator[bytes]],
        headers: dict[str, str],
        *,
        length: int | None,
    ) -> str:
        self.routes[path] = Route(headers=headers, stream=stream, length=length)
        return self.url(path) if self._server else path


def parse_comment_headers(raw: bytes) -> dict[str, str]:
    """HTTP headers named in a feedparser test file's comment block (``Header: Name: value``)."""
    text = raw.replace(b"\x00", b"").decode("latin-1")
    headers: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("Header:"):
            name, _, value = stripped.removeprefix("Header:").strip().partition(":")
            headers[name.strip()] = value.strip()
    return headers
