"""The Sender: drains the outbox through python-telegram-bot at Telegram's limits, losing nothing.

One loop claims due rows, paces them with ``briefings.ratelimit.Pacer`` (overall, per chat, per
group; a 429 slows only the chat it was about), sends, and marks each row sent in its own short
transaction the moment Telegram accepts it. With ``max_in_flight=1`` a crash (SIGKILL) repeats at
most the one message in flight; larger values trade that bound for throughput on a slow link.

What each answer from Telegram does:
- 429 ``RetryAfter``: that chat (only) waits ``retry_after``; its rows are rescheduled in order.
- 403 ``Forbidden`` (blocked, kicked) and 400 "chat not found": the chat is deactivated, its
  waiting rows dropped.
- ``ChatMigrated``: the chat moves to ``migrate_to_chat_id`` (subscriptions follow) and the
  message is sent there.
- ``NetworkError``/``TimedOut``/5xx: retried with exponential back-off, failed after
  ``max_attempts`` with the error kept.
- 400 "can't parse entities": logged with the text, sent once as plain text, else failed.

Run it on its own with ``python -m bot.delivery`` (settings from the environment).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import heapq
import html
import logging
import re
import socket
import sys
import time
import warnings
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from telegram import Bot, LinkPreviewOptions
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.logs import log_event
from briefings import metrics
from briefings.ratelimit import Limits, Pacer
from briefings.store import outbox as ob
from briefings.store.outbox import OutboxRow

log = logging.getLogger(__name__)

_TAG = re.compile(r"<[^>]+>")
_MARK_TRIES = 3
_GONE = ("chat not found", "user is deactivated", "group chat was deleted",
         "bot was kicked", "not enough rights to send text", "have no rights to send")


def utcnow() -> datetime:
    return datetime.now(UTC)


def plain_text(text: str) -> str:
    """An HTML message as plain text (tags dropped, entities decoded) for a last try."""
    return html.unescape(_TAG.sub("", text.replace("<br>", "\n")))


def _seconds(value: Any) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


def _retry_after(exc: RetryAfter) -> float:
    # Public attribute only: an int in PTB 22 (with a deprecation warning), a timedelta later.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return max(1.0, _seconds(exc.retry_after))


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
class _Outcome:
    kind: str  # sent | retry_after | gone | migrated | retry | failed | halt
    row: OutboxRow
    error: str = ""
    wait: float = 0.0
    new_chat_id: int | None = None


class Sender:
    """Drains the outbox through ``bot`` (a PTB ``Bot``/``ExtBot``) into Telegram."""

    def __init__(
        self,
        bot: Bot,
        engine: AsyncEngine,
        *,
        limits: Limits | None = None,
        clock: Callable[[], datetime] = utcnow,
        worker: str | None = None,
        batch: int = 500,
        lease: timedelta = timedelta(minutes=5),
        max_attempts: int = 5,
        backoff: float = 2.0,
        backoff_cap: float = 600.0,
        max_in_flight: int = 1,
    ) -> None:
        self.bot, self.engine, self.clock = bot, engine, clock
        self.pacer = Pacer(limits or Limits())
        # Stable across restarts on one host, so a restarted sender frees what it held when it
        # died; scale-out senders (bot.roles) pass their own per-process names.
        self.worker = worker or f"sender@{socket.gethostname()}"
        self.batch, self.lease = batch, lease
        self.max_attempts, self.backoff, self.backoff_cap = max_attempts, backoff, backoff_cap
        self.max_in_flight = max(1, max_in_flight)
        self._stopping = False
        self._lock = asyncio.Lock()  # one drain at a time per Sender
        # Marks go through one kept-open connection, one at a time: no pool round trips, and
        # no SQLite writer queueing behind its busy timeout.
        self._mark_lock = asyncio.Lock()
        self._mark_conn: AsyncConnection | None = None
        self._marks: list[tuple[int, asyncio.Future[None]]] = []
        self._flusher: asyncio.Future[None] | None = None

    def stop(self) -> None:
        """Finish the messages in flight, hand the rest back, and return from drain()."""
        self._stopping = True

    async def recover(self) -> int:
        """Free the claims this sender's name held when it died (a crash mid-send)."""
        async with self.engine.begin() as conn:
            return await ob.release_claims(conn, worker=self.worker)

    async def drain(self, *, max_wait: float = 0.0) -> SendReport:
        """Send everything due; keep waiting for rows due within ``max_wait`` seconds, then stop."""
        async with self._lock:
            self._stopping = False
            run = _Drain(self, SendReport())
            try:
                await run.loop(max_wait)
            finally:
                await self._close_mark_conn()  # give the connection back between drains
            return run.report

    # --- one message ----------------------------------------------------------------------
    async def send_one(self, row: OutboxRow) -> _Outcome:
        """Send one row; mark it sent at once if Telegram took it; say what happened."""
        try:
            await self._send(row, row.text, row.parse_mode or None)
        except RetryAfter as exc:
            return _Outcome("retry_after", row, str(exc), wait=_retry_after(exc))
        except ChatMigrated as exc:
            return _Outcome("migrated", row, str(exc), new_chat_id=int(exc.new_chat_id))
        except InvalidToken as exc:  # the bot's fault, not the message's: keep it, stop sending
            return _Outcome("halt", row, f"InvalidToken: {exc.message}")
        except Forbidden as exc:
            return _Outcome("gone", row, f"Forbidden: {exc.message}")
        except BadRequest as exc:
            return await self._bad_request(row, exc)
        except NetworkError as exc:  # TimedOut and 5xx are NetworkErrors too
            return _Outcome("retry", row, f"{type(exc).__name__}: {exc.message}")
        except TelegramError as exc:
            return _Outcome("failed", row, f"{type(exc).__name__}: {exc.message}")
        except Exception as exc:  # noqa: BLE001 - a bug or a dropped connection: retry later
            log.exception("unexpected error sending outbox row %s", row.id)
            return _Outcome("retry", row, f"{type(exc).__name__}: {exc}")
        await self._mark_sent(row)
        return _Outcome("sent", row)

    async def _send(self, row: OutboxRow, text: str, parse_mode: str | None) -> None:
        kwargs: dict[str, Any] = {}
        if row.thread_id is not None:
            kwargs["message_thread_id"] = row.thread_id
        if row.kind == "brief":
            kwargs["link_preview_options"] = LinkPreviewOptions(is_disabled=True)
        try:
            await self.bot.send_message(
                chat_id=row.chat_id,
                text=text,
                parse_mode=parse_mode,
                disable_notification=row.silent,
                **kwargs,
            )
        finally:
            # The pacer counts a send from its answer: the latest the server can have counted it.
            self.pacer.done(row.chat_id, time.monotonic())

    async def _mark_sent(self, row: OutboxRow) -> None:
        """Record acceptance before this send counts as done: the no-loss guarantee.

        Sends finishing together share one short transaction (a group commit); each waits for
        the commit that includes it, so at most ``max_in_flight`` accepted messages are ever
        unrecorded — exactly one with the default of one in flight.
        """
        for attempt in range(_MARK_TRIES):
            done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._marks.append((row.id, done))
            if not self._mark_lock.locked():
                self._flusher = asyncio.ensure_future(self._flush_marks())
            try:
                await done
                return
            except Exception:  # the store hiccuped (locked, connection lost): the send stands
                if attempt == _MARK_TRIES - 1:
                    raise
                log.warning("could not mark outbox row %s sent; retrying", row.id, exc_info=True)
                await asyncio.sleep(0.2 * (attempt + 1))

    async def _flush_marks(self) -> None:
        async with self._mark_lock:
            while self._marks:
                batch, self._marks = self._marks, []
                try:
                    if self._mark_conn is None or self._mark_conn.closed:
                        self._mark_conn = await self.engine.connect()
                    async with self._mark_conn.begin():
                        await ob.mark_sent_many(self._mark_conn, [i for i, _ in batch],
                                                self.clock())
                except Exception as exc:  # noqa: BLE001 - handed to each waiting sender
                    await self._close_mark_conn()
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for _, future in batch:
                    if not future.done():
                        future.set_result(None)

    async def _close_mark_conn(self) -> None:
        conn, self._mark_conn = self._mark_conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()

    async def _bad_request(self, row: OutboxRow, exc: BadRequest) -> _Outcome:
        message = exc.message
        lowered = message.lower()
        if any(marker in lowered for marker in _GONE):
            return _Outcome("gone", row, f"BadRequest: {message}")
        if "parse entities" in lowered and row.parse_mode:
            log_event(log, "malformed message; trying once as plain text", level=logging.WARNING,
                      outbox_id=row.id, chat_id=row.chat_id, error=message, text=row.text[:4096])
            self.pacer.begin(row.chat_id, time.monotonic())
            try:
                await self._send(row, plain_text(row.text), None)
            except TelegramError as again:
                return _Outcome("failed", row, f"BadRequest: {message}; as plain text: {again}")
            await self._mark_sent(row)
            return _Outcome("sent", row)
        if "thread not found" in lowered and row.thread_id is not None:
            # The forum topic was deleted: the chat itself still exists.
            self.pacer.begin(row.chat_id, time.monotonic())
            return await self.send_one(replace(row, thread_id=None))
        return _Outcome("failed", row, f"BadRequest: {message}")

    def backoff_for(self, attempts: int) -> float:
        """Seconds to wait before attempt ``attempts + 1`` after a network error."""
        return min(self.backoff_cap, self.backoff * (2 ** max(0, attempts)))


