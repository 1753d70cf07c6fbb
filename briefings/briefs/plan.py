"""Who gets what, decided without I/O: ``now`` and the store's facts are passed in.

Briefs: due chats are grouped by what they would read — (theme keys, language, since, headline
preference, time zone) — so a brief is composed and rendered once per group, not per chat;
within a group, chats that already got some of its stories (as alerts) form variants without
them. Alerts: each new story goes to the chats whose themes it matches, never twice, within each
chat's hourly cap; when the cap bites, the most important stories win (``Importance``: coverage,
not arrival order), and the last third of an hour's alerts waits for stories several outlets
tell, so a slow trickle of one-outlet stories cannot spend the hour before the big one comes.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from briefings.briefs.content import Story
from briefings.briefs.lead import both_sides, story_coverage
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



class BriefKey(NamedTuple):
    """What makes two chats' briefs the same brief."""

    themes: tuple[str, ...]  # theme keys
    language: str
    since: datetime
    headlines: str  # the headline preference (``briefs.content.HEADLINES``)
    timezone: str  # dates and times are shown in it


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
    """Group the due chats by what they would read (``BriefKey``)."""
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
        groups[BriefKey(chat_keys, chat.language, since, chat.headlines, chat.timezone)].append(
            chat)
    plan.groups = dict(groups)
    return plan


def variants(group: Sequence[DueChat], had: Mapping[int, set[int]]
             ) -> dict[frozenset[int], list[DueChat]]:
    """The group split by the stories each chat already has (to leave out of its brief)."""
    split: dict[frozenset[int], list[DueChat]] = defaultdict(list)
    for chat in group:
        split[frozenset(had.get(chat.id, ()))].append(chat)
    return dict(split)


def brief_days(members: Sequence[DueChat]) -> dict[int, str]:
    """Each chat's local date its brief was due on (the brief's dedupe day), by chat id."""
    return {chat.id: local_date(chat.next_brief_at, chat.timezone).isoformat()
            for chat in members}


def next_briefs(due: Sequence[DueChat], now: datetime,
                briefed_at: Mapping[int, datetime]) -> list[NextBrief]:
    """Every picked chat's next brief is the next local brief time after ``now`` (worked out
    once per brief time and zone: thousands of chats share a few)."""
    known: dict[tuple[str, str], datetime] = {}
    schedules = []
    for chat in due:
        at = known.get((chat.brief_time, chat.timezone))
        if at is None:
            at = known[(chat.brief_time, chat.timezone)] = next_brief_at(
                chat.brief_time, chat.timezone, now)
        schedules.append(NextBrief(chat.id, at, briefed_at.get(chat.id, chat.last_brief_at)))
    return schedules


def brief_label(key: BriefKey) -> str:
    """How a brief is named in a run's report: its themes and language."""
    return f"{'+'.join(key.themes)}/{key.language}"


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


RESERVE_SHARE = 3  # a third of the hour's alerts (rounded down) waits for wider stories
WIDE = 2  # outlets that make a story "wide": it may use the reserve


@dataclass(frozen=True, slots=True, order=True)
class Importance:
    """How much an alert matters, compared field by field: coverage first, then the match."""

    both_sides: bool  # Mexican and U.S. outlets both tell it
    outlets: int
    strength: float  # the story's best theme match score


def importance(story: Story) -> Importance:
    """A story's importance as an alert, from its reports and theme scores."""
    told = story_coverage(story)
    return Importance(both_sides(told), told.outlets, max(story.themes.values(), default=0.0))


def reserve(per_hour: int) -> int:
    """Alerts of each hour kept for stories at least ``WIDE`` outlets tell."""
    return per_hour // RESERVE_SHARE


def admits(story: Importance, used: int, per_hour: int) -> bool:
    """Whether a chat that had ``used`` alerts in the last hour may get this one."""
    if used >= per_hour:
        return False
    return used < per_hour - reserve(per_hour) or story.outlets >= WIDE


@dataclass
class AlertPlan:
    """Which chats each story's alert goes to, most important story first; stories held back."""

    sends: list[tuple[int, list[int]]] = field(default_factory=list)  # (story id, chat ids)
    held: dict[int, int] = field(default_factory=dict)  # chat id → stories held for its brief


def plan_alerts(story_ids: Sequence[int], weights: Mapping[int, Importance],
                targets: AlertTargets, chats: Mapping[int, AlertChat],
                had: Mapping[int, set[int]], used: Mapping[int, int], per_hour: int) -> AlertPlan:
    """Stories in order of importance (ties keep the given order, newest first), each to the
    chats that follow it, have alerts on, have not had it and whose cap admits it."""
    order = sorted(range(len(story_ids)), key=lambda i: weights[story_ids[i]], reverse=True)
    spent = dict(used)
    held: dict[int, int] = defaultdict(int)
    result = AlertPlan()
    for story_id in (story_ids[i] for i in order):
        to = []
        for chat in sorted(targets.chats.get(story_id, ())):
            if chat not in chats or story_id in had.get(chat, ()):
                continue
            if admits(weights[story_id], spent.get(chat, 0), per_hour):
                to.append(chat)
                spent[chat] = spent.get(chat, 0) + 1
            else:
                held[chat] += 1
        if to:
            result.sends.append((story_id, to))
    result.held = dict(held)
    return result


def held_dedupe_prefix(now: datetime) -> str:
    """A chat hears about held alerts at most once per clock hour (UTC)."""
    return f"held:{now:%Y-%m-%dT%H}"


def quiet_split(members: Sequence[AlertChat], now: datetime) -> dict[bool, list[int]]:
    """Chat ids by whether ``now`` is in their quiet hours (silent) or not."""
    split: dict[bool, list[int]] = {False: [], True: []}
    for chat in members:
        split[in_quiet_hours(now, chat.timezone, chat.quiet_start, chat.quiet_end)].append(chat.id)
    return split
