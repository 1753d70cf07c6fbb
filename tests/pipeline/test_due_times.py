"""When a feed is due: pure maths (table-driven), then the regression it fixes, end to end.

The bug: a feed's next fetch was "fetch finished + interval" while the ticker woke every
interval, so at the next tick the feed was a few ms short of due and waited a whole extra cycle.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from briefings.fetch import Fetcher
from briefings.fetch.delays import due_cutoff, due_tolerance, next_due, seconds_until
from briefings.jobs.poll import PollJob
from briefings.model import Source
from tests.feedserver import FeedServer
from tests.pipeline.conftest import rss
from tests.pipeline.test_poll_cycle import configure, fetch_config, stored

T = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T + timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("interval", "expected"),
    [(60, 1.2), (30, 0.6), (600, 5.0), (86_400, 5.0), (0, 0.02)],
)
def test_due_tolerance(interval: float, expected: float) -> None:
    assert due_tolerance(interval) == pytest.approx(expected)


def test_due_cutoff_reaches_a_little_past_now() -> None:
    assert due_cutoff(T, 60) == at(1.2)


@pytest.mark.parametrize(
    ("previous", "started", "delay", "expected"),
    [
        (None, at(0), 60, at(60)),  # never polled: count from the cycle's start
        (at(0), at(0.004), 60, at(60)),  # on time: keep the grid, whenever the fetch ends
        (at(60), at(59.997), 60, at(120)),  # woke 3 ms early, inside the tolerance
        (at(0), at(30), 60, at(60)),  # late but within one interval: stay on the grid
        (at(0), at(61), 60, at(121)),  # more than an interval overdue: restart the grid
        (at(0), at(3600), 60, at(3660)),  # the bot was down: no catch-up burst
        (at(300), at(0), 60, at(60)),  # not due yet (poll --once): restart from now
        (at(0), at(0), 3600, at(3600)),  # the server's max-age: a longer step, same grid
        (at(0).replace(tzinfo=None), at(0.5), 60, at(60)),  # SQLite's naive UTC
        (at(0), at(0), 0, at(1)),  # never a zero step
    ],
)
def test_next_due(previous: datetime | None, started: datetime, delay: float,
                  expected: datetime) -> None:  # fmt: skip
    assert next_due(previous, started, delay, tolerance=1.2) == expected


@pytest.mark.parametrize(
    ("soonest", "now", "expected"),
    [
        (None, at(0), 60),  # nothing due ever: one interval
        (at(30), at(0), 30),  # wake when the soonest feed is due
        (at(600), at(0), 60),  # never longer than the interval
        (at(-5), at(0), 1),  # overdue: soon, but never a busy loop
        (at(0.2), at(0), 1),
        (at(30).replace(tzinfo=None), at(0), 30),
    ],
)
def test_seconds_until(soonest: datetime | None, now: datetime, expected: float) -> None:
    assert seconds_until(soonest, now, 60) == pytest.approx(expected)


async def test_a_feed_is_due_at_every_tick_not_every_other(
    engine: AsyncEngine, feed_server: FeedServer
) -> None:
    """Ticks exactly one interval apart poll the feed at every tick, not every second one."""
    url = feed_server.add("/wire.xml", rss([("a", "Tariffs", "On steel")]))
    await configure(engine, [Source("Wire", url, "en")])
    clock = [T]
    polled = []
    async with Fetcher(fetch_config()) as fetcher:

        def after_fetch() -> datetime:  # each fetch "takes" 40 ms of the fake clock
            clock[0] += timedelta(milliseconds=40)
            return clock[0]

        job = PollJob(engine, fetcher, interval=60, now_fn=after_fetch)
        for tick in range(5):
            # The ticker wakes a few ms either side of its grid.
            clock[0] = at(60 * tick + (0.003 if tick % 2 else -0.003))
            report = await job.run_once(clock[0])
            polled.append(report.feeds)
    assert polled == [1, 1, 1, 1, 1]
    row = (await stored(engine))["Wire"]
    assert row.next_fetch_at is not None
    assert row.next_fetch_at.replace(tzinfo=UTC) == at(300 - 0.003)  # still on the first grid
