"""The pieces every face's layout is made of: safe text, one story's display values, packing.

Nothing here knows a markup: a template turns a ``StoryLine`` into HTML or plain text, and
``pack`` cuts the resulting blocks into parts of a face's size, only between blocks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, tzinfo
from urllib.parse import urlsplit

from briefings import i18n
from briefings.briefs.content import Story

HEADLINE_CHARS = 300
SUMMARY_CHARS = 220
URL_CHARS = 2000
MAX_OUTLETS = 2
MAX_TERMS = 8
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2028\u2029\ufffe\uffff]")
_SPACES = re.compile(r"\s+")


def safe_href(url: str | None) -> str | None:
    """The URL if a reader may follow it: http(s) with a host, not absurdly long; else None."""
    if not url:
        return None
    url = url.strip()
    if len(url) > URL_CHARS or CONTROL.search(url) or any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def shorten(text: str, width: int) -> str:
    """One line of at most ``width`` characters, cut at a word boundary with an ellipsis."""
    text = _SPACES.sub(" ", CONTROL.sub("", text)).strip()
    if len(text) <= width:
        return text
    cut = text[: max(1, width - 1)]
    space = cut.rfind(" ")
    if space >= width * 0.5:  # a word boundary, unless it would lose over half the line
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True, slots=True)
class StoryLine:
    """What a template shows of one story."""

    headline: str
    href: str | None
    outlets: str
    more: str
    summary: str
    terms: str
    terms_label: str
    when: str


def story_line(
    story: Story,
    language: str,
    *,
    show_terms: bool = False,
    show_time: bool = False,
    tz: tzinfo | None = None,
    level: int = 0,
) -> StoryLine:
    """A story's display values; higher ``level`` drops detail so that a huge story fits."""
    headline_chars = HEADLINE_CHARS if level < 3 else 120
    summary_chars = (SUMMARY_CHARS, 100, 0, 0, 0)[min(level, 4)]
    headline = shorten(story.headline, headline_chars) or i18n.word("untitled", language)
    outlets = [shorten(name, 60) for name in story.sources[:MAX_OUTLETS]]
    extra = max(0, story.source_count - len(outlets))
    terms = [shorten(t, 40) for t in story.hits[:MAX_TERMS]] if show_terms and level < 2 else []
    return StoryLine(
        headline=headline,
        href=safe_href(story.url) if level < 4 else None,
        outlets=", ".join(outlets),
        more=i18n.more_sources(extra, language) if extra else "",
        summary=shorten(_without(story.summary, story.headline), summary_chars)
        if summary_chars
        else "",
        terms=", ".join(terms),
        terms_label=i18n.word("terms", language),
        when=i18n.short_time(story.last_seen_at.astimezone(tz or UTC), language)
        if show_time
        else "",
    )


def _without(summary: str, headline: str) -> str:
    """The summary without a copy of the headline (feeds often repeat it as the first line)."""
    summary, headline = _SPACES.sub(" ", summary).strip(), _SPACES.sub(" ", headline).strip()
    if headline and len(headline) > 20:
        at = summary.find(headline, 0, len(headline) + 80)
        if at >= 0:
            rest = summary[at + len(headline) :].lstrip(" .:-–—")
            summary = f"{summary[:at].strip()} {rest}".strip()
    return summary


@dataclass(frozen=True, slots=True)
class Block:
    text: str
    heading: str | None = None  # the section heading to repeat if a part starts at this block
    starts_section: bool = False


def pack(blocks: Sequence[Block], limit: int | None, gap: str = "\n\n") -> list[str]:
    """Blocks joined into parts of at most ``limit`` UTF-16 units, cut only between blocks.

    A section heading never ends a part: it travels with the section's first story. A part
    that starts inside a section repeats the section's heading.
    """
    if limit is None:
        return [gap.join(b.text for b in blocks)] if blocks else []
    parts: list[str] = []
    current: list[str] = []
    size = 0
    gap_len = utf16_len(gap)
    for block in blocks:
        text = block.text
        extra = utf16_len(text) + (gap_len if current else 0)
        if current and size + extra > limit:
            parts.append(gap.join(current))
            current, size = [], 0
            if block.heading and not block.starts_section:
                text = f"{block.heading}{gap}{text}"
            extra = utf16_len(text)
        current.append(text)
        size += extra
    if current:
        parts.append(gap.join(current))
    return parts
