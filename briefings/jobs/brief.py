"""Daily briefs and real-time alerts, from the store into the outbox (delivery sends them later).

Schedules live in the store (``chats.next_brief_at``), not in timers: each run picks the chats
whose time has come, composes and renders once per distinct (themes, language, window), writes
the outbox rows and advances ``next_brief_at`` in one transaction per batch. A brief missed while
the bot was down is sent late within the grace period, else skipped; the dedupe key
``brief:<local date>:<chat>:<part>`` means a chat never gets two briefs for one day.

A brief is composed for a group of chats, not per chat (that is what makes 10,000 chats cost
seven renders). Chats of a group that already got some of its stories as alerts receive a
variant without them, rendered once per distinct set left out. A brief's stories are recorded
as sent, so they never come again as alerts.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from briefings.schedule import (
    brief_decision,
    in_quiet_hours,
    local_date,
    next_brief_at,
    parse_hhmm,
    valid_timezone,
)
from briefings.store import outbox as ob
from briefings.store.db import is_postgres
from briefings.store.tables import (
    UTCDateTime,
    chat_themes,
    chats,
    outbox,
    sent_stories,
    stories,
    story_themes,
    subscriptions,
)

log = logging.getLogger(__name__)

BRIEF_WINDOW = timedelta(hours=24)  # the longest look-back of a daily brief
BATCH = 500  # chats per transaction

# compose(conn, *, themes, since, now, language) -> Brief; render(brief) -> parts.
Compose = Callable[..., Awaitable[Any]]
Render = Callable[[Any], Sequence[str]]
RenderAlert = Callable[..., Any]


@dataclass
class BriefRunReport:
    """What one due-briefs run did."""

    due: int = 0  # chats whose time had come
    enqueued: int = 0  # chats given a brief
    skipped: int = 0  # missed by more than the grace period: not sent, rescheduled
    empty: int = 0  # the brief had nothing to say (rendered no parts)
    renders: int = 0  # render calls (one per distinct brief)
    distinct: int = 0  # distinct (themes, language, window) briefs
    messages: int = 0  # outbox rows written
    chats_by_brief: dict[str, int] = field(default_factory=dict)


_BriefKey = tuple[tuple[str, ...], str, datetime]  # (theme keys, language, since)


@dataclass(frozen=True, slots=True)
class _DueChat:
    id: int
    language: str
    timezone: str
    brief_time: str
    next_brief_at: datetime
    last_brief_at: datetime | None
    thread_id: int | None


def _default_compose() -> Compose:
    from briefings.compose import compose_brief  # type: ignore[import-not-found,unused-ignore]

    return compose_brief  # type: ignore[no-any-return]


def _default_render() -> Render:
    from briefings.render import render_brief  # type: ignore[import-not-found,unused-ignore]

    return render_brief  # type: ignore[no-any-return]


async def enqueue_due_briefs(
    engine: AsyncEngine,
    *,
    themes: Any = None,  # briefings.themes.ThemeSet: subscriptions to unknown themes are ignored
    now: datetime,
    grace: timedelta,
    batch: int = BATCH,
    compose: Compose | None = None,
    render: Render | None = None,
) -> BriefRunReport:
    """Queue the brief of every chat whose time has come; advance each chat's next brief."""
    compose, render = compose or _default_compose(), render or _default_render()
    known = _known_theme_names(themes)
    display = _display_themes(themes)
    report = BriefRunReport()
    # One render per distinct brief for the whole run, however many batches its chats span
    # (keyed by _BriefKey, or by (_BriefKey, stories left out) for a slimmer variant).
    rendered: dict[Any, tuple[list[str], list[int]]] = {}
    composed: dict[_BriefKey, Any] = {}
    while True:
        async with engine.begin() as conn:
            due = await _due_chats(conn, now, batch)
            if due:
                await _run_batch(conn, due, now=now, grace=grace, known=known,
                                 compose=compose, render=render, report=report,
                                 rendered=rendered, composed=composed, display=display)
        if len(due) < batch:
            report.distinct = len(rendered)
            return report


async def _due_chats(conn: AsyncConnection, now: datetime, limit: int) -> list[_DueChat]:
    stmt = (
        select(chats.c.id, chats.c.language, chats.c.timezone, chats.c.brief_time,
               chats.c.next_brief_at, chats.c.last_brief_at, chats.c.thread_id)
        .where(chats.c.active.is_(True), chats.c.paused.is_(False),
               chats.c.next_brief_at.is_not(None), chats.c.next_brief_at <= now)
        .order_by(chats.c.next_brief_at, chats.c.id)
        .limit(limit)
    )
    if is_postgres(conn):
        stmt = stmt.with_for_update(skip_locked=True)  # two bots on one store split the work
    return [_sane(_DueChat(*row)) for row in await conn.execute(stmt)]


