"""Plain values passed between pipeline stages. No I/O, no ORM."""

from __future__ import annotations

import re
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


_OWN_HEAD = re.compile(r"c-?\d+")  # "c<chat id>" in an own theme's stored key


@dataclass(frozen=True, slots=True, order=True)
class ThemeRef:
    """Which theme: a shared one from ``themes.toml`` (``chat is None``) or a chat's own (/track).

    The one place that knows how a reference is stored: ``key`` is the shared theme's name, or
    ``c<chat>:<name>`` for a chat's own theme (the form kept in the store's theme columns).
    """

    name: str
    chat: int | None = None

    @property
    def key(self) -> str:
        return self.name if self.chat is None else f"c{self.chat}:{self.name}"

    @property
    def is_own(self) -> bool:
        return self.chat is not None

    @classmethod
    def parse(cls, key: str) -> ThemeRef:
        """The reference stored as ``key`` (a shared name, or ``c<chat>:<name>``)."""
        head, sep, name = key.partition(":")
        if sep and name and _OWN_HEAD.fullmatch(head):
            return cls(name, int(head[1:]))
        return cls(key)

    def moved_to(self, chat: int) -> ThemeRef:
        """The same own theme after its chat moved (group → supergroup migration)."""
        return ThemeRef(self.name, chat) if self.chat is not None else self


@dataclass(frozen=True, slots=True)
class StoryMember:
    """An item filed in a story, as the story's headline and counts are worked out from it."""

    item_id: int
    source_id: int
    at: datetime  # published (never later than when it was filed)
    title: str
    url: str
    summary: str
    language: str


@dataclass(frozen=True, slots=True)
class StoryRecord:
    """A story's stored values: its representative report, span, outlets, and signature."""

    headline: str
    url: str
    summary: str
    first_seen_at: datetime
    last_seen_at: datetime
    source_count: int
    languages: str  # comma-separated, sorted
    signature: object  # the clustering method's JSON (``StoryIndex.signature``)


@dataclass(frozen=True, slots=True)
class Report:
    """One outlet's report in a story: what a story lists, and what its facts are taken from."""

    item_id: int
    outlet: str  # the source's name
    language: str
    country: str | None  # where the source is based (two letters); None when not configured
    published_at: datetime
    url: str
    title: str
    lede: str  # the item's summary as stored: clean text, feed boilerplate not yet removed


@dataclass(frozen=True, slots=True)
class Excerpt:
    """Text taken verbatim from one report (a headline, or a lede's first sentences)."""

    text: str
    outlet: str
    language: str
    url: str
    item_id: int | None = None  # None when it is the story's stored text, not a known report


@dataclass(frozen=True, slots=True)
class Coverage:
    """Who tells a story: distinct outlets, by the country of their press and by language."""

    outlets: int
    by_country: dict[str, int] = field(default_factory=dict)  # "?" counts outlets of no country
    by_language: dict[str, int] = field(default_factory=dict)
    one_sided: bool = False  # at least three outlets, all of one (known) country's press


@dataclass(frozen=True, slots=True)
class StoryFacts:
    """What a story knows, worked out from its reports by ``briefings.stories.facts``."""

    reports: tuple[Report, ...]  # earliest first
    coverage: Coverage
    headlines: dict[str, Excerpt] = field(default_factory=dict)  # language → its most central
    summaries: dict[str, Excerpt] = field(default_factory=dict)  # language → best lede in it
    headline: Excerpt | None = None  # the most central report's, in any language
    summary: Excerpt | None = None  # the best lede of any language

    def headline_for(self, language: str) -> Excerpt | None:
        """The headline in ``language`` when a report in it exists, else the most central."""
        return self.headlines.get(language, self.headline)

    def summary_for(self, language: str) -> Excerpt | None:
        """One or two lede sentences in ``language`` where a report has them, else any."""
        return self.summaries.get(language, self.summary)
