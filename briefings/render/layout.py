"""Content laid out through a face's template: the header, the lead story, a section per theme,
a block per story; an alert; a story's reports; the notice of alerts held for the brief.

A face supplies its ``Templates`` (a Jinja2 file of macros: brief_header, list_header,
alert_header, lead, section, story, nothing, reports, held, why) and its part size; the layout is
the same for all. A story told by several reports gets a button that lists them all, or, when
the bot serves pages, a link to its full-coverage page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, tzinfo
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from briefings import i18n
from briefings.briefs import trend as trends
from briefings.briefs.content import READER, Alert, Brief, Section, Story, Trend
from briefings.render.blocks import Block, pack_parts, shorten, utf16_len
from briefings.render.lines import StoryLink, report_line, reports_of, shown_headlines, story_line
from briefings.render.parts import Button, Part, reports_action

TEMPLATES = Path(__file__).resolve().parent / "templates"


class Templates:
    """One face's macros from ``briefings/render/templates``, loaded once per language."""

    def __init__(self, name: str, *, autoescape: bool, finalize: Callable[[object], Any]) -> None:
        self.name = name
        self._options: dict[str, Any] = {"autoescape": autoescape, "finalize": finalize}
        self._modules: dict[object, Any] = {}

    def macros(self, language: str) -> Any:  # a jinja2 TemplateModule: one attribute per macro
        """The macros, their words in ``language`` (jinja2's i18n extension, our catalogues)."""
        translations = i18n.translations(language)
        if translations not in self._modules:  # catalogues read anew get environments anew
            environment = Environment(
                loader=FileSystemLoader(TEMPLATES),
                extensions=["jinja2.ext.i18n"],
                undefined=StrictUndefined,
                keep_trailing_newline=False,
                **self._options,
            )
            environment.install_gettext_translations(  # type: ignore[attr-defined]
                translations, newstyle=True)
            self._modules[translations] = environment.get_template(self.name).module
        return self._modules[translations]


@dataclass(frozen=True, slots=True)
class Style:
    """How a face shows stories: the reader's headline preference and zone, page links, terms."""

    preference: str = READER
    tz: tzinfo | None = None
    link: StoryLink | None = None
    show_terms: bool = False


def story_block(story: Story, language: str, t: Templates, limit: int | None, style: Style,
                *, lead: bool = False) -> str:
    """One story's block, with less detail until it fits in ``limit`` (None: no limit)."""
    block = ""
    for level in range(5):
        line = story_line(story, language, preference=style.preference, tz=style.tz, lead=lead,
                          link=style.link, show_terms=style.show_terms, level=level)
        block = str(t.macros(language).story(line, lead))
        if limit is None or utf16_len(block) <= limit:
            break
    return block


def reports_button(story: Story, language: str, style: Style, *, alert: bool = False
                   ) -> Button | None:
    """The button that lists a story's reports: for stories several reports tell, when the
    bot has no page to link to instead."""
    count = len(reports_of(story))
    if count < 2 or style.link is not None:
        return None
    if alert:
        label = i18n.plural(language, "button.all_reports", count)
    else:
        headline = " / ".join(h.text for h in shown_headlines(story, style.preference, language))
        label = i18n.plural(language, "button.reports", count, headline=shorten(headline, 32))
    return Button(label, reports_action(story.id))


def trend_text(name: str, trend: Trend | None, language: str) -> str:
    """'Tariffs: 12 stories today, about twice the usual 6 a day'; '' when nothing to say."""
    kind = trends.kind(trend.ratio) if trend is not None else None
    if trend is None or kind is None:
        return ""
    return i18n.plural(language, f"section.trend_{kind}", trend.count, theme=name,
                       usual=trends.usual(trend.average), times=round(trend.ratio))


