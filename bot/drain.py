"""One drain of the outbox: per-chat queues, a heap of when each chat may go next, the sends
in flight, and what each answer from Telegram does to the store (see ``bot.delivery``)."""

from __future__ import annotations

import asyncio
import heapq
import logging
import time
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.logs import log_event
from briefings import metrics
from briefings.store import chat_moves
from briefings.store import outbox as ob
from briefings.store.outbox import OutboxRow

if TYPE_CHECKING:
    from bot.delivery import Sender

log = logging.getLogger("bot.delivery")


@dataclass
class SendReport:
    """What a drain did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    rate_limited: int = 0
    deactivated: list[int] = field(default_factory=list)
    migrated: list[tuple[int, int]] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    kind: str  # sent | retry_after | gone | migrated | retry | failed | halt
    row: OutboxRow
    error: str = ""
    wait: float = 0.0
    new_chat_id: int | None = None



class Drain:
    """One drain: per-chat queues, a heap of when each chat may go next, and the sends in flight."""

    def __init__(self, sender: Sender, report: SendReport) -> None:
        self.s, self.report = sender, report
        self.queues: dict[int, deque[OutboxRow]] = {}
        self.heap: list[tuple[float, int, int]] = []
        self.seq = 0
        self.known: set[int] = set()
        self.busy: set[int] = set()
        self.inflight: set[asyncio.Task[Outcome]] = set()
        self.queued = 0
        self.last_refill = float("-inf")
        self.exhausted = False

    # --- the loop --------------------------------------------------------------------------
    async def loop(self, max_wait: float) -> None:
        deadline_idle: float | None = None
        try:
            while True:
                now = time.monotonic()
                if self.s._stopping:
                    break
                if self.queued < self.s.batch // 2 and (
                    now - self.last_refill >= 0.2 or (self.queued == 0 and not self.exhausted)
                ):
                    await self.refill()
                    now = time.monotonic()
                if not self.queued and not self.inflight:
                    wait = await self._idle_wait(max_wait, deadline_idle)
                    if wait is None:
                        break
                    deadline_idle = wait[1]
                    await asyncio.sleep(wait[0])
                    self.exhausted = False
                    continue
                deadline_idle = None
                await self._step(now)
        finally:
            await self._finish()

    async def _idle_wait(self, max_wait: float, deadline: float | None
                         ) -> tuple[float, float] | None:
        """How long to sleep for rows due soon, or None to stop."""
        if max_wait <= 0:
            return None
        now = time.monotonic()
        deadline = deadline if deadline is not None else now + max_wait
        if now >= deadline:
            return None
        async with self.s.engine.connect() as conn:
            due = await ob.next_due_at(conn)
        if due is None:  # nothing waits at all
            return None
        until_due = (due - self.s.clock()).total_seconds()
        if until_due > deadline - now:
            return None
        return (max(0.02, min(until_due, 0.2)), deadline)

    async def _step(self, now: float) -> None:
        """Start the next send if pacing allows; otherwise wait for time or a send to finish."""
        pacer = self.s.pacer
        if len(self.inflight) >= self.s.max_in_flight:
            await self._wait(0.2)
            return
        if not self.heap:
            if not self.inflight:  # queued rows but no chat scheduled: never stall
                for chat_id, queue in self.queues.items():
                    if queue and chat_id not in self.busy:
                        self._push(chat_id, now)
            await self._wait(0.05)
            return
        overall = pacer.overall_ready_at(now)
        if overall > now:
            await self._wait(overall - now)
            return
        ready, _, chat_id = self.heap[0]
        if ready > now:
            await self._wait(min(ready - now, 0.2))
            return
        heapq.heappop(self.heap)
        if chat_id in self.busy:  # a stale entry: the chat is rescheduled when its send settles
            return
        actual = pacer.chat_ready_at(chat_id, now)
        if actual > now:
            self._push(chat_id, actual)
            return
        waiting = self.queues.get(chat_id)
        if not waiting:
            return
        row = waiting.popleft()
        self.queued -= 1
        pacer.begin(chat_id, now)
        self.busy.add(chat_id)
        task = asyncio.create_task(self.s.send_one(row))
        self.inflight.add(task)
        if self.s.max_in_flight == 1:
            await self._wait(None)  # one at a time: the crash bound is exactly one message

    async def _wait(self, seconds: float | None) -> None:
        if not self.inflight:
            if seconds:
                await asyncio.sleep(seconds)
            return
        done, _ = await asyncio.wait(self.inflight, timeout=seconds,
                                     return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            self.inflight.discard(task)
            await self._settle(task.result())

    # --- claiming --------------------------------------------------------------------------
    async def refill(self) -> None:
        self.last_refill = time.monotonic()
        want = self.s.batch - self.queued
        async with self.s.engine.begin() as conn:
            rows = await ob.claim_due(conn, self.s.clock(), limit=want, worker=self.s.worker,
                                      lease=self.s.lease, face=self.s.face)
        fresh = [r for r in rows if r.id not in self.known]
        self.exhausted = not fresh
        for row in fresh:
            self.known.add(row.id)
            self._enqueue(row)

    def _enqueue(self, row: OutboxRow, *, front: bool = False) -> None:
        queue = self.queues.get(row.chat_id)
        if queue is None:
            queue = self.queues[row.chat_id] = deque()
        was_empty = not queue
        if front:
            queue.appendleft(row)
        else:
            queue.append(row)
        self.queued += 1
        if was_empty and row.chat_id not in self.busy:
            self._push(row.chat_id, self.s.pacer.chat_ready_at(row.chat_id, time.monotonic()))

    def _push(self, chat_id: int, ready: float) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (ready, self.seq, chat_id))

    def _drop_chat(self, chat_id: int) -> list[OutboxRow]:
        rows = list(self.queues.pop(chat_id, ()))
        self.queued -= len(rows)
        return rows

    # --- what happened ---------------------------------------------------------------------
    async def _settle(self, outcome: Outcome) -> None:
        row, chat_id, report = outcome.row, outcome.row.chat_id, self.report
        metrics.record_delivery(outcome.kind, outcome.error)
        self.busy.discard(chat_id)
        if outcome.kind == "sent":
            report.sent += 1
        elif outcome.kind == "retry_after":
            report.rate_limited += 1
            await self._hold(chat_id, row, outcome.wait, outcome.error)
            self.s.pacer.block(chat_id, time.monotonic() + outcome.wait)
            log_event(log, "rate limited: chat waits", level=logging.WARNING, chat_id=chat_id,
                      retry_after=outcome.wait)
        elif outcome.kind == "retry":
            if row.attempts + 1 >= self.s.max_attempts:
                await self._fail(row, f"gave up after {row.attempts + 1} attempts: "
                                      f"{outcome.error}")
            else:
                report.retried += 1
                await self._hold(chat_id, row, self.s.backoff_for(row.attempts), outcome.error)
                log_event(log, "send failed; will retry", level=logging.WARNING,
                          chat_id=chat_id, outbox_id=row.id, error=outcome.error,
                          attempts=row.attempts + 1)
        elif outcome.kind == "gone":
            self._drop_chat(chat_id)
            async with self.s.engine.begin() as conn:
                await chat_moves.deactivate_chat(conn, chat_id, outcome.error)
            report.deactivated.append(chat_id)
            log_event(log, "chat deactivated", chat_id=chat_id, reason=outcome.error)
        elif outcome.kind == "migrated":
            await self._migrate(row, outcome)
        elif outcome.kind == "halt":
            held = [row.id, *(r.id for r in self._drop_chat(chat_id))]
            async with self.s.engine.begin() as conn:
                await ob.release(conn, held)
            self.s.stop()
            log_event(log, "sending stopped: Telegram rejected the bot token", level=logging.ERROR,
                      error=outcome.error)
        else:
            await self._fail(row, outcome.error)
        if self.queues.get(chat_id):
            self._push(chat_id, self.s.pacer.chat_ready_at(chat_id, time.monotonic()))

    async def _hold(self, chat_id: int, row: OutboxRow, wait: float, error: str) -> None:
        """Row and the chat's later rows go back to the store, due in ``wait`` seconds."""
        held = self._drop_chat(chat_id)
        async with self.s.engine.begin() as conn:
            await ob.reschedule(conn, row.id, self.s.clock() + timedelta(seconds=wait), error)
        # Every held row is claimable again once due; forgetting only ``row`` would leave the
        # later parts filtered out as already queued until their lease ran out.
        self.known.discard(row.id)
        self.known.difference_update(r.id for r in held)

    async def _fail(self, row: OutboxRow, error: str) -> None:
        self.report.failed += 1
        async with self.s.engine.begin() as conn:
            await ob.mark_failed(conn, row.id, error)
        log_event(log, "message failed", level=logging.ERROR, chat_id=row.chat_id,
                  outbox_id=row.id, error=error)

    async def _migrate(self, row: OutboxRow, outcome: Outcome) -> None:
        old, new = row.chat_id, int(outcome.new_chat_id or 0)
        waiting = self._drop_chat(old)
        async with self.s.engine.begin() as conn:
            await chat_moves.migrate_chat(conn, old, new)
        self.s.pacer.move(old, new)
        self.report.migrated.append((old, new))
        log_event(log, "group became a supergroup; chat moved", chat_id=old, new_chat_id=new)
        for moved in [row, *waiting]:
            self._enqueue(replace(moved, chat_id=new))

    async def _finish(self) -> None:
        if self.inflight:
            done, _ = await asyncio.wait(self.inflight)
            for task in done:
                await self._settle(task.result())
        leftover = [r.id for q in self.queues.values() for r in q]
        if leftover:
            async with self.s.engine.begin() as conn:
                await ob.release(conn, leftover)
        self.s.pacer.forget_idle(time.monotonic())
