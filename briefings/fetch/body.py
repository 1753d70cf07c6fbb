"""Reading a response body within the size cap, and draining the ones we do not want."""

from __future__ import annotations

import io
import zlib

import httpx

_READ_CHUNK = 64 * 1024
# Bodies of 304s, redirects and errors are read (up to this much) and dropped: an unread body
# makes httpcore close the connection instead of keeping it alive for the next feed.
_DRAIN_LIMIT = 64 * 1024
_ENCODINGS = ("identity", "", "gzip", "x-gzip", "deflate")


class TooLarge(Exception):
    """The decoded body would exceed the cap."""


class _Inflater:
    """Decode a Content-Encoding while counting decoded bytes, so a gzip bomb stops at the cap."""

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        self._raw_deflate_tried = False
        self._junk = False
        # 47 = zlib header auto-detect (gzip or zlib); raw deflate is tried if that fails.
        self._zlib = zlib.decompressobj(47) if encoding in ("gzip", "x-gzip", "deflate") else None

    def decode(self, data: bytes, room: int) -> bytes:
        """Decoded bytes of ``data``; raises TooLarge if they would exceed ``room``."""
        if self._junk:
            return b""
        if self._zlib is None:
            if len(data) > room:
                raise TooLarge
            return data
        try:
            out = self._zlib.decompress(data, room + 1)
        except zlib.error:
            if self._encoding != "deflate" or self._raw_deflate_tried:
                raise
            self._raw_deflate_tried = True  # servers that send raw deflate without the header
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._zlib.decompress(data, room + 1)
        out = self._next_members(out, room)
        if len(out) > room or (self._zlib.unconsumed_tail and not self._junk):
            raise TooLarge
        return out

    def _next_members(self, out: bytes, room: int) -> bytes:
        # Concatenated gzip members (some servers append to a gzip file) decode one by one.
        assert self._zlib is not None
        while self._zlib.eof and self._zlib.unused_data and len(out) <= room:
            rest = self._zlib.unused_data
            self._zlib = zlib.decompressobj(47)
            try:
                out += self._zlib.decompress(rest, room + 1 - len(out))
            except zlib.error:
                self._junk = True  # trailing bytes after the last member: ignored, as browsers do
                break
        return out


def megabytes(size: int) -> str:
    """A size as people say it: "10 MB", or bytes below one megabyte."""
    return f"{size / (1024 * 1024):g} MB" if size >= 1024 * 1024 else f"{size} bytes"


async def read_body(response: httpx.Response, limit: int) -> bytes:
    """Read at most ``limit`` decoded bytes while streaming; raise TooLarge beyond."""
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in _ENCODINGS:
        raise httpx.DecodingError(f"unsupported Content-Encoding {encoding!r}")
    declared = response.headers.get("content-length", "")
    if encoding in ("identity", "") and declared.isdigit() and int(declared) > limit:
        raise TooLarge  # refuse before reading a byte
    inflater = _Inflater(encoding)
    # BytesIO, not a list of chunks joined at the end: getvalue() hands over its buffer
    # without a copy, so a 64 MB body costs 64 MB here, not twice that.
    body = io.BytesIO()
    async for raw in response.aiter_raw(_READ_CHUNK):
        body.write(inflater.decode(raw, limit - body.tell()))
    return body.getvalue()


async def drain(response: httpx.Response, limit: int = _DRAIN_LIMIT) -> None:
    """Read what is left of a small unused body so the connection can be reused."""
    if response.is_stream_consumed or response.is_closed:
        return
    left = limit
    async for chunk in response.aiter_raw():
        left -= len(chunk)
        if left < 0:
            return  # not worth it: closing the connection is cheaper
