"""Content laid out through a face's template: the header, a section per theme, a block per story.

A face supplies its ``Templates`` (a Jinja2 file of macros: brief_header, list_header,
alert_header, section, story, nothing) and its part size; the layout is the same for all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, tzinfo
from functools import cached_property
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from briefings import i18n
from briefings.briefs.content import Alert, Brief, Section, Story, Trend
from briefings.render.blocks import Block, pack, story_line, utf16_len

TEMPLATES = Path(__file__).resolve().parent / "templates"


class Templates:
    """One face's macros, loaded once from ``briefings/render/templates``."""

    def __init__(self, name: str, *, autoescape: bool, finalize: Callable[[object], Any]) -> None:
        self.name = name
        self.environment = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=autoescape,
            finalize=finalize,
            undefined=StrictUndefined,
            keep_trailing_newline=False,
        )

    @cached_property
    def macros(self) -> Any:  # a jinja2 TemplateModule: one attribute per macro
        return self.environment.get_template(self.name).module


def story_block(story: Story, language: str, t: Templates, limit: int | None,
                **options: Any) -> str:
    """One story's block, with less detail until it fits in ``limit`` (None: no limit)."""
    block = ""
    for level in range(5):
        block = str(t.macros.story(story_line(story, language, level=level, **options)))
        if limit is None or utf16_len(block) <= limit:
            break
    return block


def _trend_text(name: str, trend: Trend | None, language: str) -> str:
    if trend is None:
        return ""
    key = "trend_one" if trend.count == 1 else "trend"
    ratio = i18n.ratio_text(trend.ratio, language)
    return i18n.word(key, language, theme=name, count=trend.count, ratio=ratio)


def _section_blocks(section: Section, language: str, t: Templates, limit: int | None,
                    show_terms: bool) -> list[Block]:
    trend = _trend_text(section.name, section.trend, language)
    heading = str(t.macros.section(section.name, trend, ""))
    continued = str(t.macros.section(section.name, "", i18n.word("continued", language)))
    room = None if limit is None else limit - utf16_len(heading) - utf16_len(continued) - 4
    blocks = []
    for i, story in enumerate(section.stories):
        text = story_block(story, language, t, room, show_terms=show_terms)
        if i == 0:
            blocks.append(Block(f"{heading}\n{text}", continued, starts_section=True))
        else:
            blocks.append(Block(text, continued))
    return blocks


def brief_parts(brief: Brief, t: Templates, *, limit: int | None, show_terms: bool = False,
                tz: tzinfo | None = None) -> list[str]:
    """A daily brief as parts; none when it has no stories. Dated in ``tz`` (default UTC)."""
    if brief.empty:
        return []
    language = brief.language
    title = i18n.word("daily_brief", language)
    date = i18n.long_date(brief.generated_at.astimezone(tz or UTC), language)
    blocks = [Block(str(t.macros.brief_header(title, date)))]
    for section in brief.sections:
        if section.stories:
            blocks.extend(_section_blocks(section, language, t, limit, show_terms))
    return pack(blocks, limit)


def list_parts(stories: Sequence[Story], t: Templates, *, language: str, title: str,
               limit: int | None, show_terms: bool = False, tz: tzinfo | None = None
               ) -> list[str]:
    """A titled list of stories, in the order given, each with its time in ``tz``."""
    header = str(t.macros.list_header(title))
    if not stories:
        return [f"{header}\n\n{t.macros.nothing(i18n.word('nothing', language))}"]
    room = None if limit is None else limit - utf16_len(header) - 2
    blocks = [Block(header)]
    for story in stories:
        text = story_block(story, language, t, room, show_terms=show_terms, show_time=True,
                           tz=tz)
        blocks.append(Block(text))
    return pack(blocks, limit)


def alert_text(alert: Alert, t: Templates, *, limit: int, show_terms: bool = True) -> str:
    """One story as an alert: always one message of at most ``limit`` units."""
    header = str(t.macros.alert_header(i18n.word("alert", alert.language),
                                       ", ".join(alert.themes)))
    room = limit - utf16_len(header) - 1
    body = story_block(alert.story, alert.language, t, room, show_terms=show_terms)
    return f"{header}\n{body}"
