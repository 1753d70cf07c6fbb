"""The /healthz and /metrics endpoint, served for real and read with a real HTTP client."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.http import HttpEndpoint, start_http_server
from briefings import metrics
from briefings.fetch import ErrorKind
from briefings.jobs.report import CycleReport, FeedOutcome
from briefings.settings import Settings
from briefings.store.db import open_engine
from tests.ops.helpers import add_chat, add_outbox, add_source, set_last_poll

SETTINGS = Settings(poll_interval=60)


@pytest.fixture
async def served(engine: AsyncEngine) -> AsyncIterator[tuple[HttpEndpoint, httpx.AsyncClient]]:
    endpoint = await start_http_server(SETTINGS, engine, port=0, host="127.0.0.1")
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{endpoint.port}", timeout=5) as c:
        yield endpoint, c
    await endpoint.aclose()


async def test_healthz_reports_poll_age_and_backlog(served, engine: AsyncEngine) -> None:
    _, client = served
    async with engine.begin() as conn:
        await set_last_poll(conn, datetime.now(UTC) - timedelta(seconds=30))
        await add_chat(conn, 1)
        await add_outbox(conn, 1, 3)
        await add_outbox(conn, 1, 2, status="sent")
        await add_source(conn, "a", "http://a.example/feed", errors=2)
    response = await client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["store"] == "reachable"
    assert body["outbox_backlog"] == 3
    assert body["feeds_failing"] == 1
    assert 29 <= body["last_poll_age_seconds"] < 60


async def test_healthz_is_503_when_the_last_poll_is_three_intervals_old(
    served, engine: AsyncEngine
) -> None:
    _, client = served
    async with engine.begin() as conn:
        await set_last_poll(conn, datetime.now(UTC) - timedelta(seconds=3 * 60 + 5))
    response = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "poll overdue"


async def test_healthz_without_any_poll_yet_is_healthy_at_start(served) -> None:
    _, client = served
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["last_poll_age_seconds"] is None


async def test_healthz_is_503_when_the_store_is_unreachable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dead = open_engine(f"postgresql+asyncpg://nobody:pw@127.0.0.1:{port}/none")
    endpoint = await start_http_server(SETTINGS, dead, port=0, host="127.0.0.1")
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.get(f"http://127.0.0.1:{endpoint.port}/healthz")
    finally:
        await endpoint.aclose()
        await dead.dispose()
    assert response.status_code == 503
    assert response.json()["store"] == "unreachable"


async def test_metrics_are_prometheus_text_with_counts_and_store_gauges(
    served, engine: AsyncEngine
) -> None:
    _, client = served
    async with engine.begin() as conn:
        await add_chat(conn, 5)
        await add_outbox(conn, 5, 4, not_before=datetime.now(UTC) - timedelta(seconds=90))
    metrics.record_fetch("failed", "timeout")
    metrics.record_send("sent", latency=0.7)
    report = CycleReport(fetched=2, unchanged=1, new_items=6, duration=1.25)
    report.add(FeedOutcome("a", "https://a/", "failed", error="HTTP 503", kind=ErrorKind.HTTP_5XX))
    metrics.record_cycle(report)
    metrics.record_matches(["tariffs"] * 2)
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "borderbrief_outbox_depth 4.0" in text
    lag = float(text.split("\nborderbrief_outbox_lag_seconds ")[1].split()[0])
    assert 89 <= lag < 150
    for name in ("borderbrief_feeds_fetched_total{outcome=\"failed\"}",
                 "borderbrief_feed_errors_total{reason=\"timeout\"}",
                 "borderbrief_feed_errors_total{reason=\"http_5xx\"}",
                 "borderbrief_items_new_total", "borderbrief_matches_total{theme=\"tariffs\"}",
                 "borderbrief_messages_total{outcome=\"sent\",reason=\"ok\"}",
                 "borderbrief_poll_duration_seconds_bucket",
                 "borderbrief_delivery_latency_seconds_count"):
        assert name in text, name


async def test_unknown_path_is_404(served) -> None:
    _, client = served
    assert (await client.get("/nope")).status_code == 404


@pytest.mark.parametrize(("configured", "bound"), [(None, "127.0.0.1"), ("0.0.0.0", "0.0.0.0")])
async def test_the_endpoint_binds_the_configured_host(
    configured: str | None, bound: str, tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.http import maybe_start_http_server

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    engine = open_engine(f"sqlite+aiosqlite:///{tmp_path / 'h.db'}")
    caplog.set_level("INFO", logger="bot.http")
    settings = Settings(http_port=port)  # the default host, unless the case sets one
    if configured:
        settings = Settings(http_port=port, http_host=configured)
    endpoint = await maybe_start_http_server(settings, engine)
    try:
        assert endpoint is not None
        [listening] = [r for r in caplog.records if r.getMessage() == "http endpoint listening"]
        assert (listening.host, listening.port) == (bound, port)  # type: ignore[attr-defined]
    finally:
        if endpoint:
            await endpoint.aclose()
        await engine.dispose()
