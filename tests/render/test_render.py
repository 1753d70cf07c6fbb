"""Rendering: hostile feed text escaped, Telegram's subset only, parts ≤ 4096, EN and ES, text."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest

from briefings.briefs.compose import alert_for
from briefings.briefs.content import Brief, Section, Trend
from briefings.render import (
    TELEGRAM,
    TELEGRAM_LIMIT,
    TelegramRenderer,
    TextRenderer,
    pack,
    safe_href,
    shorten,
    telegram_html_is_valid,
    utf16_len,
)
from briefings.render.blocks import Block
from briefings.store.stories import StoryView
from briefings.themes.catalogue import ThemeCatalogue

NOW = datetime(2025, 11, 18, 14, 5, tzinfo=UTC)


def story(
    sid: int = 1,
    headline: str = "Sheinbaum rejects U.S. military intervention",
    url: str = "https://news.example/a/1",
    summary: str = "Mexico's president said strikes on cartels would not happen.",
    sources: tuple[str, ...] = ("Reuters",),
    source_count: int = 1,
    themes: dict[str, float] | None = None,
    hits: tuple[str, ...] = (),
) -> StoryView:
    return StoryView(
        id=sid,
        headline=headline,
        url=url,
        summary=summary,
        first_seen_at=NOW - timedelta(hours=2),
        last_seen_at=NOW - timedelta(hours=1),
        source_count=source_count,
        sources=list(sources),
        languages=["en"],
        themes=themes or {"sovereignty": 2.0},
        hits=list(hits),
    )


def brief(stories, language="en", name="Sovereignty", trend=None) -> Brief:
    return Brief(
        language, NOW, NOW - timedelta(days=1), [Section("sovereignty", name, stories, trend)]
    )


WITH_TERMS = TelegramRenderer(show_terms=True)


def alert_part(s: StoryView, language: str) -> str:
    """The Telegram alert of one story, its themes named by the shipped names."""
    (part,) = TELEGRAM.alert(alert_for(s, language, ThemeCatalogue()))
    return part


def visible(part: str) -> str:
    """The text Telegram shows: tags removed, the four entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", part))


HOSTILE = [
    "<script>alert(1)</script>",
    "a < b & c",
    "\"quotes\" and 'apostrophes'",
    '</a><a href="javascript:alert(1)">x</a>',
    "&amp; already &lt;escaped&gt; &#39;",
    "tab\tand\x00control\x1bchars",
]


@pytest.mark.parametrize("title", HOSTILE)
@pytest.mark.parametrize("language", ["en", "es"])
def test_hostile_titles_are_escaped_and_output_is_valid(title, language):
    s = story(headline=title, summary=title, sources=(title,), hits=(title,))
    parts = WITH_TERMS.brief(brief([s], language))
    assert len(parts) == 1
    part = parts[0]
    assert telegram_html_is_valid(part), part
    assert "&#" not in part and "<script" not in part
    expected = re.sub(r"[\x00-\x08\x0b-\x1f]", "", " ".join(title.split()))
    assert expected in visible(part)
    alert = alert_part(s, language)
    assert telegram_html_is_valid(alert) and expected in visible(alert)
    (listed,) = TELEGRAM.stories([s], language=language, title=title)
    assert telegram_html_is_valid(listed) and expected in visible(listed)


@pytest.mark.parametrize(
    ("url", "linked"),
    [
        ("javascript:alert(1)", False),
        ("JAVASCRIPT:alert(1)", False),
        ("data:text/html;base64,PHNjcmlwdD4=", False),
        ("ftp://files.example/x", False),
        ("https://", False),
        ("https://ok.example/a b", False),
        ("", False),
        ('https://ok.example/?a=1&b="2"', True),
        ("http://ok.example/path", True),
    ],
)
def test_only_http_links_are_linked_and_hrefs_are_escaped(url, linked):
    (part,) = TELEGRAM.brief(brief([story(url=url)]))
    assert telegram_html_is_valid(part)
    assert ("<a href=" in part) == linked
    if linked:
        href = re.search(r'<a href="([^"]*)"', part).group(1)
        assert html.unescape(href) == url
    assert "javascript" not in part.lower()
    assert safe_href(url) == (url if linked else None)


