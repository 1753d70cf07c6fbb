"""Per-user command flood control: a pure sliding-window limiter (its handler: handlers/flood)."""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Literal

Verdict = Literal["ok", "warn", "drop"]


@dataclass
class FloodLimiter:
    """At most ``limit`` updates per user in ``window`` seconds; one warning, then silence."""

    limit: int = 20
    window: float = 60.0
    prune_at: int = 10_000  # users remembered before idle ones are dropped
    _seen: dict[int, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _warned: set[int] = field(default_factory=set)

    def check(self, user_id: int, now: float) -> Verdict:
        """Record an update from ``user_id`` at ``now`` (seconds) and say what to do with it."""
        if len(self._seen) >= self.prune_at:
            self.forget_idle(now)
        seen = self._seen[user_id]
        while seen and now - seen[0] >= self.window:
            seen.popleft()
        if len(seen) < self.limit:
            seen.append(now)
            self._warned.discard(user_id)
            return "ok"
        # Over the limit: dropped updates do not extend the window, so the user gets back in
        # ``window`` seconds after their last accepted update ages out.
        if user_id in self._warned:
            return "drop"
        self._warned.add(user_id)
        return "warn"

    def forget_idle(self, now: float) -> None:
        """Drop users with no recent updates (keeps memory flat on a busy bot)."""
        for user_id in [u for u, s in self._seen.items() if not s or now - s[-1] >= self.window]:
            del self._seen[user_id]
            self._warned.discard(user_id)
