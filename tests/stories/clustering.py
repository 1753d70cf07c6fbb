"""``cluster``: the production clustering loop (``MinHashIndex``) on fingerprints, for tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from briefings.stories import DEFAULT_THRESHOLD, Fingerprint, MinHashIndex


def cluster(
    docs: list[tuple[int, Fingerprint, datetime]],
    *,
    window: timedelta = timedelta(hours=48),
    threshold: float = DEFAULT_THRESHOLD,
) -> dict[int, int]:
    """Group ``(doc_id, fingerprint, time)`` into stories: doc id -> the id of its first doc."""
    assigned = MinHashIndex(threshold=threshold).assign_fingerprints(docs, window=window)
    first: dict[int, int] = {}  # a new story's temporary id -> the doc that started it
    for doc_id, _, _ in sorted(docs, key=lambda d: (d[2], d[0])):
        first.setdefault(assigned[doc_id], doc_id)
    return {doc_id: first[story] for doc_id, story in assigned.items()}
