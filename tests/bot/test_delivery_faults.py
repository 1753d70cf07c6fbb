"""The sender after a failure: the store going away mid-drain, claims left behind, claim size."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Bot

from bot.delivery import Sender
from briefings.ratelimit import Limits
from briefings.store import claims
from briefings.store import outbox as ob
from briefings.store.tables import outbox
from tests.bot.test_delivery import FAST, bot, queue  # noqa: F401 - bot is a fixture
from tests.botapi import BotApiStandIn
from tests.storefault import failing_store


async def _claimed(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        stmt = select(func.count()).select_from(outbox).where(
            outbox.c.status == "pending", outbox.c.claimed_by.is_not(None))
        return int((await conn.execute(stmt)).scalar_one())


async def test_after_a_failed_drain_the_next_one_sends_the_rest_at_once_and_nothing_twice(
    engine: AsyncEngine, bot: Bot, botapi: BotApiStandIn  # noqa: F811
) -> None:
    """The store goes away mid-drain: what was claimed is not left to a 5-minute lease, and
    the message Telegram took but the store could not record is recorded, not sent again."""
    chats = list(range(1, 21))
    await queue(engine, chats, ["hello"])
    sender = Sender(bot, engine, limits=FAST)
    store_up = asyncio.Event()
    with failing_store(engine, lambda: len(botapi.sent()) >= 5 and not store_up.is_set()):
        with pytest.raises(Exception, match="database is locked"):
            await sender.drain()
        sent_before = len(botapi.sent())
        assert sent_before < len(chats)
        store_up.set()
        report = await asyncio.wait_for(sender.drain(), timeout=10)
    assert report.sent == len(chats) - sent_before
    per_chat = Counter(call.chat_id for call in botapi.sent())
    assert set(per_chat) == set(chats) and set(per_chat.values()) == {1}
    async with engine.connect() as conn:
        assert await ob.pending_count(conn) == 0


async def test_a_sender_claims_a_couple_of_seconds_of_work_at_a_time(
    engine: AsyncEngine, bot: Bot, botapi: BotApiStandIn  # noqa: F811
) -> None:
    """A sender killed mid fan-out holds little; a standby claims the rest at once."""
    await queue(engine, list(range(1, 301)), ["hello"])
    sender = Sender(bot, engine, limits=Limits(per_second=30), worker="busy")
    task = asyncio.create_task(sender.drain())
    try:
        await botapi.wait_for(lambda: len(botapi.sent()) >= 3)
        held = await _claimed(engine)
        async with engine.begin() as conn:
            standby = await claims.claim_chats(conn, datetime.now(UTC), limit=1000,
                                               worker="standby", lease=timedelta(seconds=30))
    finally:
        sender.stop()
        await task
    assert 0 < held <= 2 * 30  # two seconds at 30 msg/s; it was the whole fan-out
    assert len(standby) >= 300 - held - len(botapi.sent())
    assert not {r.chat_id for r in standby} & {c.chat_id for c in botapi.sent()}