def _sane(chat: _DueChat) -> _DueChat:
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


async def _run_batch(
    conn: AsyncConnection, due: list[_DueChat], *, now: datetime, grace: timedelta,
    known: frozenset[str] | None, compose: Compose, render: Render, report: BriefRunReport,
    rendered: dict[Any, tuple[list[str], list[int]]], composed: dict[_BriefKey, Any],
    display: Mapping[str, Any],
) -> None:
    report.due += len(due)
    keys = await _theme_keys(conn, [c.id for c in due], known)
    groups: dict[_BriefKey, list[_DueChat]] = defaultdict(list)
    for chat in due:
        if brief_decision(chat.next_brief_at, now, grace) == "skip":
            report.skipped += 1
            log.info("brief skipped: missed by more than the grace period",
                     extra={"chat_id": chat.id, "due_at": chat.next_brief_at.isoformat()})
            continue
        chat_keys = keys.get(chat.id)
        if not chat_keys:
            report.empty += 1
            continue
        since = max(now - BRIEF_WINDOW, chat.last_brief_at or now - BRIEF_WINDOW)
        groups[(chat_keys, chat.language, since)].append(chat)
    sent_at: dict[int, datetime] = {}
    for key, group in groups.items():
        theme_keys, language, since = key
        if key not in rendered:
            brief = await compose(conn, themes=[_theme_for(k, display) for k in theme_keys],
                                  since=since, now=now, language=language)
            rendered[key] = (list(render(brief)), brief_story_ids(brief))
            composed[key] = brief
            report.renders += 1
        label = f"{'+'.join(theme_keys)}/{language}"
        report.chats_by_brief[label] = report.chats_by_brief.get(label, 0) + len(group)
        # A story a chat already received (as an alert) is left out of its brief: chats are
        # grouped by what they already have, and each such variant is rendered once too.
        had = await _sent_among(conn, [c.id for c in group], rendered[key][1])
        variants: dict[frozenset[int], list[_DueChat]] = defaultdict(list)
        for chat in group:
            variants[frozenset(had.get(chat.id, ()))].append(chat)
        for excluded, members in variants.items():
            variant = (key, excluded)
            if excluded and variant not in rendered:
                slim = without_stories(composed[key], excluded)
                rendered[variant] = (list(render(slim)), brief_story_ids(slim))
                report.renders += 1
            parts, story_ids = rendered[variant if excluded else key]
            if not parts:
                report.empty += len(members)
                continue
            added, briefed = await _enqueue_brief(conn, members, parts, now)
            report.messages += added
            await _remember_sent(conn, briefed, story_ids, now)
            for chat_id in briefed:
                sent_at[chat_id] = now
            report.enqueued += len(briefed)
    await _advance(conn, due, now, sent_at)


def without_stories(brief: Any, story_ids: frozenset[int]) -> Any:
    """The composed brief less some stories (sections left empty are dropped)."""
    def keep(stories: Any) -> list[Any]:
        return [story for story in stories if int(story.id) not in story_ids]

    if getattr(brief, "sections", None) is not None:
        sections = [replace(section, stories=keep(section.stories)) for section in brief.sections]
        return replace(brief, sections=[section for section in sections if section.stories])
    return replace(brief, stories=keep(brief.stories))


async def _sent_among(conn: AsyncConnection, chat_ids: Sequence[int],
                      story_ids: Sequence[int]) -> dict[int, set[int]]:
    """Which of these stories each of these chats has already received."""
    had: dict[int, set[int]] = defaultdict(set)
    if not story_ids:
        return had
    for chunk in _chunks(chat_ids):
        for chat_id, story_id in await conn.execute(
            select(sent_stories.c.chat_id, sent_stories.c.story_id)
            .where(sent_stories.c.chat_id.in_(chunk),
                   sent_stories.c.story_id.in_(list(story_ids)))
        ):
            had[chat_id].add(story_id)
    return had


