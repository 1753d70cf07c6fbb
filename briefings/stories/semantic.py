"""The semantic clustering method (a ``StoryIndex``): sentence vectors, time, numbers, places.

A report joins the open story it scores best with (``event.story_score`` against the story's
members, at least ``EventParams.threshold``), else starts its own. A story only admits reports
that happened within ``max_gap_days`` of every dated member, so it never swallows a later
event and cannot drift by chaining; a story is recognised by its first ``MAX_MEMBERS``
reports. Reports are filed by when they happened (vaguest dates last), then by id, so the
result does not depend on the order they are given in.

A story this batch started that is still a single report gets a second look before it closes
(or at the batch's end): reports filed after it may have made a story it now fits
(``_second_look``).

Speed: the cosines of a chunk of reports against every open member are one matrix product;
time vetoes and a score bound are vectorised, and only the few stories that can still win are
scored exactly. Closed stories (their window passed) leave the search at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt

from briefings.stories.embed import DIM, Embedder, Vectors, default_embedder, item_text
from briefings.stories.event import EventParams, Report, report_from, story_score
from briefings.stories.index import Doc
from briefings.stories.open_stories import MAX_MEMBERS, OpenStories, Story
from briefings.stories.signature import dump_signature, load_signature
from briefings.stories.when import Span

CHUNK = 256  # reports whose cosines are taken together


class SemanticIndex:
    """A ``StoryIndex``: open stories' member vectors and what each report happened to say."""

    def __init__(
        self, *, embedder: Embedder | None = None, params: EventParams | None = None
    ) -> None:
        self.params = params or EventParams()
        self._embedder = embedder
        # The filer loads stories last seen this long before its earliest report: a lede's
        # weekday may put a happening two days before its report.
        self.window = timedelta(days=self.params.max_gap_days + 2)
        self.open = OpenStories(self.params)
        self._unread: list[int] = []  # loaded stories whose signature kept no members
        self._started: dict[int, Story] = {}  # the stories this batch started, by seq
        self._moved: dict[int, Story] = {}  # report id -> the story a second look moved it to

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = default_embedder()
        return self._embedder

    def load(self, story_id: int, signature: object, last_seen: datetime) -> None:
        story = self.open.story(story_id)
        members = load_signature(signature, story)
        if members is None:
            self._unread.append(story_id)  # saved by another method or version: ``restore``
            return
        for report in members:
            self.open.add(story, report)

    def unread(self) -> list[int]:
        """Loaded stories whose signature keeps no members (saved by MinHash, or by an older
        version): the filer gives their items to ``restore``."""
        return list(self._unread)

    def restore(self, items: Mapping[int, Sequence[Doc]]) -> None:
        """Rebuild unread stories' members from their items (story id -> its items), as if
        they had been filed here: in filing order, the first ``MAX_MEMBERS`` kept, embedded
        in one batch; every item widens the story's window and counts."""
        todo = [sid for sid in self._unread if items.get(sid)]
        self._unread = []  # a story without items has nothing to rebuild
        placeholder = np.zeros(DIM, dtype=np.float16)
        ordered: dict[int, list[Report]] = {}
        docs: dict[int, Doc] = {}
        for sid in todo:
            reports = []
            for d in items[sid]:
                docs[d.id] = d
                reports.append(report_from(d.id, d.language, d.title, d.summary, _span(d),
                                           placeholder))  # fmt: skip
            ordered[sid] = sorted(reports, key=lambda r: (r.span.end, r.span.start, r.id))
        kept = [r.id for rs in ordered.values() for r in rs[:MAX_MEMBERS]]
        given = {d: docs[d].vector for d in kept if docs[d].vector is not None}
        missing = [d for d in kept if d not in given]
        for first in range(0, len(missing), CHUNK):
            part = missing[first : first + CHUNK]
            made = self.embedder.encode([item_text(docs[d].title, docs[d].summary) for d in part])
            given.update(zip(part, made, strict=True))
        for sid, reports in ordered.items():
            story = self.open.story(sid)
            for n, r in enumerate(reports):
                vector = np.asarray(given[r.id], dtype=np.float16) if n < MAX_MEMBERS else None
                self.open.add(story, r if vector is None else replace(r, vector=vector))

    def assign(self, docs: Sequence[Doc], *, window: timedelta) -> dict[int, int]:
        """Doc id -> story id (new stories negative: -1, -2, ... in filing order, less those a
        second look emptied); ``window`` is unused: the method's own time rules decide."""
        return self.assign_reports(self.reports(docs))

    def assign_reports(self, reports: Sequence[Report]) -> dict[int, int]:
        """``assign`` for docs already read as reports (``reports``)."""
        order = sorted(reports, key=lambda r: (r.span.end, r.span.start, r.id))
        self.open.forget_closed()
        self._started, self._moved = {}, {}
        filed: dict[int, Story] = {}
        for first in range(0, len(order), CHUNK):
            chunk = order[first : first + CHUNK]
            filed.update(zip((r.id for r in chunk), self._file_chunk(chunk), strict=True))
        self._second_look(list(self._started.values()))
        return {report.id: self._moved.get(report.id, filed[report.id]).id for report in order}

    def reports(self, docs: Sequence[Doc]) -> list[Report]:
        """Docs as reports: their vectors (embedding those that come without, in one call)."""
        missing = [d for d in docs if d.vector is None]
        given: dict[int, Vectors] = {}
        if missing:
            made = self.embedder.encode([item_text(d.title, d.summary) for d in missing])
            given.update(zip((d.id for d in missing), made, strict=True))
        out = []
        for d in docs:
            # Stored signatures keep float16: use the same values before and after a restart.
            kept = np.asarray(d.vector if d.vector is not None else given[d.id], dtype=np.float16)
            out.append(report_from(d.id, d.language, d.title, d.summary, _span(d), kept))
        return out

    def _file_chunk(self, chunk: list[Report]) -> list[Story]:
        vectors = np.stack([r.vector for r in chunk]).astype(np.float32)
        before = self.open.cosines(vectors)  # (chunk, open rows now)
        among = vectors @ vectors.T  # the chunk's own reports, as they become members
        stories = []
        for i, report in enumerate(chunk):
            cosines = self.open.row_cosines(before[i], among[i])
            story = self._best(report, cosines)
            if story is None:
                story = self.open.new_story()
                self._started[story.seq] = story
            self.open.add(story, report, position=i)
            passed = self.open.passed()
            self._second_look([s for s in passed if s.seq in self._started])
            self.open.close(passed)
            stories.append(story)
        return stories

    def _second_look(self, alone: list[Story]) -> None:
        """Stories this batch started that are still a single report, before they close (or
        at the batch's end), join the story they now score best with, if it reaches the bar.

        Reports are filed by when they happened, so a report may be filed before those it
        resembles most: "Caída de 'El Mencho'" (Spanish) came when the story held two English
        reports, scoring 0.47 and 0.54; once three Spanish reports had joined it, 0.75 to
        0.78. A story is never split: only a story of one report moves, and only one this
        batch made (a stored story may have been sent)."""
        alone = [story for story in alone if self._still_alone(story)]
        for first in range(0, len(alone), CHUNK):  # CHUNK x rows cosines at a time, as filing
            part = alone[first : first + CHUNK]
            cosines = self.open.cosines_of(np.stack([s.members[0].vector for s in part]))
            for story, row in zip(part, cosines, strict=True):
                if not self._still_alone(story):
                    continue  # another lone report joined it meanwhile (a tie at the bar)
                report = story.members[0]
                target = self._best(report, row, besides=story)
                if target is not None:
                    self.open.move(story, target)
                    self._moved[report.id] = target

    def _still_alone(self, story: Story) -> bool:
        """One report, still open, and not moved away (a move forgets the emptied story)."""
        return story.count == 1 and bool(story.rows) and self.open.by_seq.get(story.seq) is story

    def _best(self, report: Report, cosines: npt.NDArray[np.float32],
              besides: Story | None = None) -> Story | None:  # fmt: skip
        """The story this report scores best with (ties: the older), if any reaches the bar;
        ``besides``: the report's own story, which is not a candidate."""
        params = self.params
        bases, candidates = self.open.candidates(report, cosines)
        best: tuple[float, int] | None = None
        for bound, story in candidates:
            if story is besides:
                continue
            if best is not None and bound < best[0]:
                break  # sorted by bound: no later story can do better
            if not story.admits(report.span, params.max_gap_days):
                continue
            need = params.threshold if best is None else max(params.threshold, best[0])
            score = story_score(report, story.members, bases[story.rows].tolist(), params,
                                beat=need)  # fmt: skip
            if score < params.threshold:
                continue
            if best is None or score > best[0] or (score == best[0] and story.seq < best[1]):
                best = (score, story.seq)
        return None if best is None else self.open.by_seq[best[1]]

    def relabel(self, new_ids: Mapping[int, int]) -> None:
        self.open.relabel(new_ids)

    def signature(self, story_id: int) -> dict[str, object]:
        return dump_signature(self.open.story(story_id))


def _span(doc: Doc) -> Span:
    """When a doc was published: an instant, or the day(s) or month its feed gave."""
    start = doc.at.astimezone(UTC).replace(tzinfo=None)
    if doc.at_end is None:
        return Span(start, start)
    return Span(start, doc.at_end.astimezone(UTC).replace(tzinfo=None), whole_days=True)
