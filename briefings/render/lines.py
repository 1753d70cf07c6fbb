"""One story's display values, for any face: which headline and summary a reader sees, the
outlet and time of the report they come from, and who covers the story.

Headlines follow the reader's preference (``briefs.content.HEADLINES``): the chat's language,
one language, or English and Spanish side by side, each where a report in it exists. Summaries
are the story's grounded lede sentences (``stories.facts``): never written, only quoted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, tzinfo

from briefings import i18n
from briefings.briefs.content import BORDER_LANGUAGES, BOTH, READER, Story
from briefings.model import Coverage, Excerpt, Report
from briefings.render.blocks import safe_href, shorten
from briefings.render.countries import country_name, flag
from briefings.stories.coverage import UNKNOWN_COUNTRY
from briefings.stories.facts import lede_sentences
from briefings.text.boilerplate import strip_boilerplate, strip_title_noise
from briefings.text.sentences import split_sentences

HEADLINE_CHARS = 200  # in chats and on the web's lists: an untitled report's first sentence
SUMMARY_CHARS = 220
LEAD_SUMMARY_CHARS = 320
MAX_TERMS = 8
MAX_OTHER_COUNTRIES = 3  # a coverage line names at most this many countries beyond MX and US
FLAGS = {"MX": "🇲🇽", "US": "🇺🇸"}  # the border's two presses; other countries by their code
StoryLink = Callable[[int], str | None]  # story id → its full-coverage page, when pages exist


@dataclass(frozen=True, slots=True)
class StoryLine:
    """What a template shows of one story."""

    headline: str
    href: str | None  # the shown headline's report
    outlet: str  # the outlet of that report
    when: str  # its time, in the reader's zone
    summary: str
    coverage: str  # "6 outlets · 🇲🇽 4 · 🇺🇸 2"; "" for a one-outlet story
    one_sided: str  # "So far only press from Mexico"; "" unless coverage.one_sided
    page: str | None  # the story's full-coverage page
    terms: str


def shown_headlines(story: Story, preference: str, language: str) -> list[Excerpt]:
    """The headline(s) a reader with this preference sees: one, or EN and ES side by side."""
    if preference == BOTH and story.facts is not None:
        found = [story.facts.headlines[lang] for lang in BORDER_LANGUAGES
                 if lang in story.facts.headlines]
        if found:
            return found
    return [story.headline_for(language if preference in (READER, BOTH) else preference)]


def summary_language(preference: str, language: str) -> str:
    """The language a reader's summary is in: the headline language they chose, else theirs."""
    return language if preference in (READER, BOTH) else preference


def story_line(story: Story, language: str, *, preference: str = READER, tz: tzinfo | None = None,
               lead: bool = False, link: StoryLink | None = None, show_terms: bool = False,
               level: int = 0) -> StoryLine:
    """A story's display values; higher ``level`` drops detail so that a huge story fits."""
    heads = shown_headlines(story, preference, language)
    headline = " / ".join(text for h in heads if (text := headline_text(story, h)))
    first = heads[0]
    report = _report(story, first)
    at = report.published_at if report else story.last_seen_at
    summary_chars = (LEAD_SUMMARY_CHARS if lead else SUMMARY_CHARS, 100, 0, 0, 0)[min(level, 4)]
    summary = _summary(story, summary_language(preference, language), headline, lead)
    terms = [shorten(t, 40) for t in story.hits[:MAX_TERMS]] if show_terms and level < 2 else []
    return StoryLine(
        headline=shorten(headline, HEADLINE_CHARS if level < 3 else 120),
        href=safe_href(first.url or story.url) if level < 4 else None,
        outlet=shorten(first.outlet or (story.sources[0] if story.sources else ""), 60),
        when=i18n.short_time(at.astimezone(tz or UTC), language),
        summary=shorten(summary, summary_chars) if summary_chars else "",
        coverage=coverage_words(story.coverage, language),
        one_sided=one_sided_words(story.coverage, language),
        page=safe_href(link(story.id)) if link is not None and level < 4 else None,
        terms=", ".join(terms),
    )


def _report(story: Story, excerpt: Excerpt) -> Report | None:
    return next((r for r in story.reports if excerpt.item_id is not None
                 and r.item_id == excerpt.item_id), None)


def headline_text(story: Story, excerpt: Excerpt) -> str:
    """An excerpt's headline without media labels. A feed item without a title got its lede
    cut short as one ("MÉXICO. —La presidenta de México…"): its lede's first clean sentence
    reads better."""
    text = strip_title_noise(excerpt.text)
    report = _report(story, excerpt)
    cut = text.removesuffix("…").rstrip()
    if report is None or cut == text or len(cut) < 20 or not report.lede.startswith(cut):
        return text
    first = lede_sentences(report)[:1]  # datelines ("Ciudad de México, 5 de junio.") skipped
    return first[0] if first else text


