"""The filer: matched items into stories (old or new), through a ``StoryIndex`` and storage.

Filing is deterministic and incremental: the index decides which recent story a report joins,
else it starts its own. The clustering method is chosen in ``new_index`` below: semantic
(sentence vectors, the default) or MinHash (word shingles, the baseline).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt
from sqlalchemy.ext.asyncio import AsyncConnection

from briefings.model import StoredItem, StoryMember, StoryRecord, ThemeMatch
from briefings.store.story_rows import StoryRows
from briefings.stories.index import Doc, StoryIndex
from briefings.stories.members import best_per_theme, story_record, theme_scores
from briefings.stories.minhash import MinHashIndex
from briefings.stories.semantic import SemanticIndex
from briefings.stories.storage import StoryStore

Vectors = Mapping[int, npt.NDArray[np.float32]]


# The clustering method in use: "semantic" (sentence vectors) or "minhash" (the baseline).
METHOD = "semantic"
# How much younger than the keep_days horizon a report must be to be filed (StoryFiler's kept).
HISTORY_MARGIN = timedelta(days=1)
METHODS: dict[str, Callable[[], StoryIndex]] = {"semantic": SemanticIndex, "minhash": MinHashIndex}


def new_index() -> StoryIndex:
    """An index of the clustering method in use (``METHOD``)."""
    return METHODS[METHOD]()


@dataclass(frozen=True, slots=True)
class FileResult:
    """What filing did: the stories it created and the existing stories that grew."""

    new_story_ids: list[int]
    grown_story_ids: list[int]


async def file_items(
    conn: AsyncConnection,
    stored: list[StoredItem],
    matches: dict[int, list[ThemeMatch]],
    now: datetime,
    *,
    vectors: Vectors | None = None,
    window: timedelta | None = None,
) -> FileResult:
    """Record the matches and file every matched item into a story (an old one or a new one).

    Loads the index of recent stories afresh; a ``StoryFiler`` keeps it between calls.
    """
    return await StoryFiler(window=window)(conn, stored, matches, now, vectors=vectors)


class StoryFiler:
    """``file_items`` that keeps its index of recent stories between calls: one per poll cycle.

    The index is loaded from the stored signatures on the first call (and widened when a
    later call reaches further back) and then kept up to date with the stories this filer
    creates and grows. Stories that other processes file meanwhile are not seen until the next
    filer; the database stays the truth. After a failed call, or when the caller's
    transaction rolls back, call ``discard()``: the next call reloads.

    ``index`` makes the clustering method's index (``new_index`` by default); ``window`` is how
    far back stories are loaded (the index's own by default); ``rows`` gives the storage for a
    connection (the SQL store by default). ``kept``: how long the store keeps news (the
    ``keep_days`` setting; None: for ever). A report published more than ``kept`` less a day
    before ``now`` is history: its themes are written but it is not filed, and no story last
    seen that long ago is loaded. The daily purge deletes such stories, and a report filed into
    one it is deleting would fail its whole batch; the day keeps the two apart.
    """

    def __init__(
        self,
        *,
        window: timedelta | None = None,
        index: Callable[[], StoryIndex] = new_index,
        rows: Callable[[AsyncConnection], StoryStore] = StoryRows,
        kept: timedelta | None = None,
    ) -> None:
        self.window = window
        self.kept = kept
        self._new_index = index
        self._rows = rows
        self._index: StoryIndex | None = None
        self._known: set[int] = set()  # stored stories in the index
        self._since: datetime | None = None  # the index holds the stories seen since then

    def discard(self) -> None:
        """Forget the index (its stories may not have been committed): the next call reloads."""
        self._index, self._known, self._since = None, set(), None

    async def __call__(
        self,
        conn: AsyncConnection,
        stored: list[StoredItem],
        matches: dict[int, list[ThemeMatch]],
        now: datetime,
        *,
        vectors: Vectors | None = None,
    ) -> FileResult:
        """File matched items into stories; see ``file_items``."""
        try:
            return await self.file(self._rows(conn), stored, matches, now, vectors=vectors)
        except BaseException:
            self.discard()
            raise

    async def file(
        self,
        rows: StoryStore,
        stored: list[StoredItem],
        matches: Mapping[int, list[ThemeMatch]],
        now: datetime,
        *,
        vectors: Vectors | None = None,
        published_until: Mapping[int, datetime] | None = None,
    ) -> FileResult:
        """File matched items into stories kept by ``rows``.

        ``vectors``: item id -> sentence vector, for items already embedded. ``published_until``:
        for items whose feed gave only a day or a month, the end of it (``published_at`` its
        start).
        """
        matched = [s for s in stored if matches.get(s.id)]
        if not matched:
            return FileResult([], [])
        best = {s.id: best_per_theme(matches[s.id]) for s in matched}
        await rows.write_item_themes(best)
        oldest = None if self.kept is None else now - (self.kept - HISTORY_MARGIN)
        if oldest is not None:
            matched = [s for s in matched if s.item.published_at >= oldest]
            if not matched:
                return FileResult([], [])
        docs = sorted((_doc(s, now, vectors, published_until) for s in matched),
                      key=lambda d: (d.at, d.id))  # fmt: skip
        index, known = await self._load(rows, docs[0].at, oldest)
        assigned = index.assign(docs, window=self.window or index.window)

        members: dict[int, list[StoryMember]] = defaultdict(list)
        by_id = {s.id: s for s in matched}
        for doc in docs:
            members[assigned[doc.id]].append(_member(by_id[doc.id], doc.at))
        grown = sorted(sid for sid in members if sid > 0 and sid in known)
        for story_id, member in await rows.members(grown, exclude=set(assigned)):
            members[story_id].append(replace(member, at=min(member.at, now)))
        weights = await rows.source_weights({m.source_id for ms in members.values() for m in ms})

        def record(sid: int) -> StoryRecord:
            return story_record(members[sid], weights, index.signature(sid))

        new = sorted((sid for sid in members if sid < 0), reverse=True)  # -1, -2, ...
        real = dict(zip(new, await rows.insert_stories([record(t) for t in new]), strict=True))
        index.relabel(real)  # the new stories' temporary ids become their stored ones
        known.update(real.values())
        real.update({sid: sid for sid in grown})
        if grown:
            await rows.update_stories({sid: record(sid) for sid in grown})
        await rows.set_item_stories({item: real[sid] for item, sid in assigned.items()})
        await rows.raise_theme_scores(
            theme_scores({real[sid]: ms for sid, ms in members.items()}, best)
        )
        return FileResult(sorted(real[sid] for sid in new), grown)

    async def _load(self, rows: StoryStore, earliest: datetime,
                    oldest: datetime | None) -> tuple[StoryIndex, set[int]]:  # fmt: skip
        """The index, holding every stored story seen within its window of ``earliest`` (and
        not before ``oldest``)."""
        if self._index is None or self._since is None:
            self._index, self._known = self._new_index(), set()
            since = self._reach(earliest, oldest)
            await _load_index(rows, self._index, self._known, since, None)
            self._since = since
        elif (since := self._reach(earliest, oldest)) < self._since:
            await _load_index(rows, self._index, self._known, since, self._since)
            self._since = since
        return self._index, self._known

    def _reach(self, earliest: datetime, oldest: datetime | None) -> datetime:
        assert self._index is not None
        since = earliest - (self.window or self._index.window)
        return since if oldest is None else max(since, oldest)


async def _load_index(
    rows: StoryStore, index: StoryIndex, known: set[int], since: datetime, until: datetime | None
) -> None:
    """Add to ``index`` the stories last seen in [since, until) that ``known`` lacks.

    Stories whose signature the index cannot read (saved by another method or an older
    version: after an upgrade) are rebuilt from their stored items, so a new report of a
    still-open story can join it.
    """
    for story_id, signature, last_seen in await rows.recent_signatures(since, until):
        if story_id not in known:
            known.add(story_id)
            index.load(story_id, signature, last_seen)
    unread = index.unread()
    if unread:
        items: dict[int, list[Doc]] = defaultdict(list)
        for story_id, m in await rows.members(unread, exclude=set()):
            items[story_id].append(Doc(m.item_id, m.source_id, m.language, m.title, m.summary,
                                       m.at))  # fmt: skip
        index.restore(items)


def _doc(
    s: StoredItem,
    now: datetime,
    vectors: Vectors | None,
    published_until: Mapping[int, datetime] | None,
) -> Doc:
    it = s.item
    until = published_until.get(s.id) if published_until else None
    vector = vectors.get(s.id) if vectors else None
    at = min(it.published_at, now)
    return Doc(s.id, s.source_id, it.language, it.title, it.summary, at, until, vector)


def _member(s: StoredItem, at: datetime) -> StoryMember:
    it = s.item
    return StoryMember(s.id, s.source_id, at, it.title, it.url, it.summary, it.language)
