"""Charts: which stack a story goes in, the days drawn, when there is too little history, and
the PNG itself (in each language)."""

from __future__ import annotations

import struct
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from briefings.render.charts import (
    MIN_STORIES,
    DailySplit,
    bucket_of,
    chart_png,
    daily_split,
    enough_history,
    split_has_history,
    too_little_text,
    window_start,
)
from briefings.store.pages import StoryCountries

NOW = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(("countries", "bucket"), [
    ({"MX"}, "mx"), ({"mx", "ES"}, "mx"), ({"US"}, "us"), ({"US", ""}, "us"),
    ({"MX", "US"}, "both"), ({"MX", "US", "GB"}, "both"), ({"GB"}, "other"), ({""}, "other"),
    (set(), "other"),
])
def test_each_story_goes_in_one_stack(countries: set[str], bucket: str) -> None:
    assert bucket_of(countries) == bucket


@pytest.mark.parametrize(("days", "stories", "days_with_stories", "enough"), [
    (14, 40, 12, True),
    (3, 5, 2, True),  # the least that draws
    (2, 30, 2, False),  # the store is two days old: no usual to compare with
    (14, 4, 3, False),  # four stories in two weeks: dots, not a trend
    (14, 9, 1, False),  # all on one day: an event
    (0, 0, 0, False),  # nothing collected yet
])
def test_enough_history(days: int, stories: int, days_with_stories: int, enough: bool) -> None:
    assert enough_history(days, stories, days_with_stories) is enough


def _story(n: int, days_ago: float, *countries: str) -> StoryCountries:
    return StoryCountries(n, NOW - timedelta(days=days_ago), frozenset(countries))


def test_daily_split_counts_each_story_on_its_first_day_from_when_collecting_began() -> None:
    stories = [_story(1, 0.1, "MX"), _story(2, 0.2, "MX", "US"), _story(3, 2, "US"),
               _story(4, 9, "GB"), _story(5, 30, "MX")]  # 30 days ago: outside the window
    split = daily_split(stories, now=NOW, tz=UTC, collecting_since=NOW - timedelta(days=9.2))
    assert split.days[0] == date(2026, 11, 25) and split.days[-1] == date(2026, 12, 4)
    assert len(split.days) == 10  # not 14: nothing was collected before 25 November
    assert split.counts["mx"][-1] == 1 and split.counts["both"][-1] == 1
    assert split.counts["us"][-3] == 1 and split.counts["other"][0] == 1
    assert split.total == 4 and split.days_with_stories == 3
    assert split.bucket_totals() == {"mx": 1, "us": 1, "both": 1, "other": 1}


def test_daily_split_days_are_the_readers_own() -> None:
    # 02:00 UTC on 4 December is still 3 December in Mexico City.
    late = StoryCountries(1, datetime(2026, 12, 4, 2, 0, tzinfo=UTC), frozenset({"MX"}))
    zone = ZoneInfo("America/Mexico_City")
    split = daily_split([late], now=NOW, tz=zone, collecting_since=NOW - timedelta(days=30))
    assert len(split.days) == 14
    assert split.days[split.counts["mx"].index(1)] == date(2026, 12, 3)
    assert window_start(NOW, zone) == datetime(2026, 11, 21, 6, 0, tzinfo=UTC)


def test_nothing_collected_draws_no_days() -> None:
    split = daily_split([], now=NOW, tz=UTC, collecting_since=None)
    assert split.days == () and not split_has_history(split)


def _split(rows: dict[str, list[int]]) -> DailySplit:
    days = tuple(date(2026, 11, 21) + timedelta(days=i) for i in range(14))
    return DailySplit(days, {b: tuple(rows.get(b, [0] * 14)) for b in ("mx", "us", "both",
                                                                          "other")})


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    return width, height


@pytest.mark.parametrize("language", ["en", "es"])
def test_chart_png_is_a_png_of_the_promised_size(language: str) -> None:
    split = _split({"mx": [1, 0, 2, 3, 0, 1, 4, 2, 0, 1, 2, 3, 1, 0],
                    "us": [0, 2, 1, 0, 1, 1, 0, 2, 1, 0, 0, 1, 2, 3],
                    "both": [0, 0, 1, 0, 0, 2, 0, 0, 1, 0, 0, 0, 1, 1]})
    assert split_has_history(split)
    data = chart_png(split, "Aranceles" if language == "es" else "Tariffs", language)
    assert _png_size(data) == (800, 560)
    assert 10_000 < len(data) < 200_000


def test_the_words_change_the_picture() -> None:
    split = _split({"us": [1] * 14})
    assert chart_png(split, "Tariffs", "en") != chart_png(split, "Tariffs", "es")


def test_too_little_history_is_said_in_words() -> None:
    split = _split({"mx": [0] * 13 + [2]})
    assert not split_has_history(split)
    english = too_little_text("Tariffs", split, "en")
    spanish = too_little_text("Aranceles", split, "es")
    assert "Tariffs" in english and "2 stories" in english and str(MIN_STORIES) in english
    assert "Aranceles" in spanish and "2 noticias" in spanish
    one = too_little_text("Tariffs", _split({"mx": [0] * 13 + [1]}), "en")
    assert "1 story since borderbrief began reading the news" in one
