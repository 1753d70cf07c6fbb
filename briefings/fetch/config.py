"""The limits every fetch runs under."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from briefings import __version__

if TYPE_CHECKING:
    from briefings.settings import Settings


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
