"""What a poll matches with: the configured themes plus every active chat's own (/track)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine

from briefings import metrics
from briefings.model import ThemeRef
from briefings.store.chats import all_chat_themes
from briefings.themes import Matcher, Theme, ThemesError, parse_custom_theme

if TYPE_CHECKING:
    from briefings.themes.semantic import SemanticModel


async def build_matcher(
    engine: AsyncEngine, themes: Iterable[Theme], semantic: SemanticModel | None = None
) -> metrics.CountingMatcher:
    """A counting matcher over ``themes`` (a ThemeSet or Theme list) and active chats' own;
    with ``semantic`` (fitted once per process: SemanticModel.fit) it also matches by meaning
    the items it is given vectors for."""
    every = list(themes)
    async with engine.connect() as conn:
        own = await all_chat_themes(conn)
    for chat_theme in own:
        try:
            theme = parse_custom_theme(chat_theme.name, chat_theme.terms)
        except ThemesError:
            continue  # saved under older rules; the chat can /track it again
        key = ThemeRef(chat_theme.name, chat_theme.chat_id).key
        every.append(dataclasses.replace(theme, name=key))
    return metrics.CountingMatcher(Matcher(every, semantic))
