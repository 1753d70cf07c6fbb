"""Headless roles outlive a failing pass, and the scheduler role keeps the outbox small."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.roles import run_poller, run_scheduler, run_sender
from briefings.jobs.brief import BriefJob
from briefings.jobs.report import CycleReport
from briefings.settings import load_settings
from briefings.store.tables import outbox
from tests.botapi import botapi  # noqa: F401 - a fixture
from tests.ops.helpers import NOW, add_chat, add_outbox

TICK = 0.01


def _settings(tmp_path: Path, **extra: Any) -> Any:
    sources = tmp_path / "sources.toml"
    sources.write_text("")
    return load_settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}",
                         sources=sources, **extra)


class Flaky:
    """Fails on its first call, then does the real work; stops the role after ``calls`` calls."""

    def __init__(self, real: Any, stop: asyncio.Event, calls: int = 2) -> None:
        self.real, self.stop, self.calls, self.seen = real, stop, calls, 0

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.seen += 1
        if self.seen == 1:
            raise RuntimeError("the store went away")
        if self.seen >= self.calls:
            self.stop.set()
        return await self.real(*args, **kwargs)


async def test_scheduler_survives_a_failing_pass_and_purges_the_outbox(engine, tmp_path):
    async with engine.begin() as conn:
        await add_chat(conn, 1)
        old = await add_outbox(conn, 1, 2, status="sent")  # created at NOW
        kept = await add_outbox(conn, 1, 1, status="pending")
    stop = asyncio.Event()
    flaky = Flaky(BriefJob.run_once, stop)
    later = NOW + timedelta(days=30)
    queued = await asyncio.wait_for(
        run_scheduler(_settings(tmp_path), engine, stop=stop, tick=TICK, run_once=flaky,
                      clock=lambda: later), timeout=10)
    async with engine.connect() as conn:
        left = set((await conn.execute(select(outbox.c.id))).scalars())
    assert flaky.seen == 2 and queued == 0
    assert left == set(kept) and not left & set(old)


async def test_scheduler_once_still_raises_a_failure(engine, tmp_path):
    stop = asyncio.Event()
    flaky = Flaky(BriefJob.run_once, stop)
    try:
        await run_scheduler(_settings(tmp_path), engine, stop=stop, once=True, run_once=flaky)
    except RuntimeError as exc:
        assert "went away" in str(exc)
    else:
        raise AssertionError("a one-pass run must report its failure")


async def test_poller_survives_a_failing_cycle(engine, tmp_path):
    stop = asyncio.Event()

    async def nothing_due(*args: Any, **kwargs: Any) -> CycleReport:
        return CycleReport()

    flaky = Flaky(nothing_due, stop)
    polled = await asyncio.wait_for(
        run_poller(_settings(tmp_path), engine, stop=stop, tick=TICK, cycle=flaky,
                   fetcher=object()), timeout=10)
    assert flaky.seen == 2 and polled == 0


async def test_sender_survives_a_failing_drain(botapi, engine, tmp_path):  # noqa: F811
    async with engine.begin() as conn:
        await add_chat(conn, 7)
        await add_outbox(conn, 7, 1, text="after the failure", not_before=NOW)
    stop = asyncio.Event()

    async def drain(sender: Any) -> Any:
        return await sender.drain()

    flaky = Flaky(drain, stop)
    settings = _settings(tmp_path, telegram_token=botapi.token,
                         telegram_api_url=botapi.base_url)
    sent = await asyncio.wait_for(
        run_sender(settings, engine, stop=stop, tick=TICK, drain=flaky), timeout=10)
    async with engine.connect() as conn:
        pending = (await conn.execute(select(func.count()).select_from(outbox)
                                      .where(outbox.c.status == "pending"))).scalar_one()
    assert flaky.seen == 2 and sent == 1 and pending == 0
    assert [c.params["text"] for c in botapi.sent(7)] == ["after the failure"]


async def test_scheduler_passes_come_just_after_each_minute(engine, tmp_path, monkeypatch):
    """Brief times are whole minutes: without a fixed tick, the role sleeps until just after
    the next one, so a brief is queued within about a second of its time."""
    from bot.roles import scheduler
    from briefings.briefs.schedule import MINUTE_OFFSET

    stop, slept = asyncio.Event(), []

    async def sleep(_stop: asyncio.Event, seconds: float) -> None:
        woke = datetime.now(UTC) + timedelta(seconds=seconds)
        slept.append((seconds, woke.second, round(woke.microsecond / 1e6, 1)))
        if len(slept) == 2:
            stop.set()

    monkeypatch.setattr(scheduler, "sleep_unless_stopped", sleep)
    await asyncio.wait_for(run_scheduler(_settings(tmp_path), engine, stop=stop), timeout=10)
    assert len(slept) == 2
    for seconds, second, fraction in slept:
        assert 0 < seconds <= 60 + MINUTE_OFFSET
        assert (second, fraction) == (0, MINUTE_OFFSET)
