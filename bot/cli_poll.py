"""``borderbrief poll``: once (``--once``) or as a daemon polling each feed when it is due."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from typing import TYPE_CHECKING, Any

# Only what registering the commands needs is imported here: `borderbrief --help` and the other
# commands import this module too. Each command imports its own tools when it runs.
if TYPE_CHECKING:
    from rich.console import Console
    from sqlalchemy.ext.asyncio import AsyncEngine

    from briefings.jobs.poll import CycleReport, PollJob
    from briefings.settings import Settings
    from briefings.themes import ThemeSet

log = logging.getLogger(__name__)
MIN_SLEEP = 5.0  # seconds between daemon cycles, at least


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    poll = sub.add_parser("poll", help="poll the news feeds and store new items")
    poll.add_argument("--once", action="store_true",
                      help="poll every enabled feed now, once, then print a summary")  # fmt: skip
    poll.add_argument("--force", action="store_true",
                      help="also poll feeds backing off after errors")  # fmt: skip
    poll.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    poll.set_defaults(func=_poll)



# ── poll ─────────────────────────────────────────────────────────────────────────────────


def _poll(args: argparse.Namespace) -> int:
    from briefings.settings import load_settings
    from briefings.sources import configured_sources
    from briefings.themes import load_themes

    settings = load_settings()
    configured = configured_sources(settings)  # a bad file: bot.cli says which, and why
    themes = load_themes(settings.themes)
    if args.once:
        report = asyncio.run(poll_once(settings, configured, themes, force=args.force,
                                       show_progress=sys.stderr.isatty()))  # fmt: skip
        if args.json:
            print(json.dumps(report.to_dict(), ensure_ascii=False))
        else:
            print_summary(report, terminal())
        return _exit_code(report)
    return asyncio.run(_poll_forever(settings, themes, force=args.force, as_json=args.json))


def _exit_code(report: CycleReport) -> int:
    """1 when there were feeds to poll and every one of them failed: nothing came in."""
    if report.feeds and report.failed == report.feeds:
        print(f"borderbrief: all {report.feeds} feeds failed; see the errors above "
              "(`borderbrief sources list` shows each feed's health)", file=sys.stderr)
        return 1
    return 0


async def prepare_engine(settings: Settings, configured: list[Any]) -> AsyncEngine:
    """Open the store, bring its schema up to date and load the sources file into it."""
    from briefings.jobs.poll import sync_sources_file, utcnow
    from briefings.store.db import open_engine, upgrade

    engine = open_engine(settings.database_url)
    await upgrade(engine)
    await sync_sources_file(engine, configured, utcnow())
    return engine


def _fetcher(settings: Settings) -> Any:
    from briefings.fetch import FetchConfig, Fetcher

    return Fetcher(FetchConfig.from_settings(settings))


async def poll_once(
    settings: Settings, configured: list[Any], themes: ThemeSet, *, force: bool,
    show_progress: bool,
) -> CycleReport:  # fmt: skip
    """Poll every enabled feed now, matching ``themes`` and every chat's own (/track) themes.

    No alerts: a one-off poll from a terminal stores and files, the bot's poll alerts.
    """
    from briefings.jobs.poll import parse_pool_for, poll_job, utcnow

    engine = await prepare_engine(settings, configured)
    try:
        async with _fetcher(settings) as fetcher:
            with _progress(show_progress) as on_progress, parse_pool_for(len(configured)) as pool:
                job = poll_job(settings, engine, fetcher, themes, alerts=False,
                               ignore_schedule=True, force=force, on_progress=on_progress,
                               parsers=lambda _feeds: pool)  # fmt: skip
                return await job.run_once(utcnow())
    finally:
        await engine.dispose()


async def _poll_forever(settings: Settings, themes: ThemeSet, *, force: bool, as_json: bool) -> int:
    """Poll due feeds until interrupted; re-read the sources file before each cycle."""
    from briefings.jobs.poll import parse_pool_for, poll_job
    from briefings.sources import configured_sources

    configured = configured_sources(settings)
    engine = await prepare_engine(settings, configured)
    console = terminal()
    try:
        async with _fetcher(settings) as fetcher:
            with parse_pool_for(len(configured)) as pool:
                job = poll_job(settings, engine, fetcher, themes, force=force,
                               parsers=lambda _feeds: pool)  # fmt: skip
                daemon = PollDaemon(settings, engine, job)
                while True:
                    report = await daemon.tick()
                    if as_json:
                        print(json.dumps(report.to_dict(), ensure_ascii=False), flush=True)
                    elif report.feeds:
                        print_summary(report, console)
                    await asyncio.sleep(await _seconds_to_next(engine, settings.poll_interval))
    finally:
        await engine.dispose()


class PollDaemon:
    """``borderbrief poll`` without ``--once``: each tick re-reads the files, then polls."""

    def __init__(self, settings: Settings, engine: AsyncEngine, job: PollJob) -> None:
        self.settings, self.engine, self.job = settings, engine, job

    async def tick(self) -> CycleReport:
        """One cycle of the due feeds (``--force`` applies to the first only)."""
        from briefings.jobs.poll import sync_sources_file, utcnow
        from briefings.sources import SourcesError, configured_sources

        self.job.themes = _reload_themes(self.settings, self.job.themes)
        try:
            configured = configured_sources(self.settings)
            await sync_sources_file(self.engine, configured, utcnow())
        except SourcesError as exc:  # keep polling the last good list
            log.error("sources file not reloaded: %s", exc)
        report = await self.job.run_once(utcnow())
        self.job.force = False
        return report


def _reload_themes(settings: Settings, last: Any) -> Any:
    from briefings.themes import ThemesError, load_themes

    try:
        return load_themes(settings.themes)
    except ThemesError as exc:  # keep matching with the last good themes
        log.error("themes not reloaded: %s", exc)
        return last


async def _seconds_to_next(engine: AsyncEngine, interval: float) -> float:
    """Sleep until the earliest feed is due (never longer than the poll interval)."""
    from briefings.fetch.delays import seconds_until
    from briefings.jobs.poll import utcnow
    from briefings.store.sources import soonest_fetch_at

    async with engine.connect() as conn:
        soonest = await soonest_fetch_at(conn)
    # The cycle polls what is due within a small tolerance: no need to arrive late.
    return seconds_until(soonest, utcnow(), interval, least=MIN_SLEEP)


def terminal() -> Console:
    """stdout; piped output gets a wide table instead of rich's default 80 columns."""
    from rich.console import Console

    console = Console()
    if not console.is_terminal:
        console = Console(width=160)
    return console


