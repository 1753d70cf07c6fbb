"""How fast matched items become stories: fingerprints, LSH clustering, and file_items.

    .venv/bin/python bench/story_filing.py [--items 50000] [--batches 10] [--database-url URL]

Items are generated: events of 8 reports each, every report rewording about a third of its
event's 20 words, with a few words common to the whole corpus (as "Mexico" and "Trump" are in
real news). Prints items/s for each stage and, as a baseline measured in the same run, the
all-pairs comparison that LSH banding replaces (timed on a sample, extrapolated). Times are
CPU seconds of this process (all its threads), so other load on the machine does not inflate
them; file_items also shows wall-clock time, which includes the database server's work.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from briefings.model import Hit, Item, StoredItem, ThemeMatch
from briefings.store.db import open_engine, upgrade
from briefings.store.tables import items, sources
from briefings.stories import (
    DEFAULT_THRESHOLD,
    MinHashIndex,
    StoryFiler,
    file_items,
    fingerprint,
    similarity,
)

T0 = datetime(2025, 3, 1, tzinfo=UTC)
COMMON = ["mexico", "trump", "sheinbaum", "tariffs", "cartel", "border", "fentanyl", "president"]


def corpus(n: int, seed: int = 7) -> list[tuple[str, str, datetime, int]]:
    """(title, summary, published, event) for ``n`` reports."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnoprstuvy"
    vocab = ["".join(rng.choices(letters, k=rng.randint(4, 10))) for _ in range(8000)]
    out = []
    for event in range(n // 8 + 1):
        base = rng.sample(vocab, 20)
        for _ in range(2):
            base[rng.randrange(20)] = rng.choice(COMMON)
        at = T0 + timedelta(minutes=rng.randint(0, 7 * 24 * 60))
        for _ in range(8):
            words = [w if rng.random() > 0.35 else rng.choice(vocab) for w in base]
            when = at + timedelta(minutes=rng.randint(0, 600))
            out.append((" ".join(words[:9]), " ".join(words[9:]), when, event))
    return out[:n]


def all_pairs_seconds(fps: list, sample: int) -> float:
    """Time for greedy clustering by comparing each item with every story so far."""
    start = time.process_time()
    reps: list = []
    for fp in fps[:sample]:
        if not any(similarity(fp, rep) >= DEFAULT_THRESHOLD for rep in reps):
            reps.append(fp)
    elapsed = time.process_time() - start
    # The work grows with the square of the items: extrapolate to all of them.
    return elapsed * (len(fps) / sample) ** 2


async def file_all(
    url: str, docs: list[tuple[str, str, datetime, int]], *, batches: int = 1, keep: bool = False
) -> tuple[float, float, int]:
    """Store the docs, then file them in ``batches`` transactions, as a poll cycle does.

    ``keep``: one StoryFiler for all batches (the pipeline's way) instead of ``file_items``,
    which reloads the index of recent stories for each batch.
    """
    engine = open_engine(url)
    try:
        await upgrade(engine)
        async with engine.begin() as conn:
            ids = []
            for i in range(50):
                result = await conn.execute(
                    insert(sources)
                    .values(
                        name=f"bench {i}", url=f"https://s{i}.bench.example/feed",
                        language="en", created_at=T0,
                    )
                    .returning(sources.c.id)
                )  # fmt: skip
                ids.append(result.scalar_one())
            rows = [
                {
                    "source_id": ids[i % 50], "guid": f"bench-{i}", "url": f"https://x.example/{i}",
                    "title": t, "summary": s, "language": "en", "published_at": at,
                    "fetched_at": at,
                }
                for i, (t, s, at, _) in enumerate(docs)
            ]  # fmt: skip
            result = await conn.execute(
                insert(items).returning(items.c.id, sort_by_parameter_order=True), rows
            )
            item_ids = list(result.scalars())
        stored = [
            StoredItem(item_ids[i], ids[i % 50], Item(str(i), f"b{i}", "", t, s, "en", at))
            for i, (t, s, at, _) in enumerate(docs)
        ]
        match = [ThemeMatch("tariffs", 1.0, (Hit("tariff", "title"),))]
        matches = {s.id: match for s in stored}
        filer = StoryFiler() if keep else file_items
        size = -(-len(stored) // batches)
        new = 0
        start, cpu = time.perf_counter(), time.process_time()
        for first in range(0, len(stored), size):
            async with engine.begin() as conn:
                batch = stored[first : first + size]
                result = await filer(conn, batch, matches, T0 + timedelta(days=10))
            new += len(result.new_story_ids)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        return wall, cpu, new
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--batches", type=int, default=10, help="for the batch-by-batch runs")
    args = parser.parse_args()
    docs = corpus(args.items)
    events = len({d[3] for d in docs})

    start = time.process_time()
    fps = [fingerprint(t, s, "en") for t, s, _, _ in docs]
    t_fp = time.process_time() - start
    start = time.process_time()
    # The production loop (the one StoryFiler runs), on the fingerprints made above.
    assigned = MinHashIndex().assign_fingerprints(
        [(i, fp, d[2]) for i, (fp, d) in enumerate(zip(fps, docs, strict=True))],
        window=timedelta(hours=48),
    )
    t_cluster = time.process_time() - start
    stories = len(set(assigned.values()))
    t_pairs = all_pairs_seconds(fps, min(len(fps), 3000))

    print(f"items: {len(docs)} ({events} events of 8 reports)")
    print(f"fingerprint:        {t_fp:6.2f} s  {len(docs) / t_fp:9.0f} items/s")
    print(f"cluster (LSH):      {t_cluster:6.2f} s  {len(docs) / t_cluster:9.0f} items/s")
    print(f"all-pairs baseline: {t_pairs:6.2f} s  (extrapolated from 3000 items)")
    print(f"LSH speed-up over all pairs: {t_pairs / t_cluster:.1f}x; stories formed: {stories}")

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        wall, cpu, new = asyncio.run(file_all(url, docs))
    print(f"file_items ({url.split(':')[0]}): {cpu:6.2f} s CPU, {wall:6.2f} s wall, "
          f"{len(docs) / cpu:7.0f} items/CPU-s, {new} stories")  # fmt: skip
    if args.database_url:  # each run needs an empty store: temporary SQLite files only
        return
    # A poll cycle files its items batch by batch (at most ITEM_BATCH each).
    for label, keep in (("file_items", False), ("StoryFiler", True)):
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
            wall, cpu, new = asyncio.run(file_all(url, docs, batches=args.batches, keep=keep))
        print(f"{label:<10} in {args.batches} batches: {cpu:6.2f} s CPU, {wall:6.2f} s wall, "
              f"{new} stories")  # fmt: skip


if __name__ == "__main__":
    main()
