"""Stories with their reports written straight into the tables: no matcher, no clustering.

Briefs are tested on the stories they are given, whatever the clustering method of the day
would make of the same reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from briefings.store.tables import item_themes, items, sources, stories, story_themes


@dataclass(frozen=True)
class Told:
    """One outlet's report of a story."""

    outlet: str
    country: str | None
    language: str
    title: str
    lede: str = ""


async def _source(conn: AsyncConnection, told: Told) -> int:
    found = (await conn.execute(select(sources.c.id).where(sources.c.name == told.outlet))).scalar()
    if found is not None:
        return int(found)
    result = await conn.execute(insert(sources).values(
        name=told.outlet, url=f"https://{abs(hash(told.outlet))}.example/feed",
        language=told.language, country=told.country,
        created_at=datetime(2025, 1, 1, tzinfo=UTC)).returning(sources.c.id))
    return int(result.scalar_one())


async def add_told_story(conn: AsyncConnection, story_id: int, reports: Sequence[Told], *,
                         at: datetime, themes: dict[str, float],
                         hits: Sequence[str] = ()) -> None:
    """A story all ``reports`` told at ``at``; the first gives its stored headline."""
    first = reports[0]
    languages = ",".join(sorted({r.language for r in reports}))
    await conn.execute(insert(stories).values(
        id=story_id, headline=first.title, url=f"https://news.example/{story_id}/0",
        summary=first.lede, first_seen_at=at, last_seen_at=at,
        source_count=len({r.outlet for r in reports}), languages=languages))
    for n, told in enumerate(reports):
        source_id = await _source(conn, told)
        result = await conn.execute(insert(items).values(
            source_id=source_id, guid=f"{story_id}:{n}", url=f"https://news.example/{story_id}/{n}",
            title=told.title, summary=told.lede, language=told.language, published_at=at,
            fetched_at=at, story_id=story_id).returning(items.c.id))
        item_id = int(result.scalar_one())
        for theme, score in themes.items():
            await conn.execute(insert(item_themes).values(
                item_id=item_id, theme=theme, score=score,
                hits=[[term, "title"] for term in hits]))
    for theme, score in themes.items():
        await conn.execute(insert(story_themes).values(story_id=story_id, theme=theme,
                                                       score=score))