class _progress:
    """A rich progress bar on stderr when it is a terminal; otherwise nothing."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> Any:
        if not self.enabled:
            return None
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.bar = Progress(
            TextColumn("polling"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=Console(stderr=True), transient=True,
        )  # fmt: skip
        self.bar.start()
        self.task = self.bar.add_task("poll", total=None)

        def update(done: int, total: int) -> None:
            assert self.bar is not None
            self.bar.update(self.task, completed=done, total=total)

        return update

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def print_summary(report: CycleReport, console: Console) -> None:
    """The cycle's totals, then one line per failed feed with its reason."""
    from rich.table import Table

    if report.feeds == 0:
        console.print("No feeds due: every enabled feed is backing off after errors or was "
                      "stopped (see `borderbrief sources list`); --force retries those backing "
                      "off.")  # fmt: skip
        return
    table = Table(title=f"Poll finished in {report.duration:.1f} s", title_justify="left")
    for heading in ("Feeds", "Fetched", "Unchanged", "Failed", "New items"):
        table.add_column(heading, justify="right")
    table.add_row(str(report.feeds), str(report.fetched), str(report.unchanged),
                  str(report.failed), str(report.new_items))  # fmt: skip
    console.print(table)
    if report.seeded:
        console.print(f"First poll of {len(report.seeded)} feed(s): items stored without alerts.")
    if report.errors:
        failed = Table(title="Failed feeds", title_justify="left")
        failed.add_column("Source")
        failed.add_column("Reason")
        for error in report.errors:
            failed.add_row(error["source"], error["error"])
        console.print(failed)
