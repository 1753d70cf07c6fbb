"""The pacing maths at Telegram's ceiling, on a simulated clock: a 50 ms round trip with jitter.

A sender with the default number of sends in flight goes whenever the pacer allows; a
simulated server counts each send when it arrives and refuses it (429) when its sliding second
already holds the limit, exactly as ``tests/botapi.py`` does. No wall clock: figures on a
real network are ``bench/fanout.py``'s.
"""

from __future__ import annotations

import heapq
import random
from collections import deque

import pytest

from briefings.ratelimit import Limits, Pacer
from briefings.settings import Settings

RATE = 30


def simulate(in_flight: int, *, way_there: float, way_back: float, jitter: float,
             sends: int = 3000, seed: int = 7) -> tuple[float, int]:
    """(messages/s the server accepted, 429 answers) for ``sends`` messages to distinct chats."""
    rng = random.Random(seed)
    pacer = Pacer(Limits(per_second=RATE))
    now, started, answers = 0.0, 0, []  # answers: heap of (answered at, began, chat)
    arrivals: list[float] = []
    while started < sends or answers:
        while started < sends and pacer.in_flight < in_flight:
            ready = pacer.ready_at(started, now)
            if ready > now:
                break
            pacer.begin(started, now)
            arrive = now + way_there + rng.uniform(0, jitter)
            arrivals.append(arrive)
            heapq.heappush(answers, (arrive + way_back + rng.uniform(0, jitter), now, started))
            started += 1
        wake = [answers[0][0]] if answers else []
        if started < sends and pacer.in_flight < in_flight:
            wake.append(pacer.ready_at(started, now))
        now = max(now, min(wake))
        while answers and answers[0][0] <= now:
            answered, began, chat = heapq.heappop(answers)
            pacer.done(chat, answered, began=began)
    return _server_view(sorted(arrivals))


def _server_view(arrivals: list[float]) -> tuple[float, int]:
    window: deque[float] = deque()
    refused, accepted = 0, []
    for at in arrivals:
        while window and at - window[0] >= 1.0:
            window.popleft()
        if len(window) >= RATE:
            refused += 1
            continue
        window.append(at)
        accepted.append(at)
    return (len(accepted) - 1) / (accepted[-1] - accepted[0]), refused


DEFAULT_IN_FLIGHT = Settings().send_in_flight


@pytest.mark.parametrize(("way_there", "way_back", "jitter"), [
    (0.050, 0.001, 0.004),  # the stand-in: it waits 50 ms, then counts and answers
    (0.025, 0.025, 0.004),  # a real network: the server counts half way
    (0.002, 0.048, 0.004),  # counted on arrival, slow answer
])
def test_default_settings_reach_the_ceiling_without_a_429(
    way_there: float, way_back: float, jitter: float
) -> None:
    rate, refused = simulate(DEFAULT_IN_FLIGHT, way_there=way_there, way_back=way_back,
                             jitter=jitter)
    assert refused == 0
    assert rate >= 0.95 * RATE, f"{rate:.2f} msg/s"


def test_uneven_round_trips_fall_back_to_counting_from_the_answer() -> None:
    """Round trips that vary by more than the margin: slower, never refused."""
    rate, refused = simulate(DEFAULT_IN_FLIGHT, way_there=0.02, way_back=0.02, jitter=0.08)
    assert refused == 0
    assert rate >= 0.8 * RATE


def test_one_in_flight_cannot_reach_the_ceiling_at_50_ms() -> None:
    """Why the default is more than one: one send per round trip is 20 msg/s at most."""
    rate, refused = simulate(1, way_there=0.05, way_back=0.001, jitter=0.004)
    assert refused == 0 and rate < 0.7 * RATE