def _section_blocks(section: Section, language: str, t: Templates, limit: int | None,
                    style: Style) -> list[Block]:
    trend = trend_text(section.name, section.trend, language)
    heading = str(t.macros(language).section(section.name, trend, False))
    continued = str(t.macros(language).section(section.name, "", True))
    room = None if limit is None else limit - utf16_len(heading) - utf16_len(continued) - 4
    blocks = []
    for i, story in enumerate(section.stories):
        text = story_block(story, language, t, room, style)
        button = reports_button(story, language, style)
        if i == 0:
            blocks.append(Block(f"{heading}\n{text}", continued, True, button))
        else:
            blocks.append(Block(text, continued, button=button))
    return blocks


def _lead_block(lead: Section, language: str, t: Templates, limit: int | None,
                style: Style) -> Block:
    heading = str(t.macros(language).lead(lead.name))
    room = None if limit is None else limit - utf16_len(heading) - 1
    (story,) = lead.stories
    text = story_block(story, language, t, room, style, lead=True)
    return Block(f"{heading}\n{text}", button=reports_button(story, language, style))


def brief_parts(brief: Brief, t: Templates, *, limit: int | None, style: Style) -> list[Part]:
    """A daily brief as parts: the lead story, then the themes; none when it has no stories.
    Dated in ``style.tz`` (default UTC)."""
    if brief.empty:
        return []
    language = brief.language
    date = i18n.long_date(brief.generated_at.astimezone(style.tz or UTC), language)
    blocks = [Block(str(t.macros(language).brief_header(date)))]
    if brief.lead is not None:
        blocks.append(_lead_block(brief.lead, language, t, limit, style))
    for section in brief.sections:
        if section.stories:
            blocks.extend(_section_blocks(section, language, t, limit, style))
    return pack_parts(blocks, limit)


def list_parts(stories: Sequence[Story], t: Templates, *, language: str, title: str,
               limit: int | None, style: Style) -> list[Part]:
    """A titled list of stories, in the order given, each with its time in ``style.tz``."""
    header = str(t.macros(language).list_header(title))
    if not stories:
        return [Part(f"{header}\n\n{t.macros(language).nothing()}")]
    room = None if limit is None else limit - utf16_len(header) - 2
    blocks = [Block(header)]
    for story in stories:
        text = story_block(story, language, t, room, style)
        blocks.append(Block(text, button=reports_button(story, language, style)))
    return pack_parts(blocks, limit)


def alert_part(alert: Alert, t: Templates, *, limit: int, style: Style) -> Part:
    """One story as an alert: always one message of at most ``limit`` units."""
    header = str(t.macros(alert.language).alert_header(", ".join(alert.themes)))
    room = limit - utf16_len(header) - 1
    body = story_block(alert.story, alert.language, t, room, style)
    button = reports_button(alert.story, alert.language, style, alert=True)
    return Part(f"{header}\n{body}", (button,) if button else ())


def reports_text(story: Story, t: Templates, *, language: str, limit: int,
                 tz: tzinfo | None) -> str:
    """Every report of a story, earliest first, in one message of at most ``limit`` units
    (the last ones summed up as "and N more" when they do not fit)."""
    macros = t.macros(language)
    reports = reports_of(story)
    headline = story.headline_for(language).text
    lines = [str(macros.report(report_line(r, language, tz))) for r in reports]
    head = str(macros.reports_header(len(reports), shorten(headline, 200)))
    for shown in range(len(lines), -1, -1):
        rest = len(lines) - shown
        tail = [str(macros.reports_more(rest))] if rest else []
        text = "\n".join([head, *lines[:shown], *tail])
        if utf16_len(text) <= limit:
            return text
    return head


def held_text(t: Templates, *, language: str, count: int, brief_time: str) -> str:
    """The notice that the hourly cap held ``count`` stories for the chat's next brief."""
    return str(t.macros(language).held(count, brief_time))


def why_text(story: Story, t: Templates, *, language: str, themes: Sequence[str],
             terms: Sequence[str]) -> str:
    """Why a chat got a story: the themes of its that the story is on, the terms matched."""
    headline = story.headline_for(language).text
    return str(t.macros(language).why(shorten(headline, 200), ", ".join(themes),
                                      ", ".join(shorten(term, 40) for term in terms[:20])))
