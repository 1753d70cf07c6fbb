"""Theme quality on hand-labelled items: rules alone vs rules + meaning, under cross-validation.

Usage: python bench/match_quality.py [DEV.jsonl] [--themes config/themes.toml]
           [--folds 5] [--repeats 10] [--check LABELLED.jsonl ...] [--errors]
           [--no-margins] [--no-anchors]

Default data: ../shared/data/themes-dev.jsonl beside the checkout. Each line has ``title``,
``summary`` (or ``lede``), optionally ``lang``, ``themes`` (the right answer) and ``unsure``
(themes not scored for that item).

The semantic model is fitted on the written examples only (config/themes-semantic.toml); the
labelled items choose each theme's probability threshold and nothing else. Cross-validation:
the items are split into stratified folds; a threshold is chosen on the training folds (the
middle of the widest run of thresholds with the best F0.5 of the semantic signal alone, on the
items the theme's rules do not veto or exclude), and the held-out fold is scored with it —
rules alone and rules + meaning, pooled over folds and repeats, and the mean of per-fold F1.
The thresholds chosen on all items are printed to be written into the examples file; the
``--check`` files are scored with the file's thresholds (never tuned on).

Meaning considers only items that name one of the examples file's ``[anchors]`` (the rest are
left to the rules, as in the poller); thresholds are chosen on those items only. Each file's
report says how many of its labelled themes sit on items without an anchor, and how many of
those the rules miss (what the gate costs: it should be none). ``--no-anchors``: no gate.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from briefings.model import ThemeMatch  # noqa: E402
from briefings.themes import Matcher, load_themes  # noqa: E402
from briefings.themes.examples import NO_MARGIN  # noqa: E402
from briefings.themes.judge import Blocked  # noqa: E402
from briefings.themes.semantic import VOTES, SemanticModel  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "themes-dev.jsonl"
DEFAULT_THEMES = ROOT / "config" / "themes.toml"
BETA = 0.5  # the signal is a backstop beside precise rules: tune it for precision
# The margins tried per theme (NO_MARGIN: no margin check); see semantic.py.
MARGINS = (NO_MARGIN, 0.0, 0.01, 0.02, 0.03, 0.05)


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, got: bool, want: bool) -> None:
        self.tp += got and want
        self.fp += got and not want
        self.fn += want and not got

    def merge(self, other: Counts) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        return self.fbeta(1.0)

    def fbeta(self, beta: float) -> float:
        b2 = beta * beta
        d = (1 + b2) * self.tp + b2 * self.fn + self.fp
        return (1 + b2) * self.tp / d if d else 1.0


def read_labelled(path: Path) -> list[dict[str, Any]]:
    """Labelled items from a JSON-lines file (blank lines skipped)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _fields(item: dict[str, Any]) -> tuple[str, str, str | None]:
    """Title, summary (or lede) and language of a labelled item."""
    summary = item.get("summary", item.get("lede", ""))
    return item.get("title", "") or "", summary or "", item.get("lang")


def evaluate(
    matcher: Matcher, items: list[dict[str, Any]], vectors: Any = None
) -> tuple[dict[str, Counts], list[str]]:
    """Counts per theme, and one line per wrong item for --errors."""
    counts = {t.name: Counts() for t in matcher.themes}
    errors = []
    found_all = matcher.match_many([_fields(i) for i in items], vectors)
    for item, found_list in zip(items, found_all, strict=True):
        found = {m.theme: m for m in found_list}
        wanted = set(item.get("themes", []))
        unsure = set(item.get("unsure", []))
        for name, c in counts.items():
            if name not in unsure:
                c.add(name in found, name in wanted)
        wrong = {n for n in counts if n not in unsure and (n in found) != (n in wanted)}
        if wrong:
            how = ", ".join(_wrong(n, found.get(n)) for n in sorted(wrong))
            title, summary, _ = _fields(item)
            errors.append(f"{item.get('id')}: {how} | {(title or summary)[:70]}")
    return counts, errors


def _wrong(theme: str, found: ThemeMatch | None) -> str:
    """``theme+`` for a wrong match (saying when meaning made it), ``theme-`` for a miss."""
    if found is None:
        return f"{theme}-"
    return f"{theme}+" + (" (meaning)" if found.hits and found.hits[0].field == "meaning" else "")


def folds(items: list[dict[str, Any]], k: int, seed: int) -> list[list[int]]:
    """Stratified by label set: each fold gets its share of every combination of themes."""
    rng = random.Random(seed)
    by_label: dict[tuple[str, ...], list[int]] = {}
    for i, item in enumerate(items):
        by_label.setdefault(tuple(sorted(item["themes"])), []).append(i)
    out: list[list[int]] = [[] for _ in range(k)]
    offset = 0
    for key in sorted(by_label):
        rows = by_label[key]
        rng.shuffle(rows)
        for j, i in enumerate(rows):
            out[(j + offset) % k].append(i)
        offset += len(rows)
    return out


