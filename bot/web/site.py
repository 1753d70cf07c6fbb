"""What the pages show, read from the store: the coordinator between tornado and the renderer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from briefings.model import ThemeRef
from briefings.render.charts import DAYS, DailySplit, chart_png, split_has_history, theme_split
from briefings.render.links import load_key, story_id_of, story_token
from briefings.render.web import StoryPage, ThemeEntry, ThemeLink, ThemePage, WebPages
from briefings.settings import Settings
from briefings.store.stories import recent_stories, stories_by_id
from briefings.stories.facts import with_facts
from briefings.themes import ThemeCatalogue

THEME_PAGE_STORIES = 60  # newest first; the chart counts them all


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Site:
    """The pages of one store: its shared themes, its link key, the templates."""

    settings: Settings
    engine: AsyncEngine
    catalogue: ThemeCatalogue
    pages: WebPages = field(default_factory=WebPages)
    clock: Callable[[], datetime] = _now
    _key: bytes | None = None
    _key_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.default_timezone)

    async def key(self) -> bytes:
        async with self._key_lock:
            if self._key is None:
                self._key = await load_key(self.engine, self.settings, now=self.clock())
            return self._key

    def shared(self, name: str) -> ThemeRef | None:
        """The configured shared theme of that name; None for anything else (own themes too)."""
        ref = ThemeRef.parse(name)
        return ref if not ref.is_own and self.catalogue.theme(ref) is not None else None

    def _theme_link(self, ref: ThemeRef, language: str, suffix: str) -> ThemeLink:
        return ThemeLink(ref.key, self.catalogue.display(ref, language),
                         f"../t/{quote(ref.name, safe='')}{suffix}")

    async def story(self, token: str, language: str, suffix: str = "") -> StoryPage | None:
        """A story's page, or None when the token is not one of ours or the story is gone."""
        story_id = story_id_of(await self.key(), token)
        if story_id is None:
            return None
        names = [ref.name for ref in self.catalogue.shared]
        async with self.engine.connect() as conn:
            found = await stories_by_id(conn, [story_id], names)
        view = found.get(story_id)
        if view is None:
            return None
        [view] = with_facts([view])
        themes = [self._theme_link(ThemeRef(name), language, suffix) for name in view.themes]
        return StoryPage(view, themes)

    async def _split(self, ref: ThemeRef) -> DailySplit:
        async with self.engine.connect() as conn:
            return await theme_split(conn, ref.key, now=self.clock(), tz=self.tz)

    async def theme(self, ref: ThemeRef, language: str, suffix: str = "") -> ThemePage:
        """A shared theme's stories of the last 14 days and its chart's counts."""
        key = await self.key()
        since = self.clock() - timedelta(days=DAYS)
        async with self.engine.connect() as conn:
            views = await recent_stories(conn, themes=[ref.key], since=since,
                                         limit=THEME_PAGE_STORIES)
        entries = [ThemeEntry(view, f"../s/{story_token(key, view.id)}{suffix}")
                   for view in with_facts(views)]
        chart = f"{quote(ref.name, safe='')}/chart.png?lang={language}"
        return ThemePage(self._theme_link(ref, language, suffix), entries,
                         await self._split(ref), chart)

    async def chart(self, ref: ThemeRef, language: str) -> tuple[DailySplit, bytes | None]:
        """The chart's PNG (None when the history is too short to draw one)."""
        split = await self._split(ref)
        if not split_has_history(split):
            return split, None
        name = self.catalogue.display(ref, language)
        return split, await asyncio.to_thread(chart_png, split, name, language)
