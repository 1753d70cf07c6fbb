"""The JobQueue as a ticker: poll the feeds, queue due briefs, drain the outbox.

Nothing is scheduled per chat in memory: schedules live in the store (``next_brief_at``), so a
restart loses nothing. Each job is ``run_repeating`` with ``coalesce`` and ``max_instances=1``:
a slow run is never stacked on itself, and missed ticks collapse into one.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import Application, ContextTypes

from bot.delivery import Sender
from bot.logs import log_event
from briefings import metrics
from briefings.briefs.schedule import seconds_to_next_minute
from briefings.fetch import FetchConfig, Fetcher
from briefings.fetch.delays import due_tolerance, seconds_until
from briefings.jobs.brief import BriefJob
from briefings.jobs.housekeeping import Housekeeper, purge_and_say
from briefings.jobs.poll import ParsePools, poll_job, sync_sources_file
from briefings.ratelimit import Limits
from briefings.render.telegram import telegram_face
from briefings.settings import Settings
from briefings.sources import configured_sources
from briefings.store.sources import soonest_fetch_at

log = logging.getLogger(__name__)

BRIEFS_EVERY = 60.0  # seconds, from just after a whole minute (seconds_to_next_minute)
STARTUP_BRIEFS = 2.0  # seconds after start: the briefs missed while the bot was down
SEND_EVERY = 1.0
HOUSEKEEPING_EVERY = 600.0  # seconds between looks: the Housekeeper purges once a day
_JOB_KWARGS = {"coalesce": True, "max_instances": 1}


def schedule_jobs(
    application: Application,  # type: ignore[type-arg]
    *,
    settings: Settings,
    engine: AsyncEngine,
    clock: Any,
    parsers: ParsePools,
    limits: Limits | None = None,
) -> Sender:
    """Register the poll, due-briefs and sender jobs; returns the Sender (tests drive it).
    ``parsers``: where the poll job parses; the caller stops them when the bot stops."""
    queue = application.job_queue
    if queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    sender = Sender(application.bot, engine, limits=limits, clock=clock,
                    max_in_flight=settings.send_in_flight)
    jobs = Jobs(application, settings=settings, engine=engine, clock=clock, sender=sender,
                parsers=parsers)
    queue.run_repeating(jobs.poll, interval=settings.poll_interval, first=5.0, name="poll",
                        job_kwargs={**_JOB_KWARGS, "misfire_grace_time": settings.poll_interval})
    now = datetime.now(UTC)
    first = now + timedelta(seconds=seconds_to_next_minute(now))
    # The briefs missed while the bot was down, unless the first minute's pass comes soon
    # anyway (two passes at once would be safe: briefs carry dedupe keys; one is enough).
    if first - now > timedelta(seconds=STARTUP_BRIEFS + 3):
        queue.run_once(jobs.due_briefs, when=STARTUP_BRIEFS, name="due-briefs-start",
                       job_kwargs={**_JOB_KWARGS, "misfire_grace_time": 300})
    queue.run_repeating(jobs.due_briefs, interval=BRIEFS_EVERY, first=first, name="due-briefs",
                        job_kwargs={**_JOB_KWARGS, "misfire_grace_time": 300})
    queue.run_repeating(jobs.send, interval=SEND_EVERY, first=1.0, name="sender",
                        job_kwargs={**_JOB_KWARGS, "misfire_grace_time": 60})
    # Its own job: a long first purge of a big store never holds up a minute's briefs.
    queue.run_repeating(jobs.housekeeping, interval=HOUSEKEEPING_EVERY, first=60.0,
                        name="housekeeping", job_kwargs={**_JOB_KWARGS, "misfire_grace_time": 600})
    return sender


class Jobs:
    """The three job callbacks, sharing the store, the clock and the sender."""

    def __init__(self, application: Application, *, settings: Settings,  # type: ignore[type-arg]
                 engine: AsyncEngine, clock: Any, sender: Sender,
                 parsers: ParsePools) -> None:
        self.application, self.settings, self.engine = application, settings, engine
        self.clock, self.sender = clock, sender
        self._purger = Housekeeper(engine, keep_news=settings.keep_news)
        self.parsers = parsers  # kept between cycles (the caller stops them)
        self._polling = asyncio.Lock()  # the ticker and an early wake never poll at once

    def _themes(self) -> Any:
        from bot.state import bot_state

        try:
            return bot_state(self.application).themes
        except KeyError:
            from briefings.themes import load_themes

            return load_themes(self.settings.themes)

    async def due_briefs(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Queue the daily brief of every chat whose time has come."""
        grace = timedelta(hours=self.settings.brief_grace_hours)
        face = await telegram_face(self.engine, self.settings, now=self.clock())
        job = BriefJob.for_face(self.engine, face, grace=grace, themes=self._themes())
        report = await job.run_once(self.clock())
        if report.due:
            log_event(log, "due briefs queued", due=report.due, enqueued=report.enqueued,
                      skipped=report.skipped, renders=report.renders, messages=report.messages)

    async def housekeeping(self, context: ContextTypes.DEFAULT_TYPE | None = None) -> None:
        """Once a day, forget delivered messages older than a week (the outbox stays small) and
        news older than the keep_days setting."""
        await purge_and_say(self._purger, self.clock())

    async def send(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Drain what is due in the outbox (the Sender first takes back claims left behind).

        The ticker rests while a drain runs: a long fan-out is one run, not a "skipped" line
        in the log every second.
        """
        job = context.job
        if job is not None:
            job.enabled = False
        try:
            await self.sender.drain()
        finally:
            if job is not None:
                job.enabled = True

    async def poll(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """One poll cycle: due feeds → items → themes → stories → alerts."""
        async with self._polling:
            await self._poll_cycle()
        await self._wake_early_if_due()

    async def _poll_cycle(self) -> None:
        try:
            configured = configured_sources(self.settings)
            await sync_sources_file(self.engine, configured, self.clock())
        except Exception:  # a bad sources file: keep polling the last good list
            log.exception("sources file not reloaded")
        async with Fetcher(FetchConfig.from_settings(self.settings)) as fetcher:
            face = await telegram_face(self.engine, self.settings, now=self.clock())
            job = poll_job(self.settings, self.engine, fetcher, self._themes(),
                           now_fn=self.clock, renderer=face,
                           parsers=self.parsers.for_feeds)  # fmt: skip
            report = await job.run_once(self.clock())
        metrics.record_cycle(report)
        log_event(log, "poll cycle", feeds=report.feeds, new_stories=len(report.new_stories),
                  alerts=len(report.alert_stories))

    async def _wake_early_if_due(self) -> None:
        """Poll again before the next tick when a feed falls due sooner (its own interval,
        a server's max-age, a back-off): the ticker alone would poll it up to an interval late."""
        queue = self.application.job_queue
        ticks = queue.get_jobs_by_name("poll") if queue else []
        if queue is None or not ticks or ticks[0].next_t is None:
            return
        if queue.get_jobs_by_name("poll-early"):  # one early wake at a time
            return
        async with self.engine.connect() as conn:
            soonest = await soonest_fetch_at(conn)
        interval = float(self.settings.poll_interval)
        wait = seconds_until(soonest, self.clock(), interval)
        next_tick = (ticks[0].next_t - datetime.now(UTC)).total_seconds()
        if soonest is not None and wait < next_tick - due_tolerance(interval):
            queue.run_once(self.poll, when=wait, name="poll-early",
                           job_kwargs={"misfire_grace_time": int(interval)})  # fmt: skip
