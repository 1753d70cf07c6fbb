"""Matching speed: items/s for the shipped themes and for 50 generated themes, vs. a regex baseline.

Usage: python bench/match_speed.py [--items 100000] [--baseline-items 5000] [DEV.jsonl]

Items are generated from the vocabulary (and some whole sentences) of the labelled dev set,
mixed half and half with a Zipf-distributed tail of 20,000 pseudo-words (a real news vocabulary
is far larger than the dev set's 1,400 word types), so their lengths and hit rates look like
the news we poll. The baseline is the obvious approach done well (issue 12): ONE compiled
alternation regex per theme over the same normalised text, with the same word boundaries and
plurals; it only finds terms (no exclusions, near rules or scores), which flatters it. It runs
on a subset and is extrapolated per item.

Two figures for the shipped themes (issue 10): rules alone, and rules + meaning with the item
vectors supplied (the poller has them from story clustering), in batches — the semantic model
is consulted only for the themes the rules leave undecided. The vectors are real: the dev
set's and stories-dev's items, embedded once and dealt out in turn, so as many items pass the
model to the neighbour vote as on real news of the region. Embedding itself is not timed here
(bench/story_filing.py times it). Everything runs in this one process with one BLAS thread,
i.e. on one core; times are CPU seconds of the process.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core: before numpy is imported

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from briefings.themes import Matcher, NearRule, Theme, ThemeSet, load_themes  # noqa: E402
from briefings.themes.termlang import Term, normalize, parse_term  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "themes-dev.jsonl"
SEED = 20260401

Item = tuple[str, str, str]  # title, summary, language


def corpus(path: Path) -> tuple[list[str], list[str]]:
    """The dev set's words (with repetition, so frequent words stay frequent) and sentences."""
    words: list[str] = []
    sentences: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        text = f"{row.get('title', '')} {row.get('summary', row.get('lede', ''))}"
        words += re.findall(r"[^\W\d_][\w'’-]*", text)
        sentences += [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s) > 30]
    return words, sentences


def synthetic_vocabulary(n: int, rng: random.Random) -> list[str]:
    """Pseudo-words from Spanish/English-like syllables: the long tail of a news vocabulary."""
    onsets = ["b", "c", "d", "f", "g", "l", "m", "n", "p", "r", "s", "t", "v", "br", "tr", "pl"]
    vowels = ["a", "e", "i", "o", "u", "ia", "io", "ue"]
    codas = ["", "", "n", "s", "r", "l", "ción", "dad", "ment", "ing", "ed"]
    words: set[str] = set()
    while len(words) < n:
        syllables = rng.randint(2, 4)
        word = "".join(rng.choice(onsets) + rng.choice(vowels) for _ in range(syllables))
        words.add(word + rng.choice(codas))
    return sorted(words)


class Vocabulary:
    """Text words: half from the dev set, half Zipf-distributed pseudo-words (a 20k tail)."""

    def __init__(self, dev_words: list[str], rng: random.Random, size: int = 20_000) -> None:
        self.dev = dev_words
        self.tail = synthetic_vocabulary(size, rng)
        rng.shuffle(self.tail)
        self.tail_weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(size)))
        self.rng = rng

    def words(self, k: int) -> list[str]:
        half = k // 2
        picked = self.rng.choices(self.dev, k=k - half)
        picked += self.rng.choices(self.tail, cum_weights=self.tail_weights, k=half)
        self.rng.shuffle(picked)
        return picked


def make_items(n: int, vocab: Vocabulary, sentences: list[str], rng: random.Random) -> list[Item]:
    """Titles of 7–15 words; summaries of 25–60 words, a third of them with a real sentence."""
    items = []
    for _ in range(n):
        title = " ".join(vocab.words(rng.randint(7, 15))).capitalize()
        summary = " ".join(vocab.words(rng.randint(25, 60))) + "."
        if rng.random() < 0.33:
            summary = rng.choice(sentences) + " " + summary
        items.append((title, summary, rng.choice(("en", "es"))))
    return items


def generated_themes(n: int, vocab: Vocabulary, rng: random.Random) -> list[Theme]:
    """Themes of 20 terms: content words of the dev set and of the tail, phrases, prefixes.

    A theme's terms are content words, as a user would write them: the dev set's 150 most
    frequent word types (function words, "mexico", "trump"...) and the tail's 100 most frequent
    pseudo-words are left out.
    """
    counts = Counter(normalize(w) for w in vocab.dev)
    common = {w for w, _ in counts.most_common(150)}
    dev_content = sorted(w for w in counts if w not in common and len(w) >= 4 and " " not in w)
    tail_content = vocab.tail[100:]
    themes = []

    def word() -> str:
        return rng.choice(dev_content) if rng.random() < 0.5 else rng.choice(tail_content)

    for i in range(n):
        raws = []
        for _ in range(20):
            kind = rng.random()
            if kind < 0.6:
                raws.append(word())
            elif kind < 0.8:
                raws.append(f"{word()} {word()}")
            else:
                raws.append(word()[:5] + "*")
        terms = tuple(
            parse_term(r, lang=rng.choice(("en", "es", None)), weight=rng.choice((1.0, 0.5)))
            for r in raws
        )
        near = NearRule(a=(parse_term(word()),), b=(parse_term(word()),), within=8)
        themes.append(
            Theme(
                name=f"gen{i:02d}",
                names={"en": f"Generated {i}"},
                terms=terms,
                exclude=(parse_term(f"{word()} {word()}"),),
                near=(near,),
            )
        )
    return themes


