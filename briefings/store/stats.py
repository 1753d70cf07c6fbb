"""Read-only store queries for operators: health facts and the /stats summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from briefings.store.tables import chats, outbox, sources, state, subscriptions

LAST_POLL_KEY = "last_poll_at"


@dataclass(frozen=True, slots=True)
class Health:
    """What /healthz reports about the shared store."""

    last_poll_at: datetime | None
    outbox_pending: int
    feeds_failing: int
    oldest_pending_at: datetime | None = None  # when the longest-waiting message fell due


@dataclass(frozen=True, slots=True)
class SourceHealth:
    name: str
    url: str
    enabled: bool
    error_count: int
    last_error: str | None
    last_fetched_at: datetime | None
    disabled_reason: str | None

    @property
    def healthy(self) -> bool:
        return self.enabled and self.error_count == 0


@dataclass(frozen=True, slots=True)
class Stats:
    """The /stats summary: counts only, never a chat's identity."""

    chats_by_type: dict[str, int] = field(default_factory=dict)
    inactive_chats: int = 0
    subscriptions_by_theme: dict[str, int] = field(default_factory=dict)
    feeds_healthy: int = 0
    feeds_failing: int = 0
    feeds_disabled: int = 0
    last_poll_at: datetime | None = None
    outbox_pending: int = 0


def parse_stamp(value: str | None) -> datetime | None:
    """A stored time (ISO 8601, or epoch seconds) as an aware UTC datetime."""
    if not value:
        return None
    try:
        stamp = datetime.fromisoformat(value.strip())
    except ValueError:
        try:
            return datetime.fromtimestamp(float(value), UTC)
        except ValueError:
            return None
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


async def last_poll_at(conn: AsyncConnection) -> datetime | None:
    value = await conn.scalar(select(state.c.value).where(state.c.key == LAST_POLL_KEY))
    return parse_stamp(value)


async def outbox_pending(conn: AsyncConnection) -> int:
    query = select(func.count()).select_from(outbox).where(outbox.c.status == "pending")
    return int(await conn.scalar(query) or 0)


async def feeds_failing(conn: AsyncConnection) -> int:
    query = select(func.count()).select_from(sources).where(
        sources.c.enabled.is_(True), sources.c.error_count > 0
    )
    return int(await conn.scalar(query) or 0)


async def oldest_pending_at(conn: AsyncConnection) -> datetime | None:
    query = select(func.min(outbox.c.not_before)).where(outbox.c.status == "pending")
    value = await conn.scalar(query)
    if isinstance(value, str):  # SQLite returns the aggregate untyped
        return parse_stamp(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value
    return None


async def health(conn: AsyncConnection) -> Health:
    return Health(
        last_poll_at=await last_poll_at(conn),
        outbox_pending=await outbox_pending(conn),
        feeds_failing=await feeds_failing(conn),
        oldest_pending_at=await oldest_pending_at(conn),
    )


async def source_health(conn: AsyncConnection) -> list[SourceHealth]:
    rows = await conn.execute(
        select(
            sources.c.name, sources.c.url, sources.c.enabled, sources.c.error_count,
            sources.c.last_error, sources.c.last_fetched_at, sources.c.disabled_reason,
        ).order_by(sources.c.name)
    )
    return [SourceHealth(*row) for row in rows]


async def collect_stats(conn: AsyncConnection) -> Stats:
    by_type = await conn.execute(
        select(chats.c.type, func.count()).where(chats.c.active.is_(True)).group_by(chats.c.type)
    )
    inactive = await conn.scalar(
        select(func.count()).select_from(chats).where(chats.c.active.is_(False))
    )
    by_theme = await conn.execute(
        select(subscriptions.c.theme, func.count())
        .select_from(subscriptions.join(chats, chats.c.id == subscriptions.c.chat_id))
        .where(chats.c.active.is_(True))
        .group_by(subscriptions.c.theme)
    )
    health_of = case(
        (sources.c.enabled.is_(False), "disabled"),
        (sources.c.error_count > 0, "failing"),
        else_="healthy",
    ).label("health")
    feeds: dict[str, int] = dict(
        (await conn.execute(select(health_of, func.count()).group_by(health_of))).all()
    )
    return Stats(
        chats_by_type={kind: int(n) for kind, n in by_type},
        inactive_chats=int(inactive or 0),
        subscriptions_by_theme={theme: int(n) for theme, n in by_theme},
        feeds_healthy=int(feeds.get("healthy", 0)),
        feeds_failing=int(feeds.get("failing", 0)),
        feeds_disabled=int(feeds.get("disabled", 0)),
        last_poll_at=await last_poll_at(conn),
        outbox_pending=await outbox_pending(conn),
    )
