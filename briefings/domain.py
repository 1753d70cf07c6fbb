"""What a poll matches and files with: the configured themes plus every chat's own (/track).

One builder for every poller (the bot's job, the scaled-out poller role, ``borderbrief poll``
and the no-token preview), so items are matched against the same themes wherever polled.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from briefings import metrics
from briefings.matcher import Matcher
from briefings.store.chats import all_chat_themes
from briefings.store.stories import file_items
from briefings.themes import Theme, ThemesError, parse_custom_theme


async def build_matcher(engine: AsyncEngine, themes: Iterable[Theme]) -> metrics.CountingMatcher:
    """A counting matcher over ``themes`` (a ThemeSet or Theme list) and active chats' own."""
    every = list(themes)
    async with engine.connect() as conn:
        own = await all_chat_themes(conn)
    for chat_theme in own:
        try:
            theme = parse_custom_theme(chat_theme.name, chat_theme.terms)
        except ThemesError:
            continue  # saved under older rules; the chat can /track it again
        every.append(dataclasses.replace(theme, name=chat_theme.key))
    return metrics.CountingMatcher(Matcher(every))


async def build_domain(engine: AsyncEngine, themes: Iterable[Theme]) -> tuple[Any, Any]:
    """``(matcher, filer)`` for ``poll_cycle``: :func:`build_matcher` and the store's filer."""
    return await build_matcher(engine, themes), file_items
