"""Table tests for the scheduling maths: brief times across DST, zones, decisions, quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from briefings.briefs.schedule import (
    MINUTE_OFFSET,
    brief_decision,
    in_quiet_hours,
    local_date,
    next_brief_at,
    parse_hhmm,
    parse_timezone,
    seconds_to_next_minute,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("brief_time", "tz", "after", "expected"),
    [
        # Plain days.
        ("08:00", "UTC", utc(2026, 3, 1, 7, 0), utc(2026, 3, 1, 8, 0)),
        ("08:00", "UTC", utc(2026, 3, 1, 8, 0), utc(2026, 3, 2, 8, 0)),  # strictly after
        ("08:00", "America/Mexico_City", utc(2026, 3, 1, 15, 0), utc(2026, 3, 2, 14, 0)),
        # Mexico City has had no DST since 2022: still UTC-6 in July.
        ("08:00", "America/Mexico_City", utc(2026, 7, 1, 0, 0), utc(2026, 7, 1, 14, 0)),
        # New York, spring forward 2026-03-08 02:00 EST → 03:00 EDT.
        ("08:00", "America/New_York", utc(2026, 3, 7, 14, 0), utc(2026, 3, 8, 12, 0)),
        ("08:00", "America/New_York", utc(2026, 3, 6, 14, 0), utc(2026, 3, 7, 13, 0)),
        # 02:30 does not exist that day: the first instant after the gap (03:00 EDT = 07:00 UTC).
        ("02:30", "America/New_York", utc(2026, 3, 7, 8, 0), utc(2026, 3, 8, 7, 0)),
        # ... and the next day it exists again, once.
        ("02:30", "America/New_York", utc(2026, 3, 8, 7, 0), utc(2026, 3, 9, 6, 30)),
        # New York, fall back 2026-11-01 02:00 EDT → 01:00 EST: 01:30 happens twice; first wins.
        ("01:30", "America/New_York", utc(2026, 10, 31, 12, 0), utc(2026, 11, 1, 5, 30)),
        # After the first 01:30, the second one (06:30 UTC) is not a new brief: next day.
        ("01:30", "America/New_York", utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)),
        # Madrid, spring forward 2026-03-29 02:00 CET → 03:00 CEST.
        ("02:15", "Europe/Madrid", utc(2026, 3, 28, 12, 0), utc(2026, 3, 29, 1, 0)),
        ("09:00", "Europe/Madrid", utc(2026, 3, 28, 12, 0), utc(2026, 3, 29, 7, 0)),
        # Madrid, fall back 2026-10-25 03:00 CEST → 02:00 CET: 02:30 twice, the first is 00:30 UTC.
        ("02:30", "Europe/Madrid", utc(2026, 10, 24, 12, 0), utc(2026, 10, 25, 0, 30)),
        ("02:30", "Europe/Madrid", utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)),
        # Tijuana follows U.S. DST: 2026-03-08 02:00 PST → 03:00 PDT.
        ("07:00", "America/Tijuana", utc(2026, 3, 7, 16, 0), utc(2026, 3, 8, 14, 0)),
        ("02:00", "America/Tijuana", utc(2026, 3, 7, 16, 0), utc(2026, 3, 8, 10, 0)),
        ("07:00", "America/Tijuana", utc(2026, 11, 1, 16, 0), utc(2026, 11, 2, 15, 0)),
        # A time object works as well as a string; an after in another offset is fine.
        (time(6, 5), "Etc/GMT+6", datetime.fromisoformat("2026-05-01T05:00:00-06:00"),
         utc(2026, 5, 1, 12, 5)),
    ],
)
def test_next_brief_at(brief_time, tz, after, expected) -> None:
    got = next_brief_at(brief_time, tz, after)
    assert got == expected
    assert got.tzinfo is not None and got.utcoffset() == timedelta(0)


@pytest.mark.parametrize("tz", ["America/New_York", "Europe/Madrid", "America/Tijuana"])
@pytest.mark.parametrize("brief_time", ["00:30", "01:30", "02:00", "02:30", "03:00", "08:00"])
def test_once_per_local_day_through_a_whole_year(tz: str, brief_time: str) -> None:
    at = utc(2026, 1, 1)
    days = []
    for _ in range(365):
        at = next_brief_at(brief_time, tz, at)
        days.append(local_date(at, tz))
    assert len(set(days)) == 365  # never twice on one local day
    assert all((b - a).days == 1 for a, b in zip(days, days[1:], strict=False))  # never skipped


@pytest.mark.parametrize(
    ("text", "expected"),
    [("08:00", time(8)), ("8:00", time(8)), ("7", time(7)), ("23:59", time(23, 59)),
     (" 20.30 ", time(20, 30)), ("00:00", time(0)), ("9h15", time(9, 15))],
)
def test_parse_hhmm(text: str, expected: time) -> None:
    assert parse_hhmm(text) == expected


@pytest.mark.parametrize("text", ["24:00", "12:60", "noon", "", "1:2", "-1:00", "12:00:00"])
def test_parse_hhmm_rejects_with_an_example(text: str) -> None:
    with pytest.raises(ValueError, match=r"\d\d:\d\d"):
        parse_hhmm(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("America/Mexico_City", "America/Mexico_City"),
        ("america/mexico_city", "America/Mexico_City"),
        ("Europe/Madrid", "Europe/Madrid"),
        ("UTC", "UTC"),
        ("gmt", "UTC"),
        ("-06:00", "Etc/GMT+6"),
        ("UTC-6", "Etc/GMT+6"),
        ("utc+1", "Etc/GMT-1"),
        ("GMT-0500", "Etc/GMT+5"),
        ("+14", "Etc/GMT-14"),
        ("-12:00", "Etc/GMT+12"),
        ("UTC+0", "UTC"),
        ("+00:00", "UTC"),
        ("+5:30", "Asia/Kolkata"),
        ("UTC+05:45", "Asia/Kathmandu"),
        ("-3:30", "America/St_Johns"),
    ],
)
def test_parse_timezone(text: str, expected: str) -> None:
    assert parse_timezone(text) == expected


@pytest.mark.parametrize("text", ["Mars/Olympus", "", "UTC+15", "-13", "+5:20", "+3:75"])
def test_parse_timezone_rejects_readably(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_timezone(text)
    assert "UTC" in str(info.value) or "Area/City" in str(info.value)


@pytest.mark.parametrize(
    ("late", "grace", "expected"),
    [
        (timedelta(minutes=-1), timedelta(hours=6), "wait"),
        (timedelta(seconds=-1), timedelta(0), "wait"),
        (timedelta(0), timedelta(hours=6), "send"),
        (timedelta(minutes=59), timedelta(hours=1), "send"),
        (timedelta(hours=1), timedelta(hours=1), "send"),
        (timedelta(hours=1, seconds=1), timedelta(hours=1), "skip"),
        (timedelta(days=3), timedelta(hours=6), "skip"),
        (timedelta(seconds=1), timedelta(0), "skip"),
    ],
)
def test_brief_decision(late: timedelta, grace: timedelta, expected: str) -> None:
    due = utc(2026, 3, 1, 8)
    assert brief_decision(due, due + late, grace) == expected


@pytest.mark.parametrize(
    ("now", "tz", "start", "end", "expected"),
    [
        (utc(2026, 1, 1, 23, 0), "UTC", "22:00", "07:00", True),
        (utc(2026, 1, 1, 3, 0), "UTC", "22:00", "07:00", True),
        (utc(2026, 1, 1, 7, 0), "UTC", "22:00", "07:00", False),  # the end is outside
        (utc(2026, 1, 1, 22, 0), "UTC", "22:00", "07:00", True),  # the start is inside
        (utc(2026, 1, 1, 12, 0), "UTC", "22:00", "07:00", False),
        (utc(2026, 1, 1, 13, 0), "UTC", "12:00", "14:00", True),
        (utc(2026, 1, 1, 15, 0), "UTC", "12:00", "14:00", False),
        (utc(2026, 1, 1, 5, 0), "America/Mexico_City", "22:00", "07:00", True),  # 23:00 local
        (utc(2026, 1, 1, 14, 0), "America/Mexico_City", "22:00", "07:00", False),  # 08:00 local
        (utc(2026, 1, 1, 3, 0), "UTC", None, None, False),
        (utc(2026, 1, 1, 3, 0), "UTC", "22:00", None, False),
        (utc(2026, 1, 1, 3, 0), "UTC", "03:00", "03:00", False),  # an empty window
    ],
)
def test_in_quiet_hours(now, tz, start, end, expected) -> None:
    assert in_quiet_hours(now, tz, start, end) is expected


# (now, seconds to the next due-briefs pass, 0.5 s past the next whole minute)
NEXT_MINUTE = [
    (datetime(2026, 3, 8, 7, 59, 30, tzinfo=UTC), 30.5),
    (datetime(2026, 3, 8, 7, 59, 59, 900_000, tzinfo=UTC), 0.6),
    (datetime(2026, 3, 8, 8, 0, 0, tzinfo=UTC), 0.5),  # the minute just began: its pass
    (datetime(2026, 3, 8, 8, 0, 0, 400_000, tzinfo=UTC), 0.1),
    (datetime(2026, 3, 8, 8, 0, 0, 500_000, tzinfo=UTC), 60.0),  # this one: the next
    (datetime(2026, 3, 8, 8, 0, 0, 600_000, tzinfo=UTC), 59.9),
    (datetime(2026, 11, 1, 1, 59, 59, tzinfo=ZoneInfo("America/New_York")), 1.5),  # any zone
]


@pytest.mark.parametrize(("now", "expected"), NEXT_MINUTE)
def test_seconds_to_next_minute(now: datetime, expected: float) -> None:
    wait = seconds_to_next_minute(now)
    assert wait == pytest.approx(expected)
    at = now + timedelta(seconds=wait)
    assert (at.second, round(at.microsecond / 1e6, 3)) == (0, MINUTE_OFFSET)
