"""The clustering method in use: MinHash fingerprints in an LSH index (a ``StoryIndex``).

A report joins the story of the most similar recent report (Jaccard of words and word pairs,
at least ``threshold``) within the time window, else starts its own. A story keeps its first
``MAX_SIGNATURES`` members' fingerprints to recognise later reports.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from briefings.stories.fingerprint import DEFAULT_THRESHOLD, Fingerprint, fingerprint
from briefings.stories.index import Doc
from briefings.stories.lsh import LshIndex

MAX_SIGNATURES = 4
_VERSION = 1  # of the signature saved with a story


class MinHashIndex:
    """A ``StoryIndex``: recent stories' fingerprints, found by LSH banding."""

    def __init__(
        self, *, threshold: float = DEFAULT_THRESHOLD, window: timedelta = timedelta(hours=48)
    ) -> None:
        self.threshold = threshold
        self.window = window
        self.lsh = LshIndex()

    def load(self, story_id: int, signature: object, last_seen: datetime) -> None:
        fps = _fingerprints(signature)
        for fp in fps:
            self.lsh.add(story_id, fp, last_seen)
        if not fps:
            self.lsh.touch(story_id, last_seen)

    def unread(self) -> list[int]:
        """None: a story without fingerprints still matches by time, as before (the baseline)."""
        return []

    def restore(self, items: Mapping[int, Sequence[Doc]]) -> None:
        """Nothing to rebuild (``unread`` is empty)."""

    def assign(self, docs: Sequence[Doc], *, window: timedelta) -> dict[int, int]:
        return self.assign_fingerprints(
            [(d.id, fingerprint(d.title, d.summary, d.language), d.at) for d in docs],
            window=window,
        )

    def assign_fingerprints(
        self, docs: Sequence[tuple[int, Fingerprint, datetime]], *, window: timedelta
    ) -> dict[int, int]:
        """``assign`` for docs already fingerprinted: ``(doc id, fingerprint, time)``."""
        lsh, threshold = self.lsh, self.threshold
        assigned: dict[int, int] = {}
        next_new = -1
        with gc_paused():
            for doc_id, fp, at in sorted(docs, key=lambda d: (d[2], d[0])):
                story = lsh.best_match(fp, at, window=window, threshold=threshold)
                if story is None:
                    story, next_new = next_new, next_new - 1
                    lsh.add(story, fp, at)
                elif lsh.member_count(story) < MAX_SIGNATURES:
                    lsh.add(story, fp, at)
                else:
                    lsh.touch(story, at)
                assigned[doc_id] = story
        return assigned

    def relabel(self, new_ids: Mapping[int, int]) -> None:
        self.lsh.relabel(new_ids)

    def signature(self, story_id: int) -> dict[str, Any]:
        return {"v": _VERSION, "fps": [fp.to_json() for fp in self.lsh.fingerprints(story_id)]}


def _fingerprints(signature: object) -> list[Fingerprint]:
    if not isinstance(signature, dict):
        return []
    fps = signature.get("fps", ())
    return [Fingerprint.from_json(fp) for fp in fps if isinstance(fp, dict)]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector around a clustering loop.

    The loop makes hundreds of thousands of small objects and no cyclic garbage; the
    collector's repeated passes over them nearly doubled the time of clustering 50,000 items.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