class Tuner:
    """Per item and theme: what the rules said, the model's probability, the example vote and
    the margin of the theme's nearest example over the nearest other sentence."""

    def __init__(self, matcher: Matcher, items: list[dict[str, Any]], vectors: Any) -> None:
        model = matcher.semantic
        assert model is not None
        self.themes = model.themes
        self.probs = model.probabilities(vectors)
        self.passes_vote = model.votes(vectors) >= VOTES
        self.gaps = model.gaps(vectors)
        outcomes = [matcher.rule_outcomes(*_fields(i)) for i in items]
        # kept from meaning: vetoed or excluded by the rules, or no anchor in the item
        self.blocked = np.array([[isinstance(o.get(t), Blocked) or not anchored
                                  for t in self.themes]
                                 for o, anchored in zip(outcomes, _anchored(matcher, items),
                                                        strict=True)])  # fmt: skip
        self.want = np.array([[t in i["themes"] for t in self.themes] for i in items])

    def choose(self, j: int, rows: Sequence[int]) -> tuple[float, float]:
        """Theme ``j``'s (threshold, margin) on ``rows``: each margin of MARGINS with its best
        threshold run; the best F0.5, then the widest run, then the smallest margin."""
        best: tuple[float, float, float, float] | None = None  # F0.5, width, -margin, cut
        for margin in MARGINS:
            score, width, cut = self._run(j, rows, margin)
            if best is None or (score, width, -margin) > best[:3]:
                best = (score, width, -margin, cut)
        assert best is not None
        return best[3], -best[2]

    def threshold(self, j: int, rows: Sequence[int], margin: float = NO_MARGIN) -> float:
        """The middle of the widest run of thresholds with the best F0.5 on ``rows``."""
        return self._run(j, rows, margin)[2]

    def _run(self, j: int, rows: Sequence[int], margin: float) -> tuple[float, float, float]:
        """(best F0.5, width of the widest run of thresholds reaching it, its middle)."""
        rows = [r for r in rows if not self.blocked[r, j]]
        values = sorted({float(self.probs[r, j]) for r in rows})
        mids = ((a + b) / 2 for a, b in zip(values, values[1:], strict=False))
        cuts = [c for c in mids if 0.05 <= c <= 0.95]
        if not cuts:
            return 0.0, 0.0, 0.5
        backed = self.passes_vote[:, j] & (self.gaps[:, j] >= margin)
        scores = []
        for cut in cuts:
            c = Counts()
            for r in rows:
                joins = self.probs[r, j] >= cut and backed[r]
                c.add(bool(joins), bool(self.want[r, j]))
            scores.append(c.fbeta(BETA))
        best = [i for i, s in enumerate(scores) if s >= max(scores) - 1e-9]
        runs: list[list[int]] = []
        for i in best:
            if runs and i == runs[-1][-1] + 1:
                runs[-1].append(i)
            else:
                runs.append([i])
        run = max(runs, key=lambda r: cuts[r[-1]] - cuts[r[0]])
        return max(scores), cuts[run[-1]] - cuts[run[0]], (cuts[run[0]] + cuts[run[-1]]) / 2


def cross_validate(
    matcher: Matcher, items: list[dict[str, Any]], vectors: Any, k: int, repeats: int,
    errors: bool = False, margins: bool = True,
) -> dict[str, Counts]:  # fmt: skip
    """Pooled combined counts per theme; prints the table (and with ``errors`` every item
    wrong in some fold, with how many of the repeats got it wrong)."""
    model = matcher.semantic
    assert model is not None
    tuner = Tuner(matcher, items, vectors)
    rules_only = Matcher(matcher.themes)
    names = [t.name for t in matcher.themes]
    pooled = {m: {n: Counts() for n in names} for m in ("rules", "combined")}
    per_fold: dict[str, dict[str, list[float]]] = {m: {n: [] for n in names} for m in pooled}
    chosen: dict[str, list[tuple[float, float]]] = {n: [] for n in model.themes}
    wrong: Counter[str] = Counter()
    for rep in range(repeats):
        parts = folds(items, k, seed=rep)
        for f, test in enumerate(parts):
            train = [i for g, part in enumerate(parts) if g != f for i in part]
            picks = [_pick(tuner, j, train, margins) for j in range(len(model.themes))]
            for name, pick in zip(model.themes, picks, strict=True):
                chosen[name].append(pick)
            fold = [items[i] for i in test]
            tuned = Matcher(matcher.themes, model.with_thresholds(*zip(*picks, strict=True)))
            for mode, m in (("rules", rules_only), ("combined", tuned)):
                counts, bad = evaluate(m, fold, vectors[test])
                for n in names:
                    pooled[mode][n].merge(counts[n])
                    per_fold[mode][n].append(counts[n].f1)
                if mode == "combined":
                    wrong.update(bad)
    print(f"{k}-fold cross-validation x {repeats} on {len(items)} items "
          "(thresholds and margins chosen on the training folds)")  # fmt: skip
    print(f"{'theme':<12} {'rules F1':>8} {'combined F1':>11}   {'per-fold mean':>18}   "
          "combined P / R     thresholds chosen   margins chosen")  # fmt: skip
    for n in names:
        r, c = pooled["rules"][n], pooled["combined"][n]
        mean_r, mean_c = np.mean(per_fold["rules"][n]), np.mean(per_fold["combined"][n])
        th = [t for t, _ in chosen.get(n, [])]
        span = f"{min(th):.2f}..{max(th):.2f}" if th else "rules only"
        ms = Counter(_margin(m) for _, m in chosen.get(n, []))
        print(f"{n:<12} {r.f1:8.3f} {c.f1:11.3f}   {mean_r:8.3f} / {mean_c:6.3f}   "
              f"{c.precision:.3f} / {c.recall:.3f}    {span:<18}  "
              + " ".join(f"{m} x{count}" for m, count in sorted(ms.items())))  # fmt: skip
    if errors:
        for line, count in wrong.most_common():
            print(f"    {count}/{repeats} {line}")
    final = [_pick(tuner, j, range(len(items)), margins) for j in range(len(model.themes))]
    print("chosen on all items (for the examples file): " + ", ".join(
        f"{n} threshold {t:.3f} margin {_margin(m)}"
        for n, (t, m) in zip(model.themes, final, strict=True)))  # fmt: skip
    return pooled["combined"]


