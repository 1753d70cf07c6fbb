"""The ``poller`` role: poll due feeds in claimed batches until stopped.

Any number may run: each claims due sources (``FOR UPDATE SKIP LOCKED`` plus a lease on
``next_fetch_at``), so no feed is fetched twice in a cycle.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.logs import log_event
from bot.roles.ticking import sleep_unless_stopped, utcnow, worker_name
from briefings import metrics
from briefings.fetch import FetchConfig, Fetcher
from briefings.jobs.poll import CycleReport, ParsePools, PollJob, poll_job, sync_sources_file
from briefings.render.telegram import telegram_face
from briefings.settings import Settings
from briefings.sources import configured_sources
from briefings.store.claims import claim_due_sources
from briefings.themes import ThemesError, load_themes

log = logging.getLogger("bot.roles")

POLL_TICK = 15.0  # seconds between looks for due feeds (a look is one cheap claim query)
POLL_BATCH = 25  # sources per claim: small enough that several pollers interleave
SOURCE_LEASE = timedelta(minutes=10)


async def run_poller(settings: Settings, engine: AsyncEngine, *, stop: asyncio.Event,
                     once: bool = False, fetcher: Any = None, batch: int = POLL_BATCH,
                     worker: str | None = None, tick: float = POLL_TICK,
                     cycle: Callable[[datetime], Awaitable[CycleReport]] | None = None) -> int:
    """Poll due feeds in claimed batches until stopped (``once``: until none is due); feeds.

    A failing pass (the store away, a bug) is logged and retried after ``tick``: one error must
    not end the role, nor, through ``asyncio.gather``, every role of the process. ``cycle``
    stands in for ``PollJob.run_once`` (tests inject a failure through it).
    """
    worker = worker or worker_name("poller")
    claim = partial(claim_due_sources, worker=worker, lease=SOURCE_LEASE)
    themes = load_themes(settings.themes)  # a bad themes file at start is fatal: say so now
    polled = 0
    async with contextlib.AsyncExitStack() as stack:
        if fetcher is None:
            fetcher = await stack.enter_async_context(
                Fetcher(FetchConfig.from_settings(settings)))
        parsers = ParsePools()  # off the event loop, kept between batches
        stack.push_async_callback(asyncio.to_thread, parsers.shutdown)
        face = await telegram_face(engine, settings, now=utcnow())
        job = poll_job(settings, engine, fetcher, themes, select_due=claim, limit=batch,
                       renderer=face, parsers=parsers.for_feeds)
        run = cycle or job.run_once
        while not stop.is_set():
            await _reload(settings, engine, job)
            fed = 0
            try:
                while not stop.is_set():
                    report = await run(utcnow())
                    if not report.feeds:
                        break
                    _log_batch(report, worker)
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
            await sleep_unless_stopped(stop, tick)
    return polled


def _log_batch(report: CycleReport, worker: str) -> None:
    metrics.record_cycle(report)
    log_event(log, "poll batch", worker=worker, feeds=report.feeds, fetched=report.fetched,
              unchanged=report.unchanged, failed=report.failed, new_items=report.new_items,
              duration_s=round(report.duration, 3))


async def _reload(settings: Settings, engine: AsyncEngine, job: PollJob) -> None:
    """Re-read the sources and themes files; on trouble keep the last good ones."""
    try:
        await sync_sources_file(engine, configured_sources(settings), utcnow())
    except Exception:  # a bad sources file: keep polling the last good list
        log.exception("sources file not synced")
    try:
        job.themes = load_themes(settings.themes)
    except ThemesError:  # keep matching with the last good themes
        log.exception("themes not reloaded; keeping the previous ones")
