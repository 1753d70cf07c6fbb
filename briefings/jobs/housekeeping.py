"""Once-a-day chores shared by the one-process bot's jobs and the scaled-out scheduler role."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from briefings.store.outbox import purge_finished

KEEP_DELIVERED = timedelta(days=7)
PURGE_EVERY = timedelta(days=1)


class OutboxPurger:
    """Forgets finished outbox rows (and unused bodies) older than a week, at most once a day."""

    def __init__(self, engine: AsyncEngine, *, keep: timedelta = KEEP_DELIVERED,
                 every: timedelta = PURGE_EVERY) -> None:
        self.engine, self.keep, self.every = engine, keep, every
        self.purged_at: datetime | None = None

    async def maybe_purge(self, now: datetime) -> int | None:
        """Purge if a day has passed since the last purge; the rows gone, or None if not due."""
        if self.purged_at is not None and now - self.purged_at < self.every:
            return None
        self.purged_at = now
        async with self.engine.begin() as conn:
            return await purge_finished(conn, before=now - self.keep)
