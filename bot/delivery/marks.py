"""Marking rows sent the moment Telegram accepts them: the no-loss guarantee, group-committed.

Sends finishing together share one short transaction; each waits for the commit that includes
it, so at most ``max_in_flight`` accepted messages are ever unrecorded — exactly one with the
default of one in flight. Marks go through one kept-open connection, one flush at a time: no
pool round trips, and no SQLite writer queueing behind its busy timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from briefings.store import outbox as ob

log = logging.getLogger("bot.delivery")

TRIES = 3


class SentMarks:
    """Records accepted rows as sent, in shared transactions over one connection."""

    def __init__(self, engine: AsyncEngine, clock: Callable[[], datetime]) -> None:
        self.engine, self.clock = engine, clock
        self._lock = asyncio.Lock()
        self._conn: AsyncConnection | None = None
        self._waiting: list[tuple[int, asyncio.Future[None]]] = []
        self._flushes: set[asyncio.Future[None]] = set()

    async def mark(self, row_id: int) -> None:
        """Return once ``row_id`` is recorded as sent; a store hiccup is retried, then raised."""
        for attempt in range(TRIES):
            done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiting.append((row_id, done))
            if not self._lock.locked():
                flush = asyncio.ensure_future(self._flush())
                # The loop keeps only weak references to tasks: hold it until it is done.
                self._flushes.add(flush)
                flush.add_done_callback(self._flushes.discard)
            try:
                await done
                return
            except Exception:  # the store hiccuped (locked, connection lost): the send stands
                if attempt == TRIES - 1:
                    raise
                log.warning("could not mark outbox row %s sent; retrying", row_id, exc_info=True)
                await asyncio.sleep(0.2 * (attempt + 1))

    async def _flush(self) -> None:
        async with self._lock:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    if self._conn is None or self._conn.closed:
                        self._conn = await self.engine.connect()
                    async with self._conn.begin():
                        await ob.mark_sent_many(self._conn, [i for i, _ in batch], self.clock())
                except Exception as exc:  # noqa: BLE001 - handed to each waiting sender
                    await self.close()
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for _, future in batch:
                    if not future.done():
                        future.set_result(None)

    async def close(self) -> None:
        """Give the connection back (between drains)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()