def _pick(tuner: Tuner, j: int, rows: Sequence[int], margins: bool) -> tuple[float, float]:
    return tuner.choose(j, rows) if margins else (tuner.threshold(j, rows), NO_MARGIN)


def _margin(value: float) -> str:
    return "off" if value == NO_MARGIN else f"{value:.2f}"


def _anchored(matcher: Matcher, items: list[dict[str, Any]]) -> list[bool]:
    """Per item: whether it names an anchor (meaning may consider it)."""
    return [matcher.anchored(*_fields(i)) for i in items]


def gate_line(matcher: Matcher, items: list[dict[str, Any]]) -> str:
    """How many items name an anchor, and the labelled themes the gate leaves to the rules."""
    rules = Matcher(matcher.themes)
    anchored = _anchored(matcher, items)
    positives = sum(len(i.get("themes", [])) for i in items)
    left = [(i, t) for i, ok in zip(items, anchored, strict=True) if not ok
            for t in i.get("themes", [])]  # fmt: skip
    lost = [f"{i.get('id')}:{t}" for i, t in left
            if t not in {m.theme for m in rules.match(*_fields(i))}]  # fmt: skip
    return (
        f"  gate: {sum(anchored)}/{len(items)} items name an anchor; {len(left)} of "
        f"{positives} labelled themes sit on items without one, {len(lost)} of them "
        f"missed by the rules (lost to the gate){': ' + ', '.join(lost) if lost else ''}"
    )


def report(label: str, matcher: Matcher, items: list[dict[str, Any]], vectors: Any,
           errors: bool) -> None:  # fmt: skip
    rules, _ = evaluate(Matcher(matcher.themes), items)
    combined, wrong = evaluate(matcher, items, vectors)
    print(f"{label}: {len(items)} items, the examples file's thresholds")
    if matcher.anchors:
        print(gate_line(matcher, items))
    print(f"  {'theme':<12} {'rules P/R/F1':>20}   {'combined P/R/F1':>20}")
    for n, c in combined.items():
        r = rules[n]
        print(f"  {n:<12} {r.precision:6.3f} {r.recall:6.3f} {r.f1:6.3f}   "
              f"{c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f}")  # fmt: skip
    if errors:
        print("\n".join(f"    {e}" for e in wrong) or "    no errors")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--themes", type=Path, default=DEFAULT_THEMES)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--check", type=Path, nargs="*", default=[], help="more labelled files")
    parser.add_argument("--errors", action="store_true", help="list the items matched wrongly")
    parser.add_argument("--no-margins", action="store_true",
                        help="cross-validate thresholds alone (no margin check)")  # fmt: skip
    parser.add_argument("--no-anchors", action="store_true",
                        help="no gate: meaning considers every item")  # fmt: skip
    args = parser.parse_args(argv)
    for path in (args.data, *args.check):
        if not path.is_file():  # one line, not a traceback, in a clone without ../shared/data
            parser.error(f"labelled data {path} not found (../shared/data beside the checkout)")

    from briefings.stories.embed import default_embedder, item_text

    themes = load_themes(args.themes)
    examples = themes.semantic
    if examples is not None and args.no_anchors:
        examples = dataclasses.replace(examples, anchors=())
    embedder = default_embedder()
    model = SemanticModel.fit(examples, embedder) if examples else None
    matcher = Matcher(themes.themes, model)
    items = read_labelled(args.data)
    vectors = embedder.encode([item_text(*_fields(i)[:2]) for i in items])
    if model is not None:
        cross_validate(matcher, items, vectors, args.folds, args.repeats, args.errors,
                       not args.no_margins)  # fmt: skip
        print()
    report(args.data.name, matcher, items, vectors, args.errors)
    for path in args.check:
        checked = read_labelled(path)
        report(path.name, matcher, checked,
               embedder.encode([item_text(*_fields(i)[:2]) for i in checked]), args.errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
