"""The operator's HTTP endpoint: ``/healthz`` (JSON) and ``/metrics`` (Prometheus text).

It runs as a tornado server inside the running asyncio loop (PTB's loop when the bot runs), so
it needs no thread. Off unless ``BORDERBRIEF_HTTP_PORT`` is set; the container sets it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web
from sqlalchemy.ext.asyncio import AsyncEngine

from briefings import metrics
from briefings.settings import Settings
from briefings.store import heartbeats, stats

log = logging.getLogger(__name__)
STORE_TIMEOUT = 5.0  # seconds; a store slower than this counts as unreachable for /healthz


@dataclass(slots=True)
class HealthReport:
    status: str
    store: bool
    last_poll_age_seconds: float | None
    outbox_backlog: int | None
    feeds_failing: int | None
    writable: bool = True

    @property
    def healthy(self) -> bool:
        return self.status == "ok"


async def check_health(
    settings: Settings, engine: AsyncEngine, *, now: datetime, started_at: datetime
) -> HealthReport:
    """Read the store's health; unhealthy if unreachable or the last poll is 3× overdue."""
    try:
        async with asyncio.timeout(STORE_TIMEOUT), engine.connect() as conn:
            facts = await stats.health(conn)
    except Exception as exc:  # noqa: BLE001 - any store failure means "unreachable"
        log.warning("health check: store unreachable", extra={"error": type(exc).__name__})
        return HealthReport("store unreachable", False, None, None, None, writable=False)
    metrics.set_store_gauges(
        outbox_depth=facts.outbox_pending, last_poll_at=facts.last_poll_at, now=now,
        feeds_failing=facts.feeds_failing, oldest_pending_at=facts.oldest_pending_at,
    )
    limit = 3 * settings.poll_interval
    if facts.last_poll_at is None:
        # A fresh install has not polled yet: allow the same grace from this process's start.
        age = None
        overdue = (now - started_at).total_seconds() > limit
    else:
        age = max(0.0, (now - facts.last_poll_at).total_seconds())
        overdue = age > limit
    status = "poll overdue" if overdue else "ok"
    refused = await write_refused(engine, now)
    if refused is not None:  # reads work but nothing can be recorded: sends would stall
        log.warning("health check: store refuses writes", extra={"error": refused})
        status = f"store not writable: {refused}"
    return HealthReport(status, True, age, facts.outbox_pending, facts.feeds_failing,
                        writable=refused is None)


async def write_refused(engine: AsyncEngine, now: datetime) -> str | None:
    """Why the store refuses a small write (locked, read-only, full), or None if it took it."""
    try:
        async with asyncio.timeout(STORE_TIMEOUT), engine.begin() as conn:
            await heartbeats.probe_write(conn, now)
    except TimeoutError:
        return f"no write within {STORE_TIMEOUT:g} s"
    except Exception as exc:  # noqa: BLE001 - the reason goes to the operator
        cause = getattr(exc, "orig", None) or exc
        first = (str(cause).splitlines() or [""])[0]
        return f"{type(cause).__name__}: {first}"[:200]
    return None


class _Base(tornado.web.RequestHandler):
    def initialize(self, settings: Settings, engine: AsyncEngine, started_at: datetime) -> None:
        self.bb_settings = settings
        self.engine = engine
        self.started_at = started_at


class HealthHandler(_Base):
    async def get(self) -> None:
        report = await check_health(
            self.bb_settings, self.engine, now=datetime.now(UTC), started_at=self.started_at
        )
        body: dict[str, Any] = {
            "status": report.status,
            "store": "reachable" if report.store else "unreachable",
            "last_poll_age_seconds": (
                round(report.last_poll_age_seconds, 1)
                if report.last_poll_age_seconds is not None else None
            ),
            "store_writable": report.writable,
            "outbox_backlog": report.outbox_backlog,
            "feeds_failing": report.feeds_failing,
        }
        self.set_status(200 if report.healthy else 503)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(body))


class MetricsHandler(_Base):
    async def get(self) -> None:
        # Refresh the store-derived gauges; a dead store leaves the last values (and /healthz
        # says why) rather than failing the scrape.
        await check_health(
            self.bb_settings, self.engine, now=datetime.now(UTC), started_at=self.started_at
        )
        self.set_header("Content-Type", metrics.CONTENT_TYPE)
        self.finish(metrics.exposition())


class HttpEndpoint:
    """The running server; ``await endpoint.aclose()`` (or ``close()``) stops it."""

    def __init__(self, server: tornado.httpserver.HTTPServer, port: int) -> None:
        self._server = server
        self.port = port

    def close(self) -> None:
        self._server.stop()

    async def aclose(self) -> None:
        self._server.stop()
        await self._server.close_all_connections()


def make_app(settings: Settings, engine: AsyncEngine) -> tornado.web.Application:
    args = {"settings": settings, "engine": engine, "started_at": datetime.now(UTC)}
    routes: list[Any] = [(r"/healthz", HealthHandler, args), (r"/metrics", MetricsHandler, args)]
    if settings.public_url:  # the web face: story and theme pages (bot/web)
        from bot.web import page_routes

        routes += page_routes(settings, engine)
    return tornado.web.Application(routes, log_function=_quiet_access_log)


def _quiet_access_log(handler: tornado.web.RequestHandler) -> None:
    # Probes hit every few seconds: log only failures.
    if handler.get_status() >= 500:
        log.warning(
            "http request failed",
            extra={"path": handler.request.path, "status": handler.get_status(),
                   "ms": round(1000 * handler.request.request_time(), 1)},
        )


async def start_http_server(
    settings: Settings, engine: AsyncEngine, *, port: int | None = None, host: str = "0.0.0.0"
) -> HttpEndpoint:
    """Serve /healthz and /metrics on ``port`` (0 = any free port) in the running loop."""
    chosen = settings.http_port if port is None else port
    if chosen is None:
        raise ValueError("no port: set BORDERBRIEF_HTTP_PORT or pass port=")
    server = tornado.httpserver.HTTPServer(make_app(settings, engine))
    sockets = tornado.netutil.bind_sockets(chosen, address=host)
    server.add_sockets(sockets)
    bound = sockets[0].getsockname()[1]
    log.info("http endpoint listening", extra={"host": host, "port": bound})
    return HttpEndpoint(server, bound)


async def maybe_start_http_server(settings: Settings, engine: AsyncEngine) -> HttpEndpoint | None:
    """Start the endpoint when ``BORDERBRIEF_HTTP_PORT`` is set, else do nothing."""
    if settings.http_port is None:
        return None
    return await start_http_server(settings, engine, host=settings.http_host)

