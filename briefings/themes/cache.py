"""The fitted semantic model, kept on disk between processes.

Fitting the themes' model embeds every example sentence and solves a logistic model per theme:
2-3 CPU-seconds that ``borderbrief match`` and every poller start would otherwise pay again.
The fit depends only on the example sentences (and which themes each belongs to), the
embedder and the fitting code, so it is saved under a key hashed from those: edit an example,
upgrade the encoder or change the fit, and the key changes and the next process refits.
Thresholds and margins are not part of it: they are read from the examples file each time.

Where: the ``cache_dir`` setting (``BORDERBRIEF_CACHE_DIR`` in the environment, a ``.env``
file or the config file), which callers that have the settings pass; else
``$BORDERBRIEF_CACHE_DIR``; empty or ``off``: no cache. Unset: ``$XDG_CACHE_HOME/borderbrief``,
else ``~/.cache/borderbrief``. Files are written to a
temporary name and renamed, so a reader never sees half a file; a missing, unreadable,
corrupt or mismatched file is ignored and the model refitted (and saved again). Only an
embedder that says what it is (``cache_id``: the shipped sentence encoder does) is cached.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from briefings import paths

log = logging.getLogger(__name__)

FORMAT = 1  # the file's layout
KEEP = 8  # fitted models kept per folder (the oldest go first)
PREFIX = "themes-"

Arrays = tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.float32]]


def embedder_id(embedder: Any) -> str | None:
    """What the embedder is, for the key: its ``cache_id`` (the shipped sentence encoder
    has one); None for an embedder that does not say."""
    own = getattr(embedder, "cache_id", None)
    return own if isinstance(own, str) else None


def key(
    sentences: Sequence[str],
    labels: Sequence[frozenset[str]],
    themes: Sequence[str],
    embedder: str,
    fit_version: str,
) -> str:
    """A hash of everything a fit depends on."""
    digest = hashlib.sha256(f"format {FORMAT}\n{fit_version}\n{embedder}\n".encode())
    digest.update(("\x1f".join(themes) + "\n").encode())
    for sentence, found in zip(sentences, labels, strict=True):
        digest.update(f"{sentence}\x1f{','.join(sorted(found))}\n".encode())
    return digest.hexdigest()


def path(folder: Path, digest: str) -> Path:
    return folder / f"{PREFIX}{digest[:24]}.npz"


def load(folder: Path, digest: str, sentences: int, themes: int) -> Arrays | None:
    """The saved (vectors, weights, bias), or None when there is no usable file."""
    where = path(folder, digest)
    try:
        with np.load(where, allow_pickle=False) as data:
            stored = str(data["key"])
            vectors = np.asarray(data["vectors"], dtype=np.float32)
            weights = np.asarray(data["weights"], dtype=np.float32)
            bias = np.asarray(data["bias"], dtype=np.float32)
    except FileNotFoundError:
        return None
    except Exception as exc:  # noqa: BLE001 - any damage means: refit
        log.info("ignoring the theme model cache %s: %s", where, exc)
        return None
    dim = vectors.shape[1] if vectors.ndim == 2 else -1
    if (
        stored != digest
        or vectors.shape != (sentences, dim)
        or weights.shape != (dim, themes)
        or bias.shape != (themes,)
        or not all(np.isfinite(a).all() for a in (vectors, weights, bias))
    ):
        log.info("ignoring the theme model cache %s: it does not match", where)
        return None
    return vectors, weights, bias


def save(folder: Path, digest: str, vectors: Any, weights: Any, bias: Any) -> None:
    """Write the fit atomically (a temporary file renamed); failing to write is only logged."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".themes-", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as out:
                np.savez(out, key=np.array(digest), vectors=np.asarray(vectors, np.float32),
                         weights=np.asarray(weights, np.float32),
                         bias=np.asarray(bias, np.float32))  # fmt: skip
            os.replace(temporary, path(folder, digest))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _prune(folder)
    except OSError as exc:
        log.info("cannot save the theme model cache in %s: %s", folder, exc)


def _prune(folder: Path) -> None:
    """Keep the KEEP newest fits (other themes files, older examples go)."""
    for entry in paths.beyond_newest(folder.glob(f"{PREFIX}*.npz"), KEEP):
        entry.unlink(missing_ok=True)
