"""Per-user flood control: a pure limiter, and the running bot going quiet for a flooder."""

import pytest

from bot.flood import FloodLimiter
from tests.bot.helpers import running_bot


@pytest.mark.parametrize(
    ("times", "expected"),
    [
        ([0, 1, 2], ["ok", "ok", "ok"]),
        ([0, 1, 2, 3], ["ok", "ok", "ok", "warn"]),
        ([0, 1, 2, 3, 4, 5], ["ok", "ok", "ok", "warn", "drop", "drop"]),
        # The window slides: the first update ages out at t=10, so t=10 is accepted again.
        ([0, 1, 2, 3, 10], ["ok", "ok", "ok", "warn", "ok"]),
        # After a pause the user is warned again if they flood again.
        ([0, 1, 2, 3, 10, 10.5], ["ok", "ok", "ok", "warn", "ok", "warn"]),
    ],
)
def test_limiter_verdicts(times, expected):
    limiter = FloodLimiter(limit=3, window=10)
    assert [limiter.check(1, t) for t in times] == expected


def test_limiter_is_per_user_and_forgets_idle_users():
    limiter = FloodLimiter(limit=1, window=10)
    assert [limiter.check(1, 0), limiter.check(2, 0), limiter.check(1, 1)] == ["ok", "ok", "warn"]
    limiter.forget_idle(100)
    assert limiter.check(1, 100) == "ok"
    assert not limiter._seen.keys() - {1}


def test_limiter_memory_stays_bounded():
    limiter = FloodLimiter(limit=5, window=10, prune_at=100)
    for user in range(1000):
        limiter.check(user, float(user))  # each user idle once 10 s have passed
    assert len(limiter._seen) <= 100


async def test_flooding_user_gets_one_warning_then_silence(botapi, engine, tmp_path):
    async with running_bot(botapi, engine, tmp_path) as bot:
        for _ in range(20):
            botapi.push_update(botapi.message(31, "/help"))
            botapi.push_update(botapi.message(32, "/help"))  # another user is unaffected
        await botapi.wait_for(lambda: len(botapi.sent(31)) == 20 and len(botapi.sent(32)) == 20)
        [warning] = await bot.say(31, "/help", dropped=True)
        botapi.push_update(botapi.message(31, "/help"))
        botapi.push_update(botapi.message(31, "/latest"))
        await bot.settle(0.3)
        dropped = len(botapi.sent(31))
        bot.clock.advance(seconds=61)
        [back] = await bot.say(31, "/help")
    assert "very fast" in warning
    assert dropped == 21
    assert "/latest" in back
