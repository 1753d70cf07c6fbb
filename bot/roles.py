"""The worker roles of ``borderbrief run --role``: poller, scheduler and sender loops.

``all`` (the default) is the one-process bot: PTB's JobQueue ticks the same three jobs (see
``bot/jobs.py``). Past one machine, on PostgreSQL, each role can run in its own processes:

* ``poller`` — any number: each claims due sources (``FOR UPDATE SKIP LOCKED`` plus a lease on
  ``next_fetch_at``), so no feed is fetched twice in a cycle;
* ``scheduler`` — any number: due chats are claimed the same way and briefs carry dedupe keys;
* ``sender`` — one per bot token is enough (Telegram's limit is per token, ~30 msg/s); more
  are safe (outbox rows are claimed with a lease) but not faster;
* ``bot`` — answers commands (long polling: exactly one per token; webhook: any number).

Run one headless role with ``python -m bot.roles ROLE [--once]`` or through the CLI.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import os
import signal
import socket
import sys
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.logs import log_event
from briefings import metrics
from briefings.settings import Settings
from briefings.store.claims import claim_due_sources
from briefings.store.db import is_postgres

log = logging.getLogger(__name__)

ROLES = ("all", "bot", "poller", "scheduler", "sender")
HEADLESS = frozenset({"poller", "scheduler", "sender"})
POLL_TICK = 15.0  # seconds between looks for due feeds (a look is one cheap claim query)
BRIEF_TICK = 60.0
SEND_TICK = 1.0
POLL_BATCH = 25  # sources per claim: small enough that several pollers interleave
SOURCE_LEASE = timedelta(minutes=10)
_SYNC_LOCK = 0x62625F73  # PostgreSQL advisory lock key: one sources-file sync at a time


def worker_name(role: str) -> str:
    return f"{role}@{socket.gethostname()}:{os.getpid()}"


def utcnow() -> datetime:
    return datetime.now(UTC)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def sync_sources_file(engine: AsyncEngine, settings: Settings) -> None:
    """Load the sources file into the store; pollers take turns (an advisory lock on PG)."""
    from briefings.sources import load_sources
    from briefings.store.sources import sync_sources

    configured = load_sources(settings.sources)
    async with engine.begin() as conn:
        if is_postgres(conn):
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SYNC_LOCK})
        await sync_sources(conn, configured, utcnow())


async def _domain(engine: AsyncEngine, settings: Settings) -> tuple[Any, Any]:
    """The theme matcher (configured plus every chat's own themes) and the story filer."""
    from briefings.matcher import Matcher
    from briefings.store.chats import all_chat_themes
    from briefings.store.stories import file_items
    from briefings.themes import ThemesError, load_themes, parse_custom_theme

    themes = list(load_themes(settings.themes).themes)
    async with engine.connect() as conn:
        own = await all_chat_themes(conn)
    for chat_theme in own:
        try:
            theme = parse_custom_theme(chat_theme.name, chat_theme.terms)
        except ThemesError:
            continue
        themes.append(dataclasses.replace(theme, name=chat_theme.key))
    return metrics.CountingMatcher(Matcher(themes)), file_items


async def run_poller(settings: Settings, engine: AsyncEngine, *, stop: asyncio.Event,
                     once: bool = False, fetcher: Any = None, batch: int = POLL_BATCH,
                     worker: str | None = None) -> int:
    """Poll due feeds in claimed batches until stopped (``once``: until none is due); feeds."""
    from briefings.briefs import enqueue_alerts
    from briefings.fetch import FetchConfig, Fetcher
    from briefings.pipeline import poll_cycle

    worker = worker or worker_name("poller")
    claim = partial(claim_due_sources, worker=worker, lease=SOURCE_LEASE)

    async def alerts(story_ids: list[int]) -> None:
        await enqueue_alerts(engine, story_ids=story_ids, now=utcnow(),
                             per_hour=settings.alerts_per_hour)

    polled = 0
    domain: tuple[Any, Any] | None = None
    async with contextlib.AsyncExitStack() as stack:
        if fetcher is None:
            fetcher = await stack.enter_async_context(
                Fetcher(FetchConfig.from_settings(settings)))
        while not stop.is_set():
            try:
                await sync_sources_file(engine, settings)
            except Exception:  # a bad sources file: keep polling the last good list
                log.exception("sources file not synced")
            try:
                matcher, filer = await _domain(engine, settings)
            except Exception:  # a bad themes file: keep matching with the last good one
                if domain is None:
                    raise
                log.exception("themes not reloaded; keeping the previous ones")
                matcher, filer = domain
            domain = (matcher, filer)
            cycle = 0
            while not stop.is_set():
                report = await poll_cycle(engine, fetcher, interval=settings.poll_interval,
                                          matcher=matcher, filer=filer, limit=batch,
                                          on_new_stories=alerts, select_due=claim)
                if not report.feeds:
                    break
                metrics.record_cycle(report)
                log_event(log, "poll batch", worker=worker, feeds=report.feeds,
                          fetched=report.fetched, unchanged=report.unchanged,
                          failed=report.failed, new_items=report.new_items,
                          duration_s=round(report.duration, 3))
                cycle += report.feeds
            polled += cycle
            if cycle:
                log_event(log, "poll cycle", worker=worker, feeds=cycle)
            if once:
                break
            await _sleep(stop, POLL_TICK)
    return polled


async def run_scheduler(settings: Settings, engine: AsyncEngine, *, stop: asyncio.Event,
                        once: bool = False) -> int:
    """Queue due briefs every minute; returns the briefs queued."""
    from briefings.briefs import enqueue_due_briefs
    from briefings.themes import ThemesError, load_themes

    queued = 0
    themes = load_themes(settings.themes)
    while not stop.is_set():
        try:
            themes = load_themes(settings.themes)
        except ThemesError as exc:  # keep the last good themes
            log.error("themes not reloaded: %s", exc)
        report = await enqueue_due_briefs(
            engine, themes=themes, now=utcnow(),
            grace=timedelta(hours=settings.brief_grace_hours),
        )
        queued += report.enqueued
        if report.due:
            metrics.BRIEFS.labels(kind="brief").inc(report.enqueued)
            log_event(log, "due briefs queued", due=report.due, enqueued=report.enqueued,
                      skipped=report.skipped, renders=report.renders)
        if once:
            break
        await _sleep(stop, BRIEF_TICK)
    return queued


async def run_sender(settings: Settings, engine: AsyncEngine, *, stop: asyncio.Event,
                     once: bool = False, rate: float = 30.0, worker: str | None = None) -> int:
    """Drain the outbox until stopped (``once``: until nothing is due); returns messages sent.

    Unlike the one-process bot, a scaled-out sender does not free every claim at start (another
    sender may be mid-send): rows of a sender that died come back when their lease runs out.
    """
    from telegram import Bot

    from bot.delivery import Sender
    from briefings.ratelimit import Limits

    if not settings.token:
        raise SystemExit("BORDERBRIEF_TELEGRAM_TOKEN is not set")
    bot = Bot(settings.token, base_url=settings.telegram_api_url)
    sender = Sender(bot, engine, limits=Limits(per_second=rate),
                    worker=worker or worker_name("sender"),
                    max_in_flight=settings.send_in_flight)
    sent = 0
    async with bot:
        while not stop.is_set():
            report = await sender.drain()
            sent += report.sent
            if report.sent or report.failed:
                log_event(log, "outbox drained", worker=sender.worker, sent=report.sent,
                          failed=report.failed, retried=report.retried)
            if once:
                break
            await _sleep(stop, SEND_TICK)
    return sent


RUNNERS = {"poller": run_poller, "scheduler": run_scheduler, "sender": run_sender}


async def run_headless(settings: Settings, roles: Iterable[str], *, once: bool = False,
                       engine: AsyncEngine | None = None, rate: float = 30.0) -> dict[str, int]:
    """Run the given headless roles side by side (with the HTTP endpoint if configured)."""
    from bot.http import maybe_start_http_server
    from briefings.store.db import open_engine, upgrade

    chosen = sorted(set(roles))
    unknown = set(chosen) - HEADLESS
    if unknown:
        raise ValueError(f"not headless roles: {', '.join(sorted(unknown))}")
    own_engine = engine is None
    engine = engine or open_engine(settings.database_url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    endpoint = None
    try:
        if own_engine:
            await upgrade(engine)
        endpoint = await maybe_start_http_server(settings, engine)
        log_event(log, "roles started", roles=chosen, once=once)
        results = await asyncio.gather(
            *(RUNNERS[role](settings, engine, stop=stop, once=once,  # type: ignore[operator]
                            **({"rate": rate} if role == "sender" else {}))
              for role in chosen)
        )
        return dict(zip(chosen, results, strict=True))
    finally:
        if endpoint is not None:
            await endpoint.aclose()
        if own_engine:
            await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    from bot.logs import settings_secrets, setup_logging
    from briefings.settings import load_settings

    parser = argparse.ArgumentParser(prog="python -m bot.roles",
                                     description="Run headless borderbrief worker roles.")
    parser.add_argument("roles", nargs="+", choices=sorted(HEADLESS))
    parser.add_argument("--once", action="store_true",
                        help="one pass of each role (poll until nothing is due, send all due)")
    parser.add_argument("--rate", type=float, default=30.0,
                        help="sender: messages per second for the bot token (default 30)")
    args = parser.parse_args(argv)
    settings = load_settings()
    setup_logging(fmt=settings.log_format, secrets=settings_secrets(settings))
    results = asyncio.run(run_headless(settings, args.roles, once=args.once, rate=args.rate))
    print(" ".join(f"{role}={count}" for role, count in results.items()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
