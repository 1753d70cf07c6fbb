"""The Telegram face's rendering: content → Telegram HTML parts of at most 4096 UTF-16 units.

Parts are measured in UTF-16 code units of HTML source, which is never less than the text
Telegram counts after parsing the entities; they are cut only between blocks (the header, a
section heading, a story), never inside a tag or a story. Every value from a feed is escaped on
output (``telegram_html.html_finalize``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from briefings.briefs.content import Alert, Brief, Story
from briefings.render.layout import Templates, alert_text, brief_parts, list_parts
from briefings.render.telegram_html import html_finalize

TELEGRAM_LIMIT = 4096
HTML = Templates("telegram.html.j2", autoescape=True, finalize=html_finalize)


class TelegramRenderer:
    """The ``Renderer`` of the Telegram face (``bot/``)."""

    face = "telegram"
    parse_mode = "HTML"

    def __init__(self, *, show_terms: bool = False, limit: int = TELEGRAM_LIMIT) -> None:
        self.show_terms, self.limit = show_terms, limit

    def brief(self, brief: Brief, *, tz: tzinfo | None = None) -> list[str]:
        return brief_parts(brief, HTML, limit=self.limit, show_terms=self.show_terms, tz=tz)

    def alert(self, alert: Alert) -> list[str]:
        return [alert_text(alert, HTML, limit=self.limit)]

    def stories(self, stories: Sequence[Story], *, language: str, title: str,
                tz: tzinfo | None = None) -> list[str]:
        return list_parts(stories, HTML, language=language, title=title, limit=self.limit,
                          show_terms=self.show_terms, tz=tz)


TELEGRAM = TelegramRenderer()
