"""A theme's trend line: today's story count against its usual day, only when that means something.

A trend is shown when there is a week of history (``MIN_DAYS`` days the store was collecting) with
at least ``MIN_HISTORY`` stories in it, and when today is clearly off the usual day: from half
again as many (``MORE``) or at most ``FEWER`` times as many. "9 stories today, 7.9× usual" from a
usual day of one story is noise; "12 stories today, about twice the usual 6 a day" informs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from briefings.briefs.content import Trend

MIN_DAYS = 7  # days of history with data
MIN_HISTORY = 5  # stories in those days together
MORE = 1.5  # today at least this many times the usual day: "more than the usual"
TWICE = 1.75  # "about twice" from here, "about N times" from 2.5
FEWER = 0.5  # today at most this many times the usual day: "fewer than the usual"

Kind = Literal["times", "twice", "more", "fewer"]


def trend(
    today_count: int,
    daily_counts: Sequence[int],
    days_with_data: Sequence[bool] | None = None,
    *,
    min_days: int = MIN_DAYS,
    min_history: int = MIN_HISTORY,
) -> Trend | None:
    """Today against the average of the days with data; None unless that is meaningful.

    ``days_with_data`` says which days of ``daily_counts`` the store was collecting; without it,
    only days with stories count as days with data.
    """
    if days_with_data is None:
        history = [c for c in daily_counts if c > 0]
    else:
        history = [c for c, ok in zip(daily_counts, days_with_data, strict=False) if ok]
    if today_count <= 0 or len(history) < min_days or sum(history) < min_history:
        return None
    average = sum(history) / len(history)
    if kind(today_count / average) is None:
        return None
    return Trend(today_count, average, today_count / average)


def kind(ratio: float) -> Kind | None:
    """How today compares with the usual day, in the words a trend line uses; None: as usual."""
    if ratio >= 2.5:
        return "times"
    if ratio >= TWICE:
        return "twice"
    if ratio >= MORE:
        return "more"
    if ratio <= FEWER:
        return "fewer"
    return None


def usual(average: float) -> int:
    """The usual day as a reader counts it: a whole number of stories, at least one."""
    return max(1, round(average))
