"""Claiming rows so several worker processes can share one PostgreSQL store.

A claim is taken in the caller's transaction with ``SELECT … FOR UPDATE SKIP LOCKED`` on
PostgreSQL: a row another worker is claiming right now is skipped, never waited for, and never
handed out twice. On SQLite (one process, one writer) the same queries run without the lock.

* Sources: the claim pushes ``next_fetch_at`` out by the lease, so other pollers no longer see
  the source as due; recording the fetch's outcome then sets the real next time. A poller that
  dies mid-fetch loses nothing: its sources fall due again when the lease runs out.
* Outbox: ``claimed_by``/``claimed_until`` (see ``briefings.store.outbox.claim_due``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from briefings.store import outbox as store_outbox
from briefings.store import sources as store_sources
from briefings.store.db import is_postgres
from briefings.store.outbox import OutboxRow
from briefings.store.sources import SourceRow
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
