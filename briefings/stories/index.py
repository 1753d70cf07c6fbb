"""The seam of the clustering method: a ``StoryIndex`` remembers recent stories and assigns
new items to them.

A method lives in one module that implements this protocol: ``briefings.stories.semantic``
(sentence vectors, the default) or ``briefings.stories.minhash`` (word shingles, the baseline);
``StoryFiler(index=...)`` takes any of them. Whatever a method needs to recognise a story later
(fingerprints, member vectors) it keeps in the story's ``signature``: plain JSON the store
saves with the story and gives back to ``load``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class Doc:
    """One matched item as a clustering method sees it."""

    id: int  # the item's row id
    source_id: int
    language: str
    title: str
    summary: str
    at: datetime  # when it was published (never later than the filing time)
    # When the feed gave only a day or a month: the end of that interval (``at`` its start).
    at_end: datetime | None = None
    # The item's sentence vector when the caller has it already (never embed twice).
    vector: npt.NDArray[np.float32] | None = field(default=None, compare=False, repr=False)


class StoryIndex(Protocol):
    """Recent stories, and which of them each new item reports.

    Incremental: each ``assign`` builds on the stories loaded and assigned before. Deterministic:
    the same stories and the same docs give the same assignment, whatever the order given.
    """

    # How long a story stays open to new reports: the filer loads the stories seen within it.
    window: timedelta

    def load(self, story_id: int, signature: object, last_seen: datetime) -> None:
        """Remember a stored story (its ``signature`` as saved; anything unreadable: time only)."""

    def unread(self) -> list[int]:
        """Loaded stories whose signature this method cannot read (another method's, an older
        version's): the filer gives their stored items to ``restore``."""

    def restore(self, items: Mapping[int, Sequence[Doc]]) -> None:
        """Rebuild what ``unread`` stories lack from their items (story id -> its items)."""

    def assign(self, docs: Sequence[Doc], *, window: timedelta) -> dict[int, int]:
        """Doc id -> story id: an existing story seen within ``window`` of the doc, else a new
        one, numbered -1, -2, ... in filing order (earliest doc first, then lowest id)."""

    def relabel(self, new_ids: Mapping[int, int]) -> None:
        """Give stories new ids (a new story's -N becomes its stored id)."""

    def signature(self, story_id: int) -> object:
        """What to save with the story (JSON) for ``load`` to read back."""
