"""The Sender: claims due outbox rows, sends each through PTB, and says what Telegram answered.

The loop is ``drain.Drain``; pacing is ``pacing.SharedPacer``; recording acceptance is
``marks.SentMarks``; sharing the bot's budget with other senders is ``share.BudgetShare``.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import socket
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
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

from bot.delivery.drain import Drain
from bot.delivery.marks import SentMarks
from bot.delivery.outcome import Outcome, SendReport
from bot.delivery.pacing import BULK, SharedPacer, retry_seconds, shared_pacer_of
from bot.delivery.share import BudgetShare
from bot.keyboards import stored_keyboard
from bot.logs import log_event
from briefings.ratelimit import Limits
from briefings.render.telegram import TELEGRAM
from briefings.store import outbox as ob
from briefings.store.outbox import OutboxRow

log = logging.getLogger("bot.delivery")

_TAG = re.compile(r"<[^>]+>")
_GONE = ("chat not found", "user is deactivated", "group chat was deleted",
         "bot was kicked", "not enough rights to send text", "have no rights to send")


def utcnow() -> datetime:
    return datetime.now(UTC)


def plain_text(text: str) -> str:
    """An HTML message as plain text (tags dropped, entities decoded) for a last try."""
    return html.unescape(_TAG.sub("", text.replace("<br>", "\n")))


class Sender:
    """Drains the outbox through ``bot`` (a PTB ``Bot``/``ExtBot``) into Telegram.

    Sends go through the bot's ``SharedPacer`` when it has one (the running bot: replies then
    go first; ``limits``, if given, become its limits), else through a pacer of its own.
    """

    face = TELEGRAM.face  # claims only the bodies the Telegram renderer made

    def __init__(
        self,
        bot: Bot,
        engine: AsyncEngine,
        *,
        limits: Limits | None = None,
        clock: Callable[[], datetime] = utcnow,
        worker: str | None = None,
        batch: int | None = None,
        lease: timedelta = timedelta(seconds=30),
        max_attempts: int = 5,
        backoff: float = 2.0,
        backoff_cap: float = 600.0,
        max_in_flight: int = 1,
    ) -> None:
        self.bot, self.engine, self.clock = bot, engine, clock
        shared = shared_pacer_of(bot)
        self._through_bot = shared is not None
        self.gate = shared or SharedPacer(limits)
        self.pacer = self.gate.pacer
        if shared is not None and limits is not None:
            self.pacer.limits = limits  # the bot's one budget, set for replies too
        # Stable across restarts on one host, so a restarted sender frees what it held when it
        # died; scale-out senders (bot.roles) pass their own per-process names.
        self.worker = worker or f"sender@{socket.gethostname()}"
        # About two seconds of sending: a sender that dies holds little for its lease.
        self.batch = batch or max(32, int(2 * self.pacer.limits.per_second))
        self.lease = lease
        self.max_attempts, self.backoff, self.backoff_cap = max_attempts, backoff, backoff_cap
        self.max_in_flight = max(1, max_in_flight)
        self.stopping = False
        self._lock = asyncio.Lock()  # one drain at a time per Sender
        self.marks = SentMarks(engine, clock)
        self.share = BudgetShare(engine, self.pacer, bot_id=bot.token.split(":")[0],
                                 worker=self.worker)
        # Accepted by Telegram, not yet recorded (the store failed): recorded first next time.
        self.unmarked: set[int] = set()
        self.needs_recovery = True  # take back this name's claims before the first drain

    def stop(self) -> None:
        """Finish the messages in flight, hand the rest back, and return from drain()."""
        self.stopping = True

    async def recover(self) -> int:
        """Take back the claims this sender's name holds: those of a process that died with
        this name, or of a drain that failed (store down); returns the rows freed."""
        async with self.engine.begin() as conn:
            if self.unmarked:
                await ob.mark_sent_many(conn, sorted(self.unmarked), self.clock())
            freed = await ob.release_claims(conn, worker=self.worker)
        self.unmarked.clear()
        self.needs_recovery = False
        return freed

    async def drain(self, *, max_wait: float = 0.0) -> SendReport:
        """Send everything due; keep waiting for rows due within ``max_wait`` seconds, then stop."""
        async with self._lock:
            self.stopping = False
            if self.needs_recovery or self.unmarked:
                await self.recover()
            run = Drain(self, SendReport())
            try:
                await run.loop(max_wait)
            except BaseException:
                self.needs_recovery = True
                raise
            finally:
                await self.marks.close()  # give the connection back between drains
            self.needs_recovery = not run.clean
            return run.report

    async def close(self) -> None:
        """Stop counting this sender among the bot's senders (a clean exit)."""
        await self.share.leave()

    # --- one message ----------------------------------------------------------------------
    async def send_one(self, row: OutboxRow) -> Outcome:
        """Send one row; mark it sent at once if Telegram took it; say what happened."""
        try:
            await self._send(row, row.text, row.parse_mode or None)
        except RetryAfter as exc:
            return Outcome("retry_after", row, str(exc), wait=retry_seconds(exc))
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
        await self._record(row)
        return Outcome("sent", row)

    async def _record(self, row: OutboxRow) -> None:
        try:
            await self.marks.mark(row.id)
        except Exception:
            self.unmarked.add(row.id)  # sent: recorded before anything is sent again
            raise

    async def _send(self, row: OutboxRow, text: str, parse_mode: str | None) -> None:
        kwargs: dict[str, Any] = {}
        if row.thread_id is not None:
            kwargs["message_thread_id"] = row.thread_id
        if row.kind == "brief":
            kwargs["link_preview_options"] = LinkPreviewOptions(is_disabled=True)
        if row.markup:  # the part's buttons ("all reports")
            kwargs["reply_markup"] = stored_keyboard(row.markup)
        kwargs.update(chat_id=row.chat_id, text=text, parse_mode=parse_mode,
                      disable_notification=row.silent)
        if self._through_bot:  # an ExtBot: its rate limiter reads rate_limit_args
            send: Any = self.bot.send_message
            await send(**kwargs, rate_limit_args=BULK)
        else:
            await self.gate.process_request(self.bot.send_message, (), kwargs, "sendMessage",
                                            kwargs, BULK)

    async def _bad_request(self, row: OutboxRow, exc: BadRequest) -> Outcome:
        message = exc.message
        lowered = message.lower()
        if any(marker in lowered for marker in _GONE):
            return Outcome("gone", row, f"BadRequest: {message}")
        if "parse entities" in lowered and row.parse_mode:
            log_event(log, "malformed message; trying once as plain text", level=logging.WARNING,
                      outbox_id=row.id, chat_id=row.chat_id, error=message, text=row.text[:4096])
            try:
                await self._send(row, plain_text(row.text), None)
            except TelegramError as again:
                return Outcome("failed", row, f"BadRequest: {message}; as plain text: {again}")
            await self._record(row)
            return Outcome("sent", row)
        if "thread not found" in lowered and row.thread_id is not None:
            # The forum topic was deleted: the chat itself still exists.
            return await self.send_one(replace(row, thread_id=None))
        return Outcome("failed", row, f"BadRequest: {message}")

    def backoff_for(self, attempts: int) -> float:
        """Seconds to wait before attempt ``attempts + 1`` after a network error."""
        return min(self.backoff_cap, self.backoff * (2 ** max(0, attempts)))
