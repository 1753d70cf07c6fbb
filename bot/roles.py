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
import logging
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.logs import log_event
from briefings import metrics
from briefings.jobs.poll import CycleReport, PollJob, poll_job, sync_sources_file
from briefings.settings import Settings
from briefings.store.claims import claim_due_sources

log = logging.getLogger(__name__)

ROLES = ("all", "bot", "poller", "scheduler", "sender")
HEADLESS = frozenset({"poller", "scheduler", "sender"})
POLL_TICK = 15.0  # seconds between looks for due feeds (a look is one cheap claim query)
BRIEF_TICK = 60.0
SEND_TICK = 1.0
POLL_BATCH = 25  # sources per claim: small enough that several pollers interleave
SOURCE_LEASE = timedelta(minutes=10)


def worker_name(role: str) -> str:
    return f"{role}@{socket.gethostname()}:{os.getpid()}"


def utcnow() -> datetime:
    return datetime.now(UTC)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def run_poller(settings: Settings, engine: AsyncEngine, *, stop: asyncio.Event,
                     once: bool = False, fetcher: Any = None, batch: int = POLL_BATCH,
                     worker: str | None = None, tick: float = POLL_TICK,
                     cycle: Callable[[datetime], Awaitable[CycleReport]] | None = None) -> int:
    """Poll due feeds in claimed batches until stopped (``once``: until none is due); feeds.

    A failing pass (the store away, a bug) is logged and retried after ``tick``: one error must
    not end the role, nor, through ``asyncio.gather``, every role of the process. ``cycle``
    stands in for ``PollJob.run_once`` (tests inject a failure through it).
    """
    from briefings.fetch import FetchConfig, Fetcher
    from briefings.themes import load_themes

    worker = worker or worker_name("poller")
    claim = partial(claim_due_sources, worker=worker, lease=SOURCE_LEASE)
    themes = load_themes(settings.themes)  # a bad themes file at start is fatal: say so now
    polled = 0
    async with contextlib.AsyncExitStack() as stack:
        if fetcher is None:
            fetcher = await stack.enter_async_context(
                Fetcher(FetchConfig.from_settings(settings)))
        job = poll_job(settings, engine, fetcher, themes, select_due=claim, limit=batch)
        run = cycle or job.run_once
        while not stop.is_set():
            await _reload(settings, engine, job)
            fed = 0
            try:
                while not stop.is_set():
                    report = await run(utcnow())
                    if not report.feeds:
                        break
                    metrics.record_cycle(report)
                    log_event(log, "poll batch", worker=worker, feeds=report.feeds,
                              fetched=report.fetched, unchanged=report.unchanged,
                              failed=report.failed, new_items=report.new_items,
                              duration_s=round(report.duration, 3))
                    fed += report.feeds
            except Exception:
                if once:
                    raise
                log.exception("poll pass failed; retrying in %s s", tick)
            polled += fed
            if fed:
                log_event(log, "poll cycle", worker=worker, feeds=fed)
            if once:
                break
            await _sleep(stop, tick)
    return polled


async def _reload(settings: Settings, engine: AsyncEngine, job: PollJob) -> None:
    """Re-read the sources and themes files; on trouble keep the last good ones."""
    from briefings.sources import configured_sources
    from briefings.themes import ThemesError, load_themes

    try:
        await sync_sources_file(engine, configured_sources(settings), utcnow())
    except Exception:  # a bad sources file: keep polling the last good list
        log.exception("sources file not synced")
    try:
        job.themes = load_themes(settings.themes)
    except ThemesError:  # keep matching with the last good themes
        log.exception("themes not reloaded; keeping the previous ones")


async def run_scheduler(settings: Settings, engine: AsyncEngine, *, stop: asyncio.Event,
                        once: bool = False, tick: float = BRIEF_TICK,
                        enqueue: Callable[..., Awaitable[Any]] | None = None,
                        clock: Callable[[], datetime] = utcnow) -> int:
    """Queue due briefs every minute and purge the outbox daily; returns the briefs queued.

    A failing pass is logged and retried after ``tick`` (``once``: raised). ``enqueue`` stands
    in for ``enqueue_due_briefs`` (tests inject a failure through it).
    """
    from briefings.jobs.brief import enqueue_due_briefs
    from briefings.jobs.housekeeping import OutboxPurger
    from briefings.themes import ThemesError, load_themes

    enqueue = enqueue or enqueue_due_briefs
    purger = OutboxPurger(engine)
    queued = 0
    themes = load_themes(settings.themes)
    while not stop.is_set():
        try:
            themes = load_themes(settings.themes)
        except ThemesError as exc:  # keep the last good themes
            log.error("themes not reloaded: %s", exc)
        try:
            report = await enqueue(
                engine, themes=themes, now=clock(),
                grace=timedelta(hours=settings.brief_grace_hours),
            )
            queued += report.enqueued
            if report.due:
                metrics.BRIEFS.labels(kind="brief").inc(report.enqueued)
                log_event(log, "due briefs queued", due=report.due, enqueued=report.enqueued,
                          skipped=report.skipped, renders=report.renders)
            gone = await purger.maybe_purge(clock())
            if gone:
                log_event(log, "outbox purged", rows=gone)
        except Exception:
            if once:
                raise
            log.exception("scheduler pass failed; retrying in %s s", tick)
        if once:
            break
        await _sleep(stop, tick)
    return queued


async def run_sender(settings: Settings, engine: AsyncEngine, *, stop: asyncio.Event,
                     once: bool = False, rate: float = 30.0, worker: str | None = None,
                     tick: float = SEND_TICK, drain: Callable[[Any], Awaitable[Any]] | None = None,
                     ) -> int:
    """Drain the outbox until stopped (``once``: until nothing is due); returns messages sent.

    Unlike the one-process bot, a scaled-out sender does not free every claim at start (another
    sender may be mid-send): rows of a sender that died come back when their lease runs out.
    A failing drain is logged and retried after ``tick`` (``once``: raised); ``drain(sender)``
    stands in for ``sender.drain()`` (tests inject a failure through it).
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
    drain = drain or Sender.drain
    sent = 0
    async with bot:
        while not stop.is_set():
            try:
                report = await drain(sender)
                sent += report.sent
                if report.sent or report.failed:
                    log_event(log, "outbox drained", worker=sender.worker, sent=report.sent,
                              failed=report.failed, retried=report.retried)
            except Exception:
                if once:
                    raise
                log.exception("outbox drain failed; retrying in %s s", tick)
            if once:
                break
            await _sleep(stop, tick)
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
    setup_logging(settings.log_level, fmt=settings.log_format, secrets=settings_secrets(settings))
    results = asyncio.run(run_headless(settings, args.roles, once=args.once, rate=args.rate))
    print(" ".join(f"{role}={count}" for role, count in results.items()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
