"""Plain text for terminals and logs (``borderbrief brief``, the first-run preview)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from briefings.briefs.content import READER, Alert, Brief, Story
from briefings.render.blocks import CONTROL
from briefings.render.layout import (
    Style,
    Templates,
    alert_part,
    brief_parts,
    held_text,
    list_parts,
    reports_text,
)
from briefings.render.parts import Button, Part
from briefings.render.telegram import zone

TEXT = Templates("terminal.txt.j2", autoescape=False,
                 finalize=lambda value: CONTROL.sub("", "" if value is None else str(value)))
ALERT_LIMIT = 4096  # an alert is one message, whatever the face


class TextRenderer:
    """Content as plain text, in one part unless ``limit`` (UTF-16 units) says otherwise."""

    face = "terminal"
    parse_mode = ""

    def __init__(self, *, show_terms: bool = False, limit: int | None = None) -> None:
        self.show_terms, self.limit = show_terms, limit

    def brief_parts(self, brief: Brief, *, tz: tzinfo | None = None) -> list[Part]:
        style = Style(brief.headlines, tz or zone(brief.timezone), show_terms=self.show_terms)
        return brief_parts(brief, TEXT, limit=self.limit, style=style)

    def brief(self, brief: Brief, *, tz: tzinfo | None = None) -> list[str]:
        return [part.text for part in self.brief_parts(brief, tz=tz)]

    def alert_part(self, alert: Alert) -> Part:
        style = Style(alert.headlines, zone(alert.timezone))
        return alert_part(alert, TEXT, limit=ALERT_LIMIT, style=style)

    def alert(self, alert: Alert) -> list[str]:
        return [self.alert_part(alert).text]

    def stories(self, stories: Sequence[Story], *, language: str, title: str,
                tz: tzinfo | None = None, preference: str = READER) -> list[str]:
        style = Style(preference, tz, show_terms=self.show_terms)
        return [part.text for part in list_parts(stories, TEXT, language=language, title=title,
                                                 limit=self.limit, style=style)]

    def reports(self, story: Story, *, language: str, tz: tzinfo | None = None) -> str:
        return reports_text(story, TEXT, language=language, limit=ALERT_LIMIT, tz=tz)

    def held(self, *, language: str, count: int, brief_time: str) -> list[str]:
        return [held_text(TEXT, language=language, count=count, brief_time=brief_time)]

    def markup(self, buttons: Sequence[Button]) -> str | None:
        return None  # a terminal has no buttons
