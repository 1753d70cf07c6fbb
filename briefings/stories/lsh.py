"""Recent stories' fingerprints in LSH buckets, so a lookup compares a few candidates only.

Two bounds keep a lookup cheap when the news is all about one country: a bucket offers only
its most recent entries, and only the candidates sharing the most bands are compared exactly.
"""

from __future__ import annotations

import operator
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain

from briefings.stories.fingerprint import DEFAULT_THRESHOLD, MIN_SHARED_WORDS, Fingerprint

_COUNT = operator.itemgetter(1)


@dataclass(slots=True)
class _Entry:
    story_id: int
    fp: Fingerprint
    at: datetime


class LshIndex:
    """Recent stories' fingerprints, found by LSH banding instead of comparing every pair."""

    def __init__(self, *, bucket_cap: int = 8, verify: int = 8) -> None:
        # A very common band (say "mexico"+"trump") would make every lookup scan thousands of
        # stories: only the most recent ``bucket_cap`` entries of a bucket are compared.
        self._bucket_cap = bucket_cap
        self._verify = verify
        self._buckets: dict[int, list[int]] = {}
        self._entries: list[_Entry] = []
        self._last_seen: dict[int, datetime] = {}
        self._fps: dict[int, list[Fingerprint]] = defaultdict(list)

    def __len__(self) -> int:
        return len(self._last_seen)

    def fingerprints(self, story_id: int) -> list[Fingerprint]:
        """The fingerprints indexed for a story (its first members), oldest first."""
        return list(self._fps.get(story_id, ()))

    def member_count(self, story_id: int) -> int:
        """How many fingerprints the index holds for a story."""
        return len(self._fps.get(story_id, ()))

    def add(self, story_id: int, fp: Fingerprint, at: datetime) -> None:
        """Index one fingerprint of a story (a story may have several: its first members)."""
        last = self._last_seen.get(story_id)
        if last is None or at > last:
            self._last_seen[story_id] = at
        if not fp.sketch:
            return
        self._fps[story_id].append(fp)
        position = len(self._entries)
        self._entries.append(_Entry(story_id, fp, at))
        buckets, cap = self._buckets, self._bucket_cap
        for key in fp.bands:
            bucket = buckets.get(key)
            if bucket is None:
                buckets[key] = [position]
            else:
                bucket.append(position)
                if len(bucket) > cap:  # only the most recent are ever offered
                    del bucket[0]

    def relabel(self, new_ids: Mapping[int, int]) -> None:
        """Give stories new ids (a new story's temporary id becomes its stored one)."""
        moves = {old: new for old, new in new_ids.items() if old != new}
        if not moves:
            return
        for old, new in moves.items():
            if old in self._last_seen:
                self._last_seen[new] = self._last_seen.pop(old)
            if old in self._fps:
                self._fps[new] = self._fps.pop(old)
        for entry in self._entries:
            moved_to = moves.get(entry.story_id)
            if moved_to is not None:
                entry.story_id = moved_to

    def touch(self, story_id: int, at: datetime) -> None:
        """Record that a story was seen at ``at`` without indexing another fingerprint."""
        last = self._last_seen.get(story_id)
        if last is None or at > last:
            self._last_seen[story_id] = at

    def best_match(
        self,
        fp: Fingerprint,
        at: datetime,
        *,
        window: timedelta,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> int | None:
        """The most similar story seen within ``window`` of ``at``, if similar enough.

        Ties go to the lower story id, so the result never depends on insertion order.
        """
        if not fp.sketch:
            return None
        # Each bucket holds its most recent entries only; None for the bands nobody shares.
        found = chain.from_iterable(filter(None, map(self._buckets.get, fp.bands)))
        # Shared bands estimate similarity: only the likeliest few get the exact comparison
        # (most shared bands first; ties in the order found, which is deterministic).
        counts = Counter(found)
        if len(counts) > self._verify:
            ranked = sorted(counts.items(), key=_COUNT, reverse=True)  # stable: ties keep order
            likeliest: Iterable[int] = [p for p, _ in ranked[: self._verify]]
        else:
            likeliest = counts  # all of them: the order of comparison does not change the best
        # similarity() inlined, sharing the word intersection with the MIN_SHARED_WORDS test.
        words, pairs = fp.words, fp.pairs
        size = len(words) + len(pairs)
        earliest, latest = at - window, at + window
        last_seen, entries = self._last_seen, self._entries
        best: tuple[float, int] | None = None
        for position in likeliest:
            entry = entries[position]
            if not earliest <= entry.at <= latest and not (
                earliest <= last_seen[entry.story_id] <= latest
            ):
                continue
            other = entry.fp
            shared = len(words & other.words)
            if shared < MIN_SHARED_WORDS:
                continue
            common = shared + len(pairs & other.pairs)
            score = common / (size + len(other.words) + len(other.pairs) - common)
            if score < threshold:
                continue
            if best is None or (score, -entry.story_id) > best:
                best = (score, -entry.story_id)
        return None if best is None else -best[1]
