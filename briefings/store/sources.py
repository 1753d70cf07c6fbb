"""The ``sources`` table: configured feeds plus what polling learned about each one.

The config file says which feeds exist (``sync_sources``); polling records how each one
answered (``record_success`` / ``record_not_modified`` / ``record_failure``) and when it is
due next (``due_sources``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from briefings.model import Source
from briefings.store import state
from briefings.store.tables import sources as t

# RSS-to-Telegram-Bot's experience: users accept back-off, not early give-up.
MAX_ERRORS = 100
GONE = "gone: the feed answered 410"
TOO_MANY_ERRORS = f"stopped after {MAX_ERRORS} consecutive errors"
_MOVED = "moved:"
# A source whose configured URL changed starts over as a new feed.
_FRESH_START: dict[str, object] = {
    "etag": None, "last_modified": None, "last_status": None, "next_fetch_at": None,
    "error_count": 0, "last_error": None, "disabled_reason": None, "seeded": False,
}  # fmt: skip  # state key prefix: moved:<id> = the config URL a permanent redirect replaced


@dataclass(frozen=True, slots=True)
class SourceRow:
    """A source as stored: its config values and its polling state."""

    id: int
    source: Source
    etag: str | None
    last_modified: str | None
    last_status: int | None
    last_fetched_at: datetime | None
    next_fetch_at: datetime | None
    error_count: int
    last_error: str | None
    disabled_reason: str | None
    seeded: bool

    @property
    def name(self) -> str:
        return self.source.name

    @property
    def url(self) -> str:
        return self.source.url


def source_row(r: object) -> SourceRow:
    """A ``sources`` row as a SourceRow."""
    m = r._mapping  # type: ignore[attr-defined]
    return SourceRow(
        id=m["id"],
        source=Source(
            name=m["name"],
            url=m["url"],
            language=m["language"],
            country=m["country"],
            weight=m["weight"],
            interval=m["interval"],
            enabled=m["enabled"],
        ),
        etag=m["etag"],
        last_modified=m["last_modified"],
        last_status=m["last_status"],
        last_fetched_at=m["last_fetched_at"],
        next_fetch_at=m["next_fetch_at"],
        error_count=m["error_count"],
        last_error=m["last_error"],
        disabled_reason=m["disabled_reason"],
        seeded=m["seeded"],
    )


async def sync_sources(conn: AsyncConnection, configured: Sequence[Source], now: datetime) -> None:
    """Make the table match the config: add new sources, update changed ones, disable removed.

    Sources are keyed by name. A URL changed in the config is taken (and the feed starts over:
    new validators, errors cleared, seeded again), unless the stored URL is where a permanent
    redirect from that same config URL led. A renamed source keeps its row (found by URL).
    """
    rows = {row.name: row for row in await all_sources(conn)}
    by_url = {row.url: row for row in rows.values()}
    moved = {int(k.removeprefix(_MOVED)): v for k, v in (await state.get_prefixed(conn, _MOVED))}
    wanted = {s.name for s in configured}

    # Free the URLs of rows leaving the config first so a renamed source can take its row.
    for leaving in rows.values():
        if leaving.name not in wanted and leaving.source.enabled:
            await conn.execute(update(t).where(t.c.id == leaving.id).values(enabled=False))

    new: list[dict[str, object]] = []
    for source in configured:
        row = rows.get(source.name)
        if row is None and source.url in by_url and by_url[source.url].name not in wanted:
            row = by_url[source.url]  # renamed in the config: keep its history
        if row is None:
            new.append(_config_values(source) | {"created_at": now, "error_count": 0,
                                                 "seeded": False})  # fmt: skip
            continue
        values = _config_values(source)
        if source.enabled and not row.source.enabled:
            values["seeded"] = False  # back after a pause: its backlog is old news, not alerts
        if source.url == row.url or moved.get(row.id) == source.url:
            values["url"] = row.url  # unchanged, or a remembered permanent redirect
            if values == _config_values(row.source) | {"url": row.url}:
                continue  # nothing changed: most rows on most runs, so no write at all
        else:
            values.update(_FRESH_START)
            await state.delete(conn, f"{_MOVED}{row.id}")
            clash = by_url.get(source.url)
            if clash is not None and clash.id != row.id:
                # Another row (leaving the config) holds that URL: hand it over.
                await conn.execute(update(t).where(t.c.id == clash.id)
                                   .values(url=f"{clash.url}#replaced-{clash.id}"))  # fmt: skip
        await conn.execute(update(t).where(t.c.id == row.id).values(**values))
    if new:  # after the updates, which may free a URL a new source takes; one statement
        await conn.execute(t.insert(), new)


def _config_values(source: Source) -> dict[str, object]:
    return {
        "name": source.name,
        "url": source.url,
        "language": source.language,
        "country": source.country,
        "weight": source.weight,
        "interval": source.interval,
        "enabled": source.enabled,
    }


async def all_sources(conn: AsyncConnection) -> list[SourceRow]:
    """Every stored source, enabled or not, by name."""
    result = await conn.execute(select(t).order_by(t.c.name))
    return [source_row(r) for r in result]


async def soonest_fetch_at(conn: AsyncConnection) -> datetime | None:
    """When the next enabled, running source is due (aware UTC), or None without any."""
    soonest: datetime | None = await conn.scalar(
        select(func.min(t.c.next_fetch_at)).where(
            t.c.enabled.is_(True), t.c.disabled_reason.is_(None)
        )
    )
    if soonest is not None and soonest.tzinfo is None:
        soonest = soonest.replace(tzinfo=UTC)
    return soonest


def due_filter(now: datetime, *, ignore_schedule: bool, force: bool) -> ColumnElement[bool]:
    """The WHERE clause picking the sources due at ``now`` (shared with the claims)."""
    active = and_(t.c.enabled.is_(True), t.c.disabled_reason.is_(None))
    if force:
        return active
    due = or_(t.c.next_fetch_at.is_(None), t.c.next_fetch_at <= now)
    if ignore_schedule:  # everything except the feeds backing off after errors
        due = or_(due, t.c.error_count == 0)
    return and_(active, due)


async def due_sources(
    conn: AsyncConnection,
    now: datetime,
    *,
    ignore_schedule: bool = False,
    force: bool = False,
    limit: int | None = None,
) -> list[SourceRow]:
    """Enabled sources to poll now, longest-waiting first.

    Normally: those whose ``next_fetch_at`` has passed. ``ignore_schedule`` (``poll --once``)
    adds every healthy source; ``force`` adds those backing off after errors too. Sources
    stopped by themselves (410, too many errors) are never due.
    """
    stmt = (
        select(t)
        .where(due_filter(now, ignore_schedule=ignore_schedule, force=force))
        .order_by(t.c.next_fetch_at.is_not(None), t.c.next_fetch_at, t.c.id)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    result = await conn.execute(stmt)
    return [source_row(r) for r in result]


# A scale-out worker would claim instead: the same filter, ``.with_for_update(skip_locked=True)``
# on PostgreSQL, then push next_fetch_at out by a lease so other workers skip the rows.


async def record_success(
    conn: AsyncConnection,
    source_id: int,
    *,
    now: datetime,
    next_fetch_at: datetime,
    status: int | None,
    etag: str | None,
    last_modified: str | None,
    permanent_url: str | None = None,
) -> None:
    """A 200 with a readable feed: new validators, errors reset, next poll scheduled."""
    values: dict[str, object] = {
        "etag": etag,
        "last_modified": last_modified,
        "last_status": status,
        "last_fetched_at": now,
        "next_fetch_at": next_fetch_at,
        "error_count": 0,
        "last_error": None,
    }
    await _move(conn, source_id, permanent_url, now, values)
    await conn.execute(update(t).where(t.c.id == source_id).values(**values))


async def record_not_modified(
    conn: AsyncConnection,
    source_id: int,
    *,
    now: datetime,
    next_fetch_at: datetime,
    etag: str | None = None,
    last_modified: str | None = None,
    permanent_url: str | None = None,
) -> None:
    """A 304: nothing new; keep the validators (a 304 may refresh them), errors reset."""
    values: dict[str, object] = {
        "last_status": 304,
        "last_fetched_at": now,
        "next_fetch_at": next_fetch_at,
        "error_count": 0,
        "last_error": None,
    }
    if etag:
        values["etag"] = etag
    if last_modified:
        values["last_modified"] = last_modified
    await _move(conn, source_id, permanent_url, now, values)
    await conn.execute(update(t).where(t.c.id == source_id).values(**values))


async def record_not_modified_many(
    conn: AsyncConnection, rows: Iterable[tuple[int, datetime]], *, now: datetime
) -> None:
    """Many plain 304s at once (id, next_fetch_at): the warm cycle's bulk of writes."""
    params = [{"sid": sid, "nf": nf} for sid, nf in rows]
    if not params:
        return
    stmt = (
        update(t)
        .where(t.c.id == bindparam("sid"))
        .values(last_status=304, last_fetched_at=now, next_fetch_at=bindparam("nf"),
                error_count=0, last_error=None)  # fmt: skip
    )
    await conn.execute(stmt, params)


