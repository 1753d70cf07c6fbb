"""The seam of the clustering method: a ``StoryIndex`` remembers recent stories and assigns
new items to them.

A method (MinHash today, ``briefings.stories.minhash``) lives in one module that implements
this protocol; ``StoryFiler(index=...)`` takes any of them. Whatever a method needs to
recognise a story later (fingerprints, an embedding) it keeps in the story's ``signature``:
plain JSON the store saves with the story and gives back to ``load``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Doc:
    """One matched item as a clustering method sees it."""

    id: int  # the item's row id
    source_id: int
    language: str
    title: str
    summary: str
    at: datetime  # when it was published (never later than the filing time)


class StoryIndex(Protocol):
    """Recent stories, and which of them each new item reports.

    Incremental: each ``assign`` builds on the stories loaded and assigned before. Deterministic:
    the same stories and the same docs give the same assignment, whatever the order given.
    """

    def load(self, story_id: int, signature: object, last_seen: datetime) -> None:
        """Remember a stored story (its ``signature`` as saved; anything unreadable: time only)."""

    def assign(self, docs: Sequence[Doc], *, window: timedelta) -> dict[int, int]:
        """Doc id -> story id: an existing story seen within ``window`` of the doc, else a new
        one, numbered -1, -2, ... in filing order (earliest doc first, then lowest id)."""

    def relabel(self, new_ids: Mapping[int, int]) -> None:
        """Give stories new ids (a new story's -N becomes its stored id)."""

    def signature(self, story_id: int) -> object:
        """What to save with the story (JSON) for ``load`` to read back."""
