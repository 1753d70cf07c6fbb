"""The Telegram face's rendering: content → Telegram HTML parts of at most 4096 UTF-16 units.

Parts are measured in UTF-16 code units of HTML source, which is never less than the text
Telegram counts after parsing the entities; they are cut only between blocks (the header, the
lead story, a section heading, a story), never inside a tag or a story. Every value from a feed
is escaped on output (``telegram_html.html_finalize``). A part's buttons go with it as an inline
keyboard (``parts.telegram_markup``); with page ``links`` (``BORDERBRIEF_PUBLIC_URL``) a story
links to its full-coverage page instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from briefings.briefs.content import READER, Alert, Brief, Story
from briefings.render.layout import (
    Style,
    Templates,
    alert_part,
    brief_parts,
    held_text,
    list_parts,
    reports_text,
    why_text,
)
from briefings.render.lines import StoryLink
from briefings.render.parts import Button, Part, telegram_markup
from briefings.render.telegram_html import html_finalize

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from briefings.settings import Settings

TELEGRAM_LIMIT = 4096
HTML = Templates("telegram.html.j2", autoescape=True, finalize=html_finalize)


def zone(name: str) -> tzinfo:
    """A content's time zone by name (UTC for a name this machine does not know)."""
    try:
        return ZoneInfo(name)
    except (ValueError, LookupError):
        return ZoneInfo("UTC")


class TelegramRenderer:
    """The ``Renderer`` of the Telegram face (``bot/``)."""

    face = "telegram"
    parse_mode = "HTML"

    def __init__(self, *, show_terms: bool = False, limit: int = TELEGRAM_LIMIT,
                 links: StoryLink | None = None) -> None:
        self.show_terms, self.limit, self.links = show_terms, limit, links

    def linked(self, links: StoryLink | None) -> TelegramRenderer:
        """This face linking each story to its full-coverage page (None: buttons instead)."""
        return TelegramRenderer(show_terms=self.show_terms, limit=self.limit, links=links)

    def _style(self, preference: str, tz: tzinfo | None, show_terms: bool | None = None
               ) -> Style:
        terms = self.show_terms if show_terms is None else show_terms
        return Style(preference, tz, self.links, terms)

    def brief_parts(self, brief: Brief, *, tz: tzinfo | None = None) -> list[Part]:
        """A daily brief as messages with their buttons, dated in ``tz`` or the brief's zone."""
        style = self._style(brief.headlines, tz or zone(brief.timezone))
        return brief_parts(brief, HTML, limit=self.limit, style=style)

    def brief(self, brief: Brief, *, tz: tzinfo | None = None) -> list[str]:
        return [part.text for part in self.brief_parts(brief, tz=tz)]

    def alert_part(self, alert: Alert) -> Part:
        """One story as an alert, with its reports button. Never the matched terms: /why."""
        style = self._style(alert.headlines, zone(alert.timezone), show_terms=False)
        return alert_part(alert, HTML, limit=self.limit, style=style)

    def alert(self, alert: Alert) -> list[str]:
        return [self.alert_part(alert).text]

    def stories_parts(self, stories: Sequence[Story], *, language: str, title: str,
                      tz: tzinfo | None = None, preference: str = READER) -> list[Part]:
        return list_parts(stories, HTML, language=language, title=title, limit=self.limit,
                          style=self._style(preference, tz))

    def stories(self, stories: Sequence[Story], *, language: str, title: str,
                tz: tzinfo | None = None, preference: str = READER) -> list[str]:
        return [part.text for part in self.stories_parts(stories, language=language, title=title,
                                                         tz=tz, preference=preference)]

    def reports(self, story: Story, *, language: str, tz: tzinfo | None = None) -> str:
        """Every report of ``story`` (outlet, language, time, link) in one message."""
        return reports_text(story, HTML, language=language, limit=self.limit, tz=tz)

    def held(self, *, language: str, count: int, brief_time: str) -> list[str]:
        """The notice that ``count`` stories wait for the ``brief_time`` brief."""
        return [held_text(HTML, language=language, count=count, brief_time=brief_time)]

    def markup(self, buttons: Sequence[Button]) -> str | None:
        return telegram_markup(buttons)

    def why(self, story: Story, *, language: str, themes: Sequence[str],
            terms: Sequence[str]) -> str:
        """Why a chat got ``story``: its themes and the terms they matched."""
        return why_text(story, HTML, language=language, themes=themes, terms=terms)


TELEGRAM = TelegramRenderer()


async def telegram_face(engine: AsyncEngine, settings: Settings, *, now: datetime
                        ) -> TelegramRenderer:
    """The Telegram face briefs and alerts are sent through: stories link to their
    full-coverage pages when ``BORDERBRIEF_PUBLIC_URL`` is set, else carry reports buttons."""
    from briefings.render.links import page_links  # the pages' key lives in the store

    links = await page_links(engine, settings, now=now)
    return TELEGRAM if links is None else TELEGRAM.linked(links.story)
