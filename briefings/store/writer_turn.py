"""SQLite takes one writer at a time: this process's writers wait their turn in line.

SQLite's own wait (``busy_timeout``) is a poll: a waiting writer sleeps up to 100 ms, wakes,
tries again, and gives up with ``database is locked`` when the timeout is over. With hundreds
of writers (a burst of commands while the poller and the sender write) the lock sat free
between turns while every waiter slept, some waited out the whole timeout and failed, and
their users got no reply. Here a write transaction first takes an asyncio lock, in order of
arrival, so the next writer starts the moment the last one commits and none gives up.

The lock is taken at a transaction's first write (the sqlite3 driver opens the transaction
there, so reads never wait) and given back on commit, rollback, or when the connection goes
back to the pool or is invalidated. Writers in other processes still meet SQLite's own
``busy_timeout``; a writer that waited ``TURN_WAIT`` here falls back to it too, so a
transaction that never ends cannot hang every other writer for good.
"""

from __future__ import annotations

import asyncio
import re
import weakref
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

TURN_WAIT = 60.0  # seconds; then SQLite's busy_timeout decides
_HOLDS = "borderbrief.writer_turn"  # in the pooled connection's info: it holds the turn
_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


class WriterTurn:
    """One asyncio lock per event loop (an engine may outlive a loop, as in tests)."""

    def __init__(self, wait: float = TURN_WAIT) -> None:
        self.wait = wait
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary())

    def lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        found = self._locks.get(loop)
        if found is None:
            found = self._locks[loop] = asyncio.Lock()
        return found

    async def take(self) -> bool:
        """Wait for the turn; False if ``wait`` passed first (SQLite's own wait follows)."""
        try:
            await asyncio.wait_for(self.lock().acquire(), self.wait)
        except TimeoutError:
            return False
        return True


def one_writer_at_a_time(engine: AsyncEngine, turn: WriterTurn | None = None) -> WriterTurn:
    """Make the writers of ``engine`` (SQLite) take turns in this process; returns the turn."""
    turn = turn or WriterTurn()
    sync_engine = engine.sync_engine

    def before_write(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if conn.info.get(_HOLDS) or not _WRITE.match(statement):
            return
        if conn.connection.dbapi_connection.run_async(lambda _driver: turn.take()):
            conn.info[_HOLDS] = turn.lock()

    def give_back(info: dict[str, Any]) -> None:
        lock = info.pop(_HOLDS, None)
        if lock is not None and lock.locked():
            lock.release()

    def transaction_over(conn: Any) -> None:
        if not (conn.invalidated or conn.closed):  # else the pool's events gave it back
            give_back(conn.info)

    event.listen(sync_engine, "before_cursor_execute", before_write)
    for name in ("commit", "rollback"):
        event.listen(sync_engine, name, transaction_over)
    for name in ("checkin", "invalidate", "close"):
        event.listen(sync_engine.pool, name, lambda _dbapi, record, *_: give_back(record.info))
    return turn
