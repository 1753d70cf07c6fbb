"""Once-a-day chores shared by the one-process bot's jobs and the scaled-out scheduler role:
the outbox forgets what it delivered a week ago, the store forgets news older than
``keep_days`` (``store.retention``)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from briefings.store import retention
from briefings.store.outbox import purge_finished

log = logging.getLogger(__name__)

KEEP_DELIVERED = timedelta(days=7)
PURGE_EVERY = timedelta(days=1)
RETRY_AFTER = timedelta(hours=1)  # a purge that failed (the store away) is tried again then


@dataclass(frozen=True, slots=True)
class Purged:
    outbox: int  # finished rows
    stories: int = 0
    items: int = 0  # emptied
    sent: int = 0  # rows of which chats had which story

    def __bool__(self) -> bool:
        return bool(self.outbox or self.stories or self.items or self.sent)


Find = Callable[..., Awaitable[list[int]]]  # (conn, before=, after=, limit=) -> ids
Act = Callable[[AsyncConnection, list[int], datetime], Awaitable[int]]  # -> rows done


class Housekeeper:
    """Runs the chores when a day has passed since it last ran them (and on its first call)."""

    def __init__(self, engine: AsyncEngine, *, keep_news: timedelta | None = None,
                 keep_delivered: timedelta = KEEP_DELIVERED,
                 every: timedelta = PURGE_EVERY) -> None:  # fmt: skip
        """``keep_news``: how long stories and item texts are kept (None: for ever)."""
        self.engine, self.keep_news = engine, keep_news
        self.keep_delivered, self.every = keep_delivered, every
        self.purged_at: datetime | None = None

    async def maybe_purge(self, now: datetime) -> Purged | None:
        """Purge if due; what went, or None if not due. A purge that raises is due again an
        hour later (what it finished stays done)."""
        if self.purged_at is not None and now - self.purged_at < self.every:
            return None
        self.purged_at = now
        try:
            return await self._purge(now)
        except BaseException:
            self.purged_at = now - self.every + RETRY_AFTER
            raise

    async def _purge(self, now: datetime) -> Purged:
        async with self.engine.begin() as conn:
            outbox = await purge_finished(conn, before=now - self.keep_delivered)
        if self.keep_news is None:
            return Purged(outbox)
        before = now - self.keep_news
        r = retention
        stories = await self._in_chunks(r.old_story_ids, r.forget_stories, before, r.STORY_CHUNK)
        items = await self._in_chunks(r.old_item_ids, r.empty_items, before, r.ITEM_CHUNK)
        sent = await self._in_chunks(r.chat_ids, r.forget_sent, before, r.CHAT_CHUNK)
        return Purged(outbox, stories, items, sent)

    async def _in_chunks(self, find: Find, act: Act, before: datetime, chunk: int) -> int:
        """A transaction per chunk, so a first purge of a year of news never holds the store."""
        done, after = 0, None
        while True:
            async with self.engine.begin() as conn:
                ids = await find(conn, before=before, after=after, limit=chunk)
                done += await act(conn, ids, before)
            if len(ids) < chunk:
                return done
            after = ids[-1]


async def purge_and_say(keeper: Housekeeper, now: datetime) -> None:
    """``maybe_purge``, and a log line of what went; a failure is logged, not raised (the
    Housekeeper tries again an hour later)."""
    try:
        gone = await keeper.maybe_purge(now)
    except Exception:
        log.exception("purge failed; trying again in an hour")
        return
    if gone:
        log.info("purged", extra={"outbox_rows": gone.outbox, "stories": gone.stories,
                                  "items_emptied": gone.items, "sent_rows": gone.sent})
