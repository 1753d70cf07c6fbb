"""story_reports and the reports a StoryView carries, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event, insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from briefings.model import Report, Source
from briefings.store.sources import all_sources, sync_sources
from briefings.store.stories import recent_stories, story_reports
from briefings.store.tables import stories, story_themes
from briefings.stories.facts import with_facts
from tests.stories.helpers import add_item

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
SOURCES = [
    Source("Milenio", "https://milenio.example/rss", "es", "MX"),
    Source("Border Report", "https://borderreport.example/feed", "en", "US"),
    Source("My Own Feed", "https://mine.example/feed", "en"),  # a user's feed: no country
]


async def _sources(conn: AsyncConnection) -> dict[str, int]:
    await sync_sources(conn, SOURCES, T0)
    return {row.name: row.id for row in await all_sources(conn)}


async def _story(
    conn: AsyncConnection, headline: str, url: str, at: datetime, theme: str = "fentanyl"
) -> int:
    result = await conn.execute(
        insert(stories)
        .values(
            headline=headline,
            url=url,
            summary="",
            first_seen_at=at,
            last_seen_at=at,
            source_count=1,
            languages="en,es",
        )
        .returning(stories.c.id)
    )
    sid = int(result.scalar_one())
    await conn.execute(insert(story_themes).values(story_id=sid, theme=theme, score=1.0))
    return sid


async def _item(
    conn: AsyncConnection,
    source_id: int,
    story_id: int | None,
    title: str,
    at: datetime,
    language: str = "en",
    summary: str = "",
) -> int:
    stored = await add_item(conn, source_id, title=title, summary=summary, language=language,
                            at=at, guid=title, story_id=story_id)  # fmt: skip
    return stored.id


async def test_story_reports_join_outlet_country_and_keep_time_order(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        ids = await _sources(conn)
        seizure = await _story(conn, "CBP seizes fentanyl", "https://news.example/lead", T0)
        other = await _story(conn, "Senate votes", "https://news.example/vote", T0)
        late = await _item(
            conn,
            ids["Border Report"],
            seizure,
            "CBP seizes fentanyl",
            T0 + timedelta(minutes=30),
            summary="Officers seized pills.",
        )
        early = await _item(
            conn,
            ids["Milenio"],
            seizure,
            "Aseguran fentanilo",
            T0,
            "es",
            "Agentes aseguraron pastillas.",
        )
        mine = await _item(
            conn, ids["My Own Feed"], seizure, "Fentanyl at the port", T0 + timedelta(minutes=10)
        )
        await _item(conn, ids["Milenio"], None, "Lluvias en Baja", T0)  # in no story
        vote = await _item(conn, ids["Border Report"], other, "Senate votes", T0)
        found = await story_reports(conn, [seizure, other, 999_999])
    assert set(found) == {seizure, other}
    assert [r.item_id for r in found[seizure]] == [early, mine, late]
    first = found[seizure][0]
    assert first == Report(
        early,
        "Milenio",
        "es",
        "MX",
        T0,
        first.url,
        "Aseguran fentanilo",
        "Agentes aseguraron pastillas.",
    )
    assert first.published_at.tzinfo is not None
    assert [(r.outlet, r.country) for r in found[seizure][1:]] == [
        ("My Own Feed", None),
        ("Border Report", "US"),
    ]
    assert [r.item_id for r in found[other]] == [vote]
    async with engine.connect() as conn:
        assert await story_reports(conn, []) == {}


async def test_recent_stories_carry_their_reports_in_a_fixed_number_of_queries(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as conn:
        ids = await _sources(conn)
        for n in range(30):
            sid = await _story(conn, f"Story {n}", f"https://news.example/s{n}", T0)
            for name in ("Milenio", "Border Report", "My Own Feed"):
                await _item(conn, ids[name], sid, f"{name} on story {n}", T0 + timedelta(minutes=n))

    async def count_queries(limit: int) -> tuple[int, list]:
        statements: list[str] = []

        def seen(*args: object) -> None:
            statements.append(str(args[2]))

        event.listen(engine.sync_engine, "before_cursor_execute", seen)
        try:
            async with engine.connect() as conn:
                views = await recent_stories(conn, themes=["fentanyl"], since=T0, limit=limit)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", seen)
        return len(statements), views

    few, _ = await count_queries(3)
    many, views = await count_queries(30)
    assert few == many  # one query for the reports of all the stories, not one per story
    assert len(views) == 30 and all(len(v.reports) == 3 for v in views)
    known = with_facts(views)
    assert known[0].coverage.by_country == {"MX": 1, "US": 1, "?": 1}
    assert not known[0].coverage.one_sided
    assert known[0].headline_for("es").outlet == "Milenio"
