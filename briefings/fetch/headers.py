"""The HTTP headers of a polite feed reader: what it asks for, and the server's caching advice."""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime

import httpx

ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1"
)
_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)", re.IGNORECASE)
_NO_CACHE = re.compile(r"(?:^|[,\s])(?:no-store|no-cache)(?:$|[,\s=])", re.IGNORECASE)


def conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    """If-None-Match / If-Modified-Since, only for the validators we have."""
    headers: dict[str, str] = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def parse_retry_after(value: str | None, now: float) -> float | None:
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


def parse_max_age(headers: httpx.Headers, now: float) -> float | None:
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
