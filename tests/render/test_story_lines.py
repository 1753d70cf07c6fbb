"""One story as a reader sees it: headline language, outlet and time, grounded summary, coverage
by country, the "all reports" button or the full-coverage link, the reports list, /why."""

from __future__ import annotations

import html
import json
import random
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from briefings.briefs.compose import alert_for
from briefings.briefs.content import Brief, Section
from briefings.model import Coverage, Report
from briefings.render import (
    TELEGRAM,
    TELEGRAM_LIMIT,
    TextRenderer,
    shorten,
    telegram_html_is_valid,
    utf16_len,
)
from briefings.render.charts import DailySplit
from briefings.render.lines import (
    PAGE_COVERAGE,
    coverage_words,
    one_sided_words,
    shown_headlines,
)
from briefings.render.parts import story_of_action, telegram_markup
from briefings.render.telegram import TelegramRenderer
from briefings.render.web import StoryPage, ThemeEntry, ThemeLink, ThemePage, WebPages
from briefings.store.stories import StoryView
from briefings.stories.facts import with_facts
from briefings.text.clean import shorten as clean_shorten
from briefings.themes.catalogue import ThemeCatalogue

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
EN_TITLE = "Mexico's Senate votes against foreign military intervention"
ES_TITLE = "El Senado vota contra la intervención militar extranjera"


def report(n: int, outlet: str, language: str, country: str | None, title: str, lede: str,
           minutes: int = 0) -> Report:
    return Report(n, outlet, language, country, NOW - timedelta(hours=2, minutes=-minutes),
                  f"https://news.example/{n}", title, lede)


REPORTS = (
    report(1, "La Jornada", "es", "MX", ES_TITLE,
           "CDMX.- El Senado aprobó por unanimidad una reforma que prohíbe cualquier intervención "
           "militar extranjera. La entrada El Senado vota se publicó primero en La Jornada."),
    report(2, "Reuters", "en", "US", EN_TITLE,
           "Mexico's Senate unanimously approved a constitutional reform banning foreign "
           "military intervention on Monday. Read more", minutes=5),
    report(3, "Milenio", "es", "MX", "Senado aprueba reforma contra intervención extranjera",
           "Los senadores aprobaron la reforma constitucional contra la intervención militar "
           "extranjera con 127 votos. […]", minutes=10),
)


def story(reports=REPORTS, sid: int = 7) -> StoryView:
    view = StoryView(sid, reports[0].title, reports[0].url, reports[0].lede, NOW, NOW,
                     len({r.outlet for r in reports}), [r.outlet for r in reports],
                     sorted({r.language for r in reports}), {"sovereignty": 2.0},
                     ["intervención"], tuple(reports))
    (known,) = with_facts([view])
    return known


def brief(s: StoryView, language: str = "en", headlines: str = "reader", zone: str = "UTC"
          ) -> Brief:
    return Brief(language, NOW, NOW - timedelta(days=1),
                 [Section("sovereignty", "Sovereignty", [s])], None, headlines, zone)


@pytest.mark.parametrize(
    ("language", "preference", "expected"),
    [
        ("en", "reader", [EN_TITLE]),
        ("es", "reader", [ES_TITLE]),
        ("es", "en", [EN_TITLE]),
        ("en", "es", [ES_TITLE]),
        ("en", "both", [EN_TITLE, ES_TITLE]),
        ("es", "both", [EN_TITLE, ES_TITLE]),
    ],
)
def test_headlines_follow_the_reader_preference(language, preference, expected):
    s = story()
    assert [h.text for h in shown_headlines(s, preference, language)] == expected
    (part,) = TELEGRAM.brief(brief(s, language, preference))
    assert " / ".join(expected) in part and telegram_html_is_valid(part)


def test_a_language_without_a_report_gets_the_most_central_headline():
    only_spanish = story(tuple(r for r in REPORTS if r.language == "es"))
    assert shown_headlines(only_spanish, "reader", "en")[0].language == "es"
    assert len(shown_headlines(only_spanish, "both", "en")) == 1  # nothing to set beside it


