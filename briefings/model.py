"""Plain values passed between pipeline stages. No I/O, no ORM."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Source:
    """A news feed as configured in ``config/sources.toml``."""

    name: str
    url: str
    language: str
    country: str | None = None
    weight: float = 1.0
    interval: int | None = None  # seconds; None = the global poll interval
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class Item:
    """One news item, as parsed from a feed and cleaned."""

    source: str  # Source.name
    guid: str  # the feed's GUID, else the canonical URL, else a content hash
    url: str  # canonical URL (tracking parameters removed); may be "" if the feed gave none
    title: str  # clean text
    summary: str  # clean text (HTML stripped, entities decoded)
    language: str  # "en", "es", ...
    published_at: datetime  # timezone-aware UTC; fetch time when the feed gave none
    content_hash: str = ""  # hash of normalised title+summary: a second dedupe key


@dataclass(frozen=True, slots=True)
class Hit:
    """One term of a theme found in an item."""

    term: str
    field: str  # "title" or "summary"


@dataclass(frozen=True, slots=True)
class ThemeMatch:
    """Why an item belongs to a theme."""

    theme: str
    score: float
    hits: tuple[Hit, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class StoredItem:
    """An item as saved: its row id and source row id beside the parsed values."""

    id: int
    source_id: int
    item: Item
