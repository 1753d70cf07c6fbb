"""The ``scheduler`` role: queue due briefs just after every minute; purge the outbox and old
news daily.

Any number may run: due chats are claimed (``FOR UPDATE SKIP LOCKED``) and briefs carry dedupe
keys, so no chat gets a brief twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.logs import log_event
from bot.roles.ticking import sleep_unless_stopped, utcnow
from briefings import metrics
from briefings.briefs.content import Brief
from briefings.briefs.schedule import seconds_to_next_minute
from briefings.jobs.brief import BriefJob, BriefRunReport
from briefings.jobs.housekeeping import Housekeeper, purge_and_say
from briefings.render.telegram import telegram_face
from briefings.settings import Settings
from briefings.themes import ThemesError, ThemeSet, load_themes

log = logging.getLogger("bot.roles")
PURGE_STOP_GRACE = 5.0  # seconds


RunOnce = Callable[[BriefJob[Brief], datetime], Awaitable[BriefRunReport]]


async def run_scheduler(settings: Settings, engine: AsyncEngine, *, stop: asyncio.Event,
                        once: bool = False, tick: float | None = None,
                        run_once: RunOnce = BriefJob.run_once,
                        clock: Callable[[], datetime] = utcnow) -> int:
    """Queue due briefs just after every whole minute (brief times are whole minutes; ``tick``:
    every that many seconds instead) and purge the outbox and old news daily; returns the
    briefs queued.

    A failing pass is logged and retried at the next tick (``once``: raised). ``run_once(job,
    now)`` stands in for ``BriefJob.run_once`` (tests inject a failure through it).
    """
    purger = Housekeeper(engine, keep_news=settings.keep_news)
    chores: asyncio.Task[None] | None = None
    grace = timedelta(hours=settings.brief_grace_hours)
    queued = 0
    themes = load_themes(settings.themes)  # a bad themes file at start is fatal: say so now
    while not stop.is_set():
        themes = _reload(settings, themes)
        try:
            face = await telegram_face(engine, settings, now=clock())
            job = BriefJob.for_face(engine, face, grace=grace, themes=themes)
            report = await run_once(job, clock())
            queued += report.enqueued
            if report.due:
                metrics.BRIEFS.labels(kind="brief").inc(report.enqueued)
                log_event(log, "due briefs queued", due=report.due, enqueued=report.enqueued,
                          skipped=report.skipped, renders=report.renders)
            if chores is None or chores.done():  # beside the briefs, never before them
                chores = asyncio.create_task(purge_and_say(purger, clock()))
        except Exception:
            if once:
                raise
            log.exception("scheduler pass failed; retrying at the next tick")
        if once:
            break
        # Sleeping goes by the real clock even when tests pass their own ``clock``.
        await sleep_unless_stopped(stop, seconds_to_next_minute(utcnow()) if tick is None else tick)
    if chores is not None:  # a purge under way: a few seconds to end, then stopped (a chunk
        # rolls back whole; the next start purges again)
        await asyncio.wait({chores}, timeout=None if once else PURGE_STOP_GRACE)
        chores.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await chores
    return queued


def _reload(settings: Settings, themes: ThemeSet) -> ThemeSet:
    """The themes file as it is now, or ``themes`` (the last good ones) if it is broken."""
    try:
        return load_themes(settings.themes)
    except ThemesError as exc:
        log.error("themes not reloaded: %s", exc)
        return themes
