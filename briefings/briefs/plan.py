"""Who gets what, decided without I/O: ``now`` and the store's facts are passed in.

Briefs: due chats are grouped by what they would read — (theme keys, language, since) — so a
brief is composed and rendered once per group, not per chat; within a group, chats that already
got some of its stories (as alerts) form variants without them. Alerts: each new story goes to
the chats whose themes it matches, within each chat's hourly budget, never twice.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from briefings.briefs.schedule import (
    brief_decision,
    in_quiet_hours,
    local_date,
    next_brief_at,
    parse_hhmm,
    valid_timezone,
)
from briefings.model import ThemeRef
from briefings.store.alerts import AlertChat
from briefings.store.briefs import DueChat, NextBrief

log = logging.getLogger(__name__)

BRIEF_WINDOW = timedelta(hours=24)  # the longest look-back of a daily brief

BriefKey = tuple[tuple[str, ...], str, datetime]  # (theme keys, language, since)


def sane(chat: DueChat) -> DueChat:
    """A chat row with a zone or time this code cannot read still gets briefs (UTC, 08:00)."""
    tz = chat.timezone if valid_timezone(chat.timezone) else "UTC"
    try:
        parse_hhmm(chat.brief_time)
        at = chat.brief_time
    except ValueError:
        at = "08:00"
    if (tz, at) == (chat.timezone, chat.brief_time):
        return chat
    log.warning("chat has an unreadable schedule; using %s %s", at, tz,
                extra={"chat_id": chat.id})
    return dataclasses.replace(chat, timezone=tz, brief_time=at)


@dataclass
class Grouping:
    """Due chats sorted into briefs to compose, and those that get none this time."""

    groups: dict[BriefKey, list[DueChat]] = field(default_factory=dict)
    skipped: list[DueChat] = field(default_factory=list)  # missed by more than the grace
    empty: int = 0  # no themes: nothing to compose


def group_due(due: Sequence[DueChat], keys: Mapping[int, tuple[str, ...]], now: datetime,
              grace: timedelta) -> Grouping:
    """Group the due chats by (theme keys, language, since)."""
    plan = Grouping()
    groups: dict[BriefKey, list[DueChat]] = defaultdict(list)
    for chat in due:
        if brief_decision(chat.next_brief_at, now, grace) == "skip":
            plan.skipped.append(chat)
            continue
        chat_keys = keys.get(chat.id)
        if not chat_keys:
            plan.empty += 1
            continue
        since = max(now - BRIEF_WINDOW, chat.last_brief_at or now - BRIEF_WINDOW)
        groups[(chat_keys, chat.language, since)].append(chat)
    plan.groups = dict(groups)
    return plan


def variants(group: Sequence[DueChat], had: Mapping[int, set[int]]
             ) -> dict[frozenset[int], list[DueChat]]:
    """The group split by the stories each chat already has (to leave out of its brief)."""
    split: dict[frozenset[int], list[DueChat]] = defaultdict(list)
    for chat in group:
        split[frozenset(had.get(chat.id, ()))].append(chat)
    return dict(split)


def by_local_date(members: Sequence[DueChat]) -> dict[str, list[int]]:
    """Chat ids by the local date their brief was due on (the brief's dedupe day)."""
    days: dict[str, list[int]] = defaultdict(list)
    for chat in members:
        days[local_date(chat.next_brief_at, chat.timezone).isoformat()].append(chat.id)
    return dict(days)


def next_briefs(due: Sequence[DueChat], now: datetime,
                briefed_at: Mapping[int, datetime]) -> list[NextBrief]:
    """Every picked chat's next brief is the next local brief time after ``now``."""
    return [NextBrief(c.id, next_brief_at(c.brief_time, c.timezone, now),
                      briefed_at.get(c.id, c.last_brief_at)) for c in due]


def brief_label(key: BriefKey) -> str:
    """How a brief is named in a run's report: its themes and language."""
    return f"{'+'.join(key[0])}/{key[1]}"


# --- alerts -------------------------------------------------------------------------------


@dataclass
class AlertTargets:
    """Story id → chats it matches; (story, chat) → own theme key where only that matched."""

    chats: dict[int, set[int]] = field(default_factory=dict)
    own: dict[tuple[int, int], str] = field(default_factory=dict)

    def all_chats(self) -> list[int]:
        return sorted({chat for chats in self.chats.values() for chat in chats})


def shared_themes(by_theme: Mapping[str, set[int]]) -> list[str]:
    """The shared (not any chat's own) theme keys among these."""
    return [key for key in by_theme if not ThemeRef.parse(key).is_own]


def alert_targets(by_theme: Mapping[str, set[int]],
                  subscribers: Mapping[str, set[int]]) -> AlertTargets:
    """Who each story is for: subscribers of its shared themes, and owners of its own themes."""
    targets: dict[int, set[int]] = defaultdict(set)
    for theme in shared_themes(by_theme):
        for chat_id in subscribers.get(theme, ()):
            for story_id in by_theme[theme]:
                targets[story_id].add(chat_id)
    own: dict[tuple[int, int], str] = {}
    for theme, ids in by_theme.items():
        owner = ThemeRef.parse(theme).chat
        if owner is None:
            continue
        for story_id in ids:
            if owner not in targets[story_id]:
                own[(story_id, owner)] = theme
            targets[story_id].add(owner)
    return AlertTargets(dict(targets), own)


def budgets(chat_ids: Sequence[int], used: Mapping[int, int], per_hour: int) -> dict[int, int]:
    """Alerts each chat may still get this hour."""
    return {c: max(0, per_hour - used.get(c, 0)) for c in chat_ids}


def recipients(story_id: int, targets: AlertTargets, chats: Mapping[int, AlertChat],
               had: Mapping[int, set[int]], budget: Mapping[int, int]) -> list[AlertChat]:
    """The chats a story's alert goes to: alerts on, not had it, budget left."""
    return [chats[c] for c in sorted(targets.chats.get(story_id, ()))
            if c in chats and story_id not in had.get(c, ()) and budget[c] > 0]


def quiet_split(members: Sequence[AlertChat], now: datetime) -> dict[bool, list[int]]:
    """Chat ids by whether ``now`` is in their quiet hours (silent) or not."""
    split: dict[bool, list[int]] = {False: [], True: []}
    for chat in members:
        split[in_quiet_hours(now, chat.timezone, chat.quiet_start, chat.quiet_end)].append(chat.id)
    return split
