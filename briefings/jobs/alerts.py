"""Alerts: each new story, right away, to the chats whose themes it matches.

Silent during a chat's quiet hours, at most ``per_hour`` per chat per hour, never a story the
chat already got. A story matched only by a chat's own theme goes to that chat alone, named by
that theme; another chat's own theme (name, terms) never shows in an alert.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
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


async def queue_alerts(engine: AsyncEngine, story_ids: Sequence[int], now: datetime, *,
                       per_hour: int, renderer: Renderer, themes: ThemeSet | None = None) -> int:
    """Queue the alerts of new stories (newest first, as given); returns (chat, story) alerts."""
    if not story_ids:
        return 0
    catalogue = ThemeCatalogue(themes or ())
    async with engine.begin() as conn:
        by_theme = await store.stories_by_theme(conn, story_ids)
        followers = await store.subscribers(conn, plan.shared_themes(by_theme))
        targets = plan.alert_targets(by_theme, followers)
        if not targets.chats:
            return 0
        chats = await store.alert_chats(conn, targets.all_chats())
        had = await sent.sent_among(conn, list(chats), list(targets.chats))
        used = await store.alerts_since(conn, list(chats), now - timedelta(hours=1))
        budget = plan.budgets(list(chats), used, per_hour)
        views = await store.story_views(conn, list(targets.chats))
        queued = 0
        for story_id in story_ids:
            to = plan.recipients(story_id, targets, chats, had, budget)
            shared = [c for c in to if (story_id, c.id) not in targets.own]
            view = views.get(story_id)
            sent_to: list[int] = []
            if view is not None and shared:
                queued += await _queue(conn, view, shared, now, renderer, catalogue)
                sent_to.extend(c.id for c in shared)
            for chat in to:
                own = targets.own.get((story_id, chat.id))
                if own is None:  # matched by a shared theme: sent above
                    continue
                mine = (await store.story_views(conn, [story_id], [own])).get(story_id)
                if mine is not None:
                    queued += await _queue(conn, mine, [chat], now, renderer, catalogue)
                    sent_to.append(chat.id)
            # Only chats that got an alert count as having the story; the others may still
            # receive it in a brief.
            for chat_id in sent_to:
                budget[chat_id] -= 1
            await sent.remember_sent(conn, sent_to, [story_id], now)
        return queued


async def _queue(conn: AsyncConnection, story: Story, to: list[AlertChat], now: datetime,
                 renderer: Renderer, catalogue: ThemeCatalogue) -> int:
    """Render once per language; silent and loud chats get separate rows of the same body."""
    by_language: dict[str, list[AlertChat]] = defaultdict(list)
    for chat in to:
        by_language[chat.language].append(chat)
    for language, members in by_language.items():
        parts = renderer.alert(alert_for(story, language, catalogue))
        threads = {c.id: c.thread_id for c in members if c.thread_id is not None}
        for silent, ids in plan.quiet_split(members, now).items():
            await outbox.enqueue(conn, chat_ids=ids, parts=parts, kind="alert", now=now,
                                 dedupe_prefix=f"alert:{story.id}", silent=silent,
                                 thread_ids=threads, parse_mode=renderer.parse_mode,
                                 face=renderer.face)
    return len(to)

