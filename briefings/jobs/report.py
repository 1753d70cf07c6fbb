"""What one poll cycle did: per-feed outcomes and the cycle's summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from briefings.fetch.errors import ErrorKind

Outcome = Literal["fetched", "unchanged", "failed"]


@dataclass
class FeedOutcome:
    """What happened to one feed in a cycle."""

    source: str
    url: str
    outcome: Outcome
    new_items: int = 0
    error: str | None = None  # the message, for people
    first_poll: bool = False  # fetched for the first time: its items were stored quietly
    kind: ErrorKind | None = None  # the error's kind, for metrics and code


@dataclass
class CycleReport:
    """The summary of one poll cycle; ``to_dict`` keys are stable for scripts."""

    feeds: int = 0
    fetched: int = 0
    unchanged: int = 0
    failed: int = 0
    new_items: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    new_stories: list[int] = field(default_factory=list)  # every new story id this cycle
    alert_stories: list[int] = field(default_factory=list)  # those not from a first poll
    seeded: list[str] = field(default_factory=list)  # sources polled successfully for the 1st time
    duration: float = 0.0
    started_at: datetime | None = None
    failures: list[FeedOutcome] = field(default_factory=list)  # the failed feeds, with kinds

    def add(self, outcome: FeedOutcome) -> None:
        """Count one feed's outcome."""
        if outcome.outcome == "fetched":
            self.fetched += 1
        elif outcome.outcome == "unchanged":
            self.unchanged += 1
        else:
            from briefings.text.urls import without_password  # failures only: 12 ms of imports

            self.failed += 1
            self.failures.append(outcome)
            self.errors.append(
                {"source": outcome.source, "url": without_password(outcome.url),
                 "error": outcome.error or "?"}  # fmt: skip
            )
        self.new_items += outcome.new_items
        if outcome.first_poll:
            self.seeded.append(outcome.source)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (``failures`` is left out: ``errors`` tells it)."""
        return {
            "feeds": self.feeds,
            "fetched": self.fetched,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "new_items": self.new_items,
            "errors": [dict(e) for e in self.errors],
            "new_stories": list(self.new_stories),
            "alert_stories": list(self.alert_stories),
            "seeded": list(self.seeded),
            "duration": round(self.duration, 3),
            "started_at": self.started_at.isoformat() if self.started_at else None,
        }