class _Drain:
    """One drain: per-chat queues, a heap of when each chat may go next, and the sends in flight."""

    def __init__(self, sender: Sender, report: SendReport) -> None:
        self.s, self.report = sender, report
        self.queues: dict[int, deque[OutboxRow]] = {}
        self.heap: list[tuple[float, int, int]] = []
        self.seq = 0
        self.known: set[int] = set()
        self.busy: set[int] = set()
        self.inflight: set[asyncio.Task[_Outcome]] = set()
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
                                      lease=self.s.lease)
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
    async def _settle(self, outcome: _Outcome) -> None:
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
                await ob.deactivate_chat(conn, chat_id, outcome.error)
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

    async def _migrate(self, row: OutboxRow, outcome: _Outcome) -> None:
        old, new = row.chat_id, int(outcome.new_chat_id or 0)
        waiting = self._drop_chat(old)
        async with self.s.engine.begin() as conn:
            await ob.migrate_chat(conn, old, new)
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


# --- python -m bot.delivery: a stand-alone sender ----------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.delivery",
                                     description="Drain the outbox to Telegram.")
    parser.add_argument("--rate", type=float, default=30.0, help="messages/s for the whole bot")
    parser.add_argument("--max-in-flight", type=int, default=1)
    parser.add_argument("--max-wait", type=float, default=0.0,
                        help="keep waiting this many seconds for rows coming due")
    parser.add_argument("--forever", action="store_true", help="keep draining until killed")
    return parser


