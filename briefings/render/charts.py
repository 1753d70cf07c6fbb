"""A theme's stories per day, split by the country of the outlets' press, as a PNG bar chart.

Each story counts once, on the day it was first seen, in one stack: told by Mexican press only,
by U.S. press only, by both, or by neither (outlets of other or unknown countries). Days before
the store began collecting are left off rather than drawn as zeros, and with too little history
(``enough_history``) there is a sentence instead of a chart: a bar or two of noise would read
as a trend.

Drawn with matplotlib's Agg canvas (no display, no pyplot state); the words are the language's.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from io import BytesIO

from babel.dates import format_skeleton
from sqlalchemy.ext.asyncio import AsyncConnection

from briefings import i18n
from briefings.store.pages import StoryCountries, collecting_since, theme_story_countries

__all__ = ["BUCKETS", "DAYS", "DailySplit", "bucket_of", "chart_png", "daily_split",
           "enough_history", "split_has_history", "theme_split", "too_little_text",
           "window_start"]

DAYS = 14  # the window of a chart
MIN_DAYS_COLLECTED = 3  # a younger store has no "usual" to compare a day with
MIN_STORIES = 5
MIN_DAYS_WITH_STORIES = 2  # all on one day is an event, not a trend
BUCKETS = ("mx", "us", "both", "other")
# Okabe–Ito colours: told apart with any kind of colour vision.
COLOURS = {"mx": "#009E73", "us": "#0072B2", "both": "#E69F00", "other": "#999999"}
_DRAWING = threading.Lock()  # matplotlib promises nothing about threads: one chart at a time


@dataclass(frozen=True, slots=True)
class DailySplit:
    """Stories per day (oldest first) in each bucket; ``days`` are the days drawn."""

    days: tuple[date, ...]
    counts: dict[str, tuple[int, ...]]  # bucket → one count per day

    @property
    def total(self) -> int:
        return sum(sum(row) for row in self.counts.values())

    @property
    def days_with_stories(self) -> int:
        return sum(1 for i in range(len(self.days)) if any(r[i] for r in self.counts.values()))

    def bucket_totals(self) -> dict[str, int]:
        return {bucket: sum(row) for bucket, row in self.counts.items()}


def bucket_of(countries: Iterable[str]) -> str:
    """Which stack a story goes in, from the countries of its outlets."""
    found = {c.upper() for c in countries}
    mx, us = "MX" in found, "US" in found
    return "both" if mx and us else "mx" if mx else "us" if us else "other"


def window_start(now: datetime, tz: tzinfo, days: int = DAYS) -> datetime:
    """The start (midnight in ``tz``) of the first of the last ``days`` days to ``now``."""
    first = now.astimezone(tz).date() - timedelta(days=days - 1)
    return datetime.combine(first, time(), tzinfo=tz).astimezone(UTC)


def daily_split(
    stories: Iterable[StoryCountries], *, now: datetime, tz: tzinfo,
    collecting_since: datetime | None, days: int = DAYS,
) -> DailySplit:
    """The last ``days`` days to ``now`` (in ``tz``), from the first day the store collected."""
    today = now.astimezone(tz).date()
    first = today - timedelta(days=days - 1)
    if collecting_since is not None:
        first = max(first, collecting_since.astimezone(tz).date())
    else:
        first = today + timedelta(days=1)  # nothing collected: no days at all
    span = tuple(first + timedelta(days=i) for i in range((today - first).days + 1))
    index = {day: i for i, day in enumerate(span)}
    counts = {bucket: [0] * len(span) for bucket in BUCKETS}
    for story in stories:
        i = index.get(story.first_seen_at.astimezone(tz).date())
        if i is not None:
            counts[bucket_of(story.countries)][i] += 1
    return DailySplit(span, {bucket: tuple(row) for bucket, row in counts.items()})


async def theme_split(conn: AsyncConnection, theme_key: str, *, now: datetime, tz: tzinfo
                      ) -> DailySplit:
    """A theme's stories per day over the last ``DAYS`` days, days in ``tz``, from the store."""
    rows = await theme_story_countries(conn, theme_key, window_start(now, tz), now)
    return daily_split(rows, now=now, tz=tz, collecting_since=await collecting_since(conn))


def enough_history(days_collected: int, stories: int, days_with_stories: int) -> bool:
    """Whether a chart would show a trend rather than noise."""
    return (days_collected >= MIN_DAYS_COLLECTED and stories >= MIN_STORIES
            and days_with_stories >= MIN_DAYS_WITH_STORIES)


def split_has_history(split: DailySplit) -> bool:
    return enough_history(len(split.days), split.total, split.days_with_stories)


def too_little_text(theme: str, split: DailySplit, language: str) -> str:
    """The sentence said instead of a chart (plain text: escape it where markup is made)."""
    return i18n.plural(language, "chart.too_little", split.total, theme=theme,
                       min_stories=MIN_STORIES, min_days=MIN_DAYS_COLLECTED)


def chart_png(split: DailySplit, theme: str, language: str) -> bytes:
    """The chart of ``split`` for theme ``theme`` (its display name), words in ``language``."""
    lang = i18n.language_of(language)
    return _drawn(split.days, tuple(split.counts[b] for b in BUCKETS), theme, lang)


@lru_cache(maxsize=64)  # the same counts and words draw the same picture
def _drawn(days: tuple[date, ...], rows: tuple[tuple[int, ...], ...], theme: str,
           lang: str) -> bytes:
    from matplotlib.figure import Figure  # imported when first drawn: it costs a start 0.3 s
    from matplotlib.ticker import MaxNLocator

    labels = [format_skeleton("MMMd", day, locale=lang) for day in days]
    with _DRAWING:
        # 800×560 px with large type: read on a phone (Telegram, the theme page) as is.
        figure = Figure(figsize=(6.4, 4.48), dpi=125, layout="constrained")
        axes = figure.add_subplot()
        bottom = [0] * len(days)
        for bucket, row in zip(BUCKETS, rows, strict=True):
            if any(row):
                axes.bar(range(len(days)), row, bottom=bottom, color=COLOURS[bucket],
                         label=i18n.text(lang, f"chart.{bucket}"), width=0.75)
                bottom = [b + n for b, n in zip(bottom, row, strict=True)]
        slanted = len(days) > 7
        axes.set_xticks(range(len(days)), labels, fontsize=8, rotation=50 if slanted else 0,
                        ha="right" if slanted else "center", rotation_mode="anchor")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.tick_params(axis="y", labelsize=9)
        axes.set_ylabel(i18n.text(lang, "chart.stories"), fontsize=10)
        axes.set_title(i18n.text(lang, "chart.title", theme=theme), loc="left", fontsize=12,
                       fontweight="bold")
        axes.spines[["top", "right"]].set_visible(False)
        axes.grid(axis="y", color="#dddddd", linewidth=0.6)
        axes.set_axisbelow(True)
        if axes.get_legend_handles_labels()[0]:
            figure.legend(title=i18n.text(lang, "chart.press"), loc="outside lower center",
                          ncols=4, frameon=False, fontsize=9, title_fontsize=9)
        out = BytesIO()
        figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()
