"""The lead story of a brief: the one most outlets tell, from both sides of the border, lately.

    lead score = reach × sides × recency
    reach    = 1 + log2(distinct outlets)                 # 2, 3, 4 for 2, 4, 8 outlets
    sides    = 1.5 when Mexican and U.S. outlets both tell it, else 1
    recency  = 0.5 ** (hours since last seen / 12)        # halves every 12 hours

A story needs at least two outlets to lead: one outlet's story is news, not the news of the day.
So a story told by one Mexican and one U.S. outlet weighs as much as one told by four outlets of
one side (2 × 1.5 = 3), and a story both presses tell beats one twice its size from one side
from three outlets up (1.5 × (1 + log2 n) > 2 + log2 n for n > 2).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from briefings.briefs.content import Story
from briefings.model import Coverage
from briefings.stories.coverage import coverage

BORDER = ("MX", "US")  # the two presses whose joint coverage marks a border story
LEAD_MIN_OUTLETS = 2
BOTH_SIDES = 1.5
HALF_LIFE_HOURS = 12.0


def both_sides(told: Coverage) -> bool:
    """Whether outlets of both border countries tell the story."""
    return all(told.by_country.get(country, 0) > 0 for country in BORDER)


def lead_score(told: Coverage, last_seen_at: datetime, now: datetime) -> float:
    """How strongly a story claims the lead (see the module docstring); 0 below two outlets."""
    if told.outlets < LEAD_MIN_OUTLETS:
        return 0.0
    age_hours = max(0.0, (now - last_seen_at) / timedelta(hours=1))
    reach = 1.0 + math.log2(told.outlets)
    sides = BOTH_SIDES if both_sides(told) else 1.0
    recency: float = 0.5 ** (age_hours / HALF_LIFE_HOURS)
    return reach * sides * recency


def story_coverage(story: Story) -> Coverage:
    """A story's coverage from its reports (its facts need not be worked out yet)."""
    return coverage(story.reports) if story.reports else story.coverage


def pick_lead(stories: Sequence[Story], now: datetime) -> Story | None:
    """The story with the best lead score (ties: more outlets, then the more recent, then the
    higher id); None when no story has two outlets."""
    best: Story | None = None
    best_key: tuple[float, int, float, int] | None = None
    for story in stories:
        told = story_coverage(story)
        score = lead_score(told, story.last_seen_at, now)
        key = (round(score, 9), told.outlets, story.last_seen_at.timestamp(), story.id)
        if score > 0 and (best_key is None or key > best_key):
            best, best_key = story, key
    return best