async def run_standalone(args: argparse.Namespace,
                         on_ready: Callable[[], Awaitable[None]] | None = None) -> int:
    from telegram.request import HTTPXRequest

    from bot.logs import settings_secrets, setup_logging
    from briefings.settings import load_settings
    from briefings.store.db import open_engine

    settings = load_settings()
    setup_logging(secrets=settings_secrets(settings))
    if not settings.token:
        print("BORDERBRIEF_TELEGRAM_TOKEN is not set", file=sys.stderr)
        return 2
    request = HTTPXRequest(connection_pool_size=max(2, args.max_in_flight + 1))
    bot = Bot(settings.token, base_url=settings.telegram_api_url, request=request)
    engine = open_engine(settings.database_url)
    sender = Sender(bot, engine, limits=Limits(per_second=args.rate),
                    max_in_flight=args.max_in_flight)
    try:
        async with bot:
            await sender.recover()
            while True:
                report = await sender.drain(max_wait=args.max_wait)
                log_event(log, "drained", sent=report.sent, failed=report.failed,
                          retried=report.retried, rate_limited=report.rate_limited)
                if not args.forever:
                    break
                await asyncio.sleep(0.5)
    finally:
        with contextlib.suppress(Exception):
            await engine.dispose()
    return 0


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(run_standalone(_parser().parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
