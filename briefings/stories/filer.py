"""The filer: matched items into stories (old or new), through a ``StoryIndex`` and storage.

Items are taken in time order, so filing is deterministic and incremental: a report joins the
story of the most similar recent report within the window, else starts its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from briefings.model import StoredItem, StoryMember, StoryRecord, ThemeMatch
from briefings.store.story_rows import StoryRows
from briefings.stories.fingerprint import DEFAULT_THRESHOLD
from briefings.stories.index import Doc, StoryIndex
from briefings.stories.members import best_per_theme, story_record, theme_scores
from briefings.stories.minhash import MinHashIndex
from briefings.stories.storage import StoryStore

WINDOW = timedelta(hours=48)


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
    window: timedelta = WINDOW,
    threshold: float = DEFAULT_THRESHOLD,
) -> FileResult:
    """Record the matches and file every matched item into a story (an old one or a new one).

    Loads the index of recent stories afresh; a ``StoryFiler`` keeps it between calls.
    """
    return await StoryFiler(window=window, threshold=threshold)(conn, stored, matches, now)


class StoryFiler:
    """``file_items`` that keeps its index of recent stories between calls: one per poll cycle.

    The index is loaded from the stored signatures on the first call (and widened when a
    later call reaches further back) and then kept up to date with the stories this filer
    creates and grows. Stories that other processes file meanwhile are not seen until the next
    filer; the database stays the truth. After a failed call, or when the caller's
    transaction rolls back, call ``discard()``: the next call reloads.

    ``index`` makes the clustering method's index (MinHash by default); ``rows`` gives the
    storage for a connection (the SQL store by default).
    """

    def __init__(
        self,
        *,
        window: timedelta = WINDOW,
        threshold: float = DEFAULT_THRESHOLD,
        index: Callable[[], StoryIndex] | None = None,
        rows: Callable[[AsyncConnection], StoryStore] = StoryRows,
    ) -> None:
        self.window = window
        self.threshold = threshold
        self._new_index = index or (lambda: MinHashIndex(threshold=threshold))
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
    ) -> FileResult:
        """File matched items into stories; see ``file_items``."""
        try:
            return await self.file(self._rows(conn), stored, matches, now)
        except BaseException:
            self.discard()
            raise

    async def file(
        self,
        rows: StoryStore,
        stored: list[StoredItem],
        matches: Mapping[int, list[ThemeMatch]],
        now: datetime,
    ) -> FileResult:
        """File matched items into stories kept by ``rows``."""
        matched = [s for s in stored if matches.get(s.id)]
        if not matched:
            return FileResult([], [])
        best = {s.id: best_per_theme(matches[s.id]) for s in matched}
        await rows.write_item_themes(best)
        docs = sorted((_doc(s, now) for s in matched), key=lambda d: (d.at, d.id))
        index, known = await self._load(rows, docs[0].at - self.window)
        assigned = index.assign(docs, window=self.window)

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

    async def _load(self, rows: StoryStore, since: datetime) -> tuple[StoryIndex, set[int]]:
        if self._index is None or self._since is None:
            self._index, self._known = self._new_index(), set()
            await _load_index(rows, self._index, self._known, since, None)
            self._since = since
        elif since < self._since:
            await _load_index(rows, self._index, self._known, since, self._since)
            self._since = since
        return self._index, self._known


async def _load_index(
    rows: StoryStore, index: StoryIndex, known: set[int], since: datetime, until: datetime | None
) -> None:
    """Add to ``index`` the stories last seen in [since, until) that ``known`` lacks."""
    for story_id, signature, last_seen in await rows.recent_signatures(since, until):
        if story_id not in known:
            known.add(story_id)
            index.load(story_id, signature, last_seen)


def _doc(s: StoredItem, now: datetime) -> Doc:
    it = s.item
    return Doc(s.id, s.source_id, it.language, it.title, it.summary, min(it.published_at, now))


def _member(s: StoredItem, at: datetime) -> StoryMember:
    it = s.item
    return StoryMember(s.id, s.source_id, at, it.title, it.url, it.summary, it.language)
