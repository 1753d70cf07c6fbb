"""``borderbrief cluster [FILE.jsonl]``: group reports into stories, as the poller files them.

Reads JSON lines (``id``, ``lang``, ``title``, ``summary``, ``published`` as an ISO date or
datetime; stdin without a file) and writes ``{"id": ..., "story": ...}`` per line, in input
order. The reports go through the poller's own ``StoryFiler`` and story index
(``briefings.stories.batch``), with an in-memory store instead of the database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from briefings.stories.batch import Entry

PROGRESS_FROM = 500  # reports: fewer finish before a bar would be worth drawing


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cluster = sub.add_parser(
        "cluster",
        help="group JSON-lines reports into stories (one event, EN and ES)",
        description="Read reports as JSON lines (id, lang, title, summary, published) and write "
        '{"id": ..., "story": ...} per line: reports of one event share a story.',
    )
    cluster.add_argument("file", nargs="?", type=Path, help="a .jsonl file (default: stdin)")
    cluster.add_argument("--progress", action="store_true",
                         help="draw the progress bar even if stderr is no terminal")  # fmt: skip
    cluster.set_defaults(func=_cluster)


def _cluster(args: argparse.Namespace) -> int:
    try:
        if args.file is None:
            stdin = getattr(sys.stdin, "buffer", sys.stdin)  # bytes: decoded line by line
            return cluster_lines(stdin, sys.stdout, sys.stderr, args.progress)
        with args.file.open("rb") as lines:  # decoded line by line: one bad line is skipped
            return cluster_lines(lines, sys.stdout, sys.stderr, args.progress)
    except OSError as exc:
        print(f"borderbrief: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 1


def cluster_lines(
    lines: Iterable[str | bytes], out: TextIO, err: TextIO, progress: bool = False
) -> int:
    """Cluster every good line; a bad one is named on ``err`` and left out (exit status 1)."""
    from briefings.stories.batch import cluster, embed_entries

    ids, entries, bad = read_entries(lines, err)
    if entries:
        drawn = progress or (err.isatty() and len(entries) >= PROGRESS_FROM)
        bar = _bar(err, len(entries)) if drawn else None
        vectors = embed_entries(entries, progress=bar)
        if bar:
            err.write("\n")
        stories = asyncio.run(cluster(entries, vectors))
        for original, entry in zip(ids, entries, strict=True):
            out.write(json.dumps({"id": original, "story": stories[entry.id]}) + "\n")
    return 1 if bad else 0


def read_entries(
    lines: Iterable[str | bytes], err: TextIO
) -> tuple[list[Any], list[Entry], int]:
    """(ids as given, reports, bad lines): each bad line gets one line on ``err``."""
    from bot.jsonlines import json_line
    from briefings.stories.batch import entry_from

    ids: list[Any] = []
    entries: list[Entry] = []
    seen: set[str] = set()
    bad = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json_line(line)
            entry = entry_from(obj)
            if entry.id in seen:
                raise ValueError(f"id {obj['id']!r} given twice")
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            print(f"line {number}: skipped: {_reason(exc)}", file=err)
            bad += 1
            continue
        seen.add(entry.id)
        ids.append(obj["id"])
        entries.append(entry)
    return ids, entries, bad


def _reason(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"not JSON ({exc.msg} at column {exc.colno})"
    return str(exc)


def _bar(err: TextIO, total: int, width: int = 30) -> Callable[[int], None]:
    def show(done: int) -> None:
        filled = width * done // total
        err.write(f"\rembedding [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        err.flush()

    return show
