"""Which open rows share a report's words: an inverted index from shingle hashes to rows.

One report's Jaccard index with every open row costs the length of the posting lists of its
own shingles (a bincount), not a set intersection per row. A shingle's rows are a Python list
while few (most word pairs stay so) and a numpy array with room to grow once ``BIG`` (a
common word's thousands of rows are then gathered in one C copy, not a Python loop).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

import numpy as np
import numpy.typing as npt

Rows = npt.NDArray[np.intp]
BIG = 16  # rows from which a shingle's list becomes an array


class _Array:
    """A common shingle's rows: the first ``used`` of ``rows`` (the rest is room to grow)."""

    __slots__ = ("rows", "used")

    def __init__(self, rows: Rows, used: int) -> None:
        self.rows, self.used = rows, used


class Postings:
    """Shingle -> rows holding it, and each row's shingle count."""

    def __init__(self) -> None:
        self._few: dict[int, list[int]] = {}  # shingles with fewer than BIG rows
        self._many: dict[int, _Array] = {}  # the others
        self._sizes = np.zeros(256, dtype=np.float64)

    def add(self, row: int, shingles: npt.NDArray[np.uint32]) -> None:
        """Index row ``row`` (a new row, or one whose earlier entries were all rebuilt away)."""
        if row >= len(self._sizes):
            grown = np.zeros(2 * len(self._sizes), dtype=np.float64)
            grown[: len(self._sizes)] = self._sizes
            self._sizes = grown
        few, many = self._few, self._many
        for h in shingles.tolist():
            listed = few.get(h)
            if listed is not None:
                listed.append(row)
                if len(listed) >= BIG:
                    rows = np.empty(2 * BIG, dtype=np.intp)
                    rows[:BIG] = listed
                    many[h] = _Array(rows, BIG)
                    del few[h]
                continue
            entry = many.get(h)
            if entry is None:
                few[h] = [row]
                continue
            used = entry.used
            if used == len(entry.rows):
                entry.rows = np.concatenate((entry.rows, np.empty_like(entry.rows)))
            entry.rows[used] = row
            entry.used = used + 1
        self._sizes[row] = shingles.size

    def rebuild(self, rows: Sequence[npt.NDArray[np.uint32]]) -> None:
        """Index these rows afresh (after the matrix was compacted)."""
        self._few, self._many = {}, {}
        self._sizes[:] = 0
        if not rows:
            return
        sizes = np.fromiter((r.size for r in rows), dtype=np.intp, count=len(rows))
        if len(self._sizes) < len(rows):
            self._sizes = np.zeros(max(256, 2 * len(rows)), dtype=np.float64)
        self._sizes[: len(rows)] = sizes
        hashes = np.concatenate(rows)
        if not hashes.size:  # no row has words: nothing to index
            return
        owners = np.repeat(np.arange(len(rows), dtype=np.intp), sizes)
        order = np.argsort(hashes, kind="stable")  # rows in order within each shingle
        hashes, owners = hashes[order], owners[order]
        starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
        ends = np.r_[starts[1:], len(hashes)]
        few, many = self._few, self._many
        for h, a, b in zip(hashes[starts].tolist(), starts.tolist(), ends.tolist(), strict=True):
            if b - a < BIG:
                few[h] = owners[a:b].tolist()
            else:
                many[h] = _Array(owners[a:b].copy(), b - a)  # full: the next add doubles it

    def jaccard(self, shingles: npt.NDArray[np.uint32], n: int) -> npt.NDArray[np.float64]:
        """The Jaccard index of ``shingles`` with each of the first ``n`` rows."""
        few, many = self._few, self._many
        arrays, lists = [], []
        for h in shingles.tolist():
            listed = few.get(h)
            if listed is not None:
                lists.append(listed)
            elif (entry := many.get(h)) is not None:
                arrays.append(entry.rows[: entry.used])
        if lists:
            arrays.append(np.fromiter(chain.from_iterable(lists), dtype=np.intp))
        out = np.zeros(n)
        if not arrays:
            return out
        shared = np.bincount(np.concatenate(arrays), minlength=n)[:n]
        some = np.flatnonzero(shared)  # elsewhere the index is 0 (and so was 0/union)
        common = shared[some].astype(np.float64)
        out[some] = common / (self._sizes[some] + shingles.size - common)
        return out
