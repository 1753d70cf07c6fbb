"""backoff_delay and next_fetch_delay: pure scheduling maths, table-driven."""

from __future__ import annotations

import pytest

from briefings.fetch import FetchResult, backoff_delay, next_fetch_delay

DAY = 86_400.0


@pytest.mark.parametrize(
    ("errors", "base", "expected"),
    [
        (0, 600, 600),
        (-3, 600, 600),
        (1, 600, 600 * 2**0.1),  # gentle from the first error
        (5, 600, 600 * 2**0.5),
        (10, 600, 1200),  # doubles per 10 errors
        (20, 600, 2400),
        (30, 600, 4800),
        (70, 600, 76_800),
        (80, 600, DAY),  # capped at one day
        (1000, 600, DAY),
        (10, 30, 60),
        (0, 0, 1),  # never zero: a feed is not hammered in a loop
        (5, DAY, DAY),  # the cap never cuts below the interval itself
    ],
)
def test_backoff_delay(errors: int, base: float, expected: float) -> None:
    assert backoff_delay(errors, base) == pytest.approx(expected)


def test_backoff_delay_grows_monotonically() -> None:
    delays = [backoff_delay(n, 600) for n in range(120)]
    assert delays == sorted(delays)
    assert delays[-1] == DAY


def ok(**kwargs: float | None) -> FetchResult:
    return FetchResult("ok", "https://x.example/feed", status=200, **kwargs)  # type: ignore[arg-type]


def error(**kwargs: float | None) -> FetchResult:
    return FetchResult("error", "https://x.example/feed", error="HTTP 503", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("result", "base", "errors", "expected"),
    [
        (ok(), 600, 0, 600),
        (ok(max_age=60), 600, 0, 600),  # max-age shorter than the interval: interval
        (ok(max_age=1800), 600, 0, 1800),  # longer: honoured
        (ok(max_age=10 * DAY), 600, 0, 6 * 3600),  # capped at 6 h
        (ok(retry_after=7200), 600, 0, 7200),
        (ok(max_age=0), 600, 0, 600),
        (FetchResult("not_modified", "u", status=304, max_age=900), 600, 0, 900),
        (error(), 600, 1, 600 * 2**0.1),
        (error(), 600, 10, 1200),
        (error(), 600, 0, 600 * 2**0.1),  # an error counts as at least one
        (error(retry_after=3600), 600, 1, 3600),  # the server asked for longer
        (error(retry_after=30), 600, 10, 1200),  # back-off longer than Retry-After
        (error(retry_after=10 * DAY), 600, 1, DAY),  # Retry-After capped at a day
        (error(), 600, 200, DAY),
    ],
)
def test_next_fetch_delay(result: FetchResult, base: float, errors: int, expected: float) -> None:
    assert next_fetch_delay(result, base, errors) == pytest.approx(expected)
