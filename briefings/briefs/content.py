"""What a brief or an alert says, for any face: plain values, no markup, no Telegram.

A face (Telegram HTML, terminal text, a web page) renders these its own way; the due-briefs job
renders each distinct ``Brief`` once per face.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from briefings.store.stories import StoryView

Story = StoryView  # one story as a brief shows it (headline, link, outlets, themes, terms)

# A reader's headline preference: the chat's own language, one language, or English and Spanish
# side by side (where reports in them exist; otherwise the story's most central headline).
READER, BOTH = "reader", "both"
BORDER_LANGUAGES = ("en", "es")  # what "both" shows, in this order
HEADLINES = (READER, *BORDER_LANGUAGES, BOTH)


@dataclass(frozen=True, slots=True)
class Trend:
    """Today's story count for a theme against its recent daily average."""

    count: int
    average: float
    ratio: float


@dataclass(frozen=True, slots=True)
class Section:
    """One theme's part of a brief."""

    theme: str  # the stored theme key (``ThemeRef.key``)
    name: str  # display name in the brief's language
    stories: Sequence[Story]
    trend: Trend | None = None


@dataclass(frozen=True, slots=True)
class Brief:
    """A composed brief, ready for any face to render: the lead story, then a section per theme.

    ``headlines`` is the reader's headline preference (``HEADLINES``); ``timezone`` the zone its
    date and times are shown in.
    """

    language: str
    generated_at: datetime
    since: datetime
    sections: list[Section] = field(default_factory=list)
    lead: Section | None = None  # the story of the day, under the theme it is strongest in
    headlines: str = READER
    timezone: str = "UTC"

    def story_ids(self) -> list[int]:
        shown = ([self.lead] if self.lead else []) + list(self.sections)
        return [story.id for section in shown for story in section.stories]

    @property
    def empty(self) -> bool:
        return not self.lead and not any(section.stories for section in self.sections)

    def without(self, story_ids: frozenset[int]) -> Brief:
        """This brief less some stories (sections left empty are dropped)."""
        sections = [
            replace(section, stories=[s for s in section.stories if int(s.id) not in story_ids])
            for section in self.sections
        ]
        lead = self.lead
        if lead is not None and any(int(s.id) in story_ids for s in lead.stories):
            lead = None
        return replace(self, sections=[section for section in sections if section.stories],
                       lead=lead)


@dataclass(frozen=True, slots=True)
class Alert:
    """One story as a real-time alert, with the names of the themes it is on."""

    story: Story
    language: str
    themes: tuple[str, ...]  # display names in ``language``, strongest match first
    headlines: str = READER
    timezone: str = "UTC"
