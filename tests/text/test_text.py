"""html_to_text and content_hash: clean text out of feed HTML."""

from __future__ import annotations

import re

import pytest

from briefings.text import content_hash, html_to_text, shorten
from briefings.text.clean import own_title

CASES = [
    ("", ""),
    ("plain text", "plain text"),
    ("<p>Hello <b>world</b></p>", "Hello world"),
    ("<p>one</p><p>two</p>", "one two"),
    ("line<br>break<br/>again", "line break again"),
    ("Tariffs &amp; trade", "Tariffs & trade"),
    ("Sheinbaum&#8217;s &#x201C;cool head&#x201D;", "Sheinbaum’s “cool head”"),
    ("aranceles &amp;amp; soberan&amp;iacute;a", "aranceles & soberanía"),  # double-escaped
    ("AT&T and R&D stay", "AT&T and R&D stay"),
    ("x&notes", "x&notes"),  # no semicolon: not an entity
    ("<script>track('x');</script>News", "News"),
    ("<style>.a{color:red}</style><div>News</div>", "News"),
    ("  lots \n\t of   space  ", "lots of space"),
    ("Mexico's <sovereignty> red line", "Mexico's <sovereignty> red line"),  # not an HTML tag
    ("1 < 2 and 3 > 2", "1 < 2 and 3 > 2"),
    ("<img src='a.jpg'/>", ""),
    ("<a href='https://x'>Read more &raquo;</a>", "Read more »"),
    ("control\x00\x07chars", "controlchars"),
    ("<p>Se&ntilde;al de alarma</p>", "Señal de alarma"),
    ("<ul><li>uno</li><li>dos</li></ul>", "uno dos"),
    ("<p>unclosed <b>bold", "unclosed bold"),
]


@pytest.mark.parametrize(("html", "expected"), CASES)
def test_html_to_text(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("Trump announces tariffs on Mexican imports", 20, "Trump announces…"),
        ("abcdefghijklmnopqrstuvwxyz", 10, "abcdefghi…"),
        ("exactly ten", 11, "exactly ten"),
    ],
)
def test_shorten(text: str, limit: int, expected: str) -> None:
    assert shorten(text, limit) == expected
    assert len(shorten(text, limit)) <= limit


LEDE = ("Mexico deployed 10,000 National Guard troops to the northern border on Tuesday, "
        "after a deal that paused U.S. tariffs for a month.")


@pytest.mark.parametrize(("title", "summary", "own"), [
    (shorten(LEDE, 120), LEDE, ""),  # the parser's stand-in for an entry without a title
    (LEDE, LEDE, ""),  # a feed that repeats its description as title
    ("Mexico deployed 10,000  National Guard", LEDE, ""),  # other spacing, the same opening
    ("Mexico sends 10,000 troops to the border", LEDE, "Mexico sends 10,000 troops to the border"),
    ("Mexico deployed troops", LEDE, "Mexico deployed troops"),  # not the lede's opening
    ("", LEDE, ""), ("…", LEDE, ""),
    ("Tariffs paused", "", "Tariffs paused"),
])  # fmt: skip
def test_own_title_is_empty_when_it_only_repeats_the_ledes_opening(
    title: str, summary: str, own: str
) -> None:
    assert own_title(title, summary) == own


def test_html_to_text_limit_caps_length() -> None:
    text = html_to_text("<p>" + "palabra " * 500 + "</p>", limit=1000)
    assert len(text) <= 1000
    assert text.endswith("…")


def test_content_hash_ignores_case_spacing_and_width() -> None:
    a = content_hash("Trump  Tariffs", "On Mexico ")
    assert a == content_hash("trump tariffs", "on mexico")
    assert a == content_hash("ＴＲＵＭＰ tariffs", "on  mexico")  # full-width letters
    assert a != content_hash("Trump tariffs", "On Canada")
    assert a != content_hash("Trump tariffs on", "Mexico")  # title/summary boundary counts
    assert re.fullmatch(r"[0-9a-f]{32}", a)  # 128 bits as lower-case hex, fit for an index


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("&lt;p&gt;Escaped &lt;b&gt;markup&lt;/b&gt;&lt;/p&gt;", "Escaped markup"),
        ("&amp;lt;p&amp;gt;Twice escaped&amp;lt;/p&amp;gt;", "Twice escaped"),
        ('<img alt="a > b" src="x.jpg">caption', "caption"),  # ">" inside a quoted attribute
        ("<!-- a comment --><p>text</p>", "text"),
        ("<script>never closed", ""),
        ("<P CLASS='x'>Upper case</P>", "Upper case"),
        ("<media:content url='x'/>kept", "kept"),
    ],
)
def test_html_to_text_awkward_markup(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


INVISIBLE = (
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u200c\u200d\u200e\u200f\ufeff"
)


def test_bidi_overrides_and_zero_width_characters_are_stripped() -> None:
    assert html_to_text(f"Pay{INVISIBLE}ment \u202egnp.exe\u202c due") == "Payment gnp.exe due"
    assert html_to_text("\ufeffTitle &#x202E;reversed&#8236;") == "Title reversed"


def test_feed_titles_and_summaries_lose_invisible_characters() -> None:
    from datetime import UTC, datetime

    from briefings.model import Source
    from briefings.parse import parse_feed

    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Fe\u200bed\u2067</title>'
        "<item><title>Bor\u202eder\u202c news</title><link>https://e.example/1</link>"
        "<description>Sum\u200dmary &#x2066;here&#x2069;</description></item></channel></rss>"
    ).encode()
    for engine in (None, "feedparser"):
        parsed = parse_feed(body, source=Source("S", "https://e.example/rss", "en"),
                            fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
                            **({"engine": engine} if engine else {}))
        (item,) = parsed.items
        assert (parsed.title, item.title, item.summary) == ("Feed", "Border news", "Summary here")
