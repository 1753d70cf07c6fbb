"""The stories a new report may still join, and their members' vectors as one matrix.

Each kept member is a row: its vector, its happening span (integer microseconds, so the time
rules are exact), and its story. Rows of closed stories leave the search at once and the
matrix is compacted between chunks, so row numbers hold while a chunk is filed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from briefings.stories.embed import DIM
from briefings.stories.event import DATED_SPAN_DAYS, NEG, EventParams, Report
from briefings.stories.postings import Postings
from briefings.stories.when import Span, day_bounds

MAX_MEMBERS = 16  # a story is recognised by its first reports: they tell what it is about
_US = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1)
_DAY_US = 86_400_000_000


@dataclass(slots=True)
class Story:
    """An open story: its kept members, their rows, and the window its dated members allow."""

    id: int  # stored id, or -1, -2, ... until the filer stores it
    seq: int  # when it was made or loaded: ties go to the older story
    members: list[Report] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    count: int = 0  # members filed, kept or not
    earliest_end: datetime | None = None  # over dated members
    latest_start: datetime | None = None

    def admits(self, span: Span, max_gap_days: float) -> bool:
        """True when the span lies within the gap of every dated member (in whole days, as
        pair gaps are: ``day_bounds``)."""
        gap = timedelta(days=max_gap_days)
        start, end = _days(span)
        if self.earliest_end is not None and start - self.earliest_end > gap:
            return False
        return self.latest_start is None or self.latest_start - end <= gap

    def widen(self, span: Span) -> None:
        if span.days <= DATED_SPAN_DAYS:
            start, end = _days(span)
            if self.earliest_end is None or end < self.earliest_end:
                self.earliest_end = end
            if self.latest_start is None or start > self.latest_start:
                self.latest_start = start


def _days(span: Span) -> tuple[datetime, datetime]:
    """The whole days a span touches, [first midnight, the midnight after the last day)."""
    first, last = day_bounds(span)
    return first, last + timedelta(days=1)


def _us(t: datetime) -> int:
    return (t - _EPOCH) // _US


class OpenStories:
    """Open stories by id, and the matrix of their members' rows."""

    def __init__(self, params: EventParams) -> None:
        self.params = params
        self.by_seq: dict[int, Story] = {}
        self._ids: dict[int, int] = {}  # story id -> seq
        self._closed: list[int] = []  # closed during this assign: still asked for signatures
        self._seq, self._next_new = 0, -1
        self._vectors = np.zeros((256, DIM), dtype=np.float32)
        self._owner = np.zeros(256, dtype=np.int64)  # the seq of each row's story
        self._start = np.zeros(256, dtype=np.int64)  # happening span's first day, µs
        self._last = np.zeros(256, dtype=np.int64)  # and its last day (midnights, UTC)
        self._stated = np.zeros(256, dtype=bool)
        self._alive = np.zeros(256, dtype=bool)
        self._n = 0
        self._shingles: list[npt.NDArray[np.uint32]] = []  # each row's, to rebuild postings
        self._postings = Postings()
        self._added: list[int] = []  # chunk positions of the rows added since ``cosines``
        self._watermark: datetime | None = None
        self._swept: datetime | None = None

    # -- stories -------------------------------------------------------------------------
    def story(self, story_id: int) -> Story:
        """The story with this id (a stored one is made empty on first mention)."""
        seq = self._ids.get(story_id)
        return self.by_seq[seq] if seq is not None else self._make(story_id)

    def new_story(self) -> Story:
        while self._next_new in self._ids:  # a caller that did not relabel: never reuse an id
            self._next_new -= 1
        story = self._make(self._next_new)
        self._next_new -= 1
        return story

    def _make(self, story_id: int) -> Story:
        story = Story(story_id, self._seq)
        self._seq += 1
        self.by_seq[story.seq] = story
        self._ids[story_id] = story.seq
        return story

    def relabel(self, new_ids: Mapping[int, int]) -> None:
        for old, new in new_ids.items():
            seq = self._ids.pop(old, None)
            if seq is not None:
                self._ids[new] = seq
                self.by_seq[seq].id = new

    def forget_closed(self) -> None:
        """A new assign begins: drop the stories closed before, number new stories from -1."""
        for seq in self._closed:
            story = self.by_seq.pop(seq)
            self._ids.pop(story.id, None)
        self._closed, self._next_new = [], -1

    # -- members -------------------------------------------------------------------------
    def add(self, story: Story, report: Report, position: int | None = None) -> None:
        """File a report in a story (``position``: its place in the chunk being filed)."""
        story.count += 1
        story.widen(report.span)
        if report.span.days <= DATED_SPAN_DAYS and (
            self._watermark is None or report.span.start > self._watermark
        ):
            self._watermark = report.span.start
        if len(story.members) >= MAX_MEMBERS:
            return
        story.members.append(report)
        row = self._row(report, story.seq)
        story.rows.append(row)
        if position is not None:
            self._added.append(position)

    def _row(self, report: Report, seq: int) -> int:
        n = self._n
        if n == len(self._owner):
            self._grow(2 * n)
        first, last = day_bounds(report.span)
        self._vectors[n] = report.vector
        self._owner[n], self._start[n], self._last[n] = seq, _us(first), _us(last)
        self._stated[n], self._alive[n] = report.span.stated, True
        if self.params.lexical:
            self._shingles.append(report.shingles)
            self._postings.add(n, report.shingles)
        self._n = n + 1
        return n

    def _grow(self, size: int) -> None:
        for name in ("_vectors", "_owner", "_start", "_last", "_stated", "_alive"):
            old = getattr(self, name)
            new = np.zeros((size, *old.shape[1:]), dtype=old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)

    # -- search --------------------------------------------------------------------------
    def cosines(self, vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """A chunk's cosines with every open row (compacting the matrix first)."""
        if self._n > 512 and int(self._alive[: self._n].sum()) < self._n // 2:
            self._compact()
        self._added = []
        out: npt.NDArray[np.float32] = vectors @ self._vectors[: self._n].T
        return out

    def row_cosines(
        self, before: npt.NDArray[np.float32], among: npt.NDArray[np.float32]
    ) -> npt.NDArray[np.float32]:
        """One report's cosines with every row: those open at the chunk's start, then the
        chunk's reports filed since (``among``: its cosines with the chunk)."""
        if not self._added:
            return before
        return np.concatenate([before, among[self._added]])

    def candidates(
        self, report: Report, cosines: npt.NDArray[np.float32]
    ) -> tuple[npt.NDArray[np.float64], list[tuple[float, Story]]]:
        """Each open row's pair score before ``corrections`` (NEG when the pair is impossible),
        and the stories that may reach the threshold, best bound first: (bound, story).

        A story's score is at most its best pair score, and corrections add at most the
        shared-quantity bonus: stories whose rows all fall below that bound are not scored.
        """
        p, n = self.params, len(cosines)
        span = report.span
        first, last_day = day_bounds(span)
        start, last = _us(first), _us(last_day)
        gap = np.maximum(np.maximum(start - self._last[:n], self._start[:n] - last), 0)
        base = cosines - p.per_day * (gap / _DAY_US)
        if p.lexical:
            base += p.lexical * self._postings.jaccard(report.shingles, n)
        impossible = gap > p.max_gap_days * _DAY_US
        if span.stated:
            impossible |= self._stated[:n] & (gap >= _DAY_US)
        base[impossible] = NEG
        rows = np.flatnonzero(self._alive[:n] & (base + p.quantity_shared >= p.threshold))
        order = rows[np.argsort(-base[rows], kind="stable")]
        found: list[tuple[float, Story]] = []
        seen: set[int] = set()
        for row, seq in zip(order.tolist(), self._owner[order].tolist(), strict=True):
            if seq not in seen:
                seen.add(seq)
                found.append((float(base[row]) + p.quantity_shared, self.by_seq[seq]))
        return base, found

    def cosines_of(self, vectors: npt.NDArray[np.float16]) -> npt.NDArray[np.float32]:
        """Vectors' cosines with every row now (rows added during a chunk included)."""
        out: npt.NDArray[np.float32] = vectors.astype(np.float32) @ self._vectors[: self._n].T
        return out

    def move(self, story: Story, target: Story) -> None:
        """Move a one-member story's report (and its row) into ``target``; the emptied story
        is forgotten. Rows keep their numbers (a chunk may be being filed)."""
        (report,), (row,) = story.members, story.rows
        target.count += 1
        target.widen(report.span)
        if len(target.members) < MAX_MEMBERS:
            target.members.append(report)
            target.rows.append(row)
            self._owner[row] = target.seq
        else:
            self._alive[row] = False
        del self.by_seq[story.seq]
        del self._ids[story.id]

    # -- closing -------------------------------------------------------------------------
    def passed(self) -> list[Story]:
        """The open stories no later report can join: their window ended before the
        watermark. At most one sweep per hour of news time (else none)."""
        mark = self._watermark
        if mark is None or (self._swept is not None and mark - self._swept < timedelta(hours=1)):
            return []
        self._swept = mark
        horizon = mark - timedelta(days=self.params.max_gap_days + 1)
        return [story for story in self.by_seq.values()
                if story.earliest_end is not None and story.earliest_end < horizon
                and story.rows]  # fmt: skip

    def close(self, stories: list[Story]) -> None:
        """Take stories out of the search (``passed``; one moved away meanwhile is gone)."""
        for story in stories:
            if story.rows and self.by_seq.get(story.seq) is story:
                self._alive[story.rows] = False
                story.rows = []
                self._closed.append(story.seq)

    def _compact(self) -> None:
        keep = np.flatnonzero(self._alive[: self._n])
        moved = np.full(self._n, -1, dtype=np.int64)
        moved[keep] = np.arange(len(keep))
        for name in ("_vectors", "_owner", "_start", "_last", "_stated", "_alive"):
            array = getattr(self, name)
            array[: len(keep)] = array[keep]
        self._alive[len(keep) : self._n] = False
        self._n = len(keep)
        if self.params.lexical:
            self._shingles = [self._shingles[i] for i in keep.tolist()]
            self._postings.rebuild(self._shingles)
        for story in self.by_seq.values():
            if story.rows:
                story.rows = moved[story.rows].tolist()
