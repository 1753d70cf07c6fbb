"""Alerts: each new story, right away, to the chats whose themes it matches.

Silent during a chat's quiet hours, never a story the chat already got, at most ``per_hour`` per
chat per hour: when the cap bites, the most important stories win (``plan.plan_alerts``), and the
chat is told once an hour how many stories wait for its brief. A story matched only by a chat's
own theme goes to that chat alone, named by that theme; another chat's own theme (name, terms)
never shows in an alert, and no alert shows matched terms (``/why`` does).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from briefings.briefs import plan
from briefings.briefs.compose import alert_for
from briefings.briefs.content import Story
from briefings.render.face import Renderer
from briefings.store import alerts as store
from briefings.store import briefs as sent
from briefings.store import outbox
from briefings.store.alerts import AlertChat
from briefings.themes.catalogue import ThemeCatalogue
from briefings.themes.config import ThemeSet

UNKNOWN = plan.Importance(both_sides=False, outlets=0, strength=0.0)


async def queue_alerts(engine: AsyncEngine, story_ids: Sequence[int], now: datetime, *,
                       per_hour: int, renderer: Renderer, themes: ThemeSet | None = None) -> int:
    """Queue the alerts of new stories (newest first, as given); returns (chat, story) alerts."""
    if not story_ids:
        return 0
    async with engine.begin() as conn:
        return await _queue_in(conn, list(story_ids), now, per_hour, renderer,
                               ThemeCatalogue(themes or ()))  # fmt: skip


async def queue_owed_alerts(engine: AsyncEngine, now: datetime, *, per_hour: int,
                            renderer: Renderer, themes: ThemeSet | None = None) -> int:
    """Queue the alerts that polls recorded as owed, each exactly once; returns alerts queued.

    The owed rows are taken in the transaction that queues their alerts: if queuing fails, the
    rollback owes them again, and the next call (this cycle, the next, or after a restart)
    queues them.
    """
    catalogue = ThemeCatalogue(themes or ())
    queued = 0
    while True:
        async with engine.begin() as conn:
            story_ids = await store.take_owed(conn)
            if story_ids:
                queued += await _queue_in(conn, story_ids, now, per_hour, renderer, catalogue)
        if len(story_ids) < store.OWED_BATCH:
            return queued


async def _queue_in(conn: AsyncConnection, story_ids: list[int], now: datetime, per_hour: int,
                    renderer: Renderer, catalogue: ThemeCatalogue) -> int:
    by_theme = await store.stories_by_theme(conn, story_ids)
    followers = await store.subscribers(conn, plan.shared_themes(by_theme))
    targets = plan.alert_targets(by_theme, followers)
    if not targets.chats:
        return 0
    chats = await store.alert_chats(conn, targets.all_chats())
    had = await sent.sent_among(conn, list(chats), list(targets.chats))
    used = await store.alerts_since(conn, list(chats), now - timedelta(hours=1))
    views = await store.story_views(conn, list(targets.chats))
    weights = {sid: plan.importance(views[sid]) if sid in views else UNKNOWN
               for sid in story_ids}
    decided = plan.plan_alerts(story_ids, weights, targets, chats, had, used, per_hour)
    had_alert: list[tuple[list[int], list[int]]] = []
    for story_id, chat_ids in decided.sends:
        to = [chats[c] for c in chat_ids]
        sent_to = await _story(conn, story_id, to, views.get(story_id), targets, now,
                               renderer, catalogue)
        had_alert.append((sent_to, [story_id]))
    # Only chats that got an alert count as having the story; the others may still receive
    # it in a brief.
    await sent.remember_sent_groups(conn, had_alert, now)
    await _tell_held(conn, decided.held, chats, now, renderer)
    return sum(len(chat_ids) for chat_ids, _ in had_alert)


async def _story(conn: AsyncConnection, story_id: int, to: list[AlertChat], view: Story | None,
                 targets: plan.AlertTargets, now: datetime, renderer: Renderer,
                 catalogue: ThemeCatalogue) -> list[int]:
    """One story's alerts: its shared-theme chats together, own-theme chats each by their
    theme; returns the chats queued."""
    shared = [c for c in to if (story_id, c.id) not in targets.own]
    sent_to: list[int] = []
    if view is not None and shared:
        await _queue(conn, view, shared, now, renderer, catalogue)
        sent_to.extend(c.id for c in shared)
    for chat in to:
        own = targets.own.get((story_id, chat.id))
        if own is None:  # matched by a shared theme: sent above
            continue
        mine = (await store.story_views(conn, [story_id], [own])).get(story_id)
        if mine is not None:
            await _queue(conn, mine, [chat], now, renderer, catalogue)
            sent_to.append(chat.id)
    return sent_to


async def _queue(conn: AsyncConnection, story: Story, to: list[AlertChat], now: datetime,
                 renderer: Renderer, catalogue: ThemeCatalogue) -> None:
    """Render once per (language, headlines, zone); silent and loud chats get separate rows of
    the same body."""
    readers: dict[tuple[str, str, str], list[AlertChat]] = defaultdict(list)
    for chat in to:
        readers[(chat.language, chat.headlines, chat.timezone)].append(chat)
    for (language, headlines, timezone), members in readers.items():
        part = renderer.alert_part(alert_for(story, language, catalogue, headlines=headlines,
                                             timezone=timezone))
        threads = {c.id: c.thread_id for c in members if c.thread_id is not None}
        for silent, ids in plan.quiet_split(members, now).items():
            await outbox.enqueue(conn, chat_ids=ids, parts=[part.text], kind="alert", now=now,
                                 dedupe_prefix=f"alert:{story.id}", silent=silent,
                                 thread_ids=threads, parse_mode=renderer.parse_mode,
                                 face=renderer.face, markups=[renderer.markup(part.buttons)])


async def _tell_held(conn: AsyncConnection, held: Mapping[int, int],
                     chats: Mapping[int, AlertChat], now: datetime, renderer: Renderer) -> None:
    """Tell each chat whose cap held stories back how many wait for its brief (once an hour)."""
    notices: dict[tuple[str, int, str], list[AlertChat]] = defaultdict(list)
    for chat_id, count in held.items():
        chat = chats[chat_id]
        notices[(chat.language, count, chat.brief_time)].append(chat)
    for (language, count, brief_time), members in notices.items():
        parts = renderer.held(language=language, count=count, brief_time=brief_time)
        threads = {c.id: c.thread_id for c in members if c.thread_id is not None}
        for silent, ids in plan.quiet_split(members, now).items():
            await outbox.enqueue(conn, chat_ids=ids, parts=parts, kind="notice", now=now,
                                 dedupe_prefix=plan.held_dedupe_prefix(now), silent=silent,
                                 thread_ids=threads, parse_mode=renderer.parse_mode,
                                 face=renderer.face)
