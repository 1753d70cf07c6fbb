"""What filing needs from storage: the protocol ``briefings.store.story_rows`` implements."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Set
from datetime import datetime
from typing import Protocol

from briefings.model import StoryMember, StoryRecord, ThemeMatch


class StoryStore(Protocol):
    """Stories and item themes in one open transaction."""

    async def write_item_themes(self, best: Mapping[int, Mapping[str, ThemeMatch]]) -> None:
        """Record each item's best match per theme (item id -> theme -> match)."""

    async def recent_signatures(
        self, since: datetime, until: datetime | None = None
    ) -> list[tuple[int, object, datetime]]:
        """``(story id, signature, last seen)`` of the stories last seen in [since, until)."""

    async def members(
        self, story_ids: Sequence[int], exclude: Set[int]
    ) -> list[tuple[int, StoryMember]]:
        """``(story id, member)`` for the items filed in these stories, but ``exclude``."""

    async def source_weights(self, source_ids: Iterable[int]) -> dict[int, float]:
        """Each source's weight (1.0 when it has none)."""

    async def insert_stories(self, stories: Sequence[StoryRecord]) -> list[int]:
        """Store new stories; their ids, in the order given."""

    async def update_stories(self, stories: Mapping[int, StoryRecord]) -> None:
        """Rewrite these stories' values."""

    async def set_item_stories(self, assigned: Mapping[int, int]) -> None:
        """File items: item id -> story id."""

    async def raise_theme_scores(self, scores: Mapping[tuple[int, str], float]) -> None:
        """Set ``(story id, theme)`` scores, keeping any stored score that is already higher."""