def test_outlet_time_summary_and_coverage_in_the_reader_language_and_zone():
    (en,) = TELEGRAM.brief(brief(story(), "en", zone="America/Mexico_City"))
    assert "<i>Reuters</i> · 2 Mar 06:05" in en  # the English headline's report, in CDMX time
    assert "Mexico's Senate unanimously approved a constitutional reform banning" in en
    assert "Read more" not in en
    assert "3 outlets · 🇲🇽 2 · 🇺🇸 1" in en
    (es,) = TextRenderer().brief(brief(story(), "es"))
    assert "La Jornada · 2 mar 12:00" in es
    assert "  El Senado aprobó por unanimidad una reforma" in es  # no "CDMX.-" dateline
    assert "se publicó primero" not in es and "3 medios · 🇲🇽 2 · 🇺🇸 1" in es


@pytest.mark.parametrize(
    ("coverage", "language", "line", "note"),
    [
        (Coverage(1, {"MX": 1}), "en", "", ""),
        (Coverage(6, {"MX": 4, "US": 2}), "en", "6 outlets · 🇲🇽 4 · 🇺🇸 2", ""),
        (Coverage(6, {"MX": 4, "US": 2}), "es", "6 medios · 🇲🇽 4 · 🇺🇸 2", ""),
        (Coverage(3, {"US": 2, "GB": 1}), "en", "3 outlets · 🇺🇸 2 · GB 1", ""),
        (Coverage(3, {"MX": 2, "?": 1}), "es", "3 medios · 🇲🇽 2 · otros 1", ""),
        (Coverage(2, {"?": 2}), "en", "2 outlets", ""),
        (Coverage(37, {"MX": 16, "US": 8, "RU": 2, "AR": 1, "BR": 1, "CA": 1, "?": 2}), "en",
         "37 outlets · 🇲🇽 16 · 🇺🇸 8 · RU 2 · AR 1 · BR 1 · other 3", ""),
        (Coverage(4, {"MX": 4}, one_sided=True), "en", "4 outlets · 🇲🇽 4",
         "so far only press from Mexico"),
        (Coverage(4, {"US": 4}, one_sided=True), "es", "4 medios · 🇺🇸 4",
         "por ahora solo prensa de Estados Unidos"),
    ],
)
def test_coverage_words(coverage, language, line, note):
    assert coverage_words(coverage, language) == line
    assert one_sided_words(coverage, language) == note


@pytest.mark.parametrize(
    ("coverage", "language", "line", "note"),
    [
        (Coverage(1, {"MX": 1}), "en", "1 outlet · 🇲🇽\u00a01", ""),
        (Coverage(6, {"MX": 2, "US": 2, "GB": 1, "?": 1}), "en",
         "6 outlets · 🇲🇽\u00a02 · 🇺🇸\u00a02 · 🇬🇧\u00a01 · Other\u00a01", ""),
        (Coverage(5, {"US": 3, "MX": 2}), "es", "5 medios · 🇲🇽\u00a02 · 🇺🇸\u00a03", ""),
        (Coverage(37, {"MX": 16, "US": 8, "RU": 2, "AR": 1, "BR": 1, "CA": 1, "?": 2}), "en",
         "37 outlets · 🇲🇽\u00a016 · 🇺🇸\u00a08 · 🇷🇺\u00a02 · 🇦🇷\u00a01 · 🇧🇷\u00a01 · "
         "🇨🇦\u00a01 · Other\u00a02", ""),
        (Coverage(4, {"MX": 4}, one_sided=True), "en", "4 outlets · 🇲🇽\u00a04",
         "So far only outlets from Mexico tell this story."),
    ],
)
def test_the_pages_word_coverage_the_same_way_with_every_country(coverage, language, line,
                                                                  note):
    """One coverage line for both faces: a page names every country by its flag."""
    assert coverage_words(coverage, language, PAGE_COVERAGE) == line
    assert one_sided_words(coverage, language, PAGE_COVERAGE) == note


def test_a_story_page_leads_its_coverage_with_mexico_and_the_us_like_a_brief():
    us_first = story((REPORTS[1], report(4, "AP", "en", "US", EN_TITLE, "Mexico's Senate voted."),
                      REPORTS[0]), sid=9)
    (text,) = TelegramRenderer().brief(brief(us_first))
    assert "3 outlets · 🇲🇽 1 · 🇺🇸 2" in text
    page = WebPages().story(StoryPage(us_first), language="en", tz=UTC)
    assert '<p class="coverage" id="coverage">3 outlets · 🇲🇽\u00a01 · 🇺🇸\u00a02</p>' in page


