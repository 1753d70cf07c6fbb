"""The shared pacer on its own: replies before bulk sends, one chat's requests one at a time and
in order, a 429 held by that chat only, and a caller that gives up leaves nothing behind."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.delivery.pacing import BULK, SharedPacer
from briefings.ratelimit import Limits

TWO_A_SECOND = Limits(per_second=2, per_chat_interval=0.0, margin=0.0)


class Api:
    """Records when each request reached "Telegram", and can answer 429 once per chat."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.refuse: set[int] = set()

    def call(self, name: str, chat: int, *, hold: float = 0.0) -> Any:
        async def request() -> bool:
            self.log.append(name)
            if chat in self.refuse:
                self.refuse.discard(chat)
                raise RetryAfter(1)
            await asyncio.sleep(hold)
            return True
        return request


async def send(pacer: SharedPacer, api: Api, name: str, chat: int, *, bulk: bool = False,
               hold: float = 0.0) -> Any:
    return await pacer.process_request(api.call(name, chat, hold=hold), (), {}, "sendMessage",
                                       {"chat_id": chat}, BULK if bulk else None)


async def test_a_reply_gets_the_next_room_before_bulk_sends_that_waited_longer() -> None:
    pacer, api = SharedPacer(TWO_A_SECOND), Api()
    await asyncio.gather(send(pacer, api, "b1", 1, bulk=True), send(pacer, api, "b2", 2, bulk=True))
    waiting = [asyncio.create_task(send(pacer, api, f"b{n}", n, bulk=True)) for n in (3, 4)]
    await asyncio.sleep(0.05)
    waiting.append(asyncio.create_task(send(pacer, api, "reply", 9)))
    await asyncio.gather(*waiting)
    assert api.log == ["b1", "b2", "reply", "b3", "b4"]


async def test_one_chat_one_request_at_a_time_in_the_order_asked() -> None:
    pacer, api = SharedPacer(Limits(per_second=30, per_chat_interval=0.0)), Api()
    first = asyncio.create_task(send(pacer, api, "first", 5, hold=0.2))
    await asyncio.sleep(0)
    rest = [asyncio.create_task(send(pacer, api, name, 5)) for name in ("second", "third")]
    other = asyncio.create_task(send(pacer, api, "other chat", 6))
    await asyncio.sleep(0.1)
    assert api.log == ["first", "other chat"]  # chat 5 waits for its request in flight
    await asyncio.gather(first, other, *rest)
    assert api.log == ["first", "other chat", "second", "third"]


async def test_a_429_holds_that_chat_a_reply_waits_it_out_a_bulk_send_hands_it_back() -> None:
    pacer, api = SharedPacer(Limits(per_second=30, per_chat_interval=0.0)), Api()
    api.refuse = {1, 2}
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await send(pacer, api, "reply", 1) is True
    assert loop.time() - started >= 0.95
    with pytest.raises(RetryAfter):
        await send(pacer, api, "brief", 2, bulk=True)
    assert pacer.pacer.blocked_until(2, loop.time()) is not None
    assert await send(pacer, api, "elsewhere", 3, bulk=True) is True  # others go on at once
    assert api.log == ["reply", "reply", "brief", "elsewhere"]


async def test_a_caller_that_gives_up_leaves_no_request_counted() -> None:
    pacer, api = SharedPacer(Limits(per_second=1, per_chat_interval=0.0)), Api()
    await send(pacer, api, "first", 1)
    waiting = asyncio.create_task(send(pacer, api, "never", 2))
    await asyncio.sleep(0.05)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert pacer.pacer.in_flight == 0 and not pacer._waiting
    assert api.log == ["first"]
