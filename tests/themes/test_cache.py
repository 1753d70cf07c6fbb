"""The fitted semantic model kept on disk: reused when nothing changed, refitted otherwise."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from briefings import paths
from briefings.themes import cache, semantic
from briefings.themes.examples import ThemeExamples
from briefings.themes.semantic import SemanticModel

EXAMPLES = ThemeExamples(
    sentences=(
        "duties on steel imports",
        "import duties on cars",
        "rain floods the city",
        "the team wins the cup",
    ),  # fmt: skip
    labels=(frozenset({"trade"}), frozenset({"trade"}), frozenset(), frozenset()),
    themes=("trade",),
    thresholds=(0.5,),
)


class Counting:
    """A bag-of-words embedder that says what it is and counts the sentences it embeds."""

    def __init__(self, cache_id: str | None = "words-v1") -> None:
        if cache_id is not None:
            self.cache_id = cache_id
        self.encoded = 0
        self.folder: Path | None = None

    def cache_in(self, folder: Path | None) -> None:
        """Where its own prepared files would go (the sentence encoder keeps them there)."""
        self.folder = folder

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.encoded += len(texts)
        rows = np.zeros((len(texts), 32), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                rows[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % 32] += 1.0
        return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)


@pytest.fixture(autouse=True)
def new_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each fit below starts as a new process would: nothing fitted in memory."""
    monkeypatch.setattr(semantic, "_FITTED", {})


def fit(
    folder: Path | None, embedder: Counting, examples: ThemeExamples = EXAMPLES
) -> SemanticModel:
    semantic._FITTED.clear()
    return SemanticModel.fit(examples, embedder, cache_dir=folder)


def saved(folder: Path) -> list[Path]:
    return sorted(folder.glob("themes-*.npz"))


def test_a_second_process_reads_the_fit_back(tmp_path: Path) -> None:
    first, second = Counting(), Counting()
    fitted = fit(tmp_path, first)
    assert first.encoded == 4 and len(saved(tmp_path)) == 1
    again = fit(tmp_path, second)
    assert second.encoded == 0  # nothing embedded, nothing fitted
    probe = Counting().encode(["duties on steel", "rain in the city"])
    assert np.array_equal(fitted.probabilities(probe), again.probabilities(probe))
    assert np.array_equal(fitted.votes(probe), again.votes(probe))
    assert list(tmp_path.glob(".themes-*")) == []  # no temporary file left behind


def test_thresholds_come_from_the_examples_not_the_cache(tmp_path: Path) -> None:
    fit(tmp_path, Counting())
    changed = ThemeExamples(EXAMPLES.sentences, EXAMPLES.labels, EXAMPLES.themes, (0.8,), (0.1,))
    embedder = Counting()
    model = fit(tmp_path, embedder, changed)
    assert embedder.encoded == 0  # the same fit...
    assert model.thresholds.tolist() == pytest.approx([0.8])  # ...deciding with the new values
    assert model.margins.tolist() == pytest.approx([0.1])


def _more_examples() -> ThemeExamples:
    return ThemeExamples(EXAMPLES.sentences + ("levies on imported steel",),
                         EXAMPLES.labels + (frozenset({"trade"}),), ("trade",), (0.5,))  # fmt: skip


def _relabelled() -> ThemeExamples:
    return ThemeExamples(EXAMPLES.sentences, (frozenset({"trade"}),) * 3 + (frozenset(),),
                         ("trade",), (0.5,))  # fmt: skip


# (what changed since the fit was saved, the examples and embedder of the new process)
STALE: list[tuple[str, Callable[[], ThemeExamples], str]] = [
    ("an example sentence added", _more_examples, "words-v1"),
    ("a sentence moved to another theme", _relabelled, "words-v1"),
    ("another embedder (a new encoder release)", lambda: EXAMPLES, "words-v2"),
]


@pytest.mark.parametrize(("change", "examples", "embedder_id"), STALE, ids=[c for c, *_ in STALE])
def test_a_stale_key_refits(
    tmp_path: Path, change: str, examples: Callable[[], ThemeExamples], embedder_id: str
) -> None:
    fit(tmp_path, Counting())
    embedder = Counting(embedder_id)
    model = fit(tmp_path, embedder, examples())
    assert embedder.encoded == len(examples().sentences), change
    assert len(saved(tmp_path)) == 2  # saved under its own key, beside the old one
    assert model.examples == examples()


