"""The encoder's prepared arrays are kept on disk and read back as memory maps: the same ids
and vectors as preparing them anew, and any damage means preparing again, never a failure."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from briefings.stories import prepared, use_model
from briefings.stories.embed import UseEmbedder
from tests.stories.test_embedding import TEXTS

SMALL = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.asarray(7)}
IDENTITY = "encoder v1"


class Preparing:
    """A ``prepare`` that counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> prepared.Arrays:
        self.calls += 1
        return {k: v.copy() for k, v in SMALL.items()}


def saved(where: Path) -> list[Path]:
    return sorted(p for p in where.iterdir() if p.name.startswith(prepared.PREFIX))


def same(arrays: prepared.Arrays) -> bool:
    return arrays.keys() == SMALL.keys() and all(np.array_equal(arrays[k], SMALL[k]) for k in SMALL)


def test_the_encoder_read_back_from_disk_is_the_encoder_prepared_anew(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = UseEmbedder(cache_dir=None)  # prepared in memory, nothing saved
    want = fresh.encode(TEXTS)
    want_ids = fresh._pieces.encode(TEXTS)  # type: ignore[union-attr]  # noqa: SLF001
    UseEmbedder(cache_dir=tmp_path).load()  # prepares and saves
    assert len(saved(tmp_path)) == 1

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("prepared again although it was on disk")

    monkeypatch.setattr(use_model, "prepare", refuse)
    again = UseEmbedder(cache_dir=tmp_path)
    assert np.array_equal(again.encode(TEXTS), want)
    assert again._pieces.encode(TEXTS) == want_ids  # type: ignore[union-attr]  # noqa: SLF001


def test_arrays_read_back_are_read_only_memory_maps(tmp_path: Path) -> None:
    prepared.load_or_prepare(tmp_path, IDENTITY, Preparing())
    prepare = Preparing()
    arrays = prepared.load_or_prepare(tmp_path, IDENTITY, prepare)
    assert prepare.calls == 0 and same(arrays)
    assert all(isinstance(a, np.memmap) and not a.flags.writeable for a in arrays.values())


def test_no_folder_or_no_identity_prepares_every_time_and_saves_nothing(tmp_path: Path) -> None:
    prepare = Preparing()
    for folder, identity in ((None, IDENTITY), (tmp_path, None), (None, None)):
        assert same(prepared.load_or_prepare(folder, identity, prepare))
    assert prepare.calls == 3
    assert not list(tmp_path.iterdir())


def _truncate(folder: Path) -> None:
    path = folder / "a.npy"
    path.write_bytes(path.read_bytes()[:-8])


DAMAGE: list[tuple[str, Callable[[Path], None]]] = [
    ("another key", lambda f: (f / "key").write_text("0" * 64)),
    ("no key", lambda f: (f / "key").unlink()),
    ("a listed array missing", lambda f: (f / "a.npy").unlink()),
    ("a truncated array", _truncate),
    ("not an array", lambda f: (f / "b.npy").write_bytes(b"garbage")),
    ("no list of arrays", lambda f: (f / "names").unlink()),
]


@pytest.mark.parametrize(("what", "damage"), DAMAGE, ids=[d[0] for d in DAMAGE])
def test_a_damaged_folder_is_prepared_again_and_mended(
    tmp_path: Path, what: str, damage: Callable[[Path], None]
) -> None:
    prepared.load_or_prepare(tmp_path, IDENTITY, Preparing())
    (folder,) = saved(tmp_path)
    damage(folder)
    prepare = Preparing()
    assert same(prepared.load_or_prepare(tmp_path, IDENTITY, prepare))
    assert prepare.calls == 1
    mended = Preparing()
    assert same(prepared.load_or_prepare(tmp_path, IDENTITY, mended))
    assert mended.calls == 0, f"{what}: not mended"
    assert [p.name for p in tmp_path.iterdir()] == [folder.name]  # no temporary folder left


def test_a_folder_that_cannot_be_written_only_costs_the_saving(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    with caplog.at_level(logging.INFO, logger=prepared.__name__):
        assert same(prepared.load_or_prepare(blocked, IDENTITY, Preparing()))
    assert "cannot save the prepared encoder" in caplog.text


def test_another_identity_prepares_anew_and_only_the_newest_are_kept(tmp_path: Path) -> None:
    prepare = Preparing()
    for n in range(prepared.KEEP + 2):
        prepared.load_or_prepare(tmp_path, f"encoder v{n}", prepare)
    assert prepare.calls == prepared.KEEP + 2
    assert len(saved(tmp_path)) == prepared.KEEP
    newest = Preparing()
    prepared.load_or_prepare(tmp_path, f"encoder v{prepared.KEEP + 1}", newest)
    assert newest.calls == 0


def test_a_folder_another_process_saved_meanwhile_is_kept(tmp_path: Path) -> None:
    prepared.load_or_prepare(tmp_path, IDENTITY, Preparing())
    (theirs,) = saved(tmp_path)
    marker = theirs / "theirs"
    marker.write_text("")  # it was read as missing, then the other process renamed first
    digest = (theirs / "key").read_text()
    prepared._write(tmp_path, theirs, digest, Preparing()(), damaged=False)  # noqa: SLF001
    assert marker.exists() and saved(tmp_path) == [theirs]
    assert [p.name for p in tmp_path.iterdir()] == [theirs.name]  # our copy went


def test_what_a_killed_writer_left_goes_after_an_hour(tmp_path: Path) -> None:
    import os
    import time

    old, recent = tmp_path / f".{prepared.PREFIX}old.tmp", tmp_path / f".{prepared.PREFIX}new.tmp"
    for folder in (old, recent):
        folder.mkdir()
        (folder / "a.npy").write_bytes(b"half")
    hours_ago = time.time() - prepared.STALE - 60
    os.utime(old, (hours_ago, hours_ago))
    prepared.load_or_prepare(tmp_path, IDENTITY, Preparing())
    assert not old.exists() and recent.exists()  # recent: perhaps a writer still at work
