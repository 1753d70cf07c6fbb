"""Two senders on one store and one bot token: no row twice, parts in order, one budget."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Bot

from bot.delivery import Sender
from briefings.ratelimit import Limits
from briefings.store import claims
from briefings.store import outbox as ob
from briefings.store.tables import outbox
from tests.bot.test_delivery import bot, queue  # noqa: F401 - bot is a fixture
from tests.botapi import BotApiStandIn

PARTS = ["one", "two", "three"]
RATE = 20


async def test_two_senders_share_the_budget_and_a_429_never_doubles_a_row(
    engine: AsyncEngine, bot: Bot, botapi: BotApiStandIn  # noqa: F811
) -> None:
    """Both at the bot's limit, as before, drew 429s; a 429 freed rows the other one held."""
    chats = list(range(1, 41))
    await queue(engine, chats, PARTS)
    botapi.limits(per_second=RATE, per_chat_per_second=1)
    botapi.response_delay = 0.01
    botapi.fail_next("sendMessage", error_code=429, retry_after=1, chat_id=5)
    senders = [Sender(bot, engine, limits=Limits(per_second=RATE), worker=name, batch=10,
                      max_in_flight=4) for name in ("a", "b")]
    reports = await asyncio.wait_for(
        asyncio.gather(*(s.drain(max_wait=3) for s in senders)), timeout=60)

    texts: dict[int, list[str]] = defaultdict(list)
    for call in botapi.sent():
        texts[call.chat_id].append(call.params["text"])
    assert {c: t for c, t in texts.items() if t != PARTS} == {}  # once each, in order
    assert set(texts) == set(chats)
    assert sum(r.sent for r in reports) == len(chats) * len(PARTS)
    assert all(r.sent > 0 for r in reports), [r.sent for r in reports]
    assert botapi.refused == 0  # together, within the one limit


async def test_a_429_reschedules_only_the_senders_own_rows(engine: AsyncEngine) -> None:
    await queue(engine, [1], PARTS)
    now = datetime.now(UTC)
    lease = timedelta(seconds=30)
    async with engine.begin() as conn:
        mine = await ob.claim_due(conn, now, limit=1, worker="a", lease=lease)
        theirs = await ob.claim_due(conn, now, limit=2, worker="b", lease=lease)
        await ob.reschedule(conn, mine[0].id, now + timedelta(seconds=5), "429", worker="a")
        held = dict((await conn.execute(
            select(outbox.c.id, outbox.c.claimed_by).where(outbox.c.chat_id == 1))).all())
    assert [held[r.id] for r in theirs] == ["b", "b"]  # still b's: not handed out again


async def test_whole_chats_are_claimed_never_one_another_sender_holds(
    engine: AsyncEngine
) -> None:
    await queue(engine, [1, 2, 3], PARTS)
    now = datetime.now(UTC)
    lease = timedelta(seconds=30)
    async with engine.begin() as conn:
        first = await claims.claim_chats(conn, now, limit=4, worker="a", lease=lease)
        second = await claims.claim_chats(conn, now, limit=4, worker="b", lease=lease)
        third = await claims.claim_chats(conn, now, limit=10, worker="c", lease=lease)
        renewed = await claims.renew_claims(conn, worker="a", until=now + 2 * lease)
    assert [(r.chat_id, r.part) for r in first] == [(1, 0), (1, 1), (1, 2)]  # not chat 2's p0
    assert [(r.chat_id, r.part) for r in second] == [(2, 0), (2, 1), (2, 2)]
    assert [(r.chat_id, r.part) for r in third] == [(3, 0), (3, 1), (3, 2)]
    assert renewed == {r.id for r in first}
    # A lapsed claim is free to take; its old holder then no longer holds it.
    async with engine.begin() as conn:
        later = now + 3 * lease
        taken = await claims.claim_chats(conn, later, limit=10, worker="d", lease=lease)
        assert await claims.renew_claims(conn, worker="a", until=later + lease) == set()
    assert len(taken) == 9
