"""When a reported happening took place: the publication interval, narrowed by the lede.

Pure functions over English and Spanish news text; no model, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from briefings.stories.folding import fold

DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Span:
    """When a happening may have taken place: [start, end) in naive UTC.

    `whole_days` spans are made of calendar days (a date, not a time): two different days
    are then at least one day apart, although the intervals touch.
    """

    start: datetime
    end: datetime
    whole_days: bool = False
    stated: bool = False  # the day comes from the text ('on Monday'), not the feed's date

    @property
    def days(self) -> float:
        return (self.end - self.start) / DAY


def parse_published(value: str | datetime | date) -> Span:
    """Turn a feed or dev-set date into the interval it may denote.

    '2025-02-18' -> that day; '~2025-02-18' (estimated) -> that day ± 1; '2025-02' -> the
    month; a datetime -> the instant (converted to naive UTC when it has a zone).
    """
    if isinstance(value, datetime):
        t = value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
        return Span(t, t)
    if isinstance(value, date):
        d0 = datetime(value.year, value.month, value.day)
        return Span(d0, d0 + DAY, whole_days=True)
    text = value.strip()
    approx = text.startswith("~")
    text = text.lstrip("~").strip()
    if re.fullmatch(r"\d{4}-\d{2}", text):
        y, m = int(text[:4]), int(text[5:7])
        start = datetime(y, m, 1)
        end = datetime(y + m // 12, m % 12 + 1, 1)
        return Span(start, end, whole_days=True)
    if len(text) > 10 and text[10] in "T ":
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
        span = parse_published(t)
    else:
        d = date.fromisoformat(text[:10])
        span = parse_published(d)
    if approx:
        return Span(span.start - DAY, span.end + DAY, span.whole_days)
    return span


def stated_days_differ(a: Span, b: Span) -> bool:
    """True when both texts name the happening's day and the days differ: two happenings."""
    return a.stated and b.stated and span_gap_days(a, b) >= 1


def span_gap_days(a: Span, b: Span) -> float:
    """Whole days between two spans; 0 when they share a day (or overlap); 1 for consecutive
    dates (see ``day_bounds``)."""
    a_first, a_last = day_bounds(a)
    b_first, b_last = day_bounds(b)
    gap = max(a_first - b_last, b_first - a_last, timedelta(0))
    return gap / DAY


def day_bounds(span: Span) -> tuple[datetime, datetime]:
    """The first and last calendar day (UTC midnights) a span touches.

    Gaps between happenings are counted in days: a lede names a day ("on Sunday"), a feed may
    give a date or an instant. An instant at 12:21 on a Sunday is on the Sunday a lede names,
    not half a day from it; and a report published on Monday at noon about Sunday's news is a
    day after it, as the same report dated Monday is.
    """
    last = span.end - DAY if span.whole_days else span.end
    return _midnight(span.start), _midnight(max(last, span.start))


def _midnight(t: datetime) -> datetime:
    return t.replace(hour=0, minute=0, second=0, microsecond=0)


_WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
    "saturday": 5, "sunday": 6,
    "lunes": 0, "martes": 1, "miercoles": 2, "jueves": 3, "viernes": 4,
    "sabado": 5, "domingo": 6,
}  # fmt: skip
_WEEKDAY_RE = re.compile(r"\b(" + "|".join(_WEEKDAYS) + r")\b")
_YESTERDAY_RE = re.compile(r"\b(yesterday|ayer)\b")
# A weekday named as a future date in its own clause ("takes effect on Friday", "entrará en
# vigor el jueves", "will meet next Monday") is not the day of the happening reported.
_FUTURE_RE = re.compile(
    r"\b(will|effect|next|starting|vigor|entrar\w*|proxim\w*|a partir)\b[^.,;:!?]{0,30}$"
)
# How far back a weekday name may point: reports name the day of a happening of the last
# couple of days; a weekday further back is usually a future date ("in force on Friday").
MAX_WEEKDAY_LOOKBACK_DAYS = 2


def _future(text: str, at: int) -> bool:
    """True when the weekday at ``at`` follows a future marker in its own clause."""
    return _FUTURE_RE.search(text, max(0, at - 60), at) is not None


def happening_span(published: Span, text: str, folded: str | None = None) -> Span:
    """Narrow the publication interval to the day the lede says the happening took place.

    "Sheinbaum rejected the report on Tuesday" published on Wednesday happened on Tuesday.
    Only the first weekday (or 'yesterday') in the text counts, leaving out weekdays its
    clause names as a future date ("in force on Thursday"), and only when it resolves to a
    day at most two days before the latest possible publication day; otherwise (a future
    day, or a month-wide date) the publication interval stands. ``folded``: ``fold(text)``, when
    the caller has it.
    """
    if published.days > 3 + 1e-9:
        return published
    folded = fold(text) if folded is None else folded
    first_day = published.start.replace(hour=0, minute=0, second=0, microsecond=0)
    last_day = (published.end - timedelta(seconds=1)).replace(hour=0, minute=0, second=0)
    m = None
    if any(name in folded for name in _WEEKDAYS):  # cheaper than the regex that finds none
        m = next((w for w in _WEEKDAY_RE.finditer(folded) if not _future(folded, w.start())),
                 None)  # fmt: skip
    y = _YESTERDAY_RE.search(folded) if "yesterday" in folded or "ayer" in folded else None
    if y and (m is None or y.start() < m.start()):
        if published.days <= 1 + 1e-9:
            return Span(first_day - DAY, first_day, whole_days=True, stated=True)
        return published
    if m is None:
        return published
    wanted = _WEEKDAYS[m.group(1)]
    day = last_day
    earliest = first_day - MAX_WEEKDAY_LOOKBACK_DAYS * DAY
    while day >= earliest:
        if day.weekday() == wanted:
            # Tie the span to the day, but never later than the report itself.
            return Span(day, day + DAY, whole_days=True, stated=True)
        day -= DAY
    return published
