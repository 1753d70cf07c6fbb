"""Kill the sender (SIGKILL) in the middle of a brief; restart it; nothing is lost.

The sender runs in a subprocess (``python -m bot.delivery``) against the store (a SQLite file,
and PostgreSQL) and the Bot API stand-in in this process. Every chat must get its brief. With
one message in flight, at most that one message may arrive twice; with the default settings
(several in flight, never two to one chat), no chat gets more than one message twice and each
chat's parts still arrive in order.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from briefings.store import outbox as ob
from briefings.store.tables import outbox
from tests.botapi import BotApiStandIn
from tests.schedule.helpers import add_chats

CHATS = 500
RATE = 100  # messages/s: 500 chats take about five seconds
ROOT = Path(__file__).resolve().parents[2]


async def _prepare(engine: AsyncEngine) -> None:
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await add_chats(conn, range(1, CHATS + 1), now=now)
        await ob.enqueue(conn, chat_ids=list(range(1, CHATS + 1)),
                         parts=["<b>Your brief</b>\nTariffs: nothing new."], kind="brief",
                         now=now, dedupe_prefix="brief:crash")


async def _statuses(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(outbox.c.status, func.count()).group_by(outbox.c.status))
        return {status: count for status, count in rows}


def _start(botapi: BotApiStandIn, url: str, log: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "BORDERBRIEF_DATABASE_URL": url,
        "BORDERBRIEF_TELEGRAM_TOKEN": botapi.token,
        "BORDERBRIEF_TELEGRAM_API_URL": botapi.base_url,
        "BORDERBRIEF_LOG_FORMAT": "json",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot.delivery", "--rate", str(RATE), "--max-wait", "5", *extra],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log.open("ab"),
    )


async def test_sigkill_mid_brief_loses_nothing_and_repeats_at_most_one(
    botapi: BotApiStandIn, engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    """On SQLite (a file, the one-process case) and PostgreSQL (SKIP LOCKED claims)."""
    url = database_url
    log = tmp_path / "sender.log"
    await _prepare(engine)
    botapi.limits(per_second=RATE, per_chat_per_second=1)

    started = time.monotonic()
    first = _start(botapi, url, log, "--max-in-flight", "1")
    try:
        await botapi.wait_for(lambda: len(botapi.sent()) >= CHATS // 2, timeout=20)
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=5) == -signal.SIGKILL
    finally:
        if first.poll() is None:
            first.kill()
    before_restart = len(botapi.sent())
    assert before_restart < CHATS, "the kill came too late to test anything"
    status = await _statuses(engine)
    assert status.get("sent", 0) >= before_restart - 1  # marked as soon as accepted

    killed = time.monotonic()
    second = _start(botapi, url, log, "--max-in-flight", "1")
    try:
        assert second.wait(timeout=25) == 0, log.read_text()[-2000:]
        print(f"killed after {killed - started:.1f} s, finished {time.monotonic() - killed:.1f}"
              f" s later; {before_restart} sent before the kill")
    finally:
        if second.poll() is None:
            second.kill()

    per_chat = Counter(call.chat_id for call in botapi.sent())
    missing = set(range(1, CHATS + 1)) - set(per_chat)
    duplicates = sum(n - 1 for n in per_chat.values())
    assert not missing, f"{len(missing)} chats never got their brief"
    assert duplicates <= 1, f"{duplicates} duplicate messages"
    print(f"duplicates: {duplicates}, refused: {botapi.refused}")
    # Only the restarted sender's first second may overrun: it cannot know what the dead one
    # sent just before dying. Telegram answers 429, and that chat alone waits.
    assert botapi.refused <= RATE
    assert (await _statuses(engine)) == {"sent": CHATS}
    assert botapi.token not in log.read_text()  # the token never reaches a log line


PARTS = ["<b>Your brief</b> 1/3", "Tariffs: nothing new. 2/3", "Fentanyl: one story. 3/3"]
MANY = 200


def _once_each_in_order(texts: list[str]) -> bool:
    """The parts in order, where one of them may repeat right after itself."""
    collapsed = [t for i, t in enumerate(texts) if i == 0 or texts[i - 1] != t]
    return collapsed == PARTS and len(texts) - len(PARTS) <= 1


async def test_sigkill_with_default_settings_repeats_at_most_one_message_per_chat(
    botapi: BotApiStandIn, engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    """Several sends in flight (the default), a 50 ms round trip, three parts per chat."""
    chat_ids = list(range(1, MANY + 1))
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await add_chats(conn, chat_ids, now=now)
        await ob.enqueue(conn, chat_ids=chat_ids, parts=PARTS, kind="brief", now=now,
                         dedupe_prefix="brief:crash3")
    botapi.limits(per_second=RATE, per_chat_per_second=1)
    botapi.response_delay = 0.05
    log = tmp_path / "sender.log"
    first = _start(botapi, database_url, log)
    try:
        await botapi.wait_for(lambda: len(botapi.sent()) >= MANY, timeout=30)
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=5) == -signal.SIGKILL
    finally:
        if first.poll() is None:
            first.kill()
    assert len(botapi.sent()) < MANY * len(PARTS), "the kill came too late to test anything"
    second = _start(botapi, database_url, log)
    try:
        assert second.wait(timeout=60) == 0, log.read_text()[-2000:]
    finally:
        if second.poll() is None:
            second.kill()

    texts: dict[int, list[str]] = {c: [] for c in chat_ids}
    for call in botapi.sent():
        texts[call.chat_id].append(call.params["text"])
    wrong = {c: t for c, t in texts.items() if not _once_each_in_order(t)}
    assert not wrong, f"{len(wrong)} chats out of order or repeated more than once: " \
                      f"{list(wrong.items())[:3]}"
    repeated = sum(len(t) - len(PARTS) for t in texts.values())
    print(f"repeated: {repeated}; refused: {botapi.refused}")
    assert (await _statuses(engine)) == {"sent": MANY * len(PARTS)}