async def _enqueue_brief(conn: AsyncConnection, members: list[_DueChat], parts: list[str],
                         now: datetime) -> tuple[int, list[int]]:
    """One body per part for the whole group; at most one brief per chat and local date.

    Returns the rows added and the chats briefed. A chat that already has that day's brief
    (its time moved later the same day) is left out whole: the per-part dedupe keys alone
    would still let a longer second brief's extra parts through.
    """
    by_date: dict[str, list[int]] = defaultdict(list)
    for chat in members:
        by_date[local_date(chat.next_brief_at, chat.timezone).isoformat()].append(chat.id)
    threads = {c.id: c.thread_id for c in members if c.thread_id is not None}
    added, briefed = 0, []
    for day, ids in by_date.items():
        prefix = f"brief:{day}"
        already = await _briefed_on(conn, prefix, ids)
        fresh = [chat_id for chat_id in ids if chat_id not in already]
        if not fresh:
            continue
        added += await ob.enqueue(conn, chat_ids=fresh, parts=parts, kind="brief", now=now,
                                  dedupe_prefix=prefix, thread_ids=threads)
        briefed.extend(fresh)
    return added, briefed


async def _briefed_on(conn: AsyncConnection, prefix: str, chat_ids: Sequence[int]) -> set[int]:
    """Chats whose brief with this dedupe prefix (one local day) was already queued."""
    found: set[int] = set()
    for chunk in _chunks(chat_ids):
        keys = {f"{prefix}:{chat_id}:0": chat_id for chat_id in chunk}
        rows = await conn.execute(
            select(outbox.c.dedupe_key).where(outbox.c.dedupe_key.in_(list(keys)))
        )
        found.update(keys[key] for (key,) in rows)
    return found


async def _advance(conn: AsyncConnection, due: list[_DueChat], now: datetime,
                   sent_at: Mapping[int, datetime]) -> None:
    """Every picked chat's next brief is the next local brief time after ``now``."""
    rows = [
        {"cid": c.id, "nba": next_brief_at(c.brief_time, c.timezone, now),
         "lba": sent_at.get(c.id, c.last_brief_at)}
        for c in due
    ]
    stmt = (
        update(chats)
        .where(chats.c.id == bindparam("cid"))
        .values(next_brief_at=bindparam("nba"), last_brief_at=bindparam("lba"))
    )
    await conn.execute(stmt, rows)


async def _theme_keys(conn: AsyncConnection, chat_ids: list[int],
                      known: frozenset[str] | None) -> dict[int, tuple[str, ...]]:
    """Each chat's theme keys (subscriptions to known themes, then its own), sorted."""
    found: dict[int, set[str]] = defaultdict(set)
    for chunk in _chunks(chat_ids):
        for chat_id, theme in await conn.execute(
            select(subscriptions.c.chat_id, subscriptions.c.theme)
            .where(subscriptions.c.chat_id.in_(chunk))
        ):
            if known is None or theme in known:
                found[chat_id].add(theme)
        for chat_id, name in await conn.execute(
            select(chat_themes.c.chat_id, chat_themes.c.name)
            .where(chat_themes.c.chat_id.in_(chunk))
        ):
            found[chat_id].add(f"c{chat_id}:{name}")
    return {chat_id: tuple(sorted(keys)) for chat_id, keys in found.items()}


def _known_theme_names(themes: Any) -> frozenset[str] | None:
    if themes is None:
        return None
    return frozenset(t.name for t in getattr(themes, "themes", themes))


@dataclass(frozen=True, slots=True)
class _OwnTheme:
    """A chat's own theme as compose sees it: its key, and its name for a heading."""

    name: str
    names: dict[str, str]


def _display_themes(themes: Any) -> dict[str, Any]:
    if themes is None:
        return {}
    return {t.name: t for t in getattr(themes, "themes", themes)}


def _theme_for(key: str, display: Mapping[str, Any]) -> Any:
    """The configured Theme (for its display names), an own theme, or the bare key."""
    if key in display:
        return display[key]
    owner = _own_theme_chat(key)
    if owner is not None:
        name = key.split(":", 1)[1]
        return _OwnTheme(key, {"en": name, "es": name})
    return key


def _chunks(values: Sequence[Any], size: int = 500) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def brief_story_ids(brief: Any) -> list[int]:
    """The ids of the stories a composed brief shows (whatever shape compose gives it)."""
    ids = getattr(brief, "story_ids", None)
    if ids is not None:
        return list(ids() if callable(ids) else ids)
    found: list[int] = []
    for section in getattr(brief, "sections", ()) or ():
        for story in getattr(section, "stories", ()) or ():
            found.append(int(story.id))
    for story in getattr(brief, "stories", ()) or ():
        found.append(int(story.id))
    return list(dict.fromkeys(found))


