"""The semantic signal: does an item's meaning look like a theme's written examples?

Items and example sentences are sentence vectors of the story clusterer's multilingual
embedder (English and Spanish land in one space). Per theme, two questions, both needed:

1. a logistic model, fitted on the examples (the theme's against every other sentence of the
   examples file), gives a probability that must reach the theme's threshold;
2. of the NEIGHBOURS written sentences nearest to the item, at least VOTES are the theme's
   examples — so a probability the model extrapolates far from anything written stays out.

3. with a margin set for the theme, its nearest example must be that much nearer to the item
   than every sentence that is not its example (a counter-example, the background, another
   theme's example) — so an item that sits closest to a written near miss stays out.

The matcher asks only for the themes its rules leave undecided. Fitting embeds the examples
and takes a few Newton steps (2-3 CPU-seconds), so the fitted model is cached on disk
(``briefings.themes.cache``): a process whose examples and embedder are unchanged reads it
back in milliseconds. Deciding a batch is one matrix product, plus one more for the few items
the model lets through to the vote and the margin.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from briefings import paths
from briefings.themes import cache
from briefings.themes.examples import NO_MARGIN, ThemeExamples

# Chosen on the dev set's cross-validation folds (bench/match_quality.py): L2 penalties from 0.3
# to 2, and 3 or 5 neighbours, scored within one item of each other; without the neighbour
# vote, sovereignty's F1 fell by 0.02-0.05 (items far from anything written, extrapolated to).
RIDGE = 1.0
NEIGHBOURS = 5
VOTES = 3
# What a cached fit depends on besides the examples and the embedder: change it with the fit.
FIT_VERSION = f"logistic-pairs-1 ridge={RIDGE}"

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Texts to L2-normalised float32 rows, one per text (the story clusterer's embedder)."""

    def encode(self, texts: Sequence[str]) -> Vectors: ...


@dataclass(frozen=True, slots=True)
class Neighbour:
    """A written sentence near an item: how near, and the themes it is an example of."""

    sentence: str
    similarity: float
    themes: frozenset[str]