async def record_success_many(
    conn: AsyncConnection,
    rows: Iterable[tuple[int, datetime, datetime, int | None, str | None, str | None]],
) -> None:
    """record_success and mark_seeded for many feeds that did not move, in one statement.

    Each row: (id, now, next_fetch_at, status, etag, last_modified).
    """
    params = [
        {"sid": sid, "now": now, "nf": nf, "st": status, "et": etag, "lm": last_modified}
        for sid, now, nf, status, etag, last_modified in rows
    ]
    if not params:
        return
    stmt = (
        update(t)
        .where(t.c.id == bindparam("sid"))
        .values(etag=bindparam("et"), last_modified=bindparam("lm"), last_status=bindparam("st"),
                last_fetched_at=bindparam("now"), next_fetch_at=bindparam("nf"),
                error_count=0, last_error=None, seeded=True)  # fmt: skip
    )
    await conn.execute(stmt, params)


async def record_failure(
    conn: AsyncConnection,
    source_id: int,
    *,
    now: datetime,
    next_fetch_at: datetime,
    status: int | None,
    error: str,
    gone: bool = False,
) -> None:
    """A failed poll: count the error, back off; stop polling on 410 or at MAX_ERRORS."""
    count = t.c.error_count + 1
    disabled: Any = GONE
    if not gone:
        disabled = case((count >= MAX_ERRORS, TOO_MANY_ERRORS), else_=t.c.disabled_reason)
    await conn.execute(
        update(t)
        .where(t.c.id == source_id)
        .values(
            last_status=status,
            last_fetched_at=now,
            next_fetch_at=next_fetch_at,
            error_count=count,
            last_error=error[:2000],
            disabled_reason=disabled,
        )
    )


async def mark_seeded(conn: AsyncConnection, source_id: int) -> None:
    """The source's first poll is stored: from now on its new items are news."""
    await conn.execute(update(t).where(t.c.id == source_id).values(seeded=True))


async def _move(
    conn: AsyncConnection,
    source_id: int,
    permanent_url: str | None,
    now: datetime,
    values: dict[str, object],
) -> None:
    """Follow a permanent redirect: store the new URL unless another source already has it."""
    if not permanent_url:
        return
    current = await conn.scalar(select(t.c.url).where(t.c.id == source_id))
    if current is None or current == permanent_url:
        return
    taken = await conn.scalar(
        select(func.count()).select_from(t).where(t.c.url == permanent_url, t.c.id != source_id)
    )
    if taken:
        return
    values["url"] = permanent_url
    key = f"{_MOVED}{source_id}"
    if await state.get(conn, key) is None:
        # Remember the config's URL so the next config sync does not move the feed back.
        await state.put(conn, key, current, now=now)
