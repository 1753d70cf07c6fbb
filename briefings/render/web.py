"""The web face: a story's full-coverage page and a theme's page, as HTML documents.

Rendered on the server from the same content a brief has (``briefs.content.Story``, its facts
and coverage) through Jinja2 templates in ``templates/web`` with autoescaping on, so feed text
is always text. The pages need no script: the style sheet is inline and allowed by its hash in
the Content-Security-Policy (``WebPages.csp``), which allows nothing else but images from the
page's own server.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import get_timezone_name
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from briefings import i18n
from briefings.briefs.content import Story
from briefings.model import Excerpt, Report
from briefings.render.blocks import safe_href, shorten
from briefings.render.charts import DAYS, DailySplit, split_has_history, too_little_text
from briefings.render.countries import country_name, flag
from briefings.render.lines import HEADLINE_CHARS, PAGE_COVERAGE, coverage_words, one_sided_words
from briefings.stories.coverage import UNKNOWN_COUNTRY
from briefings.stories.facts import report_headline

WEB_TEMPLATES = Path(__file__).resolve().parent / "templates" / "web"
FIRST_COUNTRIES = ("MX", "US")  # the two sides of the border lead every list


@dataclass(frozen=True, slots=True)
class ThemeLink:
    key: str
    name: str  # in the page's language
    url: str


@dataclass(frozen=True, slots=True)
class StoryPage:
    story: Story  # with its facts (``stories.facts.with_facts``)
    themes: Sequence[ThemeLink] = ()  # shared themes only: a chat's own never shows


@dataclass(frozen=True, slots=True)
class ThemeEntry:
    story: Story
    url: str  # its story page


@dataclass(frozen=True, slots=True)
class ThemePage:
    theme: ThemeLink
    stories: Sequence[ThemeEntry]
    split: DailySplit
    chart_url: str
    days: int = DAYS


@dataclass(frozen=True, slots=True)
class ReportGroup:
    """Reports of one country's press in one language, earliest first."""

    heading: str
    language: str
    reports: tuple[dict[str, Any], ...]


def language_name(code: str, language: str) -> str:
    name = str(Locale.parse(language).languages.get(code, code))
    return name[:1].upper() + name[1:]


class WebPages:
    """The templates, once per language, and the policy that lets their style sheet in."""

    def __init__(self) -> None:
        self.css = (WEB_TEMPLATES / "page.css").read_text(encoding="utf-8")
        digest = base64.b64encode(hashlib.sha256(self.css.encode()).digest()).decode()
        self.csp = ("default-src 'none'; img-src 'self' data:; "
                    f"style-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'; "
                    "frame-ancestors 'none'")
        self._environments: dict[object, Environment] = {}

    def _render(self, name: str, language: str, **values: Any) -> str:
        translations = i18n.translations(language)
        environment = self._environments.get(translations)
        if environment is None:
            environment = Environment(loader=FileSystemLoader(WEB_TEMPLATES), autoescape=True,
                                      undefined=StrictUndefined, extensions=["jinja2.ext.i18n"])
            environment.install_gettext_translations(  # type: ignore[attr-defined]
                translations, newstyle=True)
            self._environments[translations] = environment
        languages = [(code, language_name(code, code)) for code in i18n.languages()]
        return environment.get_template(name).render(
            lang=language, css=Markup(self.css), languages=languages, **values)  # noqa: S704

    def story(self, page: StoryPage, *, language: str, tz: tzinfo) -> str:
        story = page.story
        return self._render(
            "story.html.j2", language, story=story, themes=page.themes,
            headline=story.headline_for(language), summary=story.summary_for(language),
            coverage=coverage_words(story.coverage, language, PAGE_COVERAGE),
            one_sided=one_sided_words(story.coverage, language, PAGE_COVERAGE),
            first_seen=_when(story.first_seen_at, language, tz),
            last_seen=_when(story.last_seen_at, language, tz),
            groups=report_groups(story.reports, language, tz),
            zone=zone_name(tz, language))

    def theme(self, page: ThemePage, *, language: str, tz: tzinfo) -> str:
        charted = split_has_history(page.split)
        entries = [dict(url=entry.url, headline=_listed(entry.story.headline_for(language)),
                        coverage=coverage_words(entry.story.coverage, language,
                                                PAGE_COVERAGE),
                        when=_when(entry.story.last_seen_at, language, tz))
                   for entry in page.stories]
        totals = [(flag(b.upper()) if b in ("mx", "us") else "",
                   i18n.text(language, f"chart.{b}"), n)
                  for b, n in page.split.bucket_totals().items() if n]
        return self._render(
            "theme.html.j2", language, theme=page.theme, entries=entries, days=page.days,
            chart_url=page.chart_url if charted else None, totals=totals,
            too_little=None if charted else too_little_text(page.theme.name, page.split,
                                                            language),
            zone=zone_name(tz, language))

    def not_found(self, *, language: str) -> str:
        return self._render("not_found.html.j2", language)


def zone_name(tz: tzinfo, language: str) -> str:
    """'UTC', 'Central Time', 'hora central': the zone the page's times are in."""
    key = str(tz)
    if key in ("UTC", "Etc/UTC", "GMT", "Etc/GMT"):
        return "UTC"
    try:
        return str(get_timezone_name(tz, locale=language))
    except (LookupError, ValueError):
        return key


def _when(at: datetime, language: str, tz: tzinfo) -> dict[str, str]:
    return {"iso": at.isoformat(), "text": i18n.short_time(at.astimezone(tz), language)}


def _country_order(country: str, language: str) -> tuple[int, str]:
    if country in FIRST_COUNTRIES:
        return FIRST_COUNTRIES.index(country), ""
    return (3 if country == UNKNOWN_COUNTRY else 2), country_name(country, language)


def report_groups(reports: Sequence[Report], language: str, tz: tzinfo) -> list[ReportGroup]:
    """Every report, grouped by its outlet's country (Mexico, the U.S., others) and language."""
    grouped: dict[tuple[str, str], list[Report]] = {}
    for report in sorted(reports, key=lambda r: (r.published_at, r.item_id)):
        country = (report.country or UNKNOWN_COUNTRY).upper()
        grouped.setdefault((country, report.language), []).append(report)
    order = sorted(grouped, key=lambda k: (_country_order(k[0], language), k[1]))
    return [
        ReportGroup(
            heading=" ".join(filter(None, (flag(country), country_name(country, language),
                                           "·", language_name(lang, language)))),
            language=lang,
            reports=tuple({"title": _report_title(r, language),
                           "url": safe_href(r.url), "outlet": r.outlet,
                           "when": _when(r.published_at, language, tz)}
                          for r in grouped[(country, lang)]),
        )
        for country, lang in order
    ]


REPORT_TITLE_CHARS = 140  # a line of the story page's list of every report


def _report_title(report: Report, language: str) -> str:
    """A report as the story page lists it: its headline, or for an untitled one its lede's
    first sentence without the dateline ("MÉXICO. —La presidenta…"), cut at a word."""
    title = report_headline(report) or report.title
    return shorten(title, REPORT_TITLE_CHARS) if title else i18n.text(language, "story.untitled")


def _listed(headline: Excerpt) -> Excerpt:
    """A headline as a theme page lists it: cut at a word (the story's page shows it whole)."""
    return replace(headline, text=shorten(headline.text, HEADLINE_CHARS))
