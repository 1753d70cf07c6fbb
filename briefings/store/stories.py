"""Stories for briefs: reading recent stories by theme with their reports, counting them,
remembering what was sent.

Filing items into stories is ``briefings.stories`` (its storage side: ``store.story_rows``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from briefings.model import Coverage, Excerpt, Report, StoryFacts
from briefings.store.db import insert_ignore
from briefings.store.story_rows import chunks as _chunks
from briefings.store.tables import item_themes, items, sent_stories, sources, stories, story_themes


@dataclass(frozen=True, slots=True)
class StoryView:
    """A story as a brief shows it."""

    id: int
    headline: str
    url: str
    summary: str
    first_seen_at: datetime
    last_seen_at: datetime
    source_count: int
    sources: list[str] = field(default_factory=list)  # outlet names, representative first
    languages: list[str] = field(default_factory=list)
    themes: dict[str, float] = field(default_factory=dict)  # among the themes asked for
    hits: list[str] = field(default_factory=list)  # matched terms, most frequent first
    reports: tuple[Report, ...] = ()  # every report, earliest first
    facts: StoryFacts | None = None  # set by ``briefings.stories.facts.with_facts``

    def headline_for(self, language: str) -> Excerpt:
        """The headline a reader of ``language`` sees (the stored one until facts are known)."""
        found = self.facts.headline_for(language) if self.facts else None
        return found or self._stored(self.headline)

    def summary_for(self, language: str) -> Excerpt | None:
        """One or two lede sentences, in ``language`` where a report has them; None if none."""
        if self.facts is not None:
            return self.facts.summary_for(language)
        return self._stored(self.summary) if self.summary else None

    @property
    def coverage(self) -> Coverage:
        """Outlets by country and language (only their number until facts are known)."""
        return self.facts.coverage if self.facts else Coverage(self.source_count)

    def _stored(self, text: str) -> Excerpt:
        lead = next((r for r in self.reports if r.url == self.url), None)
        if lead is not None:
            return Excerpt(text, lead.outlet, lead.language, lead.url, lead.item_id)
        only = self.languages[0] if len(self.languages) == 1 else ""
        return Excerpt(text, self.sources[0] if self.sources else "", only, self.url)


@dataclass(frozen=True, slots=True)
class ThemeCounts:
    """Stories first seen per theme: today, and on each of the seven days before."""

    today: dict[str, int]
    daily: dict[str, list[int]]  # oldest day first
    days_with_data: list[bool]  # per day of ``daily``: was the store collecting then?


async def recent_stories(
    conn: AsyncConnection,
    *,
    themes: Sequence[str],
    since: datetime,
    until: datetime | None = None,
    exclude_sent_to: int | None = None,
    limit: int | None = None,
) -> list[StoryView]:
    """Stories on any of ``themes`` last seen in [since, until), newest first."""
    themes = list(themes)
    if not themes:
        return []
    on_theme = exists().where(
        and_(story_themes.c.story_id == stories.c.id, story_themes.c.theme.in_(themes))
    )
    query = select(*stories.c).where(on_theme, stories.c.last_seen_at >= since)
    if until is not None:
        query = query.where(stories.c.last_seen_at < until)
    if exclude_sent_to is not None:
        sent = exists().where(
            and_(sent_stories.c.chat_id == exclude_sent_to, sent_stories.c.story_id == stories.c.id)
        )
        query = query.where(~sent)
    query = query.order_by(stories.c.last_seen_at.desc(), stories.c.id.desc())
    if limit is not None:
        query = query.limit(limit)
    rows = (await conn.execute(query)).mappings().all()
    return await _views(conn, rows, themes)


async def stories_by_id(conn: AsyncConnection, story_ids: Sequence[int],
                        themes: Sequence[str]) -> dict[int, StoryView]:
    """The stories ``story_ids`` seen through ``themes`` (their scores and hits), by id."""
    query = select(*stories.c).where(stories.c.id.in_(list(story_ids)))
    rows = (await conn.execute(query)).mappings().all()
    return {view.id: view for view in await _views(conn, rows, list(themes))}


async def story_reports(
    conn: AsyncConnection, story_ids: Sequence[int]
) -> dict[int, list[Report]]:
    """Story id → its reports (items with their source's name and country), earliest first.

    One query per chunk of 500 stories, however many reports they have: never one per story.
    """
    found: dict[int, list[Report]] = defaultdict(list)
    for chunk in _chunks(list(story_ids)):
        result = await conn.execute(
            select(items.c.story_id, items.c.id, sources.c.name, items.c.language,
                   sources.c.country, items.c.published_at, items.c.url, items.c.title,
                   items.c.summary)
            .join(sources, sources.c.id == items.c.source_id)
            .where(items.c.story_id.in_(chunk))
            .order_by(items.c.published_at, items.c.id)
        )
        for sid, *values in result:
            found[sid].append(Report(*values))
    return dict(found)


async def _views(conn: AsyncConnection, rows: Sequence[Any], themes: list[str]) -> list[StoryView]:
    ids = [row["id"] for row in rows]
    theme_scores: dict[int, dict[str, float]] = defaultdict(dict)
    reports = await story_reports(conn, ids)
    item_story = {r.item_id: sid for sid, found in reports.items() for r in found}
    for chunk in _chunks(ids):
        result = await conn.execute(
            select(story_themes.c.story_id, story_themes.c.theme, story_themes.c.score).where(
                story_themes.c.story_id.in_(chunk), story_themes.c.theme.in_(themes)
            )
        )
        for sid, theme, score in result:
            theme_scores[sid][theme] = score
    hits: dict[int, Counter[str]] = defaultdict(Counter)
    item_ids = sorted(item_story)
    for chunk in _chunks(item_ids):
        found_hits = await conn.execute(
            select(item_themes.c.item_id, item_themes.c.hits).where(
                item_themes.c.item_id.in_(chunk), item_themes.c.theme.in_(themes)
            )
        )
        for item_id, found in found_hits:
            for hit in found or ():
                term = hit[0] if isinstance(hit, list | tuple) else str(hit)
                hits[item_story[item_id]][term] += 1
    views = []
    for row in rows:
        sid = row["id"]
        told = reports.get(sid, [])
        lead_first = sorted(told, key=lambda r: (r.url != row["url"], r.published_at, r.item_id))
        names = list(dict.fromkeys(r.outlet for r in lead_first))
        terms = sorted(hits[sid].items(), key=lambda kv: (-kv[1], kv[0]))
        views.append(
            StoryView(
                id=sid,
                headline=row["headline"],
                url=row["url"],
                summary=row["summary"],
                first_seen_at=row["first_seen_at"],
                last_seen_at=row["last_seen_at"],
                source_count=row["source_count"],
                sources=names,
                languages=[lang for lang in (row["languages"] or "").split(",") if lang],
                themes=dict(sorted(theme_scores[sid].items())),
                hits=[term for term, _ in terms],
                reports=tuple(told),
            )
        )
    return views


async def mark_sent(
    conn: AsyncConnection, chat_id: int, story_ids: Iterable[int], now: datetime
) -> None:
    """Remember that ``chat_id`` received these stories (again is harmless)."""
    rows = [{"chat_id": chat_id, "story_id": sid, "sent_at": now} for sid in sorted(set(story_ids))]
    if rows:
        await conn.execute(insert_ignore(conn, sent_stories, ["chat_id", "story_id"]), rows)


async def theme_counts(
    conn: AsyncConnection, themes: Sequence[str], day_start: datetime, now: datetime
) -> ThemeCounts:
    """Stories first seen per theme today (since ``day_start``) and on each of 7 days before."""
    themes = list(themes)
    start = day_start - timedelta(days=7)
    today = dict.fromkeys(themes, 0)
    daily = {theme: [0] * 7 for theme in themes}
    if themes:
        result = await conn.execute(
            select(story_themes.c.theme, stories.c.first_seen_at)
            .join(stories, stories.c.id == story_themes.c.story_id)
            .where(
                story_themes.c.theme.in_(themes),
                stories.c.first_seen_at >= start,
                stories.c.first_seen_at < now,
            )
        )
        for theme, first_seen in result:
            if first_seen >= day_start:
                today[theme] += 1
            else:
                daily[theme][int((first_seen - start) / timedelta(days=1))] += 1
    first_fetch = (await conn.execute(select(func.min(items.c.fetched_at)))).scalar()
    days_with_data = [
        first_fetch is not None and first_fetch < start + timedelta(days=i + 1) for i in range(7)
    ]
    return ThemeCounts(today, daily, days_with_data)
