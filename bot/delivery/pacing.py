"""One pacer for everything the bot sends: replies first, bulk briefs and alerts after.

``SharedPacer`` is a python-telegram-bot rate limiter (``ApplicationBuilder().rate_limiter``)
around ``briefings.ratelimit.Pacer``, so handlers' replies and the outbox sender draw on one
budget. A request that posts to a chat waits for that chat's turn (one request in flight per
chat, in the order they were made: a chat's messages arrive in order) and for room in the
bot's overall window. Requests marked ``BULK`` through ``rate_limit_args`` (the sender's) get
room only when no reply is waiting. A 429 holds that chat only: a reply waits it out and goes
again, keeping its place; a bulk send hands the error back (the sender reschedules its row).
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import logging
import time
import warnings
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from enum import IntEnum
from typing import Any

from telegram import Bot
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter, ExtBot

from briefings.ratelimit import Limits, Pacer

log = logging.getLogger("bot.delivery")

# Bot API methods that put a message in a chat (or change one): Telegram's limits count these.
_POSTS = ("send", "copy", "forward", "edit")


class Lane(IntEnum):
    """Who is asking: a reply to a user goes before a brief or an alert."""

    REPLY = 0
    BULK = 1


BULK = Lane.BULK


def retry_seconds(exc: RetryAfter) -> float:
    """``retry_after`` in seconds (an int in PTB 22, with a deprecation warning; later a
    timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        value = exc.retry_after
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    return max(1.0, seconds)


def chat_key(value: Any) -> int | None:
    """A chat id as the pacer keys it; None for ``@username`` ids (paced overall only)."""
    if isinstance(value, int):
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@dataclass(eq=False)
class _Waiter:
    lane: Lane
    seq: int
    chat: int | None
    granted: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future())

    @property
    def order(self) -> tuple[int, int]:
        return (self.lane, self.seq)


class SharedPacer(BaseRateLimiter[Lane]):
    """Paces every request the bot makes to a chat; replies ahead of ``BULK`` sends."""

    def __init__(self, limits: Limits | None = None, *, reply_tries: int = 5) -> None:
        self.pacer = Pacer(limits or Limits())
        self.reply_tries = reply_tries
        self._seq = itertools.count()
        self._waiting: list[_Waiter] = []  # sorted by (lane, seq)
        self._busy: set[int] = set()  # chats with a request in flight
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = float("inf")

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer, self._timer_at = None, float("inf")

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Lane | None,
    ) -> Any:
        lane = Lane(rate_limit_args or Lane.REPLY)
        paced = endpoint.startswith(_POSTS) and "chat_id" in data
        chat = chat_key(data.get("chat_id")) if paced else None
        seq = next(self._seq)
        for attempt in itertools.count(1):
            if paced:
                await self._acquire(_Waiter(lane, seq, chat))
            began = time.monotonic()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = retry_seconds(exc)
                if chat is not None:
                    self.pacer.block(chat, time.monotonic() + wait)
                if lane is BULK or attempt >= self.reply_tries:
                    raise
                log.warning("Telegram asked to wait %.0f s before %s; waiting", wait, endpoint)
            finally:
                if paced:
                    self._release(chat, began)
            if chat is None:  # no chat to hold back: the wait itself keeps this one back
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    # --- the queue -------------------------------------------------------------------------
    async def _acquire(self, waiter: _Waiter) -> None:
        keys = [w.order for w in self._waiting]
        self._waiting.insert(bisect.bisect(keys, waiter.order), waiter)
        self._dispatch()
        try:
            await waiter.granted
        except asyncio.CancelledError:
            if waiter in self._waiting:
                self._waiting.remove(waiter)
            elif waiter.granted.done() and not waiter.granted.cancelled():
                self._give_back(waiter.chat)  # granted, but its caller went away
            raise

    def _release(self, chat: int | None, began: float) -> None:
        self.pacer.done(chat if chat is not None else 0, time.monotonic(), began=began)
        if chat is not None:
            self._busy.discard(chat)
        self._dispatch()

    def _give_back(self, chat: int | None) -> None:
        self.pacer.abort(chat if chat is not None else 0)
        if chat is not None:
            self._busy.discard(chat)
        self._dispatch()

    def _dispatch(self) -> None:
        """Grant every waiter that may go now, best lane first; wake up again when one can."""
        now = time.monotonic()
        wake = float("inf")
        passed: set[int] = set()  # chats with an earlier waiter still waiting: keep order
        for waiter in list(self._waiting):
            overall = self.pacer.overall_ready_at(now)
            if overall > now:
                wake = min(wake, overall)
                break
            chat = waiter.chat
            if chat is not None:
                if chat in self._busy or chat in passed:
                    continue  # the chat's request in flight wakes it on release
                ready = self.pacer.chat_ready_at(chat, now)
                if ready > now:
                    passed.add(chat)
                    wake = min(wake, ready)
                    continue
            self._waiting.remove(waiter)
            if waiter.granted.done():  # its caller was cancelled meanwhile
                continue
            self.pacer.begin(chat if chat is not None else 0, now)
            if chat is not None:
                self._busy.add(chat)
            waiter.granted.set_result(None)
        self._wake_at(wake, now)

    def _wake_at(self, when: float, now: float) -> None:
        if not self._waiting or when == float("inf"):
            return
        if self._timer is not None:
            if self._timer_at <= when:
                return
            self._timer.cancel()
        self._timer_at = when
        self._timer = asyncio.get_running_loop().call_later(max(0.0, when - now), self._tick)

    def _tick(self) -> None:
        self._timer, self._timer_at = None, float("inf")
        self._dispatch()


def shared_pacer_of(bot: Bot) -> SharedPacer | None:
    """The bot's own ``SharedPacer``, when it was built with one."""
    if isinstance(bot, ExtBot) and isinstance(bot.rate_limiter, SharedPacer):
        return bot.rate_limiter
    return None
