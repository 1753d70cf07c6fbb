"""The worker roles of ``borderbrief run --role``: poller, scheduler and sender loops.

``all`` (the default) is the one-process bot: PTB's JobQueue ticks the same three jobs (see
``bot/jobs.py``). Past one machine, on PostgreSQL, each role can run in its own processes:
``poller`` and ``scheduler`` any number, ``sender`` one per bot token (more are safe, not
faster), ``bot`` answers commands (long polling: exactly one per token; webhook: any number).
Each loop is a thin ticker around its job (``poller.py``, ``scheduler.py``, ``sender.py``).

Run one headless role with ``python -m bot.roles ROLE [--once]`` or through the CLI.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.logs import log_event
from bot.roles.poller import run_poller
from bot.roles.scheduler import run_scheduler
from bot.roles.sender import run_sender
from briefings.settings import Settings

log = logging.getLogger(__name__)

ROLES = ("all", "bot", "poller", "scheduler", "sender")
HEADLESS = frozenset({"poller", "scheduler", "sender"})
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


__all__ = ["HEADLESS", "ROLES", "RUNNERS", "run_headless", "run_poller", "run_scheduler",
           "run_sender"]
