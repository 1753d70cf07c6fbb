"""The Sender against the Bot API stand-in, with the real PTB Bot and the real store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.delivery import Sender
from briefings.ratelimit import Limits
from briefings.store import chat_moves
from briefings.store import outbox as ob
from briefings.store.chats import get_chat, subscribed_themes
from briefings.store.tables import outbox
from tests.botapi import BotApiStandIn
from tests.schedule.helpers import add_chats

FAST = Limits(per_second=200, per_chat_interval=0.05, margin=0.0)


@pytest.fixture
async def bot(botapi: BotApiStandIn) -> AsyncIterator[Bot]:
    request = HTTPXRequest(connection_pool_size=4)
    async with Bot(botapi.token, base_url=botapi.base_url, request=request) as client:
        yield client


def now() -> datetime:
    return datetime.now(UTC)


async def queue(engine: AsyncEngine, chat_ids: list[int], parts: list[str], *,
                kind: str = "brief", **kwargs) -> None:
    async with engine.begin() as conn:
        await add_chats(conn, chat_ids, now=now())
        await ob.enqueue(conn, chat_ids=chat_ids, parts=parts, kind=kind, now=now(), **kwargs)


async def statuses(engine: AsyncEngine) -> dict[tuple[int, int], tuple[str, int, str | None]]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(outbox.c.chat_id, outbox.c.part, outbox.c.status,
                                         outbox.c.attempts, outbox.c.last_error))
        return {(r.chat_id, r.part): (r.status, r.attempts, r.last_error) for r in rows}


async def test_parts_go_in_order_with_topic_silence_and_no_previews(
    engine: AsyncEngine, bot: Bot, botapi: BotApiStandIn
) -> None:
    await queue(engine, [11, 12], ["<b>one</b>", "two", "three"], thread_ids={11: 42},
                silent=True)
    report = await Sender(bot, engine, limits=FAST).drain()
    assert report.sent == 6
    for chat_id in (11, 12):
        assert botapi.texts(chat_id) == ["<b>one</b>", "two", "three"]
    first = botapi.sent(11)[0].params
    assert first["message_thread_id"] == 42 and first["disable_notification"] is True
    assert first["parse_mode"] == "HTML"
    assert first["link_preview_options"] == {"is_disabled": True}
    assert "message_thread_id" not in botapi.sent(12)[0].params
    assert {s for s, _, _ in (await statuses(engine)).values()} == {"sent"}


async def test_each_message_is_marked_sent_as_soon_as_it_is_accepted(
    engine: AsyncEngine, bot: Bot, botapi: BotApiStandIn
) -> None:
    """At every moment, at most one accepted message is not yet marked sent: the crash bound."""
    await queue(engine, list(range(1, 25)), ["hello"])
    # Slow answers keep the drain going long enough to look at it many times, even when a busy
    # machine makes each look slow.
    botapi.response_delay = 0.02
    sender = Sender(bot, engine, limits=Limits(per_second=30, margin=0.0))
    task = asyncio.create_task(sender.drain())
    gaps = []
    while not task.done():
        accepted = len(botapi.sent())
        async with engine.connect() as conn:
            marked = sum(1 for _ in await conn.execute(
                select(outbox.c.id).where(outbox.c.status == "sent")))
        gaps.append(accepted - marked)
        await asyncio.sleep(0.01)
    assert (await task).sent == 24
    assert len(gaps) > 5 and max(gaps) <= 1


async def test_a_429_slows_only_that_chat(
    engine: AsyncEngine, bot: Bot, botapi: BotApiStandIn
) -> None:
    await queue(engine, [1, 2, 3], ["a", "b"])
    botapi.fail_next("sendMessage", error_code=429, retry_after=1, chat_id=2)
    first = await Sender(bot, engine, limits=FAST).drain()
    assert first.rate_limited == 1 and first.sent == 4
    assert botapi.texts(1) == ["a", "b"] and botapi.texts(3) == ["a", "b"]
    assert botapi.texts(2) == []
    status = await statuses(engine)
    assert status[(2, 0)][0] == status[(2, 1)][0] == "pending"

    second = await Sender(bot, engine, limits=FAST).drain(max_wait=3)
    assert second.sent == 2 and botapi.texts(2) == ["a", "b"]
    calls = [c for c in botapi.calls_of("sendMessage") if c.chat_id == 2]
    refused, resent = calls[0], calls[1]
    assert not refused.ok and resent.ok
    assert resent.at - refused.at >= 0.95  # waited retry_after (1 s), only this chat


async def test_a_429_within_one_drain_waits_for_that_chat_only(
    engine: AsyncEngine, bot: Bot, botapi: BotApiStandIn
) -> None:
    await queue(engine, [1, 2, 3], ["a"])
    botapi.fail_next("sendMessage", error_code=429, retry_after=1, chat_id=1)
    report = await Sender(bot, engine, limits=FAST).drain(max_wait=3)
    assert report.sent == 3 and report.rate_limited == 1
    order = [c.chat_id for c in botapi.sent()]
    assert order == [2, 3, 1]


async def test_a_429_on_a_first_part_lets_the_later_parts_follow_it(
    engine: AsyncEngine, bot: Bot, botapi: BotApiStandIn
) -> None:
    """The held chat's later parts come back with it, not after their claim's lease."""
    await queue(engine, [1], ["a", "b", "c"])
    botapi.fail_next("sendMessage", error_code=429, retry_after=1, chat_id=1)
    report = await Sender(bot, engine, limits=FAST).drain(max_wait=3)
    assert report.rate_limited == 1 and report.sent == 3
    assert botapi.texts(1) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("code", "description"),
    [(403, "Forbidden: bot was blocked by the user"),
     (403, "Forbidden: bot was kicked from the group chat"),
     (400, "Bad Request: chat not found")],
)
async def test_gone_chats_are_deactivated(
    engine: AsyncEngine, bot: Bot, botapi: BotApiStandIn, code: int, description: str
) -> None:
    await queue(engine, [7, 8], ["a", "b"])
    botapi.fail_next("sendMessage", error_code=code, description=description, chat_id=7)
    report = await Sender(bot, engine, limits=FAST).drain()
    assert report.deactivated == [7]
    assert len(botapi.calls_of("sendMessage")) == 3  # nothing more went to 7
    assert botapi.texts(8) == ["a", "b"]
    async with engine.connect() as conn:
        chat = await get_chat(conn, 7)
    assert chat is not None and not chat.active
    status = await statuses(engine)
    assert status[(7, 0)][0] == status[(7, 1)][0] == "failed"
    # The next drain sends nothing to it either.
    await queue(engine, [7], ["later"], kind="alert")
    async with engine.begin() as conn:
        await chat_moves.deactivate_chat(conn, 7, description)  # re-registering reactivated it
    await Sender(bot, engine, limits=FAST).drain()
    assert botapi.texts(7) == []


async def test_a_migrated_group_moves_and_gets_the_message_there(
    engine: AsyncEngine, bot: Bot, botapi: BotApiStandIn
) -> None:
    await queue(engine, [-5], ["part one", "part two"])
    botapi.fail_next("sendMessage", error_code=400,
                     description="Bad Request: group chat was upgraded to a supergroup chat",
                     migrate_to_chat_id=-1005, chat_id=-5)
    report = await Sender(bot, engine, limits=FAST).drain()
    assert report.migrated == [(-5, -1005)]
    assert botapi.texts(-1005) == ["part one", "part two"]
    assert botapi.texts(-5) == []
    async with engine.connect() as conn:
        assert await get_chat(conn, -5) is None
        moved = await get_chat(conn, -1005)
        themes = await subscribed_themes(conn, -1005)
    assert moved is not None and moved.type == "supergroup" and themes == ["tariffs"]
    assert {k: v[0] for k, v in (await statuses(engine)).items()} == {
        (-1005, 0): "sent", (-1005, 1): "sent"}


@pytest.mark.parametrize("code", [500, 502])
async def test_server_errors_are_retried_with_backoff(
    engine: AsyncEngine, bot: Bot, botapi: BotApiStandIn, code: int
) -> None:
    await queue(engine, [1], ["a"])
    botapi.fail_next("sendMessage", error_code=code, times=2)
    report = await Sender(bot, engine, limits=FAST, backoff=0.1).drain(max_wait=3)
    assert report.sent == 1 and report.retried == 2
    calls = botapi.calls_of("sendMessage")
    assert [c.ok for c in calls] == [False, False, True]
    # Backing off: 0.1 s, then 0.2 s (the first retry is due after 0.1 s, the second after 0.2).
    assert calls[1].at - calls[0].at >= 0.09 and calls[2].at - calls[1].at >= 0.19
    assert (await statuses(engine))[(1, 0)][:2] == ("sent", 3)


async def test_server_errors_give_up_after_max_attempts(
    engine: AsyncEngine, bot: Bot, botapi: BotApiStandIn
) -> None:
    await queue(engine, [1], ["a"])
    botapi.fail_next("sendMessage", error_code=500, times=10)
    report = await Sender(bot, engine, limits=FAST, backoff=0.02, max_attempts=3).drain(
        max_wait=3)
    assert report.failed == 1 and len(botapi.calls_of("sendMessage")) == 3
    status, attempts, error = (await statuses(engine))[(1, 0)]
    assert status == "failed" and attempts == 3 and "Internal Server Error" in (error or "")


async def test_malformed_html_is_sent_once_as_plain_text(
    engine: AsyncEngine, bot: Bot, botapi: BotApiStandIn
) -> None:
    await queue(engine, [1], ["<b>Tariffs &amp; trade<b>"])
    botapi.fail_next("sendMessage", error_code=400,
                     description="Bad Request: can't parse entities: can't find end tag")
    report = await Sender(bot, engine, limits=FAST).drain()
    assert report.sent == 1
    calls = botapi.calls_of("sendMessage")
    assert len(calls) == 2 and "parse_mode" not in calls[1].params
    assert calls[1].params["text"] == "Tariffs & trade"


async def test_malformed_twice_fails_and_is_not_retried(
    engine: AsyncEngine, bot: Bot, botapi: BotApiStandIn
) -> None:
    await queue(engine, [1], ["<b>bad"])
    botapi.fail_next("sendMessage", error_code=400,
                     description="Bad Request: can't parse entities: nope", times=5)
    report = await Sender(bot, engine, limits=FAST).drain(max_wait=1)
    assert report.failed == 1 and len(botapi.calls_of("sendMessage")) == 2
    assert (await statuses(engine))[(1, 0)][0] == "failed"


async def test_pacing_keeps_inside_the_limits(
    engine: AsyncEngine, bot: Bot, botapi: BotApiStandIn
) -> None:
    """Per-chat 1/s and an overall cap enforced by the stand-in: nothing is refused."""
    botapi.limits(per_second=20, per_chat_per_second=1)
    await queue(engine, [1, 2], ["a", "b", "c"])
    await queue(engine, list(range(100, 118)), ["x"])
    report = await Sender(bot, engine, limits=Limits(per_second=20)).drain()
    assert report.sent == 24 and botapi.refused == 0
    assert botapi.texts(1) == ["a", "b", "c"]
    one = [c.at for c in botapi.sent(1)]
    assert min(b - a for a, b in zip(one, one[1:], strict=False)) >= 1.0


async def test_a_rejected_token_stops_sending_and_keeps_every_message(
    engine: AsyncEngine, bot: Bot, botapi: BotApiStandIn
) -> None:
    await queue(engine, [1, 2, 3], ["a", "b"])
    botapi.fail_next("sendMessage", error_code=401, description="Unauthorized")
    report = await Sender(bot, engine, limits=FAST).drain(max_wait=1)
    assert report.sent == 0 and report.failed == 0
    assert len(botapi.calls_of("sendMessage")) == 1
    status = await statuses(engine)
    assert {s for s, _, _ in status.values()} == {"pending"}
    # Once the token works again, everything goes, in order.
    again = await Sender(bot, engine, limits=FAST).drain()
    assert again.sent == 6 and botapi.texts(1) == ["a", "b"]


async def test_a_timed_out_send_is_retried(
    engine: AsyncEngine, botapi: BotApiStandIn
) -> None:
    """A timeout is ambiguous (Telegram may have taken it): retry rather than lose it."""
    request = HTTPXRequest(read_timeout=0.3)
    async with Bot(botapi.token, base_url=botapi.base_url, request=request) as slow_bot:
        await queue(engine, [1], ["a"])
        botapi.response_delay = 0.6
        first = await Sender(slow_bot, engine, limits=FAST, backoff=0.1).drain()
        botapi.response_delay = 0.0
        second = await Sender(slow_bot, engine, limits=FAST, backoff=0.1).drain(max_wait=2)
    assert first.retried == 1 and first.sent == 0
    assert second.sent == 1
    status, attempts, error = (await statuses(engine))[(1, 0)]
    assert status == "sent" and attempts == 2 and "TimedOut" in (error or "")


async def test_recover_frees_only_its_own_claims(
    engine: AsyncEngine, bot: Bot, botapi: BotApiStandIn
) -> None:
    """A restarted sender resends what it held; another live sender's claims are left alone."""
    await queue(engine, [1, 2], ["hello"])
    async with engine.begin() as conn:
        [mine] = await ob.claim_due(conn, now(), limit=1, worker="sender@here",
                                    lease=timedelta(minutes=5))
        [theirs] = await ob.claim_due(conn, now(), limit=1, worker="sender@there:42",
                                      lease=timedelta(minutes=5))
    sender = Sender(bot, engine, limits=FAST, worker="sender@here")
    assert await sender.recover() == 1
    report = await sender.drain()
    assert report.sent == 1 and botapi.texts(mine.chat_id) == ["hello"]
    assert botapi.texts(theirs.chat_id) == []
