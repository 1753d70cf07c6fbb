"""Telegram's HTML subset: escaping values for it, and checking a message keeps to it.

Only ``&lt; &gt; &amp; &quot;`` are entities Telegram knows (markupsafe's ``&#39;``/``&#34;``
are never emitted), control characters are dropped, and links go only to http(s) URLs.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from markupsafe import Markup

from briefings.render.blocks import CONTROL, safe_href


def tg_escape(value: object) -> str:
    """Escape text for Telegram HTML with only the four entities it knows."""
    text = CONTROL.sub("", str(value))
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def html_finalize(value: object) -> Markup:
    """Jinja2's ``finalize``: every value is escaped on output, a macro's output kept as is."""
    if isinstance(value, Markup):  # a macro's output: already escaped
        return value
    return Markup(tg_escape("" if value is None else value))


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