def _summary(story: Story, language: str, headline: str, lead: bool) -> str:
    """The grounded lede: its first sentence (the lead story's first two), without a sentence
    the headline already says; "" when none."""
    found = story.summary_for(language)
    if found is None:
        return ""
    text = found.text
    if story.facts is None:  # the stored summary: not yet cleaned of feed boilerplate
        text = strip_boilerplate(text, title=headline, empty_ok=True)
    sentences = split_sentences(text)
    while sentences and _folded(sentences[0]) in _folded(headline):
        sentences.pop(0)
    chosen = " ".join(sentences[: 2 if lead else 1])
    # A sentence taken from inside a lede may end in an elision mark ("(...)"): not shown.
    return strip_boilerplate(chosen, empty_ok=True)


def _folded(text: str) -> str:
    return " ".join(text.casefold().split())


@dataclass(frozen=True, slots=True)
class CoverageStyle:
    """How one face words a coverage line. The order is the same for every face: Mexico and the
    U.S. first, then the other countries most first, then 'other' (outlets of no known country
    and any country not named)."""

    least_outlets: int  # fewer outlets than this: no line
    every_flag: bool  # a flag for every country; else MX and US only, the others by their code
    most_others: int | None  # countries named beyond MX and US (None: every one)
    gap: str  # between a mark and its count
    other: str  # message id of the word for 'other'
    one_sided: str  # message id of the one-country note


# Telegram and the terminal: short, so a brief's story stays two lines.
CHAT_COVERAGE = CoverageStyle(least_outlets=2, every_flag=False,
                              most_others=MAX_OTHER_COUNTRIES, gap=" ",
                              other=i18n.N_("story.country_other"),
                              one_sided=i18n.N_("story.one_sided"))
# The web pages: every country, and a flag never ends a line without its count.
PAGE_COVERAGE = CoverageStyle(least_outlets=1, every_flag=True, most_others=None, gap="\u00a0",
                              other=i18n.N_("page.country_unknown"),
                              one_sided=i18n.N_("page.one_sided"))


def coverage_words(coverage: Coverage, language: str,
                   style: CoverageStyle = CHAT_COVERAGE) -> str:
    """'6 outlets · 🇲🇽 4 · 🇺🇸 2' ('6 medios · …'); '' below ``style.least_outlets``.

    Mexico and the U.S. first, then the other countries most first (as many as the style
    names), and the rest with outlets of no known country together as 'other'. A story no
    outlet of a known country tells is only its count ('2 outlets').
    """
    if coverage.outlets < style.least_outlets:
        return ""
    words = [i18n.plural(language, "story.outlets", coverage.outlets)]
    counts = {c.upper(): n for c, n in coverage.by_country.items() if c != UNKNOWN_COUNTRY}
    if not counts:
        return words[0]
    border = [c for c in FLAGS if c in counts]
    others = [c for c in counts if c not in FLAGS]  # most first, as coverage sorts them
    shown = others[:style.most_others]
    for country in border + shown:
        mark = (flag(country) if style.every_flag else "") or FLAGS.get(country, country)
        words.append(f"{mark}{style.gap}{counts[country]}")
    rest = sum(counts[c] for c in others if c not in shown)
    rest += coverage.by_country.get(UNKNOWN_COUNTRY, 0)
    if rest:
        words.append(f"{i18n.text(language, style.other)}{style.gap}{rest}")
    return " · ".join(words)


def one_sided_words(coverage: Coverage, language: str,
                    style: CoverageStyle = CHAT_COVERAGE) -> str:
    """'so far only press from Mexico' when one country's press alone tells the story."""
    if not coverage.one_sided or not coverage.by_country:
        return ""
    name = country_name(next(iter(coverage.by_country)), i18n.language_of(language))
    return i18n.text(language, style.one_sided, country=name)


def report_line(report: Report, language: str, tz: tzinfo | None) -> dict[str, str | None]:
    """One report as the "all reports" list shows it: where, who, in which language, when."""
    country = (report.country or "").upper()
    return {
        "mark": FLAGS.get(country, country),
        "outlet": shorten(report.outlet, 60),
        "language": report.language.upper(),
        "when": i18n.short_time(report.published_at.astimezone(tz or UTC), language),
        "title": shorten(strip_title_noise(report.title), 90) if report.title.strip() else "",
        "href": safe_href(report.url),
    }


def reports_of(story: Story) -> tuple[Report, ...]:
    """Every report of a story, earliest first."""
    return story.facts.reports if story.facts is not None else story.reports
