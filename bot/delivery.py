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
import html
import logging
import re
import socket
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import replace
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

from bot.drain import Drain, Outcome, SendReport
from bot.logs import log_event
from briefings.ratelimit import Limits, Pacer
from briefings.render.telegram import TELEGRAM
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


class Sender:
    """Drains the outbox through ``bot`` (a PTB ``Bot``/``ExtBot``) into Telegram."""

    face = TELEGRAM.face  # claims only the bodies the Telegram renderer made

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
        self._flushes: set[asyncio.Future[None]] = set()

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
            run = Drain(self, SendReport())
            try:
                await run.loop(max_wait)
            finally:
                await self._close_mark_conn()  # give the connection back between drains
            return run.report

    # --- one message ----------------------------------------------------------------------
    async def send_one(self, row: OutboxRow) -> Outcome:
        """Send one row; mark it sent at once if Telegram took it; say what happened."""
        try:
            await self._send(row, row.text, row.parse_mode or None)
        except RetryAfter as exc:
            return Outcome("retry_after", row, str(exc), wait=_retry_after(exc))
        except ChatMigrated as exc:
            return Outcome("migrated", row, str(exc), new_chat_id=int(exc.new_chat_id))
        except InvalidToken as exc:  # the bot's fault, not the message's: keep it, stop sending
            return Outcome("halt", row, f"InvalidToken: {exc.message}")
        except Forbidden as exc:
            return Outcome("gone", row, f"Forbidden: {exc.message}")
        except BadRequest as exc:
            return await self._bad_request(row, exc)
        except NetworkError as exc:  # TimedOut and 5xx are NetworkErrors too
            return Outcome("retry", row, f"{type(exc).__name__}: {exc.message}")
        except TelegramError as exc:
            return Outcome("failed", row, f"{type(exc).__name__}: {exc.message}")
        except Exception as exc:  # noqa: BLE001 - a bug or a dropped connection: retry later
            log.exception("unexpected error sending outbox row %s", row.id)
            return Outcome("retry", row, f"{type(exc).__name__}: {exc}")
        await self._mark_sent(row)
        return Outcome("sent", row)

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
                flush = asyncio.ensure_future(self._flush_marks())
                # The loop keeps only weak references to tasks: hold it until it is done.
                self._flushes.add(flush)
                flush.add_done_callback(self._flushes.discard)
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

    async def _bad_request(self, row: OutboxRow, exc: BadRequest) -> Outcome:
        message = exc.message
        lowered = message.lower()
        if any(marker in lowered for marker in _GONE):
            return Outcome("gone", row, f"BadRequest: {message}")
        if "parse entities" in lowered and row.parse_mode:
            log_event(log, "malformed message; trying once as plain text", level=logging.WARNING,
                      outbox_id=row.id, chat_id=row.chat_id, error=message, text=row.text[:4096])
            self.pacer.begin(row.chat_id, time.monotonic())
            try:
                await self._send(row, plain_text(row.text), None)
            except TelegramError as again:
                return Outcome("failed", row, f"BadRequest: {message}; as plain text: {again}")
            await self._mark_sent(row)
            return Outcome("sent", row)
        if "thread not found" in lowered and row.thread_id is not None:
            # The forum topic was deleted: the chat itself still exists.
            self.pacer.begin(row.chat_id, time.monotonic())
            return await self.send_one(replace(row, thread_id=None))
        return Outcome("failed", row, f"BadRequest: {message}")

    def backoff_for(self, attempts: int) -> float:
        """Seconds to wait before attempt ``attempts + 1`` after a network error."""
        return min(self.backoff_cap, self.backoff * (2 ** max(0, attempts)))


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


async def run_standalone(args: argparse.Namespace) -> int:
    from telegram.request import HTTPXRequest

    from bot.logs import settings_secrets, setup_logging
    from briefings.settings import load_settings
    from briefings.store.db import open_engine

    settings = load_settings()
    setup_logging(settings.log_level, fmt=settings.log_format, secrets=settings_secrets(settings))
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