def test_many_stories_split_at_the_limit_without_cutting_a_story():
    stories = [
        story(
            sid=i,
            headline=f"Story number {i}: Mexico & the U.S. <agree> on {'tariff ' * 8}",
            summary=f"Summary {i} " + "fentanyl seizure at the border " * 12,
            url=f"https://news.example/{i}?a=1&b=2",
            sources=("Reuters", "El País"),
            source_count=5,
            hits=("tariff", "arancel"),
        )
        for i in range(80)
    ]
    parts = WITH_TERMS.brief(brief(stories, "es"))
    assert len(parts) > 3
    assert all(utf16_len(p) <= TELEGRAM_LIMIT for p in parts)
    assert all(telegram_html_is_valid(p) for p in parts)
    for i in range(80):
        holding = [p for p in parts if f"Story number {i}:" in p]
        assert len(holding) == 1  # whole, in exactly one part
        assert (
            f"Summary {i} " in holding[0] and f"https://news.example/{i}?a=1&amp;b=2" in holding[0]
        )
    assert parts[0].startswith("<b>Resumen diario</b>")
    assert all("Sovereignty" in p for p in parts)  # a continued section repeats its heading
    assert "(continuación)" in parts[1]


def test_astral_characters_count_as_two_units():
    stories = [
        story(sid=i, headline=f"🇲🇽🇺🇸 {i} " + "🔥" * 150, summary="💊" * 200) for i in range(40)
    ]
    parts = TELEGRAM.brief(brief(stories))
    assert len(parts) > 1
    assert all(utf16_len(p) <= TELEGRAM_LIMIT for p in parts)
    assert any(len(p) <= TELEGRAM_LIMIT < utf16_len(p) + 2000 for p in parts)


def test_pack_splits_at_exactly_the_limit():
    a, b = "x" * 2000, "y" * (TELEGRAM_LIMIT - 2000 - 2)
    assert pack([Block(a), Block(b)], TELEGRAM_LIMIT) == [f"{a}\n\n{b}"]
    assert utf16_len(f"{a}\n\n{b}") == TELEGRAM_LIMIT
    assert pack([Block(a), Block(b + "z")], TELEGRAM_LIMIT) == [a, b + "z"]


def test_a_single_giant_story_is_shortened_to_fit():
    giant = story(
        headline="Enormous " * 800,
        summary="word " * 10_000,
        url="https://news.example/" + "p" * 3000,
        sources=("Outlet",) * 1,
        hits=tuple(f"term{i}" for i in range(500)),
    )
    for parts in (
        WITH_TERMS.brief(brief([giant])),
        [alert_part(giant, "es")],
    ):
        assert len(parts) == 1
        assert utf16_len(parts[0]) <= TELEGRAM_LIMIT
        assert telegram_html_is_valid(parts[0])
        assert "Enormous" in parts[0] and "…" in parts[0]


def test_english_and_spanish_words_and_dates():
    s = story(sources=("Reuters", "AP"), source_count=4)
    trend = Trend(count=14, average=6.0, ratio=14 / 6)
    (en,) = TELEGRAM.brief(brief([s], "en", "Sovereignty", trend))
    (es,) = TELEGRAM.brief(brief([s], "es", "Soberanía", trend))
    # Issue 11 changed these words: a coverage line ("4 outlets") instead of "+2 sources", and
    # a trend in words ("about twice the usual 6 a day") instead of "2.3× usual".
    assert "Daily brief" in en and "Tuesday, 18 November 2025" in en and "4 outlets" in en
    assert "Sovereignty: 14 stories today, about twice the usual 6 a day" in en
    assert "Resumen diario" in es and "martes 18 de noviembre de 2025" in es and "4 medios" in es
    assert "Soberanía: 14 noticias hoy, cerca del doble del promedio de 6 al día" in es
    two = TELEGRAM.brief(brief([story(sources=("A",), source_count=2)], "es"))[0]
    assert "2 medios" in two
    one = TELEGRAM.brief(brief([story(sources=("A",), source_count=1)], "es"))[0]
    assert "medio" not in one  # one outlet: named, no coverage line