def test_an_untitled_item_reads_its_lede_first_sentence_not_a_cut_title():
    lede = ("MÉXICO. —La presidenta de México, Claudia Sheinbaum, logró frenar la aplicación de "
            "nuevos aranceles anunciados por Donald Trump. La pausa dura 90 días.")
    untitled = report(5, "El Sol", "es", "MX", clean_shorten(lede, 120), lede)
    s = story((untitled, REPORTS[1]), sid=5)
    (text,) = TextRenderer().brief(brief(s, "es"))
    assert "• La presidenta de México, Claudia Sheinbaum, logró frenar la aplicación de nuevos " \
           "aranceles anunciados por Donald Trump.\n" in text
    assert "MÉXICO" not in text and text.count("logró frenar") == 1  # no sentence twice
    # The parser's stand-in title (its lede cut short) reads as no title at all.
    bare = story((report(5, "El Sol", "es", "MX", "", lede), REPORTS[1]), sid=5)
    assert list(TextRenderer().brief(brief(bare, "es"))) == [text]


def test_a_story_several_reports_tell_has_a_reports_button():
    (part,) = TELEGRAM.brief_parts(brief(story()))
    (button,) = part.buttons
    assert button.action == "rp:7" and story_of_action(button.action) == 7
    assert button.label.startswith("3 reports · Mexico's Senate votes")
    markup = json.loads(telegram_markup(part.buttons) or "")
    assert markup == {"inline_keyboard": [[{"text": button.label, "callback_data": "rp:7"}]]}
    single = story(REPORTS[:1], sid=8)
    assert TELEGRAM.brief_parts(brief(single))[0].buttons == ()


def test_with_pages_a_story_links_to_its_full_coverage_instead():
    linked = TelegramRenderer(links=lambda sid: f"https://bb.example/s/token{sid}")
    (part,) = linked.brief_parts(brief(story()))
    assert part.buttons == ()
    assert '<a href="https://bb.example/s/token7">Full coverage →</a>' in part.text
    assert telegram_html_is_valid(part.text)


@pytest.mark.parametrize(
    "data", ["rp:7", "rp:", "rp:-1", "rp:7 ", "rp:１", "tp:tariffs", "rp:" + "9" * 20, ""])
def test_only_a_well_formed_reports_action_names_a_story(data):
    assert (story_of_action(data) is not None) == (data == "rp:7")


def test_alerts_never_show_matched_terms_and_carry_the_button():
    alert = alert_for(story(), "es", ThemeCatalogue(), headlines="both")
    part = TelegramRenderer(show_terms=True).alert_part(alert)
    assert "coincidencias" not in part.text and "intervención" not in part.text.split("\n")[0]
    assert f"{EN_TITLE} / {ES_TITLE}" in part.text
    assert [b.label for b in part.buttons] == ["Las 3 notas"]


def test_every_report_in_one_message():
    s = story()
    text = TELEGRAM.reports(s, language="es", tz=ZoneInfo("America/Mexico_City"))
    assert telegram_html_is_valid(text)
    assert text.startswith("<b>Las 3 notas</b>\n" + ES_TITLE)
    assert '🇲🇽 <a href="https://news.example/1">La Jornada</a> · ES · 2 mar 06:00' in text
    assert '🇺🇸 <a href="https://news.example/2">Reuters</a> · EN · 2 mar 06:05' in text
    many = story(tuple(report(n, f"Outlet {n}", "en", "US", f"Report number {n} " + "x" * 80,
                              "lede") for n in range(200)), sid=9)
    long = TELEGRAM.reports(many, language="en")
    assert utf16_len(long) <= TELEGRAM_LIMIT and telegram_html_is_valid(long)
    shown = long.count("Outlet ")
    assert f"…and {200 - shown} more reports" in long


def test_held_and_why_words():
    assert TELEGRAM.held(language="en", count=3, brief_time="08:00") == [
        "⏸ Hourly alert limit reached: 3 more stories are held for your 08:00 brief."]
    why = TELEGRAM.why(story(), language="en", themes=["Sovereignty"], terms=["intervención"])
    assert "Why this story reached you" in why and "Your themes: Sovereignty" in why
    assert "<code>matched: intervención</code>" in why and telegram_html_is_valid(why)
    assert "matched by its meaning" in TELEGRAM.why(story(), language="en", themes=["X"],
                                                    terms=[])


