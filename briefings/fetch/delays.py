"""When to poll a feed again: pure back-off and cache-lifetime maths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from briefings.fetch.result import FetchResult

MAX_CACHE_AGE = 6 * 3600.0  # a server's max-age beyond this is ignored: news goes stale
MAX_RETRY_AFTER = 86_400.0
MAX_BACKOFF = 86_400.0  # one day


def backoff_delay(error_count: int, base_interval: float) -> float:
    """Seconds until the next try after ``error_count`` consecutive errors.

    Gentle exponential growth from the first error: the interval doubles every 10 errors
    (x1.07 per error), so a feed down for an afternoon is retried nearly as usual, one down for
    days drifts towards the cap of one day. Users dislike feeds dropped after a few errors.
    """
    base = max(float(base_interval), 1.0)
    if error_count <= 0:
        return base
    return max(base, min(MAX_BACKOFF, base * float(2.0 ** (error_count / 10.0))))


def next_fetch_delay(result: FetchResult, base_interval: float, error_count: int) -> float:
    """Seconds until the feed should be polled again.

    Success or 304: the longest of the interval, the server's max-age (capped at 6 h) and any
    Retry-After. Error: the back-off for ``error_count`` (consecutive errors, this one
    included), or longer when the server asked for it with Retry-After.
    """
    base = max(float(base_interval), 1.0)
    retry_after = min(result.retry_after or 0.0, MAX_RETRY_AFTER)
    if result.outcome == "error":
        return max(backoff_delay(max(error_count, 1), base), retry_after)
    max_age = min(result.max_age or 0.0, MAX_CACHE_AGE)
    return max(base, max_age, retry_after)


# How early a feed may be polled: tickers wake a few ms either side of a due time, and a feed
# that misses its tick by 3 ms must not wait a whole extra interval.
EARLY_FRACTION = 0.02
MAX_EARLY = 5.0  # seconds


def due_tolerance(interval: float) -> float:
    """Seconds before its due time that a feed counts as due (2% of the interval, at most 5 s)."""
    return min(MAX_EARLY, max(float(interval), 1.0) * EARLY_FRACTION)


def due_cutoff(now: datetime, interval: float) -> datetime:
    """Feeds due at or before this time are polled in a cycle starting at ``now``."""
    return now + timedelta(seconds=due_tolerance(interval))


def next_due(previous: datetime | None, started: datetime, delay: float, *,
             tolerance: float = 0.0) -> datetime:  # fmt: skip
    """When to poll a feed next: on its own grid, ``previous`` due time + ``delay``.

    Counting from when the fetch finished would drift a little later every cycle, and a ticker
    waking every interval would then find the feed a few ms short of due: gaps of 2x the
    interval. The grid restarts from ``started`` (the cycle's start) when the feed had no due
    time, was not due yet (``poll --once``), or is more than one ``delay`` overdue (the bot was
    down, or the feed backed off): no burst of catch-up polls.
    """
    step = timedelta(seconds=max(float(delay), 1.0))
    if previous is None:
        return started + step
    if previous.tzinfo is None:  # SQLite hands back naive UTC
        previous = previous.replace(tzinfo=UTC)
    if started - step < previous <= started + timedelta(seconds=tolerance):
        return previous + step
    return started + step


def seconds_until(soonest: datetime | None, now: datetime, interval: float, *,
                  least: float = 1.0) -> float:  # fmt: skip
    """How long a ticker sleeps: until the soonest due feed, between ``least`` and ``interval``."""
    if soonest is None:
        return float(interval)
    if soonest.tzinfo is None:
        soonest = soonest.replace(tzinfo=UTC)
    wait = (soonest - now).total_seconds()
    return min(float(interval), max(least, wait))