async def _remember_sent(conn: AsyncConnection, chat_ids: Sequence[int],
                         story_ids: Sequence[int], now: datetime) -> None:
    """No story reaches a chat twice: record it as sent when it is queued.

    Every (chat, story) pair is made by the database from two id lists (one statement, two
    parameters) rather than sent as a parameter set per row: a brief to 500 chats showing 15
    stories is 7,500 rows, and building and binding them was most of a due-briefs run.
    """
    if not chat_ids or not story_ids:
        return
    chat_list, story_list = list(chat_ids), sorted(set(story_ids))
    if is_postgres(conn):
        await conn.execute(_SENT_PAIRS_PG, {"chats": chat_list, "stories": story_list,
                                            "now": now})
    else:  # SQLite reads the lists as JSON arrays (json_each)
        await conn.execute(_SENT_PAIRS_SQLITE, {"chats": json.dumps(chat_list),
                                                "stories": json.dumps(story_list), "now": now})


_SENT_PAIRS_PG = text(
    "INSERT INTO sent_stories (chat_id, story_id, sent_at) "
    "SELECT c.id, s.id, :now FROM unnest(CAST(:chats AS BIGINT[])) AS c(id) "
    "CROSS JOIN unnest(CAST(:stories AS BIGINT[])) AS s(id) "
    "ON CONFLICT (chat_id, story_id) DO NOTHING"
).bindparams(bindparam("now", type_=UTCDateTime()))
# "WHERE true" keeps SQLite from reading ON CONFLICT as part of the join.
_SENT_PAIRS_SQLITE = text(
    "INSERT INTO sent_stories (chat_id, story_id, sent_at) "
    "SELECT c.value, s.value, :now FROM json_each(:chats) AS c "
    "CROSS JOIN json_each(:stories) AS s WHERE true "
    "ON CONFLICT (chat_id, story_id) DO NOTHING"
).bindparams(bindparam("now", type_=UTCDateTime()))


# --- alerts -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _AlertChat:
    id: int
    language: str
    timezone: str
    quiet_start: str | None
    quiet_end: str | None
    thread_id: int | None


def _default_render_alert() -> RenderAlert:
    from briefings.render import render_alert  # type: ignore[import-not-found,unused-ignore]

    return render_alert  # type: ignore[no-any-return]


async def enqueue_alerts(
    engine: AsyncEngine,
    *,
    story_ids: Sequence[int],
    now: datetime,
    per_hour: int,
    render_alert: RenderAlert | None = None,
    load_stories: Callable[..., Awaitable[dict[int, Any]]] | None = None,
    themes: Any = None,  # briefings.themes.ThemeSet, for the theme names an alert shows
) -> int:
    """Queue an alert for each new story to the chats with alerts on whose themes it matches.

    Silent during a chat's quiet hours, at most ``per_hour`` per chat per hour, never a story
    the chat already got. Returns how many (chat, story) alerts were queued.
    """
    if not story_ids:
        return 0
    render_alert = render_alert or _default_render_alert()
    load_stories = load_stories or _story_views
    display = _display_themes(themes)
    async with engine.begin() as conn:
        wanted, own = await _alert_targets(conn, list(story_ids))
        if not wanted:
            return 0
        chat_rows = await _alert_chats(conn, sorted({c for cs in wanted.values() for c in cs}))
        had = await _sent_among(conn, list(chat_rows), list(wanted))
        budget = await _alert_budget(conn, list(chat_rows), now, per_hour)
        # Shared themes only: another chat's own theme (name, terms) never shows in an alert.
        views = await load_stories(conn, list(wanted))
        queued = 0
        for story_id in story_ids:  # in the order given: the pipeline's newest first
            targets = [chat_rows[c] for c in sorted(wanted.get(story_id, ()))
                       if c in chat_rows and story_id not in had.get(c, ()) and budget[c] > 0]
            shared = [c for c in targets if (story_id, c.id) not in own]
            view = views.get(story_id)
            sent_to: list[int] = []
            if view is not None and shared:
                names = [_theme_for(k, display) for k in getattr(view, "themes", {})]
                queued += await _queue_story_alert(conn, view, shared, now, render_alert, names)
                sent_to.extend(c.id for c in shared)
            for chat in targets:
                if (story_id, chat.id) in own:  # matched by the chat's own theme alone
                    key = own[(story_id, chat.id)]
                    mine = (await load_stories(conn, [story_id], themes=[key])).get(story_id)
                    if mine is None:
                        continue
                    queued += await _queue_story_alert(conn, mine, [chat], now, render_alert,
                                                       [_theme_for(key, display)])
                    sent_to.append(chat.id)
            # Only chats that got an alert count as having the story; the others may still
            # receive it in a brief.
            for chat_id in sent_to:
                budget[chat_id] -= 1
            await _remember_sent(conn, sent_to, [story_id], now)
        return queued


