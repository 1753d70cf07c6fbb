"""An item's fingerprint: its content tokens and word pairs, hashed, with a MinHash sketch.

Adjacent token pairs are added unordered, which rewards shared phrases in either word order.
Similarity is the exact Jaccard index of the two shingle sets (words and pairs). To find
candidates without comparing all pairs, each fingerprint has a one-permutation MinHash sketch
of its words (96 bins, densified) cut into 48 LSH bands of 2 rows (``briefings.stories.lsh``).
Words alone give same-event reports a Jaccard of 0.25-0.6, where banding finds them with
probability > 0.95.

Everything is deterministic: tokens are hashed with BLAKE2b, never Python's salted ``hash``.
"""

from __future__ import annotations

import hashlib
import operator
import random
from array import array
from dataclasses import dataclass, field
from typing import Any

from briefings.stories.words import tokens

# Tuned on the labelled reports in tests/stories/headlines.py (words + pairs Jaccard): reports
# of one event by other outlets score 0.14-0.47 (English vs Spanish included), different events
# on the same theme at most 0.12. The time window keeps apart what text alone cannot.
DEFAULT_THRESHOLD = 0.13
# Two bare headlines ("Trump, tariffs, Mexico") can be similar by chance: a match also needs
# this many words in common.
MIN_SHARED_WORDS = 3

WEEKDAY_TOKENS = frozenset({"d_mon", "d_tue", "d_wed", "d_thu", "d_fri", "d_sat", "d_sun"})

BINS = 96
ROWS = 2
BANDS = BINS // ROWS


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """An item's shingles as 32-bit hashes: its words, and its unordered adjacent word pairs."""

    words: frozenset[int]
    pairs: frozenset[int] = frozenset()
    language: str = ""
    sketch: tuple[int, ...] = field(default=(), compare=False, repr=False)
    bands: tuple[int, ...] = field(default=(), compare=False, repr=False)  # LSH bucket keys

    def to_json(self) -> dict[str, Any]:
        return {"l": self.language, "w": sorted(self.words), "p": sorted(self.pairs)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fingerprint:
        words = frozenset(int(t) for t in data.get("w", ()))
        pairs = frozenset(int(t) for t in data.get("p", ()))
        sketch = _sketch(words)
        return Fingerprint(words, pairs, str(data.get("l", "")), sketch, _band_keys(sketch))


_hash_cache: dict[str, int] = {}


def _hash32(token: str) -> int:
    value = _hash_cache.get(token)
    if value is None:
        value = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=4).digest(), "big")
        if len(_hash_cache) < 500_000:
            _hash_cache[token] = value
    return value


def fingerprint(title: str, summary: str, language: str) -> Fingerprint:
    """The fingerprint of one item: its tokens and unordered adjacent pairs, hashed."""
    hashed = [_hash32(w) for w in tokens(title, summary)]
    unigrams = frozenset(hashed)
    # A pair's hash is the XOR of its two word hashes: the same pair in either word order
    # (neighbours are never equal: tokens() drops immediate repeats).
    pairs = frozenset(map(operator.xor, hashed, hashed[1:]))
    sketch = _sketch(unigrams)
    return Fingerprint(unigrams, pairs, language, sketch, _band_keys(sketch))


def shingles(title: str, summary: str) -> frozenset[int]:
    """An item's words and unordered adjacent word pairs, hashed, as one set (EN/ES glossed).

    Weekdays are left out: the same-event decision weighs time on its own (``when``), and
    every report of a Monday says "Monday".
    """
    return shingles_of(tokens(title, summary))


def shingles_of(found: list[str]) -> frozenset[int]:
    """``shingles`` of an item's tokens (``words.tokens``)."""
    hashed = [_hash32(w) for w in found if w not in WEEKDAY_TOKENS]
    return frozenset(hashed).union(map(operator.xor, hashed, hashed[1:]))


def similarity(a: Fingerprint, b: Fingerprint) -> float:
    """Jaccard index of two fingerprints' token sets (0 when either is empty)."""
    if not a.words or not b.words:
        return 0.0
    common = len(a.words & b.words) + len(a.pairs & b.pairs)
    size_a, size_b = len(a.words) + len(a.pairs), len(b.words) + len(b.pairs)
    return common / (size_a + size_b - common)


# --- the MinHash sketch behind the LSH index -------------------------------------------------

# Each empty bin borrows from the first non-empty bin of its own fixed pseudo-random probe
# order ("optimal densification", Shrivastava 2017), which keeps the sketch a valid MinHash.
_PROBES: tuple[tuple[int, ...], ...] = tuple(
    tuple(random.Random(f"bin-{j}").sample(range(BINS), BINS)) for j in range(BINS)
)


def _sketch(token_set: frozenset[int]) -> tuple[int, ...]:
    if not token_set:
        return ()
    mins: list[int | None] = [None] * BINS
    for token in token_set:  # word hashes are BLAKE2b output: uniform, usable as they are
        b = token % BINS
        current = mins[b]
        if current is None or token < current:
            mins[b] = token
    out: list[int] = []
    for j, value in enumerate(mins):
        if value is None:
            for k in _PROBES[j]:
                donor = mins[k]
                if donor is not None:
                    value = donor
                    break
        out.append(value if value is not None else 0)
    return tuple(out)


assert array("I").itemsize == 4 and array("Q").itemsize == 8  # the band keys' layout
_BAND_SALTS = [(band * 0x9E3779B97F4A7C15) & ((1 << 64) - 1) for band in range(BANDS)]


def _band_keys(sketch: tuple[int, ...]) -> tuple[int, ...]:
    if not sketch:
        return ()
    # Both 32-bit rows of a band read as one 64-bit integer (in C, through a memoryview),
    # salted with the band's number so that equal rows in different bands stay apart.
    rows = memoryview(array("I", sketch).tobytes()).cast("Q").tolist()
    return tuple(map(operator.xor, rows, _BAND_SALTS))
