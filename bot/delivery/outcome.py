"""What one send came to (``Outcome``) and what a whole drain did (``SendReport``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from briefings.store.outbox import OutboxRow


@dataclass(frozen=True)
class Outcome:
    """Telegram's answer to one row, as the drain acts on it."""

    kind: str  # sent | retry_after | gone | migrated | retry | failed | halt
    row: OutboxRow
    error: str = ""
    wait: float = 0.0  # retry_after: seconds that chat must wait
    new_chat_id: int | None = None  # migrated: where the chat went


@dataclass
class SendReport:
    """What a drain did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    rate_limited: int = 0
    deactivated: list[int] = field(default_factory=list)
    migrated: list[tuple[int, int]] = field(default_factory=list)
