"""One drain of the outbox: per-chat queues, a heap of when each chat may go next, the sends
in flight, and what each answer from Telegram does to the store (see ``bot.delivery``).

Claims are small (about two seconds of sending, whole chats) and renewed while the drain
works on them; a renewal that finds a row in another sender's hands drops it from the queues,
and no send starts on a claim that may have lapsed. Whatever fails, the drain hands back what
it can; the Sender takes back the rest before its next drain.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery.outcome import Outcome, SendReport
from bot.delivery.queues import ChatQueues
from bot.delivery.share import BudgetShare
from bot.logs import log_event
from briefings import metrics
from briefings.ratelimit import Pacer
from briefings.store import chat_moves, claims
from briefings.store import outbox as ob
from briefings.store.outbox import OutboxRow

log = logging.getLogger("bot.delivery")

REFILL_EVERY = 0.2  # seconds between claims while the queues run low


class Sending(Protocol):
    """What a drain needs of its sender (``bot.delivery.Sender``)."""

    engine: AsyncEngine
    clock: Callable[[], datetime]
    pacer: Pacer
    share: BudgetShare
    worker: str
    face: str
    batch: int
    lease: timedelta
    max_attempts: int
    max_in_flight: int
    stopping: bool

    def stop(self) -> None: ...

    async def send_one(self, row: OutboxRow) -> Outcome: ...

    def backoff_for(self, attempts: int) -> float: ...


class Drain:
    """One drain: per-chat queues, a heap of when each chat may go next, and the sends in flight."""

    def __init__(self, sender: Sending, report: SendReport) -> None:
        self.s, self.report = sender, report
        self.q = ChatQueues(lambda chat_id: sender.pacer.chat_ready_at(chat_id, time.monotonic()))
        self.known: set[int] = set()  # ids claimed and queued in this drain
        self.inflight: set[asyncio.Task[Outcome]] = set()
        self.last_refill = float("-inf")
        self.exhausted = False
        self.joined = False  # counted among the bot's senders (BudgetShare)
        lease = sender.lease.total_seconds()
        self.renew_every, self.trust_for = lease / 3, lease * 0.8
        self.renew_at = self.valid_until = float("inf")  # monotonic; set by the first claim
        self.clean = True  # False: claims may be left behind; the sender takes them back

    # --- the loop --------------------------------------------------------------------------
    async def loop(self, max_wait: float) -> None:
        deadline_idle: float | None = None
        try:
            while not self.s.stopping:
                now = time.monotonic()
                if now >= self.renew_at:
                    await self.renew()
                if self.joined:
                    await self.s.share.beat()
                if self.q.count < self.s.batch // 2 and (
                    now - self.last_refill >= REFILL_EVERY
                    or (self.q.count == 0 and not self.exhausted)
                ):
                    await self.refill()
                    now = time.monotonic()
                if not self.q.count and not self.inflight:
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
        if not self.q.heap:
            if not self.inflight:  # queued rows but no chat scheduled: never stall
                self.q.wake_idle(now)
            await self._wait(0.05)
            return
        overall = pacer.overall_ready_at(now)
        if overall > now:
            await self._wait(overall - now)
            return
        ready, chat_id = self.q.peek()
        if ready > now:
            await self._wait(min(ready - now, 0.2))
            return
        if now >= self.valid_until:  # never send on a claim that may have lapsed
            await self.renew()
            return
        self.q.pop()
        if chat_id in self.q.busy:  # a stale entry: the chat is rescheduled when its send settles
            return
        actual = pacer.chat_ready_at(chat_id, now)
        if actual > now:
            self.q.push(chat_id, actual)
            return
        row = self.q.take(chat_id)
        if row is None:
            return
        self.q.busy.add(chat_id)
        # Paced by the sender's SharedPacer: replies waiting there go first.
        self.inflight.add(asyncio.create_task(self.s.send_one(row)))
        if self.s.max_in_flight == 1:
            await self._wait(None)  # one at a time: the crash bound is exactly one message

    async def _wait(self, seconds: float | None) -> None:
        if not self.inflight:
            if seconds:
                await asyncio.sleep(seconds)
            return
        done, _ = await asyncio.wait(self.inflight, timeout=seconds,
                                     return_when=asyncio.FIRST_COMPLETED)
        self.inflight -= done
        for task in done:
            await self._settle(task.result())

    # --- claiming --------------------------------------------------------------------------
    async def refill(self) -> None:
        self.last_refill = time.monotonic()
        want = self.s.batch - self.q.count
        async with self.s.engine.begin() as conn:
            rows = await claims.claim_chats(conn, self.s.clock(), limit=want,
                                            worker=self.s.worker, lease=self.s.lease,
                                            face=self.s.face)
        fresh = [r for r in rows if r.id not in self.known]
        self.exhausted = not fresh
        if fresh and self.renew_at == float("inf"):
            self._claimed_at(self.last_refill)
        # Chats with more parts start first: their later parts wait a second each, and the
        # chats with one part fill that second (no idle tail at the end of a fan-out).
        parts = Counter(r.chat_id for r in fresh)
        for row in sorted(fresh, key=lambda r: -parts[r.chat_id]):
            self.known.add(row.id)
            self.q.add(row)
        if fresh and not self.joined:
            await self.s.share.join()
            self.joined = True

    async def renew(self) -> None:
        """Extend this sender's claims; forget the rows another sender has taken meanwhile."""
        started = time.monotonic()
        async with self.s.engine.begin() as conn:
            held = await claims.renew_claims(conn, worker=self.s.worker,
                                             until=self.s.clock() + self.s.lease)
        lost = {row.id for queue in self.q.rows.values() for row in queue} - held
        if lost:
            self.q.discard(lost)
            self.known -= lost
            log_event(log, "claims lost to another sender", level=logging.WARNING,
                      worker=self.s.worker, rows=len(lost))
        self._claimed_at(started)

    def _claimed_at(self, when: float) -> None:
        self.renew_at, self.valid_until = when + self.renew_every, when + self.trust_for

    # --- what happened ---------------------------------------------------------------------
    async def _settle(self, outcome: Outcome) -> None:
        row, chat_id, report = outcome.row, outcome.row.chat_id, self.report
        metrics.record_delivery(outcome.kind, outcome.error)
        self.q.busy.discard(chat_id)
        if outcome.kind == "sent":
            report.sent += 1
        elif outcome.kind == "retry_after":  # the pacer already holds the chat
            report.rate_limited += 1
            await self._hold(chat_id, row, outcome.wait, outcome.error)
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
            self.q.drop(chat_id)
            async with self.s.engine.begin() as conn:
                await chat_moves.deactivate_chat(conn, chat_id, outcome.error)
            report.deactivated.append(chat_id)
            log_event(log, "chat deactivated", chat_id=chat_id, reason=outcome.error)
        elif outcome.kind == "migrated":
            await self._migrate(row, outcome)
        elif outcome.kind == "halt":
            held = [row.id, *(r.id for r in self.q.drop(chat_id))]
            async with self.s.engine.begin() as conn:
                await ob.release(conn, held, worker=self.s.worker)
            self.s.stop()
            log_event(log, "sending stopped: Telegram rejected the bot token", level=logging.ERROR,
                      error=outcome.error)
        else:
            await self._fail(row, outcome.error)
        self.q.resume(chat_id)

    async def _hold(self, chat_id: int, row: OutboxRow, wait: float, error: str) -> None:
        """Row and the chat's later rows go back to the store, due in ``wait`` seconds."""
        held = self.q.drop(chat_id)
        async with self.s.engine.begin() as conn:
            await ob.reschedule(conn, row.id, self.s.clock() + timedelta(seconds=wait), error,
                                worker=self.s.worker)
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
        waiting = self.q.drop(old)
        async with self.s.engine.begin() as conn:
            await chat_moves.migrate_chat(conn, old, new)
        self.s.pacer.move(old, new)
        self.report.migrated.append((old, new))
        log_event(log, "group became a supergroup; chat moved", chat_id=old, new_chat_id=new)
        for moved in [row, *waiting]:
            self.q.add(replace(moved, chat_id=new))

    async def _finish(self) -> None:
        """Settle the sends in flight and hand back what was not sent: best effort, since the
        drain may be ending because the store failed (the sender then takes the rest back)."""
        if self.inflight:
            done, _ = await asyncio.wait(self.inflight)
            self.inflight.clear()
            for task in done:
                try:
                    await self._settle(task.result())
                except Exception:  # noqa: BLE001 - the row stays claimed until taken back
                    self.clean = False
                    log.warning("could not settle a send at the end of a drain", exc_info=True)
        leftover = self.q.leftover()
        if leftover:
            try:
                async with self.s.engine.begin() as conn:
                    await ob.release(conn, leftover, worker=self.s.worker)
            except Exception:  # noqa: BLE001
                self.clean = False
                log.warning("could not hand back %d claimed rows", len(leftover), exc_info=True)
        self.s.pacer.forget_idle(time.monotonic())
