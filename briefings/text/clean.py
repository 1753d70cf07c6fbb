"""Clean text out of feed HTML: tags stripped, entities decoded, whitespace collapsed."""

from __future__ import annotations

import html
import re

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
# Bidi overrides and isolates (U+202A-E, U+2066-9) and zero-width marks (U+200B-F, U+FEFF) go
# too: they let a title display as other than what it says ("\u202egnp.exe").
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)


_SKIP_BLOCK = re.compile(
    r"<(script|style|head|title|noscript|template|svg|iframe)\b[^>]*>.*?(?:</\1\s*>|$)",
    re.IGNORECASE | re.DOTALL,
)
_COMMENT = re.compile(r"<!--.*?(?:-->|$)|<!\[CDATA\[|\]\]>|<![A-Za-z][^>]*>|<\?[^>]*>", re.DOTALL)
# A start or end tag: the name, then attributes (quoted values may hold ">").
_TAG = re.compile(
    r"</?([A-Za-z][A-Za-z0-9:-]*)"
    r"(?:\s+[^\s\"'>/=]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?)*\s*/?>"
)


def _replace_tag(match: re.Match[str]) -> str:
    name = match.group(1).lower()
    if name in _BREAKS:
        return " "
    if name in _HTML_TAGS or ":" in name:
        return ""
    return match.group(0)  # "<sovereignty>" is text, not markup


def _strip_tags(text: str) -> str:
    text = _SKIP_BLOCK.sub(" ", text)
    text = _COMMENT.sub("", text)
    return _TAG.sub(_replace_tag, text)


def _decode_entities(text: str) -> str:
    # Only complete references with a semicolon, so "AT&T" or "x&notes" stay as written.
    return _ENTITY.sub(lambda m: html.unescape(m.group(0)), text) if "&" in text else text


def own_title(title: str, summary: str) -> str:
    """``title`` when it is a headline of its own; "" when it only repeats the opening of the
    summary: the parser's stand-in for an entry without a title (``shorten(summary, ...)``),
    or a feed that fills its titles the same way. Such a title is the lede again: read as a
    headline, it would make every word of its opening look like the report's subject."""
    head = " ".join(title.split()).rstrip("…").rstrip(" ,;:.-")
    if not head:
        return ""
    return "" if " ".join(summary.split()).startswith(head) else title


def shorten(text: str, limit: int) -> str:
    """Cut at a word boundary and add an ellipsis, never exceeding ``limit`` characters."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return text[:limit]
    cut = text[: limit - 1]
    if not text[limit - 1].isspace():  # the cut fell inside a word: drop that word
        space = cut.rfind(" ")
        if space > 0:  # one word longer than the limit is the only thing ever cut inside
            cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"


def html_to_text(html_text: str, *, limit: int | None = None) -> str:
    """Strip tags, drop script/style, decode entities, collapse whitespace; cap at ``limit``."""
    if not html_text:
        return ""
    text = _strip_tags(html_text) if "<" in html_text else html_text
    text = _decode_entities(text)
    # Double-escaped feeds ("&amp;lt;p&amp;gt;", "&amp;amp;"): a second round, tags included.
    if "&" in text:
        text = _decode_entities(text)
    if "<" in text and text.count("<") > html_text.count("<"):
        text = _strip_tags(text)  # escaped markup: strip the tags decoding revealed
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text).strip()
    if limit is not None:
        text = shorten(text, limit)
    return text
