"""Which open rows share a report's words: an inverted index from shingle hashes to rows.

One report's Jaccard index with every open row costs the length of the posting lists of its
own shingles (a bincount), not a set intersection per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

import numpy as np
import numpy.typing as npt


class Postings:
    """Shingle -> rows holding it, and each row's shingle count."""

    def __init__(self) -> None:
        self._rows: dict[int, list[int]] = {}
        self._sizes = np.zeros(256, dtype=np.float64)

    def add(self, row: int, shingles: npt.NDArray[np.uint32]) -> None:
        """Index row ``row`` (a new row, or one whose earlier entries were all rebuilt away)."""
        if row >= len(self._sizes):
            grown = np.zeros(2 * len(self._sizes), dtype=np.float64)
            grown[: len(self._sizes)] = self._sizes
            self._sizes = grown
        rows = self._rows
        for h in shingles.tolist():
            found = rows.get(h)
            if found is None:
                rows[h] = [row]
            else:
                found.append(row)
        self._sizes[row] = shingles.size

    def rebuild(self, rows: Sequence[npt.NDArray[np.uint32]]) -> None:
        """Index these rows afresh (after the matrix was compacted)."""
        self._rows = {}
        self._sizes[:] = 0
        for row, shingles in enumerate(rows):
            self.add(row, shingles)

    def jaccard(self, shingles: npt.NDArray[np.uint32], n: int) -> npt.NDArray[np.float64]:
        """The Jaccard index of ``shingles`` with each of the first ``n`` rows."""
        lists = [found for h in shingles.tolist() if (found := self._rows.get(h))]
        if not lists:
            return np.zeros(n)
        rows = np.fromiter(chain.from_iterable(lists), dtype=np.int64)
        shared = np.bincount(rows, minlength=n)[:n].astype(np.float64)
        sizes = self._sizes[:n]
        union = sizes + shingles.size - shared
        out: npt.NDArray[np.float64] = np.divide(
            shared, union, out=np.zeros(n), where=(union > 0) & (sizes > 0)
        )
        return out
