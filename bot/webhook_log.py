"""Refused webhook requests, logged as one line per interval with counts by reason.

A flood of forged or broken requests must not become a flood of log lines (the disk, the log
shipper, the operator's attention): the first refusal is logged at once, the ones after it are
summed up and logged when the interval is over (or when the server stops).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable

log = logging.getLogger("bot.webhook")


class RefusalLog:
    """Counts refusals by reason; logs at most one WARNING line per ``interval`` seconds."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self._clock = clock
        self._counts: Counter[str] = Counter()
        self._last_line: float | None = None
        self._timer: asyncio.TimerHandle | None = None

    def note(self, reason: str) -> None:
        """One refused request (or connection) and why."""
        self._counts[reason] += 1
        now = self._clock()
        if self._last_line is None or now - self._last_line >= self.interval:
            self.flush()
        elif self._timer is None:
            wait = self._last_line + self.interval - now
            self._timer = asyncio.get_running_loop().call_later(wait, self.flush)

    def flush(self) -> None:
        """Log what was counted since the last line, if anything."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._counts:
            return
        total = sum(self._counts.values())
        reasons = ", ".join(f"{reason}: {n}" for reason, n in self._counts.most_common())
        log.warning("webhook: refused %d request%s (%s)", total, "" if total == 1 else "s",
                    reasons, extra={"refused": total})
        self._counts.clear()
        self._last_line = self._clock()