def test_terms_only_on_request():
    s = story(hits=("soberanía", "drone strike"))
    assert "drone strike" not in TELEGRAM.brief(brief([s]))[0]
    assert "matched: soberanía, drone strike" in WITH_TERMS.brief(brief([s]))[0]


def test_text_format_has_no_tags_or_entities():
    s = story(headline="<script>alert(1)</script> a < b & c", url="https://x.example/?a=1&b=2")
    (text,) = TextRenderer(show_terms=True).brief(brief([s]))
    assert "<script>alert(1)</script> a < b & c" in text
    assert "https://x.example/?a=1&b=2" in text
    assert not re.search(r"&(lt|gt|amp|quot);|<b>|<a ", text)
    assert "Daily brief" in text


def test_empty_brief_renders_nothing_and_empty_list_says_so():
    assert TELEGRAM.brief(Brief("en", NOW, NOW, [])) == []
    (part,) = TELEGRAM.stories([], language="es", title="Últimas")
    assert "No hay novedades" in part and telegram_html_is_valid(part)


def test_alert_names_its_themes_in_the_chat_language():
    s = story(themes={"tariffs": 2.0, "fentanyl": 1.0})
    alert = alert_part(s, "es")
    assert "Nueva noticia" in alert and "Aranceles, Fentanilo" in alert


def test_story_list_shows_times():
    (part,) = TELEGRAM.stories([story()], language="en", title="Latest")
    assert "18 Nov 13:05" in part


def test_shorten_cuts_at_a_word_boundary():
    assert shorten("one two three four five", 12) == "one two…"
    assert shorten("  spaced\n\nout  ", 50) == "spaced out"
    assert len(shorten("x" * 500, 100)) == 100


@pytest.mark.parametrize(
    ("markup", "valid"),
    [
        ('<b>bold</b> <i>it</i> <a href="https://a.example">x</a>', True),
        ("<code>x</code><pre>y</pre><blockquote>z</blockquote>", True),
        ("a &lt; b &amp; c &quot;d&quot;", True),
        ("<div>x</div>", False),
        ("<b>unclosed", False),
        ("<b><i>crossed</b></i>", False),
        ("it&#39;s", False),
        ("a & b", False),
        ("&nbsp;", False),
        ('<a href="javascript:alert(1)">x</a>', False),
        ('<b onclick="x">x</b>', False),
        ("a < b", False),
        ("<br/>", False),
    ],
)
def test_telegram_html_checker(markup, valid):
    assert telegram_html_is_valid(markup) is valid


def test_summary_does_not_repeat_the_headline():
    title = "Mexico's president warns against unilateral U.S. military actions"
    s = story(headline=title, summary=f"{title}. Sheinbaum spoke on Tuesday.")
    (part,) = TextRenderer().brief(brief([s]))
    assert part.count("warns against") == 1 and "Sheinbaum spoke on Tuesday." in part


def test_dates_and_times_follow_the_chat_time_zone():
    from zoneinfo import ZoneInfo

    late = Brief(
        "es", datetime(2025, 11, 19, 2, 30, tzinfo=UTC), NOW, [Section("s", "S", [story()])]
    )
    mexico = ZoneInfo("America/Mexico_City")
    assert "miércoles 19 de noviembre" in TELEGRAM.brief(late)[0]
    assert "martes 18 de noviembre" in TELEGRAM.brief(late, tz=mexico)[0]
    (listed,) = TELEGRAM.stories([story()], language="en", title="Latest", tz=mexico)
    assert "18 Nov 07:05" in listed
