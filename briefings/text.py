"""Clean text out of feed HTML, and the content hash used as a second dedupe key."""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from html.parser import HTMLParser

_SKIP = frozenset({"script", "style", "head", "title", "noscript", "template", "svg", "iframe"})
# Tags after which a reader sees a break; turning them into spaces keeps words apart.
_BREAKS = frozenset(
    {
        "br", "p", "div", "li", "ul", "ol", "tr", "td", "th", "table", "h1", "h2", "h3",
        "h4", "h5", "h6", "blockquote", "pre", "hr", "section", "article", "figure",
        "figcaption", "header", "footer", "dd", "dt", "img",
    }
)  # fmt: skip
# Every HTML element name: anything else in angle brackets ("<sovereignty>", "<3") is text.
_HTML_TAGS = frozenset(
    """a abbr acronym address area article aside audio b base bdi bdo big blink blockquote body
    br button canvas caption center cite code col colgroup data datalist dd del details dfn
    dialog dir div dl dt em embed fieldset figcaption figure font footer form frame frameset h1
    h2 h3 h4 h5 h6 head header hgroup hr html i iframe img input ins kbd label legend li link
    main map mark marquee menu meta meter nav nobr noembed noframes noscript object ol optgroup
    option output p param picture pre progress q rp rt ruby s samp script section select small
    source span strike strong style sub summary sup svg table tbody td template textarea tfoot
    th thead time title tr track tt u ul var video wbr math""".split()  # noqa: SIM905
)
_SPACES = re.compile(r"\s+")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# Control characters (except tab/newline) are noise from broken feeds and upset Telegram.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS and ":" not in tag:
            self.handle_data(self.get_starttag_text() or "")
        elif tag in _SKIP:
            self._skip_depth += 1
        elif tag in _BREAKS:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BREAKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag not in _HTML_TAGS and ":" not in tag:
            self.handle_data(f"</{tag}>")
        elif tag in _SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BREAKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.parts.append(data)


def shorten(text: str, limit: int) -> str:
    """Cut at a word boundary and add an ellipsis, never exceeding ``limit`` characters."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return text[:limit]
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"


def html_to_text(html_text: str, *, limit: int | None = None) -> str:
    """Strip tags, drop script/style, decode entities, collapse whitespace; cap at ``limit``."""
    if not html_text:
        return ""
    if "<" in html_text:
        collector = _TextCollector()
        try:
            collector.feed(html_text)
            collector.close()
            text = "".join(collector.parts)
        except Exception:  # noqa: BLE001 - HTMLParser can choke on pathological input
            text = re.sub(r"<[^>]*>", " ", html_text)
    else:
        text = html_text
    # Double-escaped feeds ("&amp;amp;", "&amp;#8217;") leave entities in the text: decode
    # those, but only complete ones with a semicolon so "AT&T" or "x&notes" stay as written.
    # Plain text (no tags) gets both rounds here.
    for _ in range(1 if "<" in html_text else 2):
        if "&" in text:
            text = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text).strip()
    if limit is not None:
        text = shorten(text, limit)
    return text


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return _SPACES.sub(" ", text).strip()


def content_hash(title: str, summary: str) -> str:
    """A stable hash of normalised title and summary (case, spacing and width ignored)."""
    material = _normalise(title) + "\n" + _normalise(summary)
    return hashlib.blake2b(material.encode("utf-8"), digest_size=16).hexdigest()
