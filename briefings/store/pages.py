"""What the web pages and charts read: a theme's stories per day with their outlets' countries,
when the store began collecting, and the secret story links are signed with."""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from briefings.store import state
from briefings.store.db import insert_ignore
from briefings.store.tables import items, sources, stories, story_themes
from briefings.store.tables import state as state_table

PAGES_SECRET = "pages.secret"


@dataclass(frozen=True, slots=True)
class StoryCountries:
    """One story of a theme: when it was first seen, and the countries of its outlets' press."""

    story_id: int
    first_seen_at: datetime
    countries: frozenset[str]  # two-letter codes; "" for an outlet of no configured country


async def theme_story_countries(
    conn: AsyncConnection, theme: str, since: datetime, until: datetime
) -> list[StoryCountries]:
    """Stories on ``theme`` first seen in [since, until), oldest first, with their countries."""
    result = await conn.execute(
        select(stories.c.id, stories.c.first_seen_at, sources.c.country)
        .join(story_themes, story_themes.c.story_id == stories.c.id)
        .join(items, items.c.story_id == stories.c.id)
        .join(sources, sources.c.id == items.c.source_id)
        .where(story_themes.c.theme == theme, stories.c.first_seen_at >= since,
               stories.c.first_seen_at < until)
        .distinct()
    )
    first_seen: dict[int, datetime] = {}
    countries: dict[int, set[str]] = defaultdict(set)
    for story_id, at, country in result:
        first_seen[story_id] = at
        countries[story_id].add((country or "").upper())
    return sorted(
        (StoryCountries(sid, at, frozenset(countries[sid])) for sid, at in first_seen.items()),
        key=lambda s: (s.first_seen_at, s.story_id),
    )


async def collecting_since(conn: AsyncConnection) -> datetime | None:
    """When the store fetched its first item (None: nothing yet)."""
    found: datetime | None = (await conn.execute(select(func.min(items.c.fetched_at)))).scalar()
    return found


async def stored_secret(conn: AsyncConnection, *, now: datetime) -> str:
    """The store's secret for page links, made on first use; every process reads the same one.

    Call it in a transaction (``engine.begin()``): two processes starting together both insert,
    one wins, and both read the winner's.
    """
    found = await state.get(conn, PAGES_SECRET)
    if found:
        return found
    insert = insert_ignore(conn, state_table, ["key"])
    await conn.execute(insert.values(key=PAGES_SECRET, value=secrets.token_urlsafe(32),
                                     updated_at=now))
    made = await state.get(conn, PAGES_SECRET)
    assert made is not None
    return made