WORDS = ["Sheinbaum", "rejects", "U.S.", "strikes", "on", "cartels", "after", "the", "Senate",
         "vote", "in", "Mexico", "City"]


@pytest.mark.parametrize("cut", [shorten, clean_shorten])
def test_shortening_never_cuts_inside_a_word(cut):
    rng = random.Random(11)
    for _ in range(500):
        words = [rng.choice(WORDS) for _ in range(rng.randint(1, 30))]
        text, limit = " ".join(words), rng.randint(2, 120)
        short = cut(text, limit)
        assert len(short) <= limit
        if short == text or len(words[0]) >= limit - 1:
            continue  # a first word longer than the line is the only thing ever cut inside
        kept = short.removesuffix("…").split()
        assert [w.rstrip(".") for w in kept] == [w.rstrip(".") for w in words[: len(kept)]]


def test_a_theme_page_lists_a_long_untitled_headline_cut_and_its_page_shows_it_whole():
    lede = ("La Presidenta Claudia Sheinbaum Pardo reiteró este sábado su rechazo al paquete "
            "fiscal impulsado por el Presidente Donald Trump, que incluye un gravamen del 3.5 por "
            "ciento a las remesas enviadas al extranjero, pues consideró injusto que se cobre una "
            "tarifa extra a los mexicanos que ya pagan sus impuestos.")
    s = story((report(9, "SinEmbargo", "es", "MX", "", lede),), sid=9)
    split = DailySplit((), {bucket: () for bucket in ("mx", "us", "both", "other")})
    page = WebPages().theme(ThemePage(ThemeLink("tariffs", "Tariffs", "/t/tariffs"),
                                      [ThemeEntry(s, "/s/x")], split, "/t/tariffs/chart.png"),
                            language="es", tz=UTC)  # fmt: skip
    listed = re.search(r'<a href="/s/x" lang="es">([^<]*)</a>', page)
    assert listed is not None and listed.group(1).endswith("…")
    assert len(listed.group(1)) <= 200 and lede.startswith(listed.group(1)[:-1].rstrip())
    whole = WebPages().story(StoryPage(s), language="es", tz=UTC)
    assert lede in whole


def test_the_story_page_lists_an_untitled_report_by_its_first_sentence_without_dateline():
    lede = ("MÉXICO. —La presidenta de México, Claudia Sheinbaum, logró frenar la aplicación de "
            "nuevos aranceles anunciados por Donald Trump, que entrarían en vigor este viernes 1 "
            "de agosto, tras una llamada con el presidente estadounidense. La pausa dura 90 días.")
    untitled = report(5, "El Sol", "es", "MX", clean_shorten(lede, 100), lede)
    page = WebPages().story(StoryPage(story((untitled, REPORTS[1]), sid=5)), language="en",
                            tz=UTC)  # fmt: skip
    listed = re.search(r'<li lang="es"><a href="https://news.example/5"[^>]*>([^<]*)</a>', page)
    assert listed is not None
    assert listed.group(1).startswith("La presidenta de México, Claudia Sheinbaum, logró")
    assert listed.group(1).endswith("…") and len(listed.group(1)) <= 140
    titled = re.search(r'<li lang="en"><a href="https://news.example/2"[^>]*>([^<]*)</a>', page)
    assert titled is not None and html.unescape(titled.group(1)) == EN_TITLE


def test_a_long_untitled_headline_is_cut_in_the_brief_and_its_sentence_not_said_again():
    lede = ("Ante la decisión del presidente Donald Trump de incrementar a 50 por ciento los "
            "aranceles para las importaciones de acero, aluminio y sus derivados, y que entrarán "
            "en vigor este 4 de junio, el secretario de Economía, Marcelo Ebrard Casaubón, "
            "consideró que estas tarifas no podrán sostenerse. México buscará un acuerdo con "
            "Washington antes de que entren en vigor las nuevas tarifas, dijo el funcionario.")
    s = story((report(5, "La Razón", "es", "MX", "", lede),), sid=5)
    (text,) = TextRenderer().brief(brief(s, "es"))
    line = next(row for row in text.splitlines() if row.startswith("• "))
    assert line.endswith("…") and len(line) <= 2 + 200
    assert lede.startswith(line[2:-1].rstrip())
    assert "México buscará un acuerdo con Washington" in text  # the next sentence, not this one
    assert text.count("Marcelo Ebrard") <= 1
