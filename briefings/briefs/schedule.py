"""Scheduling maths for daily briefs: pure functions of the time they are given.

Everything here takes ``now``/``after`` as an argument and returns aware UTC datetimes, so it is
table-tested across DST changes without a clock. Local times are resolved with ``zoneinfo``:
a local time that does not exist (spring forward) means the first instant after the gap; one that
happens twice (fall back) means its first occurrence — so a brief is never sent twice a day.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfoNotFoundError, available_timezones

from briefings.briefs.when import zone_info

Decision = Literal["wait", "send", "skip"]

_HHMM = re.compile(r"^\s*(\d{1,2})(?:\s*[:.h]\s*(\d{2}))?\s*$", re.IGNORECASE)
_OFFSET = re.compile(
    r"^\s*(?:utc|gmt)?\s*([+-−])\s*(\d{1,2})(?:(?::|\.)?(\d{2}))?\s*$", re.IGNORECASE
)
_UTC_NAMES = frozenset({"utc", "gmt", "z", "zulu", "utc+0", "utc-0", "gmt+0", "gmt-0"})

# Offsets that are not whole hours have no Etc/GMT zone: a zone that keeps that offset stands in.
_HALF_HOUR_ZONES = {
    (-9 * 60 - 30): "Pacific/Marquesas",
    (-3 * 60 - 30): "America/St_Johns",
    (3 * 60 + 30): "Asia/Tehran",
    (4 * 60 + 30): "Asia/Kabul",
    (5 * 60 + 30): "Asia/Kolkata",
    (5 * 60 + 45): "Asia/Kathmandu",
    (6 * 60 + 30): "Asia/Yangon",
    (8 * 60 + 45): "Australia/Eucla",
    (9 * 60 + 30): "Australia/Darwin",
    (10 * 60 + 30): "Australia/Lord_Howe",
    (12 * 60 + 45): "Pacific/Chatham",
}


def parse_hhmm(text: str) -> time:
    """``"8:00"``, ``"08:00"``, ``"20.30"``, ``"7"`` → a ``time``; ValueError says what's wrong."""
    match = _HHMM.match(text or "")
    if not match:
        raise ValueError(f"{text!r} is not a time; use HH:MM in 24-hour form, e.g. 08:00 or 19:30")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"{text!r} is out of range; hours go 00–23 and minutes 00–59, e.g. 21:45")
    return time(hour, minute)


