"""The pieces every face's layout is made of: safe text and links, and packing into parts.

Nothing here knows a markup: a template turns a story's display values (``lines``) into HTML or
plain text, and ``pack`` cuts the resulting blocks into parts of a face's size, only between
blocks, each part with the buttons of the blocks it holds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from briefings.render.parts import Button, Part

URL_CHARS = 2000
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
    if not text[len(cut)].isspace():  # the cut fell inside a word: drop that word
        space = cut.rfind(" ")
        if space > 0:  # one word longer than the line is the only thing ever cut inside
            cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True, slots=True)
class Block:
    text: str
    heading: str | None = None  # the section heading to repeat if a part starts at this block
    starts_section: bool = False
    button: Button | None = None  # shown under the part that holds this block


def pack(blocks: Sequence[Block], limit: int | None, gap: str = "\n\n") -> list[str]:
    """Blocks joined into parts of at most ``limit`` UTF-16 units (see ``pack_parts``)."""
    return [part.text for part in pack_parts(blocks, limit, gap)]


def pack_parts(blocks: Sequence[Block], limit: int | None, gap: str = "\n\n") -> list[Part]:
    """Blocks joined into parts of at most ``limit`` UTF-16 units, cut only between blocks;
    each part carries the buttons of its blocks.

    A section heading never ends a part: it travels with the section's first story. A part
    that starts inside a section repeats the section's heading.
    """
    parts: list[Part] = []
    current: list[str] = []
    buttons: list[Button] = []
    size = 0
    gap_len = utf16_len(gap)
    for block in blocks:
        text = block.text
        extra = utf16_len(text) + (gap_len if current else 0)
        if limit is not None and current and size + extra > limit:
            parts.append(Part(gap.join(current), tuple(buttons)))
            current, buttons, size = [], [], 0
            if block.heading and not block.starts_section:
                text = f"{block.heading}{gap}{text}"
            extra = utf16_len(text)
        current.append(text)
        if block.button is not None:
            buttons.append(block.button)
        size += extra
    if current:
        parts.append(Part(gap.join(current), tuple(buttons)))
    return parts
