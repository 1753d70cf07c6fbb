"""Per-theme precision, recall and F1 of the shipped themes on hand-labelled items.

Usage: python bench/match_quality.py [LABELLED.jsonl] [--themes config/themes.toml] [--errors]
Default data: ../shared/data/themes-dev.jsonl beside the checkout. Each line has ``title``,
``summary`` (or ``lede``), optionally ``lang``, and ``themes`` (the right answer).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from briefings.themes import Matcher, load_themes  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "themes-dev.jsonl"
DEFAULT_THEMES = ROOT / "config" / "themes.toml"


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def read_labelled(path: Path) -> list[dict]:
    """Labelled items from a JSON-lines file (blank lines skipped)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def evaluate(matcher: Matcher, items: list[dict]) -> tuple[dict[str, Counts], list[str]]:
    """Counts per theme, and one line per wrong item for --errors."""
    counts = {t.name: Counts() for t in matcher.themes}
    errors = []
    for item in items:
        summary = item.get("summary", item.get("lede", "")) or ""
        found = {m.theme for m in matcher.match(item.get("title", ""), summary, item.get("lang"))}
        wanted = set(item.get("themes", []))
        for name, c in counts.items():
            c.tp += name in found and name in wanted
            c.fp += name in found and name not in wanted
            c.fn += name not in found and name in wanted
        if found != wanted:
            errors.append(
                f"{item.get('id')}: got {sorted(found)} want {sorted(wanted)} | "
                f"{item.get('title', '')[:90]}"
            )
    return counts, errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--themes", type=Path, default=DEFAULT_THEMES)
    parser.add_argument("--errors", action="store_true", help="list the items matched wrongly")
    args = parser.parse_args(argv)
    if not args.data.is_file():  # one line, not a traceback, in a clone without ../shared/data
        parser.error(f"labelled data {args.data} not found (../shared/data beside the checkout)")

    matcher = Matcher(load_themes(args.themes).themes)
    items = read_labelled(args.data)
    counts, errors = evaluate(matcher, items)
    print(f"{len(items)} labelled items from {args.data.name}")
    print(f"{'theme':<12} {'P':>6} {'R':>6} {'F1':>6}   tp  fp  fn")
    for name, c in counts.items():
        print(
            f"{name:<12} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f}  "
            f"{c.tp:3d} {c.fp:3d} {c.fn:3d}"
        )
    if args.errors:
        print("\n".join(errors) or "no errors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
