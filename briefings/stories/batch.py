"""Cluster a batch of reports outside the poller, with the poller's own filer and index.

``borderbrief cluster`` and the quality bench read reports as JSON lines (``id``, ``lang``,
``title``, ``summary``, ``published``) and file them through ``StoryFiler.file`` into an
in-memory ``StoryStore``: the same code path as a poll, only the storage differs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from briefings.model import Item, StoredItem, StoryMember, StoryRecord, ThemeMatch
from briefings.stories.embed import Embedder, default_embedder, item_text
from briefings.stories.filer import StoryFiler, new_index
from briefings.stories.index import StoryIndex
from briefings.stories.when import Span, parse_published

ALL = [ThemeMatch("cluster", 1.0, ())]  # every report is filed, as if every one matched
EMBED_CHUNK = 256
EARLIEST, LATEST = 1900, 2999  # years of news: outside, a typo (and the calendar's ends overflow)


@dataclass(frozen=True, slots=True)
class Entry:
    """One input report."""

    id: str
    lang: str
    title: str
    summary: str
    start: datetime  # when it was published: an instant, or the start of its day or month
    end: datetime | None  # the end of that day or month; None for an instant
    outlet: str = ""

    @property
    def span(self) -> Span:
        """When it was published, in naive UTC (as the same-event rules read time)."""
        start = self.start.replace(tzinfo=None)
        if self.end is None:
            return Span(start, start)
        return Span(start, self.end.replace(tzinfo=None), whole_days=True)


def entry_from(obj: object) -> Entry:
    """A report from one decoded JSON line; ``ValueError`` says what is wrong with it."""
    if not isinstance(obj, dict):
        raise ValueError("expected a JSON object")
    for key in ("id", "published"):
        if key not in obj:
            raise ValueError(f"missing {key!r}")
    title, summary = obj.get("title") or "", obj.get("summary") or ""
    if not isinstance(title, str) or not isinstance(summary, str) or not (title or summary):
        raise ValueError("needs a 'title' or a 'summary' (text)")
    published = obj["published"]
    if not isinstance(published, str):
        raise ValueError("'published' must be an ISO date or datetime string")
    try:
        span = parse_published(published)
        if not (span.start.year >= EARLIEST and span.end.year <= LATEST):
            raise ValueError
    except (ValueError, OverflowError):  # the calendar's first and last days overflow
        raise ValueError(f"'published' is not an ISO date or datetime from year {EARLIEST} to "
                         f"{LATEST}: {published!r}") from None  # fmt: skip
    end = span.end.replace(tzinfo=UTC) if span.whole_days else None
    lang = str(obj.get("lang") or "")
    outlet = str(obj.get("source") or obj.get("outlet") or "")
    return Entry(str(obj["id"]), lang, title, summary, span.start.replace(tzinfo=UTC), end, outlet)


def embed_entries(
    entries: Sequence[Entry],
    embedder: Embedder | None = None,
    progress: Callable[[int], None] | None = None,
) -> npt.NDArray[np.float32]:
    """Every entry's sentence vector, in chunks (``progress`` gets the count done)."""
    embedder = embedder or default_embedder()
    rows = np.zeros((len(entries), embedder.dim), dtype=np.float32)
    for first in range(0, len(entries), EMBED_CHUNK):
        chunk = entries[first : first + EMBED_CHUNK]
        rows[first : first + len(chunk)] = embedder.encode(
            [item_text(e.title, e.summary) for e in chunk]
        )
        if progress:
            progress(first + len(chunk))
    return rows


async def cluster(
    entries: Sequence[Entry],
    vectors: npt.NDArray[np.float32] | None = None,
    *,
    index: Callable[[], StoryIndex] = new_index,
) -> dict[str, int]:
    """Entry id -> story number, filed by the poller's ``StoryFiler`` in one batch."""
    store, stored, until = stored_items(entries)
    given = {} if vectors is None else {s.id: v for s, v in zip(stored, vectors, strict=True)}
    now = max([e.end or e.start for e in entries], default=datetime.now(UTC))
    filer = StoryFiler(index=index)
    await filer.file(store, stored, {s.id: ALL for s in stored}, now, vectors=given,
                     published_until=until)  # fmt: skip
    return {e.id: store.story_of[s.id] for s, e in zip(stored, entries, strict=True)}


def stored_items(
    entries: Sequence[Entry],
) -> tuple[MemoryStories, list[StoredItem], dict[int, datetime]]:
    """An in-memory store holding the entries as items; the items (one per entry, in order);
    and the end of the day or month of those published with a date only."""
    store = MemoryStories()
    outlets: dict[str, int] = {}
    # Row ids follow the entries' own ids, so the order of the lines changes nothing.
    rank = {e.id: n for n, e in enumerate(sorted(entries, key=lambda e: e.id), 1)}
    stored = [
        StoredItem(rank[e.id], outlets.setdefault(e.outlet, len(outlets) + 1), _item(e))
        for e in entries
    ]
    store.items.update((s.id, s) for s in stored)
    until = {s.id: e.end for s, e in zip(stored, entries, strict=True) if e.end is not None}
    return store, stored, until


def _item(e: Entry) -> Item:
    return Item(e.outlet, e.id, "", e.title, e.summary, e.lang, e.start)


def _as_stored(record: StoryRecord) -> StoryRecord:
    """The record as a database gives it back: its signature through JSON."""
    return replace(record, signature=json.loads(json.dumps(record.signature)))


def _member(s: StoredItem) -> StoryMember:
    it = s.item
    return StoryMember(s.id, s.source_id, it.published_at, it.title, it.url, it.summary,
                       it.language)  # fmt: skip


class MemoryStories:
    """A ``StoryStore`` in dictionaries: stories, their members and item assignments."""

    def __init__(self) -> None:
        self.items: dict[int, StoredItem] = {}  # what the caller stored: members are read here
        self.records: dict[int, StoryRecord] = {}
        self.story_of: dict[int, int] = {}

    async def write_item_themes(self, best: Mapping[int, Mapping[str, ThemeMatch]]) -> None:
        return None

    async def recent_signatures(
        self, since: datetime, until: datetime | None = None
    ) -> list[tuple[int, object, datetime]]:
        return [
            (sid, r.signature, r.last_seen_at)
            for sid, r in sorted(self.records.items())
            if r.last_seen_at >= since and (until is None or r.last_seen_at < until)
        ]

    async def members(
        self, story_ids: Sequence[int], exclude: Set[int]
    ) -> list[tuple[int, StoryMember]]:
        wanted = set(story_ids)
        return [
            (sid, _member(self.items[item_id]))
            for item_id, sid in self.story_of.items()
            if sid in wanted and item_id not in exclude
        ]

    async def source_weights(self, source_ids: Iterable[int]) -> dict[int, float]:
        return {sid: 1.0 for sid in source_ids}

    async def insert_stories(self, stories: Sequence[StoryRecord]) -> list[int]:
        first = len(self.records) + 1
        ids = list(range(first, first + len(stories)))
        self.records.update(zip(ids, map(_as_stored, stories), strict=True))
        return ids

    async def update_stories(self, stories: Mapping[int, StoryRecord]) -> None:
        self.records.update((sid, _as_stored(r)) for sid, r in stories.items())

    async def set_item_stories(self, assigned: Mapping[int, int]) -> None:
        self.story_of.update(assigned)

    async def raise_theme_scores(self, scores: Mapping[tuple[int, str], float]) -> None:
        return None
