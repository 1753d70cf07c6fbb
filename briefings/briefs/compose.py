"""What a chat gets: the lead story of the day (``lead``), then the stories on its themes,
ranked, capped per theme, never sent twice; a theme's trend line when it means something
(``trend``).

Ranking (``score``), one number per story and theme:

    score = recency × sources × strength
    recency  = 0.5 ** (hours since the story was last seen / 12)   # halves every 12 hours
    sources  = 1 + log2(number of distinct outlets)                # 1, 2, 3 for 1, 2, 4 outlets
    strength = s / (s + 1), s = the story's match score for the theme (title hits weigh more)

so a story told by four outlets twelve hours ago ranks with a one-outlet story from just now
(3 × 0.5 ≈ 1.5 × 1), and a strong match beats a weak one of the same age and reach.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from briefings.briefs.content import READER, Alert, Brief, Section, Story
from briefings.briefs.lead import pick_lead
from briefings.briefs.trend import trend
from briefings.i18n import language_of
from briefings.model import ThemeRef
from briefings.store.stories import recent_stories, theme_counts
from briefings.stories.facts import with_facts
from briefings.themes.catalogue import ThemeCatalogue
from briefings.themes.config import Theme, ThemeSet

HALF_LIFE_HOURS = 12.0
LATEST_WINDOW = timedelta(days=7)

# The themes of a brief: a ThemeSet, configured Themes, references, or stored keys.
Themes = ThemeSet | Iterable[Theme | ThemeRef | str]


def theme_refs(themes: Themes, catalogue: ThemeCatalogue | None = None
               ) -> tuple[list[ThemeRef], ThemeCatalogue]:
    """The references asked for, each once in first order, and a catalogue that names them."""
    configured: list[Theme] = []
    refs: list[ThemeRef] = []
    for theme in themes:
        if isinstance(theme, Theme):
            configured.append(theme)
            refs.append(ThemeRef(theme.name))
        else:
            refs.append(theme if isinstance(theme, ThemeRef) else ThemeRef.parse(theme))
    unique = list(dict.fromkeys(refs))
    return unique, catalogue or ThemeCatalogue(configured, own=unique)


def score(story: Story, now: datetime, theme: str | None = None) -> float:
    """The ranking score (see the module docstring)."""
    age_hours = max(0.0, (now - story.last_seen_at) / timedelta(hours=1))
    recency: float = 0.5 ** (age_hours / HALF_LIFE_HOURS)
    sources = 1.0 + math.log2(max(1, story.source_count))
    if theme is not None and theme in story.themes:
        strength = story.themes[theme]
    else:
        strength = max(story.themes.values(), default=1.0)
    strength = max(0.0, strength)
    return recency * sources * (strength / (strength + 1.0))


def rank(stories: Sequence[Story], now: datetime, theme: str | None = None) -> list[Story]:
    """Best first; ties go to the more recent story, then the higher id."""
    return sorted(
        stories,
        key=lambda s: (-score(s, now, theme), -s.last_seen_at.timestamp(), -s.id),
    )


def _strongest(story: Story, order: dict[str, int]) -> str:
    mine = [t for t in story.themes if t in order]
    return max(mine, key=lambda t: (story.themes[t], -order[t]))


async def compose_brief(
    conn: AsyncConnection,
    *,
    themes: Themes,
    since: datetime,
    now: datetime,
    language: str,
    chat_id: int | None = None,
    cap_per_theme: int = 5,
    trends: bool = True,
    catalogue: ThemeCatalogue | None = None,
    headlines: str = READER,
    timezone: str = "UTC",
) -> Brief:
    """The brief of the stories on ``themes`` seen since ``since`` (not already sent to
    ``chat_id``): the lead story, then a section per theme, each story once, in its strongest
    theme. ``headlines`` and ``timezone`` are the reader's, for the faces."""
    refs, names = theme_refs(themes, catalogue)
    keys = [ref.key for ref in refs]
    views = await recent_stories(conn, themes=keys, since=since, exclude_sent_to=chat_id)
    order = {key: i for i, key in enumerate(keys)}
    shown = [view for view in views if view.last_seen_at <= now and view.themes]
    top = pick_lead(shown, now)
    by_theme: dict[str, list[Story]] = {key: [] for key in keys}
    for view in shown:
        if view is not top:
            by_theme[_strongest(view, order)].append(view)
    lead = None
    if top is not None:
        key = _strongest(top, order)
        lead = Section(key, names.display(ThemeRef.parse(key), language), with_facts([top]))
    counts = None
    if trends and any(by_theme.values()):
        counts = await theme_counts(conn, keys, now - timedelta(days=1), now)
    sections = []
    for ref in refs:
        ranked = with_facts(rank(by_theme[ref.key], now, ref.key)[:cap_per_theme])
        if not ranked:
            continue
        section_trend = None
        if counts is not None:
            section_trend = trend(
                counts.today[ref.key], counts.daily[ref.key], counts.days_with_data
            )
        sections.append(Section(ref.key, names.display(ref, language), ranked, section_trend))
    return Brief(language_of(language), now, since, sections, lead, headlines, timezone)


async def latest(
    conn: AsyncConnection,
    *,
    themes: Themes,
    now: datetime,
    limit: int = 5,
    chat_id: int | None = None,
    window: timedelta = LATEST_WINDOW,
) -> list[Story]:
    """The newest stories on ``themes`` (for /latest and /topic), newest first.

    Asked for on demand, so stories the chat already received are shown again; ``chat_id`` is
    accepted for callers that pass it and does not filter.
    """
    keys = [ref.key for ref in theme_refs(themes)[0]]
    views = await recent_stories(conn, themes=keys, since=now - window, limit=limit * 2)
    return with_facts([v for v in views if v.last_seen_at <= now][:limit])


def alert_for(story: Story, language: str, catalogue: ThemeCatalogue, *,
              headlines: str = READER, timezone: str = "UTC") -> Alert:
    """An alert of ``story``, its themes named in ``language``, strongest match first."""
    keys = sorted(story.themes, key=lambda key: -story.themes[key])
    names = tuple(catalogue.display(ThemeRef.parse(key), language) for key in keys)
    known = story if story.facts is not None else with_facts([story])[0]
    return Alert(known, language_of(language), names, headlines, timezone)
