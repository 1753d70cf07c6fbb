"""Claiming rows so several worker processes can share one PostgreSQL store.

A claim is taken in the caller's transaction with ``SELECT … FOR UPDATE SKIP LOCKED`` on
PostgreSQL: a row another worker is claiming right now is skipped, never waited for, and never
handed out twice. On SQLite (one process, one writer) the same queries run without the lock.

* Sources: the claim pushes ``next_fetch_at`` out by the lease, so other pollers no longer see
  the source as due; recording the fetch's outcome then sets the real next time. A poller that
  dies mid-fetch loses nothing: its sources fall due again when the lease runs out.
* Outbox: ``claimed_by``/``claimed_until``. ``claim_outbox`` claims rows one by one;
  ``claim_chats`` (what senders use) claims whole chats and never one whose rows another
  sender holds, so a chat's messages go through one sender, in order, and one sender's 429
  never touches rows another sender holds. A sender renews its claims (``renew_claims``)
  while it works on them; a dead sender's come back when their lease runs out.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from briefings.store import outbox as store_outbox
from briefings.store import sources as store_sources
from briefings.store.db import is_postgres
from briefings.store.outbox import PENDING, OutboxRow
from briefings.store.sources import SourceRow
from briefings.store.tables import bodies, outbox
from briefings.store.tables import sources as t

DEFAULT_SOURCE_LEASE = timedelta(minutes=5)


async def claim_due_sources(
    conn: AsyncConnection,
    now: datetime,
    *,
    limit: int | None = None,
    worker: str = "",
    lease: timedelta = DEFAULT_SOURCE_LEASE,
    ignore_schedule: bool = False,
    force: bool = False,
) -> list[SourceRow]:
    """Claim up to ``limit`` due sources for ``lease``; same order and filter as due_sources.

    Takes the same keyword arguments as ``briefings.store.sources.due_sources`` so the poll
    cycle can use either (``worker`` is only for the log: sources keep no claim column).
    """
    stmt = (
        select(t)
        .where(store_sources.due_filter(now, ignore_schedule=ignore_schedule, force=force))
        .order_by(t.c.next_fetch_at.is_not(None), t.c.next_fetch_at, t.c.id)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    if is_postgres(conn):
        stmt = stmt.with_for_update(of=t, skip_locked=True)
    rows = [store_sources.source_row(r) for r in await conn.execute(stmt)]
    if rows:
        await conn.execute(
            update(t).where(t.c.id.in_([r.id for r in rows])).values(next_fetch_at=now + lease)
        )
    return rows


async def claim_outbox(
    conn: AsyncConnection, now: datetime, *, limit: int, worker: str, lease: timedelta,
    face: str | None = None,
) -> list[OutboxRow]:
    """Claim up to ``limit`` due outbox rows for ``worker`` until ``now + lease`` (of ``face``)."""
    return await store_outbox.claim_due(conn, now, limit=limit, worker=worker, lease=lease,
                                        face=face)


# pg_advisory_xact_lock key: whole-chat claims are taken one transaction at a time, so each
# sees what the one before it committed (row locks alone let two claims split a chat).
_CHAT_CLAIMS_LOCK = 0x6262_0001


def _due_and_free(now: datetime, worker: str) -> Any:
    held = outbox.alias("held")
    held_by_others = select(held.c.chat_id).where(
        held.c.status == PENDING, held.c.claimed_by != worker, held.c.claimed_until >= now)
    return and_(
        outbox.c.status == PENDING,
        outbox.c.not_before <= now,
        or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now),
        outbox.c.chat_id.not_in(held_by_others),
    )


async def claim_chats(
    conn: AsyncConnection, now: datetime, *, limit: int, worker: str, lease: timedelta,
    face: str | None = None,
) -> list[OutboxRow]:
    """Claim the due rows of whole chats for ``worker`` until ``now + lease``: at most
    ``limit`` rows, in chat/part order, never of a chat whose rows another sender holds."""
    if is_postgres(conn):
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                           {"key": _CHAT_CLAIMS_LOCK})
    due = _due_and_free(now, worker)
    pick = (select(outbox.c.id, outbox.c.chat_id).where(due)
            .order_by(outbox.c.chat_id, outbox.c.part, outbox.c.id).limit(limit + 1))
    if face is not None:
        pick = pick.join(bodies, bodies.c.id == outbox.c.body_id).where(bodies.c.face == face)
    picked = (await conn.execute(pick)).all()
    if len(picked) > limit:  # the last chat may go on past the limit: leave it whole
        cut = picked[limit].chat_id
        picked = [r for r in picked[:limit] if r.chat_id != cut] or picked[:limit]
    ids = [r.id for r in picked]
    if not ids:
        return []
    await conn.execute(update(outbox).where(outbox.c.id.in_(ids), due)
                       .values(claimed_by=worker, claimed_until=now + lease))
    return await store_outbox.claimed_rows(conn, ids, worker)


async def renew_claims(conn: AsyncConnection, *, worker: str, until: datetime) -> set[int]:
    """Extend ``worker``'s claims on pending rows to ``until``; the ids it still holds."""
    result = await conn.execute(
        update(outbox)
        .where(outbox.c.claimed_by == worker, outbox.c.status == PENDING)
        .values(claimed_until=until)
        .returning(outbox.c.id)
    )
    return set(result.scalars())
