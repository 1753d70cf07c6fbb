"""Table tests for the pacing maths: overall window, per chat, per group, and 429 blocks."""

from __future__ import annotations

import pytest

from briefings.ratelimit import Limits, Pacer

NO_MARGIN = Limits(per_second=3, per_chat_interval=1.0, per_group_per_minute=2, margin=0.0)


@pytest.mark.parametrize(
    ("sends", "chat", "now", "expected"),
    [
        ([], 1, 10.0, 10.0),  # nothing sent: now
        ([(1, 10.0)], 1, 10.0, 11.0),  # one chat waits a second
        ([(1, 10.0)], 2, 10.0, 10.0),  # another chat does not
        ([(1, 10.0)], 1, 12.0, 12.0),  # long ago
        # Three sends fill the overall window of 1 s: a fourth chat waits for the oldest to age.
        ([(1, 10.0), (2, 10.1), (3, 10.2)], 4, 10.3, 11.0),
        ([(1, 10.0), (2, 10.1), (3, 10.2)], 4, 11.05, 11.05),  # the oldest has aged out
        # A group: 2 per minute, so the third waits until the first leaves the 60 s window.
        ([(-5, 0.0), (-5, 2.0)], -5, 3.0, 60.0),
        ([(-5, 0.0), (-5, 2.0)], -5, 60.5, 60.5),  # the first left the window
        ([(-5, 0.0), (-5, 2.0)], -6, 3.0, 3.0),  # another group is free
    ],
)
def test_ready_at(sends: list[tuple[int, float]], chat: int, now: float, expected: float) -> None:
    pacer = Pacer(NO_MARGIN)
    for chat_id, at in sends:
        pacer.record(chat_id, at)
    assert pacer.ready_at(chat, now) == pytest.approx(expected)


def test_a_429_slows_only_that_chat() -> None:
    pacer = Pacer(NO_MARGIN)
    pacer.record(1, 0.0)
    pacer.block(1, 30.0)
    assert pacer.ready_at(1, 5.0) == 30.0
    assert pacer.ready_at(2, 5.0) == 5.0
    assert pacer.blocked_until(1, 5.0) == 30.0
    assert pacer.ready_at(1, 31.0) == 31.0
    assert pacer.blocked_until(1, 31.0) is None


def test_a_shorter_block_does_not_shorten_a_longer_one() -> None:
    pacer = Pacer(NO_MARGIN)
    pacer.block(1, 30.0)
    pacer.block(1, 10.0)
    assert pacer.ready_at(1, 0.0) == 30.0


def test_margin_widens_every_window() -> None:
    pacer = Pacer(Limits(per_second=1, per_chat_interval=1.0, margin=0.05))
    pacer.record(1, 0.0)
    assert pacer.chat_ready_at(1, 0.0) == pytest.approx(1.05)
    assert pacer.overall_ready_at(0.5) == pytest.approx(1.05)


@pytest.mark.parametrize("rate", [30, 300])
def test_paced_sends_never_exceed_the_rate_in_any_window(rate: int) -> None:
    """Simulate a sender that always goes at ready_at: count sends in every sliding second."""
    pacer = Pacer(Limits(per_second=rate, margin=0.01))
    now, times = 0.0, []
    for chat in range(1, rate * 5):
        now = pacer.ready_at(chat, now)
        pacer.record(chat, now)
        times.append(now)
    for i, start in enumerate(times):
        in_window = sum(1 for t in times[i:] if t - start < 1.0)
        assert in_window <= rate
    achieved = len(times) / (times[-1] - times[0])
    assert achieved >= 0.95 * rate  # pacing leaves little on the table


def test_forget_idle_keeps_what_still_constrains() -> None:
    pacer = Pacer(NO_MARGIN)
    pacer.record(1, 0.0)
    pacer.record(-5, 0.0)
    pacer.block(7, 100.0)
    pacer.forget_idle(30.0)
    assert pacer.ready_at(1, 30.0) == 30.0
    assert pacer.blocked_until(7, 30.0) == 100.0
    pacer.record(-5, 31.0)
    assert pacer.ready_at(-5, 32.0) == pytest.approx(60.0)  # the group window survived


def test_move_carries_a_block_to_the_new_chat() -> None:
    pacer = Pacer(NO_MARGIN)
    pacer.block(-5, 50.0)
    pacer.move(-5, -1005)
    assert pacer.ready_at(-1005, 0.0) == 50.0
    assert pacer.ready_at(-5, 0.0) == 0.0


def test_sends_in_flight_count_as_now_and_finished_ones_from_their_answer() -> None:
    pacer = Pacer(Limits(per_second=2, margin=0.0))
    pacer.begin(1, 0.0)
    pacer.begin(2, 0.0)
    assert pacer.overall_ready_at(0.0) > 0.0  # both slots are taken by sends in flight
    pacer.done(1, 0.3)  # the server may have counted it as late as 0.3
    assert pacer.in_flight == 1
    assert pacer.overall_ready_at(0.5) == pytest.approx(1.3)
    assert pacer.chat_ready_at(1, 0.5) == pytest.approx(1.3)
    pacer.done(2, 0.4)
    assert pacer.overall_ready_at(1.35) == 1.35
