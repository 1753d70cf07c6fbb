"""Rendering: content (``briefings.briefs.content``) → the parts a face sends.

``face.Renderer`` is what a face supplies to the jobs; ``telegram`` renders Telegram HTML parts
(≤ 4096 UTF-16 units), ``text`` plain text for terminals. ``layout`` and ``blocks`` are shared:
a face is its templates (``templates/``), its part size and its escaping.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import Literal

from briefings.briefs.compose import Themes, theme_refs
from briefings.briefs.content import Alert, Brief, Story
from briefings.model import ThemeRef
from briefings.render.blocks import Block, pack, safe_href, shorten, utf16_len
from briefings.render.face import Renderer
from briefings.render.layout import alert_text, brief_parts, list_parts
from briefings.render.telegram import HTML, TELEGRAM, TELEGRAM_LIMIT, TelegramRenderer
from briefings.render.telegram_html import telegram_html_is_valid, tg_escape
from briefings.render.text import TEXT, TextRenderer

Format = Literal["html", "text"]
_Block = Block  # shim: remove after the move


def render_brief(brief: Brief, *, fmt: Format = "html", show_terms: bool = False,
                 limit: int | None = TELEGRAM_LIMIT, tz: tzinfo | None = None) -> list[str]:
    """A daily brief as parts (shim: use a face's ``Renderer``). # shim: remove after the move"""
    return brief_parts(brief, HTML if fmt == "html" else TEXT, limit=limit,
                       show_terms=show_terms, tz=tz)


def render_story_list(stories: Sequence[Story], *, language: str, title: str,
                      fmt: Format = "html", show_terms: bool = False,
                      limit: int | None = TELEGRAM_LIMIT, tz: tzinfo | None = None) -> list[str]:
    """A titled story list (shim: use a face's ``Renderer``). # shim: remove after the move"""
    return list_parts(stories, HTML if fmt == "html" else TEXT, language=language, title=title,
                      limit=limit, show_terms=show_terms, tz=tz)


def render_alert(story: Story, *, language: str, theme_names: Themes | None = None,
                 fmt: Format = "html", show_terms: bool = True) -> str:
    """One story as an alert (shim: use ``compose.alert_for`` and a ``Renderer``).
    # shim: remove after the move"""
    refs, catalogue = theme_refs(theme_names or list(story.themes))
    known = set(refs)
    keys = sorted(story.themes, key=lambda key: -story.themes[key])
    names = tuple(catalogue.display(ThemeRef.parse(k), language) if ThemeRef.parse(k) in known
                  else k for k in keys)
    return alert_text(Alert(story, language, names), HTML if fmt == "html" else TEXT,
                      limit=TELEGRAM_LIMIT, show_terms=show_terms)


__all__ = [
    "TELEGRAM",
    "TELEGRAM_LIMIT",
    "Renderer",
    "TelegramRenderer",
    "TextRenderer",
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