def format_hhmm(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    """Every IANA name keyed by its lower-case form (users type ``america/mexico_city``)."""
    return {name.lower(): name for name in available_timezones()}


def parse_timezone(text: str) -> str:
    """An IANA name or a UTC offset (``-06:00``, ``UTC-6``, ``+5:30``) → an IANA zone name."""
    raw = (text or "").strip()
    if not raw:
        raise ValueError("no time zone given; use an Area/City name like America/Mexico_City "
                         "or a UTC offset like UTC-6")
    if raw.lower() in _UTC_NAMES:
        return "UTC"
    offset = _OFFSET.match(raw)
    if offset:
        return _zone_for_offset(raw, offset)
    name = _zone_names().get(raw.replace(" ", "_").lower())
    if name is None:
        raise ValueError(f"unknown time zone {raw!r}; use an Area/City name like "
                         "America/Mexico_City or Europe/Madrid, or a UTC offset like UTC-6")
    return name


def _zone_for_offset(raw: str, match: re.Match[str]) -> str:
    sign = -1 if match.group(1) in "-−" else 1
    hours, minutes = int(match.group(2)), int(match.group(3) or 0)
    if minutes > 59:
        raise ValueError(f"{raw!r}: minutes must be 00–59, e.g. UTC+5:30")
    total = sign * (hours * 60 + minutes)
    if not -12 * 60 <= total <= 14 * 60:
        raise ValueError(f"{raw!r} is outside UTC-12…UTC+14")
    if total == 0:
        return "UTC"
    if minutes == 0:
        # POSIX-style names invert the sign: UTC-6 is Etc/GMT+6.
        return f"Etc/GMT{'+' if sign < 0 else '-'}{hours}"
    zone = _HALF_HOUR_ZONES.get(total)
    if zone is None:
        raise ValueError(f"no time zone keeps the offset {raw!r}; give an Area/City name instead")
    return zone


def _as_time(brief_time: str | time) -> time:
    return brief_time if isinstance(brief_time, time) else parse_hhmm(brief_time)


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime; pass an aware time")
    return value.astimezone(UTC)


def local_instant(day: date, at: time, tz: str) -> datetime:
    """The UTC instant of local ``day`` ``at`` in ``tz``: gap → end of gap; overlap → first."""
    zone = zone_info(tz)
    wall = datetime.combine(day, at.replace(tzinfo=None), tzinfo=zone)  # fold=0: first occurrence
    instant = wall.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return instant
    return _gap_end(wall.replace(fold=1).astimezone(UTC), instant, zone)


def _gap_end(before: datetime, after: datetime, zone: tzinfo) -> datetime:
    """The instant the clocks jumped, between two instants on either side of the transition."""
    low, high = before, after
    offset_low = low.astimezone(zone).utcoffset()
    while high - low > timedelta(seconds=1):
        mid = low + (high - low) / 2
        if mid.astimezone(zone).utcoffset() == offset_low:
            low = mid
        else:
            high = mid
    return high.replace(microsecond=0)


def next_brief_at(brief_time: str | time, tz: str, after: datetime) -> datetime:
    """The next local ``brief_time`` in ``tz`` strictly after ``after``, as aware UTC."""
    at, after_utc = _as_time(brief_time), _utc(after)
    local_day = after_utc.astimezone(zone_info(tz)).date()
    for delta in range(-1, 3):
        candidate = local_instant(local_day + timedelta(days=delta), at, tz)
        if candidate > after_utc:
            return candidate
    raise AssertionError("unreachable: a local time recurs within two days")


def next_new_brief_at(brief_time: str | time, tz: str, after: datetime,
                      last_brief_at: datetime | None) -> datetime:
    """Like ``next_brief_at``, but never on a local day that already had its brief.

    A chat gets one brief a local day (its dedupe key holds the date): moving /time later on a
    day that had one schedules tomorrow's, instead of one that would never be sent.
    """
    candidate = next_brief_at(brief_time, tz, after)
    if last_brief_at is not None and local_date(last_brief_at, tz) >= local_date(candidate, tz):
        return next_brief_at(brief_time, tz, candidate)
    return candidate


def local_date(instant: datetime, tz: str) -> date:
    """The calendar date in ``tz`` at ``instant`` (dedupe keys use the brief's local date)."""
    return _utc(instant).astimezone(zone_info(tz)).date()


def brief_decision(next_at: datetime, now: datetime, grace: timedelta) -> Decision:
    """Not yet → wait; late by at most ``grace`` → send; later than that → skip (and advance)."""
    late = _utc(now) - _utc(next_at)
    if late < timedelta(0):
        return "wait"
    return "send" if late <= grace else "skip"


def in_quiet_hours(now: datetime, tz: str, start: str | time | None,
                   end: str | time | None) -> bool:
    """Whether local ``now`` falls in [start, end); a window may cross midnight (22:00–07:00)."""
    if start is None or end is None or start == "" or end == "":
        return False
    begin, finish = _as_time(start), _as_time(end)
    if begin == finish:
        return False
    local = _utc(now).astimezone(zone_info(tz)).time().replace(tzinfo=None)
    if begin < finish:
        return begin <= local < finish
    return local >= begin or local < finish


def valid_timezone(tz: str) -> bool:
    try:
        zone_info(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


# Brief times are whole minutes: a due-briefs pass just after each minute starts queues a
# brief within about a second of its time, where a pass every 60 s from an arbitrary start
# queued it up to a minute late (~48 s measured). The offset keeps clocks a little apart safe.
MINUTE_OFFSET = 0.5  # seconds after the minute


def seconds_to_next_minute(now: datetime, offset: float = MINUTE_OFFSET) -> float:
    """Seconds from ``now`` to ``offset`` seconds past the next whole minute (never 0: at
    exactly that instant, the one after)."""
    into = now.second + now.microsecond / 1e6
    wait = 60.0 - into + offset
    return wait - 60.0 if wait > 60.0 else wait
