"""Rows for store tests, written straight into the tables (no other stage needed)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from briefings.model import Hit, Item, StoredItem, ThemeMatch
from briefings.store.tables import chats, items, sources
from tests.stories.headlines import Report


async def add_source(
    conn: AsyncConnection, name: str, *, language: str = "en", weight: float = 1.0
) -> int:
    result = await conn.execute(
        insert(sources)
        .values(
            name=name,
            url=f"https://{name.lower().replace(' ', '-')}.example/feed",
            language=language,
            weight=weight,
            created_at=datetime(2025, 1, 1, tzinfo=UTC),
        )
        .returning(sources.c.id)
    )
    return int(result.scalar_one())


async def add_item(
    conn: AsyncConnection,
    source_id: int,
    *,
    title: str,
    summary: str = "",
    language: str = "en",
    at: datetime,
    url: str | None = None,
    guid: str | None = None,
    story_id: int | None = None,
) -> StoredItem:
    guid = guid or f"{source_id}:{title}"
    url = f"https://news.example/{abs(hash(guid)) % 10**9}" if url is None else url
    item = Item(
        source=str(source_id),
        guid=guid,
        url=url,
        title=title,
        summary=summary,
        language=language,
        published_at=at,
    )
    result = await conn.execute(
        insert(items)
        .values(
            source_id=source_id,
            guid=guid,
            url=url,
            title=title,
            summary=summary,
            language=language,
            published_at=at,
            fetched_at=at,
            story_id=story_id,
        )
        .returning(items.c.id)
    )
    return StoredItem(int(result.scalar_one()), source_id, item)


async def add_report(
    conn: AsyncConnection, report: Report, at: datetime, sources_by_name: dict[str, int]
) -> StoredItem:
    if report.outlet not in sources_by_name:
        found = await conn.execute(select(sources.c.id).where(sources.c.name == report.outlet))
        existing = found.scalar()
        sources_by_name[report.outlet] = existing or await add_source(
            conn, report.outlet, language=report.language
        )
    return await add_item(
        conn,
        sources_by_name[report.outlet],
        title=report.title,
        summary=report.summary,
        language=report.language,
        at=at,
        guid=f"{report.outlet}:{report.title}",
    )


async def add_chat(conn: AsyncConnection, chat_id: int, now: datetime) -> None:
    await conn.execute(
        insert(chats).values(
            id=chat_id,
            type="private",
            language="en",
            timezone="UTC",
            brief_time="08:00",
            created_at=now,
        )
    )


def match(theme: str, score: float = 1.0, *terms: str) -> ThemeMatch:
    """A ThemeMatch built by hand, as the matcher would give it."""
    return ThemeMatch(theme, score, tuple(Hit(term, "title") for term in terms))


# The labelled English and Spanish reports written for these tests, by id.
CASES: dict[str, dict[str, str]] = {
    case["id"]: case for case in map(json.loads, (Path(__file__).parent / "cases.jsonl").open())
}


def case_time(case_id: str) -> datetime:
    """When a case was published."""
    return datetime.fromisoformat(CASES[case_id]["published"].replace("Z", "+00:00"))


async def add_cases(
    conn: AsyncConnection, ids: list[str], sources: dict[str, int]
) -> list[StoredItem]:
    """Store these cases as items (their outlets as sources, added to ``sources`` as needed)."""
    out = []
    for case_id in ids:
        case = CASES[case_id]
        if case["source"] not in sources:
            sources[case["source"]] = await add_source(conn, case["source"], language=case["lang"])
        out.append(await add_item(conn, sources[case["source"]], title=case["title"],
                                  summary=case["summary"], language=case["lang"],
                                  at=case_time(case_id), guid=case_id))  # fmt: skip
    return out