async def _queue_story_alert(conn: AsyncConnection, view: Any, targets: list[_AlertChat],
                             now: datetime, render_alert: RenderAlert, names: list[Any]) -> int:
    """Render once per language; silent and loud chats get separate rows of the same body."""
    by_language: dict[str, list[_AlertChat]] = defaultdict(list)
    for chat in targets:
        by_language[chat.language].append(chat)
    for language, members in by_language.items():
        rendered = (render_alert(view, language=language, theme_names=names) if names
                    else render_alert(view, language=language))
        parts = [rendered] if isinstance(rendered, str) else list(rendered)
        threads = {c.id: c.thread_id for c in members if c.thread_id is not None}
        for silent in (False, True):
            ids = [c.id for c in members
                   if in_quiet_hours(now, c.timezone, c.quiet_start, c.quiet_end) == silent]
            await ob.enqueue(conn, chat_ids=ids, parts=parts, kind="alert", now=now,
                             dedupe_prefix=f"alert:{view.id}", silent=silent, thread_ids=threads)
    return len(targets)


async def _alert_targets(
    conn: AsyncConnection, story_ids: list[int]
) -> tuple[dict[int, set[int]], dict[tuple[int, int], str]]:
    """story id → chats it matches; and (story, chat) → own theme key where only that matched."""
    targets: dict[int, set[int]] = defaultdict(set)
    by_theme: dict[str, set[int]] = defaultdict(set)
    for chunk in _chunks(story_ids):
        for story_id, theme in await conn.execute(
            select(story_themes.c.story_id, story_themes.c.theme)
            .where(story_themes.c.story_id.in_(chunk))
        ):
            by_theme[theme].add(story_id)
    shared = [t for t in by_theme if _own_theme_chat(t) is None]
    for chunk in _chunks(shared):
        for chat_id, theme in await conn.execute(
            select(subscriptions.c.chat_id, subscriptions.c.theme)
            .where(subscriptions.c.theme.in_(chunk))
        ):
            for story_id in by_theme[theme]:
                targets[story_id].add(chat_id)
    own: dict[tuple[int, int], str] = {}
    for theme, ids in by_theme.items():
        owner = _own_theme_chat(theme)
        if owner is None:
            continue
        for story_id in ids:
            if owner not in targets[story_id]:
                own[(story_id, owner)] = theme
            targets[story_id].add(owner)
    return targets, own


def _own_theme_chat(key: str) -> int | None:
    if not key.startswith("c") or ":" not in key:
        return None
    head = key[1:].split(":", 1)[0]
    try:
        return int(head)
    except ValueError:
        return None


async def _alert_chats(conn: AsyncConnection, chat_ids: list[int]) -> dict[int, _AlertChat]:
    found: dict[int, _AlertChat] = {}
    for chunk in _chunks(chat_ids):
        for row in await conn.execute(
            select(chats.c.id, chats.c.language, chats.c.timezone, chats.c.quiet_start,
                   chats.c.quiet_end, chats.c.thread_id)
            .where(chats.c.id.in_(chunk), chats.c.active.is_(True), chats.c.alerts.is_(True),
                   chats.c.paused.is_(False))
        ):
            found[row.id] = _AlertChat(*row)
    return found


async def _alert_budget(conn: AsyncConnection, chat_ids: list[int], now: datetime,
                        per_hour: int) -> dict[int, int]:
    """Alerts each chat may still get this hour (distinct alerts, not message parts)."""
    used: dict[int, int] = defaultdict(int)
    for chunk in _chunks(chat_ids):
        for chat_id, count in await conn.execute(
            select(outbox.c.chat_id, func.count())
            .where(and_(outbox.c.chat_id.in_(chunk), outbox.c.kind == "alert",
                        outbox.c.part == 0, outbox.c.created_at > now - timedelta(hours=1)))
            .group_by(outbox.c.chat_id)
        ):
            used[chat_id] = int(count)
    return {c: max(0, per_hour - used[c]) for c in chat_ids}


async def _story_views(conn: AsyncConnection, story_ids: list[int],
                       themes: list[str] | None = None) -> dict[int, Any]:
    """The stories as the renderer wants them (``StoryView``), by id, seen through ``themes``
    (default: every shared theme they are on)."""
    from briefings.store import stories as story_store

    rows = (await conn.execute(select(*stories.c).where(stories.c.id.in_(story_ids)))
            ).mappings().all()
    if themes is None:
        themes = [t for (t,) in await conn.execute(
            select(story_themes.c.theme).where(story_themes.c.story_id.in_(story_ids))
            .distinct()) if _own_theme_chat(t) is None]
    views = await story_store._views(conn, rows, themes)  # noqa: SLF001 - the one StoryView maker
    return {v.id: v for v in views}
