"""Plain text for terminals and logs (``borderbrief brief``, the first-run preview)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from briefings.briefs.content import Alert, Brief, Story
from briefings.render.blocks import CONTROL
from briefings.render.layout import Templates, alert_text, brief_parts, list_parts

TEXT = Templates("terminal.txt.j2", autoescape=False,
                 finalize=lambda value: CONTROL.sub("", "" if value is None else str(value)))
ALERT_LIMIT = 4096  # an alert is one message, whatever the face


class TextRenderer:
    """Content as plain text, in one part unless ``limit`` (UTF-16 units) says otherwise."""

    face = "terminal"
    parse_mode = ""

    def __init__(self, *, show_terms: bool = False, limit: int | None = None) -> None:
        self.show_terms, self.limit = show_terms, limit

    def brief(self, brief: Brief, *, tz: tzinfo | None = None) -> list[str]:
        return brief_parts(brief, TEXT, limit=self.limit, show_terms=self.show_terms, tz=tz)

    def alert(self, alert: Alert) -> list[str]:
        return [alert_text(alert, TEXT, limit=ALERT_LIMIT)]

    def stories(self, stories: Sequence[Story], *, language: str, title: str,
                tz: tzinfo | None = None) -> list[str]:
        return list_parts(stories, TEXT, language=language, title=title, limit=self.limit,
                          show_terms=self.show_terms, tz=tz)