def _garbage(path: Path) -> None:
    path.write_bytes(b"not a numpy file at all")


def _truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:200])


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _wrong_shapes(path: Path) -> None:
    with path.open("wb") as out:
        np.savez(out, key=np.array(str(np.load(path.with_suffix(".bak"))["key"])),
                 vectors=np.zeros((2, 32), np.float32), weights=np.zeros((32, 1), np.float32),
                 bias=np.zeros(1, np.float32))  # fmt: skip


def _other_key(path: Path) -> None:
    with path.open("wb") as out:
        np.savez(out, key=np.array("0" * 64), vectors=np.zeros((4, 32), np.float32),
                 weights=np.zeros((32, 1), np.float32), bias=np.zeros(1, np.float32))  # fmt: skip


def _not_finite(path: Path) -> None:
    with np.load(path.with_suffix(".bak")) as data:
        arrays = {name: data[name] for name in data.files}
    arrays["weights"] = np.full_like(arrays["weights"], np.nan)
    with path.open("wb") as out:
        np.savez(out, **arrays)


CORRUPT = [_garbage, _truncated, _empty, _wrong_shapes, _other_key, _not_finite]


@pytest.mark.parametrize("damage", CORRUPT, ids=[f.__name__.strip("_") for f in CORRUPT])
def test_a_corrupt_cache_file_silently_refits(
    tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    reference = fit(tmp_path, Counting())
    (path,) = saved(tmp_path)
    path.with_suffix(".bak").write_bytes(path.read_bytes())
    damage(path)
    embedder = Counting()
    model = fit(tmp_path, embedder)
    assert embedder.encoded == 4  # refitted...
    probe = Counting().encode(["duties on steel"])
    assert np.allclose(model.probabilities(probe), reference.probabilities(probe))
    again = Counting()
    fit(tmp_path, again)
    assert again.encoded == 0  # ...and saved again, whole


def test_no_cache_folder_or_an_unwritable_one_still_fits(tmp_path: Path) -> None:
    embedder = Counting()
    fit(None, embedder)
    assert embedder.encoded == 4
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    embedder = Counting()
    fit(blocker / "cache", embedder)  # cannot be created: fitted, not saved, no error
    assert embedder.encoded == 4


def test_an_embedder_that_does_not_say_what_it_is_is_not_cached(tmp_path: Path) -> None:
    fit(tmp_path, Counting(cache_id=None))
    assert saved(tmp_path) == []


def test_old_fits_are_pruned(tmp_path: Path) -> None:
    for n in range(cache.KEEP + 3):
        fit(tmp_path, Counting(f"words-{n}"))
    assert len(saved(tmp_path)) == cache.KEEP


# (environment, the folder used; "~" is the home folder)
FOLDERS = [
    ({}, "~/.cache/borderbrief"),
    ({"XDG_CACHE_HOME": "/var/cache/me"}, "/var/cache/me/borderbrief"),
    ({"XDG_CACHE_HOME": "/var/cache/me", "BORDERBRIEF_CACHE_DIR": "/srv/bb"}, "/srv/bb"),
    ({"BORDERBRIEF_CACHE_DIR": ""}, None),
    ({"BORDERBRIEF_CACHE_DIR": "off"}, None),
]


@pytest.mark.parametrize(("env", "expected"), FOLDERS)
def test_where_the_cache_lives(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, env: dict[str, str], expected: str | None
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("XDG_CACHE_HOME", "BORDERBRIEF_CACHE_DIR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    folder = paths.cache_dir()
    want = None if expected is None else Path(expected.replace("~", str(tmp_path)))
    assert folder == want


def test_the_shipped_encoder_has_an_identity() -> None:
    from briefings.stories.embed import UseEmbedder

    found = cache.embedder_id(UseEmbedder())
    assert found is not None and "weights.npz" in found  # without loading the weights
    assert cache.embedder_id(object()) is None
