"""What every headless role shares: its clock, its name in the logs, and a stoppable sleep."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from datetime import UTC, datetime


def worker_name(role: str) -> str:
    """``role@host:pid``: unique per process, so claims and leases say who holds them."""
    return f"{role}@{socket.gethostname()}:{os.getpid()}"


def utcnow() -> datetime:
    return datetime.now(UTC)


async def sleep_unless_stopped(stop: asyncio.Event, seconds: float) -> None:
    """Sleep ``seconds``, or less if ``stop`` is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