class SemanticModel:
    """Fitted per-theme models over the example sentences; pure and thread-safe once built."""

    def __init__(
        self,
        examples: ThemeExamples,
        vectors: npt.ArrayLike,
        fitted: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
    ) -> None:
        """Fit on the examples' ``vectors`` — or take ``fitted`` (weights, bias) as they were
        fitted on those vectors before (the cache)."""
        self.examples = examples
        self.themes = examples.themes
        self.thresholds = np.asarray(examples.thresholds, dtype=np.float32)
        self.margins = np.asarray(
            examples.margins or [NO_MARGIN] * len(self.themes), dtype=np.float32
        )
        self._vectors = _unit(np.asarray(vectors, dtype=np.float32))
        self._labels = np.array(
            [[theme in found for theme in self.themes] for found in examples.labels], dtype=bool
        )
        if fitted is None:
            x, y = _with_pairs(self._vectors, self._labels)
            models = [_logistic(x, y[:, j]) for j in range(len(self.themes))]
            fitted = np.stack([w for w, _ in models], axis=1), [b for _, b in models]
        self._weights = np.asarray(fitted[0], dtype=np.float32)
        self._bias = np.asarray(fitted[1], dtype=np.float32)

    @classmethod
    def fit(
        cls,
        examples: ThemeExamples,
        embedder: Embedder,
        cache_dir: Path | None | paths.Default = paths.DEFAULT,
    ) -> SemanticModel:
        """Embed the examples with ``embedder`` and fit the models — or read them back from
        ``cache_dir`` (default: ``paths.cache_dir()``; None: no cache), where a fit for the
        same examples and embedder was saved. Once per process for the same examples and
        embedder: the model is immutable, so callers share it."""
        return _fitted(examples, embedder, cache_dir)

    @property
    def fitted(self) -> tuple[Vectors, Vectors, Vectors]:
        """The examples' vectors, the weights and the biases (what the cache keeps)."""
        return self._vectors, self._weights, self._bias

    def with_thresholds(
        self, thresholds: Sequence[float], margins: Sequence[float] | None = None
    ) -> SemanticModel:
        """The same fitted model deciding with other thresholds (and margins), one per theme."""
        copy = object.__new__(SemanticModel)
        copy.__dict__.update(self.__dict__)
        copy.thresholds = np.asarray(thresholds, dtype=np.float32)
        if margins is not None:
            copy.margins = np.asarray(margins, dtype=np.float32)
        return copy

    def probabilities(self, vectors: npt.ArrayLike) -> Vectors:
        """(items × themes): each theme's probability for each item vector."""
        return self._probabilities(_unit(np.asarray(vectors, dtype=np.float32)))

    def _probabilities(self, rows: Vectors) -> Vectors:
        logits = rows @ self._weights + self._bias
        return np.asarray(1.0 / (1.0 + np.exp(-logits)), dtype=np.float32)

    def votes(self, vectors: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """(items × themes): how many of the nearest written sentences are each theme's."""
        return self._votes(_unit(np.asarray(vectors, dtype=np.float32)))

    def _votes(self, rows: Vectors, sims: Vectors | None = None) -> npt.NDArray[np.int64]:
        sims = rows @ self._vectors.T if sims is None else sims
        k = min(NEIGHBOURS, sims.shape[1])
        nearest = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        return np.asarray(self._labels[nearest].sum(axis=1), dtype=np.int64)

    def gaps(self, vectors: npt.ArrayLike) -> Vectors:
        """(items × themes): the similarity of each theme's nearest example, less that of the
        nearest sentence that is not one of its examples (negative: a near miss is nearer)."""
        return self._gaps(_unit(np.asarray(vectors, dtype=np.float32)))

    def _gaps(self, rows: Vectors, sims: Vectors | None = None) -> Vectors:
        sims = rows @ self._vectors.T if sims is None else sims
        out = np.empty((len(rows), len(self.themes)), dtype=np.float32)
        for j in range(len(self.themes)):
            mine = self._labels[:, j]
            out[:, j] = sims[:, mine].max(axis=1) - sims[:, ~mine].max(axis=1)
        return out

    def supported(self, vectors: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """(items × themes): whether the written sentences back the model (vote and margin)."""
        return self._supported(_unit(np.asarray(vectors, dtype=np.float32)))

    def _supported(self, rows: Vectors) -> npt.NDArray[np.bool_]:
        sims = rows @ self._vectors.T
        backed = self._votes(rows, sims) >= VOTES
        if np.isfinite(self.margins).any():
            backed &= self._gaps(rows, sims) >= self.margins
        return backed

    def decide(
        self, vectors: npt.ArrayLike, undecided: npt.NDArray[np.bool_]
    ) -> tuple[npt.NDArray[np.bool_], Vectors]:
        """Which undecided (item, theme) pairs join, and every probability."""
        rows = _unit(np.asarray(vectors, dtype=np.float32))
        probs = self._probabilities(rows)
        chosen = undecided & (probs >= self.thresholds)
        candidates = np.flatnonzero(chosen.any(axis=1))
        if candidates.size:  # the vote and the margin only for the few that pass the model
            chosen[candidates] &= self._supported(rows[candidates])
        return chosen, probs

    def neighbours(self, vector: npt.ArrayLike, count: int = NEIGHBOURS) -> list[Neighbour]:
        """The written sentences nearest to one item vector, nearest first."""
        sims = self._vectors @ _unit(np.asarray(vector, dtype=np.float32).reshape(1, -1))[0]
        order = np.argsort(-sims, kind="stable")[:count]
        return [
            Neighbour(self.examples.sentences[i], float(sims[i]), self.examples.labels[i])
            for i in order
        ]

    def nearest_example(self, vector: npt.ArrayLike, theme: str) -> Neighbour:
        """The theme's own example nearest to one item vector."""
        mine = np.flatnonzero(self._labels[:, self.themes.index(theme)])
        sims = self._vectors[mine] @ _unit(np.asarray(vector, dtype=np.float32).reshape(1, -1))[0]
        i = int(mine[int(np.argmax(sims))])
        return Neighbour(self.examples.sentences[i], float(sims.max()), self.examples.labels[i])


_FITTED: dict[tuple[ThemeExamples, int, Path | None], tuple[Embedder, SemanticModel]] = {}
_FITTING = threading.Lock()


def _fitted(
    examples: ThemeExamples, embedder: Embedder, cache_dir: Path | None | paths.Default
) -> SemanticModel:
    folder = paths.chosen_cache_dir(cache_dir)
    with _FITTING:  # the embedder is kept with its model, so its id() is never reused
        found = _FITTED.get((examples, id(embedder), folder))
        if found is None:
            if len(_FITTED) >= 4:
                _FITTED.clear()
            found = (embedder, _cached_or_fitted(examples, embedder, folder))
            _FITTED[(examples, id(embedder), folder)] = found
        return found[1]


def _cached_or_fitted(
    examples: ThemeExamples, embedder: Embedder, folder: Path | None
) -> SemanticModel:
    """The model read from the cache, else fitted (and saved there when it can be)."""
    who = cache.embedder_id(embedder)
    if folder is None or who is None:
        return SemanticModel(examples, embedder.encode(examples.sentences))
    key = cache.key(examples.sentences, examples.labels, examples.themes, who, FIT_VERSION)
    stored = cache.load(folder, key, len(examples.sentences), len(examples.themes))
    if stored is not None:
        vectors, weights, bias = stored
        return SemanticModel(examples, vectors, (weights, bias))
    model = SemanticModel(examples, embedder.encode(examples.sentences))
    cache.save(folder, key, *model.fitted)
    return model


def _unit(rows: Vectors) -> Vectors:
    rows = rows.reshape(1, -1) if rows.ndim == 1 else rows
    norms = np.sqrt(np.einsum("ij,ij->i", rows, rows))[:, None]
    return np.asarray(rows / np.maximum(norms, 1e-12), dtype=np.float32)


def _with_pairs(
    x: Vectors, y: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The sentences, plus each one blended with a sentence of no theme (same labels).

    An item is a title and a lede that mix the theme with other news; the blends teach the
    model that a theme's sentence keeps its theme beside unrelated words.
    """
    plain = np.flatnonzero(~y.any(axis=1))
    partners = plain[np.arange(len(x)) % len(plain)]
    blends = x + x[partners]
    blends /= np.maximum(np.linalg.norm(blends, axis=1, keepdims=True), 1e-12)
    return np.vstack([x, blends]).astype(np.float64), np.vstack([y, y]).astype(np.float64)


def _logistic(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], steps: int = 50
) -> tuple[npt.NDArray[np.float64], float]:
    """L2-penalised logistic regression by Newton's method (the bias is not penalised)."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    penalty = RIDGE * np.eye(d + 1)
    penalty[-1, -1] = 0.0
    w = np.zeros(d + 1)
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(xb @ w)))
        gradient = xb.T @ (p - y) + penalty @ w
        hessian = (xb * (p * (1 - p))[:, None]).T @ xb + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if float(np.abs(step).max()) < 1e-7:
            break
    return w[:-1], float(w[-1])
