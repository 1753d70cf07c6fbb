"""A poll embeds each new item at most once and gives the vectors to the matcher and the filer:
before matching, the items whose themes the rules leave to meaning; after, the matched rest."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy.ext.asyncio import AsyncEngine

from briefings.fetch import FetchConfig, Fetcher
from briefings.jobs.poll import poll_cycle
from briefings.model import Source, StoredItem, ThemeMatch
from briefings.store.sources import sync_sources
from briefings.stories import StoryFiler
from briefings.stories.embed import default_embedder
from tests.feedserver import FeedServer
from tests.pipeline.conftest import rss

ITEMS = [
    ("seizure", "CBP seizes fentanyl pills at Nogales port", "Officers found 1,100 pounds."),
    ("tariffs", "Mexico answers Trump's new tariffs on steel", "Retaliatory tariffs on pork."),
    ("weather", "Sunny weekend ahead in San Diego", "No rain expected."),
]


class CountingEmbedder:
    def __init__(self) -> None:
        self.texts: list[str] = []

    def encode(self, texts: Sequence[str]) -> Any:
        self.texts.extend(texts)
        return default_embedder().encode(texts)


Items = Sequence[tuple[str, str, str | None]]


class VectorMatcher:
    """Matches every item; asks for the vector of every item but the weather."""

    def __init__(self) -> None:
        self.vectors: dict[str, Any] = {}
        self.asked = 0

    def match_many(self, items: Items, *, embed: Any = None) -> list[list[ThemeMatch]]:
        self.asked += 1
        need = [i for i, (title, _, _) in enumerate(items) if "Sunny" not in title]
        rows = embed(need)
        self.vectors = {title: None for title, _, _ in items}
        self.vectors.update((items[i][0], row) for i, row in zip(need, rows, strict=True))
        return [[ThemeMatch("any", 1.0, ())] for _ in items]


class RulesMatcher:
    """Matches the seizure by its words; never asks for vectors."""

    def match_many(self, items: Items, *, embed: Any = None) -> list[list[ThemeMatch]]:
        return [[ThemeMatch("fentanyl", 1.0, ())] if "fentanyl" in t else [] for t, _, _ in items]


class RecordingFiler(StoryFiler):
    def __init__(self) -> None:
        super().__init__()
        self.given: dict[int, Any] = {}

    async def __call__(self, conn, stored: list[StoredItem], matches, now: datetime, *,
                       vectors: Any = None) -> Any:  # noqa: ANN001  # fmt: skip
        self.given.update(vectors or {})
        return await super().__call__(conn, stored, matches, now, vectors=vectors)


async def _poll(engine: AsyncEngine, matcher: Any, filer: StoryFiler, embedder: Any) -> Any:
    with FeedServer() as server:
        url = server.add("/news.xml", rss(ITEMS))
        async with engine.begin() as conn:
            await sync_sources(conn, [Source("news", url, "en")], datetime.now(UTC))
        config = FetchConfig(allow_private=True, timeout=1.0, deadline=2.0)
        async with Fetcher(config) as fetcher:
            return await poll_cycle(engine, fetcher, matcher=matcher, filer=filer,
                                    embedder=lambda: embedder, ignore_schedule=True)  # fmt: skip


async def test_each_new_item_is_embedded_once_for_matcher_and_filer(engine: AsyncEngine) -> None:
    embedder, matcher, filer = CountingEmbedder(), VectorMatcher(), RecordingFiler()
    report = await _poll(engine, matcher, filer, embedder)
    assert report.new_items == 3 and matcher.asked == 1  # one batch, one scan
    assert sorted(embedder.texts) == sorted(f"{t}. {s}" for _, t, s in ITEMS)  # once each
    assert matcher.vectors["Sunny weekend ahead in San Diego"] is None  # the rules decided it
    assert sum(v is not None for v in matcher.vectors.values()) == 2
    assert len(filer.given) == 3  # the weather matched too: embedded after matching
    given = np.stack(list(filer.given.values()))
    seen = [v for v in matcher.vectors.values() if v is not None]
    assert any(np.array_equal(g, v) for g in given for v in seen)  # the same rows, not again


async def test_without_a_meaning_signal_only_matched_items_are_embedded(
    engine: AsyncEngine,
) -> None:
    embedder, filer = CountingEmbedder(), RecordingFiler()
    report = await _poll(engine, RulesMatcher(), filer, embedder)
    assert report.new_items == 3 and len(report.new_stories) == 1
    assert embedder.texts == [f"{ITEMS[0][1]}. {ITEMS[0][2]}"]
    assert len(filer.given) == 1