def regex_baseline(themes: Sequence[Theme]) -> Callable[[str, str], int]:
    """One alternation regex per theme over the normalised text; returns the themes hit."""

    def alternative(t: Term) -> str:
        tail = r"\w*" if t.prefix else "" if t.exact else r"(?:e?s)?"
        return re.escape(t.text) + tail

    compiled = [
        re.compile(r"(?<!\w)(?:" + "|".join(alternative(t) for t in theme.terms) + r")(?!\w)")
        for theme in themes
        if theme.terms
    ]

    def match(title: str, summary: str) -> int:
        text = normalize(title) + "\n" + normalize(summary)
        return sum(1 for pattern in compiled if pattern.search(text))

    return match


def timed(run: Callable[[], int]) -> tuple[float, int]:
    """CPU seconds of this process (items per core-second; other load on the box is ignored)."""
    start = time.process_time()
    hits = run()
    return time.process_time() - start, hits


def bench(label: str, themes: Sequence[Theme], items: list[Item], baseline_n: int) -> float:
    """Rules alone vs the baseline; returns the baseline's items/s."""
    matcher = Matcher(themes)
    ours, hits = timed(lambda: sum(len(matcher.match(t, s, lang)) for t, s, lang in items))
    baseline = regex_baseline(themes)
    subset = items[:baseline_n]
    theirs, _ = timed(lambda: sum(baseline(t, s) for t, s, _ in subset))
    ours_rate = len(items) / ours
    theirs_rate = len(subset) / theirs
    n_terms = sum(len(t.terms) for t in themes)
    print(f"{label}: {len(themes)} themes, {n_terms} terms")
    print(f"  baseline (one alternation regex per theme): {len(subset):,} items in {theirs:.2f} s"
          f" = {theirs_rate:,.0f} items/s")  # fmt: skip
    print(f"  rules alone (Aho-Corasick matcher): {len(items):,} items in {ours:.2f} s = "
          f"{ours_rate:,.0f} items/s ({hits:,} theme matches), x{ours_rate / theirs_rate:.1f}"
          " the baseline")  # fmt: skip
    return theirs_rate


def bench_meaning(themes: ThemeSet, items: list[Item], pool: Any, baseline_rate: float,
                  batch: int) -> None:  # fmt: skip
    """Rules + meaning with vectors supplied: in batches, and one item at a time."""
    import numpy as np

    from briefings.stories.embed import default_embedder
    from briefings.themes.semantic import SemanticModel

    assert themes.semantic is not None
    matcher = Matcher(themes.themes, SemanticModel.fit(themes.semantic, default_embedder()))
    vectors = np.asarray(pool, dtype=np.float32)[np.arange(len(items)) % len(pool)]

    def batched() -> int:
        found = 0
        for start in range(0, len(items), batch):
            chunk = matcher.match_many(items[start : start + batch], vectors[start : start + batch])
            found += sum(len(f) for f in chunk)
        return found

    seconds, hits = timed(batched)
    per_item = items[: len(items) // 5]
    one_s, _ = timed(lambda: sum(len(matcher.match(t, s, lang, vectors[k]))
                                 for k, (t, s, lang) in enumerate(per_item)))  # fmt: skip
    opened = sum(1 for t, s, lang in items[:5000] if matcher.needs_vector(t, s, lang)) / 5000
    rate, one_rate = len(items) / seconds, len(per_item) / one_s
    print(f"  rules + meaning, vectors supplied, batches of {batch:,}: {len(items):,} items in "
          f"{seconds:.2f} s = {rate:,.0f} items/s ({hits:,} theme matches), "
          f"x{rate / baseline_rate:.1f} the baseline")  # fmt: skip
    print(f"  rules + meaning, vectors supplied, one item at a time: {one_rate:,.0f} items/s; "
          f"meaning asked for {opened:.0%} of the items (the rest decided by rules)")  # fmt: skip


def real_vectors(paths: Sequence[Path]) -> Any:
    """Sentence vectors of real labelled news items (embedding is not what is timed)."""
    from briefings.stories.embed import default_embedder, item_text

    rows = [json.loads(line) for path in paths if path.is_file()
            for line in path.read_text(encoding="utf-8").splitlines() if line]  # fmt: skip
    texts = [item_text(r.get("title", ""), r.get("summary", r.get("lede", "")) or "")
             for r in rows]  # fmt: skip
    return default_embedder().encode(texts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--baseline-items", type=int, default=5_000)
    parser.add_argument("--batch", type=int, default=1_000, help="items per match_many call")
    parser.add_argument("--themes", type=Path, default=ROOT / "config" / "themes.toml")
    parser.add_argument("--rules-only", action="store_true", help="skip the meaning figures")
    args = parser.parse_args(argv)
    if not args.data.is_file():  # one line, not a traceback, in a clone without ../shared/data
        parser.error(f"labelled data {args.data} not found (../shared/data beside the checkout)")

    rng = random.Random(SEED)
    words, sentences = corpus(args.data)
    vocab = Vocabulary(words, rng)
    items = make_items(args.items, vocab, sentences, rng)
    chars = sum(len(t) + len(s) for t, s, _ in items) / len(items)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{len(items):,} generated items, {chars:.0f} characters each on average; "
          f"times are CPU seconds of one core; load average {load}")  # fmt: skip
    shipped = load_themes(args.themes)
    baseline_rate = bench("shipped themes", shipped.themes, items, args.baseline_items)
    if shipped.semantic is not None and not args.rules_only:
        pool = real_vectors([args.data, args.data.with_name("stories-dev.jsonl")])
        bench_meaning(shipped, items, pool, baseline_rate, args.batch)
    bench("generated themes", generated_themes(50, vocab, rng), items, args.baseline_items)
    return 0


if __name__ == "__main__":
    sys.exit(main())
