"""Senders sharing one bot token share its budget: each sends at ``rate / senders alive``.

Telegram's limit is per token, so two senders at full rate draw 429s (1,796 of them for 960
messages in one measured run). Each sender beats in the store about once a second while it has
work, and counts the senders that beat within ``ttl``. A sender joining while others send
waits one beat before its first message, so every other has seen it and slowed down first; a
sender that stops cleanly leaves at once, one that dies is forgotten after ``ttl``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from briefings.ratelimit import Pacer
from briefings.store import heartbeats

BEAT_EVERY = 1.0  # seconds
TTL = 5.0  # seconds without a beat before a sender no longer counts


class BudgetShare:
    """This sender's share of the bot's overall rate, kept up to date through the store."""

    def __init__(self, engine: AsyncEngine, pacer: Pacer, *, bot_id: str, worker: str,
                 every: float = BEAT_EVERY, ttl: float = TTL) -> None:
        self.engine, self.pacer, self.worker = engine, pacer, worker
        self.prefix = heartbeats.sender_prefix(bot_id)
        self.key = heartbeats.sender_key(bot_id, worker)
        self.every, self.ttl = every, ttl
        self.senders = 1
        self._beat_at = float("-inf")  # monotonic

    async def join(self) -> None:
        """Beat before sending; newly back among busy senders, give them a beat to slow down."""
        counted = time.monotonic() - self._beat_at < self.ttl - self.every
        await self._beat()
        if self.senders > 1 and not counted:
            await asyncio.sleep(self.every * 1.2)

    async def beat(self) -> None:
        """Beat if a beat is due (cheap to call often)."""
        if time.monotonic() - self._beat_at >= self.every:
            await self._beat()

    async def leave(self) -> None:
        """Stop counting this sender (best effort: a dead store forgets it after ``ttl``)."""
        with contextlib.suppress(Exception):
            async with self.engine.begin() as conn:
                await heartbeats.leave(conn, self.key)
        self._beat_at = float("-inf")

    async def _beat(self) -> None:
        # Wall-clock time: the beats of senders on other hosts are compared with it.
        now = datetime.now(UTC)
        async with self.engine.begin() as conn:
            await heartbeats.beat(conn, self.key, self.worker, now)
            alive = await heartbeats.alive(conn, self.prefix,
                                           since=now - timedelta(seconds=self.ttl))
        self._beat_at = time.monotonic()
        self.senders = max(1, alive)
        self.pacer.share_with(self.senders)
