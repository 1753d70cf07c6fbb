"""What fetching one feed URL gave."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from briefings.fetch.errors import ErrorKind


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
    kind: ErrorKind | None = None  # set with ``error``: what went wrong, for code and metrics
