"""Pacing maths for sending to Telegram: overall, per chat and per group, on a clock you pass.

Telegram allows about 30 messages/s per bot, 1/s per chat and 20/min per group, in sliding
windows. The server counts a send somewhere between the moment it went out and the moment its
answer came back, so a send in flight counts as happening now, and a finished one is counted
from its answer (the latest moment the server can have counted it). Counting every send from
its answer costs the round trip on every window, though: at 50 ms that is 6 % of the overall
limit. So once the round trips seen so far vary little, a finished send counts from that
spread after its start instead — the server cannot have counted it later than that unless a
request's way there varies more than whole round trips do. A small ``margin``
widens each window on top. A 429 for one chat blocks only that chat (``block``). ``now`` is
any monotonic seconds value; nothing here reads a clock.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from dataclasses import dataclass, field

RTT_SAMPLES = 32  # round trips kept to judge how much they vary
RTT_MIN_SAMPLES = 8  # fewer than this: count every send from its answer


@dataclass(frozen=True, slots=True)
class Limits:
    """Telegram's flood limits, as numbers a test or a bench can change."""

    per_second: float = 30.0  # all chats together
    per_chat_interval: float = 1.0  # seconds between two messages to one chat
    per_group_per_minute: int = 20  # groups, supergroups and channels (negative ids)
    margin: float = 0.01  # seconds added to every window


def is_group(chat_id: int) -> bool:
    """Group, supergroup and channel ids are negative; private chats are positive."""
    return chat_id < 0


@dataclass
class Pacer:
    """When each chat may be sent to next: begin()/done() every send, block() on a 429."""

    limits: Limits = field(default_factory=Limits)
    senders: int = 1  # senders sharing the bot's overall budget (this one included)
    in_flight: int = 0
    _overall: list[float] = field(default_factory=list)  # when counted sends leave, sorted
    _rtts: deque[float] = field(default_factory=lambda: deque(maxlen=RTT_SAMPLES))
    _last: dict[int, float] = field(default_factory=dict)
    _group: dict[int, deque[float]] = field(default_factory=dict)
    _blocked: dict[int, float] = field(default_factory=dict)

    def share_with(self, senders: int) -> None:
        """Send at ``1 / senders`` of the overall rate: others share the bot's budget."""
        self.senders = max(1, senders)

    @property
    def burst(self) -> int:
        """How many sends this pacer's share of the overall window holds (at least one)."""
        return max(1, math.floor(self.limits.per_second / self.senders))

    def overall_ready_at(self, now: float) -> float:
        """The earliest time any message may go, given the overall window."""
        window = self._overall
        expired = bisect.bisect_right(window, now)
        if expired:
            del window[:expired]
        room = self.burst - self.in_flight
        if room <= 0:
            return now + 1.0 + self.limits.margin  # wait for an answer; done() makes room
        if len(window) < room:
            return now
        return window[len(window) - room]

    def chat_ready_at(self, chat_id: int, now: float) -> float:
        """The earliest time ``chat_id`` may be sent to, ignoring the overall window."""
        ready = now
        blocked = self._blocked.get(chat_id)
        if blocked is not None:
            if blocked <= now:
                del self._blocked[chat_id]
            else:
                ready = blocked
        last = self._last.get(chat_id)
        if last is not None:
            ready = max(ready, last + self.limits.per_chat_interval + self.limits.margin)
        if is_group(chat_id):
            window = self._group.get(chat_id)
            span = 60.0 + self.limits.margin
            if window is not None:
                while window and now - window[0] >= span:
                    window.popleft()
                if len(window) >= self.limits.per_group_per_minute:
                    ready = max(ready, window[-self.limits.per_group_per_minute] + span)
        return ready

    def ready_at(self, chat_id: int, now: float) -> float:
        """The earliest time a message to ``chat_id`` may go: its own limits and the overall."""
        return max(self.chat_ready_at(chat_id, now), self.overall_ready_at(now))

    def begin(self, chat_id: int, now: float) -> None:
        """A send to ``chat_id`` starts: until done(), it counts as happening right now."""
        self.in_flight += 1

    def abort(self, chat_id: int) -> None:
        """A send that began never went out: free its place without counting it."""
        self.in_flight = max(0, self.in_flight - 1)

    def done(self, chat_id: int, now: float, *, began: float | None = None) -> None:
        """The send's answer came back at ``now`` (it started at ``began``): count it."""
        self.in_flight = max(0, self.in_flight - 1)
        counted = now
        if began is not None:
            self._rtts.append(max(0.0, now - began))
            if len(self._rtts) >= RTT_MIN_SAMPLES:
                spread = max(self._rtts) - min(self._rtts)
                counted = min(now, began + spread)
        self._count(chat_id, counted=counted)

    def record(self, chat_id: int, now: float) -> None:
        """Count a finished send to ``chat_id`` at ``now``."""
        self._count(chat_id, counted=now)

    def _count(self, chat_id: int, *, counted: float) -> None:
        """Count a send as the server did, at the latest, at ``counted``."""
        bisect.insort(self._overall, counted + 1.0 + self.limits.margin)
        if len(self._overall) > self.burst:
            del self._overall[0]  # the soonest to leave can no longer hold anything up
        self._last[chat_id] = max(counted, self._last.get(chat_id, counted))
        if is_group(chat_id):
            window = self._group.setdefault(chat_id, deque())
            window.append(counted)
            if len(window) > self.limits.per_group_per_minute:
                window.popleft()

    def block(self, chat_id: int, until: float) -> None:
        """Telegram said wait: hold ``chat_id`` (only it) until ``until``."""
        self._blocked[chat_id] = max(until, self._blocked.get(chat_id, until))

    def blocked_until(self, chat_id: int, now: float) -> float | None:
        until = self._blocked.get(chat_id)
        return until if until is not None and until > now else None

    def forget_idle(self, now: float) -> None:
        """Drop what no longer constrains anything, so memory stays flat over many chats."""
        stale = now - (self.limits.per_chat_interval + self.limits.margin)
        self._last = {c: t for c, t in self._last.items() if t > stale}
        horizon = now - 60.0 - self.limits.margin
        self._group = {c: w for c, w in self._group.items() if w and w[-1] > horizon}
        self._blocked = {c: t for c, t in self._blocked.items() if t > now}

    def move(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: its pacing follows it."""
        if old_chat_id in self._last:
            self._last[new_chat_id] = self._last.pop(old_chat_id)
        if old_chat_id in self._blocked:
            self._blocked[new_chat_id] = self._blocked.pop(old_chat_id)
        if old_chat_id in self._group:
            self._group[new_chat_id] = self._group.pop(old_chat_id)
