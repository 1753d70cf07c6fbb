"""Rendering: content (``briefings.briefs.content``) → the parts a face sends.

``face.Renderer`` is what a face supplies to the jobs; ``telegram`` renders Telegram HTML parts
(≤ 4096 UTF-16 units), ``text`` plain text for terminals. ``layout`` and ``blocks`` are shared:
a face is its templates (``templates/``), its part size and its escaping.
"""

from briefings.render.blocks import pack, safe_href, shorten, utf16_len
from briefings.render.face import Renderer
from briefings.render.telegram import TELEGRAM, TELEGRAM_LIMIT, TelegramRenderer
from briefings.render.telegram_html import telegram_html_is_valid, tg_escape
from briefings.render.text import TextRenderer

__all__ = [
    "TELEGRAM",
    "TELEGRAM_LIMIT",
    "Renderer",
    "TelegramRenderer",
    "TextRenderer",
    "pack",
    "safe_href",
    "shorten",
    "telegram_html_is_valid",
    "tg_escape",
    "utf16_len",
]
