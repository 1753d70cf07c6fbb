"""Briefs, alerts and story lists as Telegram HTML (or plain text), in parts Telegram accepts.

Templates live in ``briefings/templates`` (one macro per block: header, section, story). Every
value from a feed is escaped on output by a ``finalize`` hook that knows Telegram's rules: only
``&lt; &gt; &amp; &quot;`` (markupsafe's ``&#39;``/``&#34;`` are never emitted), no control
characters, links only to http(s) URLs. Parts are at most 4096 UTF-16 code units of HTML source,
which is never less than the text Telegram counts after parsing the entities; they are cut only
between blocks (the header, a section heading, a story), never inside a tag or a story.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, tzinfo
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from briefings import i18n
from briefings.compose import Brief, Section, Trend, theme_refs
from briefings.store.stories import StoryView

Format = Literal["html", "text"]
TELEGRAM_LIMIT = 4096
HEADLINE_CHARS = 300
SUMMARY_CHARS = 220
URL_CHARS = 2000
MAX_OUTLETS = 2
MAX_TERMS = 8
_TEMPLATES = Path(__file__).resolve().parent / "templates"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2028\u2029\ufffe\uffff]")
_SPACES = re.compile(r"\s+")


# --- escaping -------------------------------------------------------------------------------


def tg_escape(value: object) -> str:
    """Escape text for Telegram HTML with only the four entities it knows."""
    text = _CONTROL.sub("", str(value))
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _html_finalize(value: object) -> Markup:
    if isinstance(value, Markup):  # a macro's output: already escaped
        return value
    return Markup(tg_escape("" if value is None else value))


def _text_finalize(value: object) -> str:
    return _CONTROL.sub("", "" if value is None else str(value))


@cache
def _environment(fmt: Format) -> Environment:
    return Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=fmt == "html",
        finalize=_html_finalize if fmt == "html" else _text_finalize,
        undefined=StrictUndefined,
        keep_trailing_newline=False,
    )


def _macros(fmt: Format) -> Any:
    name = "telegram.html.j2" if fmt == "html" else "terminal.txt.j2"
    return _environment(fmt).get_template(name).module


def safe_href(url: str | None) -> str | None:
    """The URL if a reader may follow it: http(s) with a host, not absurdly long; else None."""
    if not url:
        return None
    url = url.strip()
    if len(url) > URL_CHARS or _CONTROL.search(url) or any(c.isspace() for c in url):
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
    text = _SPACES.sub(" ", _CONTROL.sub("", text)).strip()
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


# --- story blocks ---------------------------------------------------------------------------


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
    story: StoryView,
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


def _story_block(
    story: StoryView, language: str, fmt: Format, limit: int | None, **options: Any
) -> str:
    block = ""
    for level in range(5):
        block = str(_macros(fmt).story(story_line(story, language, level=level, **options)))
        if limit is None or utf16_len(block) <= limit:
            break
    return block


# --- packing blocks into parts ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Block:
    text: str
    heading: str | None = None  # the section heading to repeat if a part starts at this block
    starts_section: bool = False


def pack(blocks: Sequence[_Block], limit: int | None, gap: str = "\n\n") -> list[str]:
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


def _trend_text(name: str, trend: Trend | None, language: str) -> str:
    if trend is None:
        return ""
    key = "trend_one" if trend.count == 1 else "trend"
    ratio = i18n.ratio_text(trend.ratio, language)
    return i18n.word(key, language, theme=name, count=trend.count, ratio=ratio)


def _section_blocks(
    section: Section, language: str, fmt: Format, limit: int | None, show_terms: bool
) -> list[_Block]:
    m = _macros(fmt)
    trend = _trend_text(section.name, section.trend, language)
    heading = str(m.section(section.name, trend, ""))
    continued = str(m.section(section.name, "", i18n.word("continued", language)))
    room = None if limit is None else limit - utf16_len(heading) - utf16_len(continued) - 4
    blocks = []
    for i, story in enumerate(section.stories):
        text = _story_block(story, language, fmt, room, show_terms=show_terms)
        if i == 0:
            blocks.append(_Block(f"{heading}\n{text}", continued, starts_section=True))
        else:
            blocks.append(_Block(text, continued))
    return blocks


# --- public renderers -------------------------------------------------------------------------


def render_brief(
    brief: Brief,
    *,
    fmt: Format = "html",
    show_terms: bool = False,
    limit: int | None = TELEGRAM_LIMIT,
    tz: tzinfo | None = None,
) -> list[str]:
    """A daily brief as message parts; no parts when it has no stories.

    ``tz`` is the chat's time zone: the brief is dated by the chat's calendar (default UTC).
    """
    if brief.empty:
        return []
    language = brief.language
    m = _macros(fmt)
    title = i18n.word("daily_brief", language)
    date = i18n.long_date(brief.generated_at.astimezone(tz or UTC), language)
    blocks = [_Block(str(m.brief_header(title, date)))]
    for section in brief.sections:
        if section.stories:
            blocks.extend(_section_blocks(section, language, fmt, limit, show_terms))
    return pack(blocks, limit)


def render_story_list(
    stories: Sequence[StoryView],
    *,
    language: str,
    title: str,
    fmt: Format = "html",
    show_terms: bool = False,
    limit: int | None = TELEGRAM_LIMIT,
    tz: tzinfo | None = None,
) -> list[str]:
    """A titled list of stories (for /latest and /topic), newest first as given; times are
    shown in ``tz`` (the chat's time zone; default UTC)."""
    m = _macros(fmt)
    header = str(m.list_header(title))
    if not stories:
        return [f"{header}\n\n{m.nothing(i18n.word('nothing', language))}"]
    room = None if limit is None else limit - utf16_len(header) - 2
    blocks = [_Block(header)]
    for story in stories:
        text = _story_block(
            story, language, fmt, room, show_terms=show_terms, show_time=True, tz=tz
        )
        blocks.append(_Block(text))
    return pack(blocks, limit)


def render_alert(
    story: StoryView,
    *,
    language: str,
    theme_names: Any = None,
    fmt: Format = "html",
    show_terms: bool = True,
) -> str:
    """One story as a real-time alert (always one message)."""
    refs = {ref.key: ref for ref in theme_refs(theme_names or list(story.themes))}
    names = [
        refs[key].display(language) if key in refs else key
        for key in sorted(story.themes, key=lambda k: -story.themes[k])
    ]
    m = _macros(fmt)
    header = str(m.alert_header(i18n.word("alert", language), ", ".join(names)))
    room = TELEGRAM_LIMIT - utf16_len(header) - 1
    body = _story_block(story, language, fmt, room, show_terms=show_terms)
    return f"{header}\n{body}"


# --- Telegram's HTML subset, checked ----------------------------------------------------------

_ALLOWED = {
    "b": set(), "strong": set(), "i": set(), "em": set(), "u": set(), "ins": set(),
    "s": set(), "strike": set(), "del": set(), "code": {"class"}, "pre": set(),
    "blockquote": {"expandable"}, "a": {"href"}, "tg-spoiler": set(),
}  # fmt: skip
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot);")


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.ok = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED or any(name not in _ALLOWED[tag] for name, _ in attrs):
            self.ok = False
        if tag == "a":
            href = dict(attrs).get("href")
            if href is None or safe_href(href) is None:
                self.ok = False
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ok = False  # Telegram has no self-closing tags

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.ok = False

    def handle_comment(self, data: str) -> None:
        self.ok = False

    def handle_decl(self, decl: str) -> None:
        self.ok = False

    def unknown_decl(self, data: str) -> None:
        self.ok = False


def telegram_html_is_valid(html: str) -> bool:
    """True if ``html`` uses only Telegram's tags and entities, balanced and properly nested."""
    # Outside tags, every "&" must start one of the four entities and no "<" may be loose.
    for ampersand in re.finditer("&", html):
        if not _ENTITY.match(html, ampersand.start()):
            return False
    if re.search(r"<(?![a-z/-])", html) or ">" in re.sub(r"<[^<>]*>", "", html):
        return False
    checker = _Checker()
    checker.feed(html)
    checker.close()
    return checker.ok and not checker.stack and not checker.rawdata


__all__ = [
    "TELEGRAM_LIMIT",
    "pack",
    "render_alert",
    "render_brief",
    "render_story_list",
    "safe_href",
    "shorten",
    "telegram_html_is_valid",
    "tg_escape",
    "utf16_len",
]
