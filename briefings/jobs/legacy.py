"""The old ``briefings.briefs`` entry points over the new jobs.  # shim: remove after the move

``enqueue_due_briefs``/``enqueue_alerts`` took a compose and a render of any shape; the jobs
take typed ones. This adapts the old shapes (tests and benchmarks still pass them) and renders
with the Telegram face by default. Callers: use ``BriefJob.for_face(...).run_once(now)`` and
``jobs.alerts.queue_alerts``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from briefings.briefs.compose import compose_brief
from briefings.briefs.content import Alert, Brief
from briefings.jobs.alerts import queue_alerts
from briefings.jobs.brief import BATCH, BriefJob, BriefRunReport
from briefings.model import ThemeRef
from briefings.render.telegram import TELEGRAM, TelegramRenderer
from briefings.themes.catalogue import ThemeCatalogue
from briefings.themes.config import ThemeSet

OldCompose = Callable[..., Awaitable[Any]]
OldRender = Callable[[Any], Sequence[str]]


def brief_story_ids(brief: Any) -> list[int]:
    """The ids of the stories a composed brief shows (whatever shape compose gives it)."""
    ids = getattr(brief, "story_ids", None)
    if ids is not None:
        return list(ids() if callable(ids) else ids)
    found = [int(s.id) for section in getattr(brief, "sections", ()) or ()
             for s in getattr(section, "stories", ()) or ()]
    found += [int(s.id) for s in getattr(brief, "stories", ()) or ()]
    return list(dict.fromkeys(found))


def without_stories(brief: Any, story_ids: frozenset[int]) -> Any:
    """The composed brief less some stories (sections left empty are dropped)."""
    if isinstance(brief, Brief):
        return brief.without(story_ids)
    return replace(brief, stories=[s for s in brief.stories if int(s.id) not in story_ids])


@dataclass(frozen=True)
class _Any:
    """An old-shaped brief seen as ``BriefContent``."""

    inner: Any

    def story_ids(self) -> list[int]:
        return brief_story_ids(self.inner)

    def without(self, story_ids: frozenset[int]) -> _Any:
        return _Any(without_stories(self.inner, story_ids))


async def enqueue_due_briefs(engine: AsyncEngine, *, themes: ThemeSet | None = None,
                             now: datetime, grace: timedelta, batch: int = BATCH,
                             compose: OldCompose | None = None,
                             render: OldRender | None = None) -> BriefRunReport:
    """Queue the brief of every chat whose time has come; advance each chat's next brief."""
    if compose is None and render is None:
        job = BriefJob.for_face(engine, TELEGRAM, grace=grace, themes=themes, batch=batch)
        return await job.run_once(now)
    old_compose, old_render = compose or compose_brief, render or TELEGRAM.brief

    async def adapted(conn: AsyncConnection, *, themes: list[ThemeRef],
                      catalogue: ThemeCatalogue, since: datetime, now: datetime,
                      language: str) -> _Any:
        # The old job passed configured Themes where it knew them, else the bare keys.
        given = [catalogue.theme(ref) or ref.key for ref in themes]
        return _Any(await old_compose(conn, themes=given, since=since, now=now,
                                      language=language))

    legacy = BriefJob[_Any](engine, compose=adapted, render=lambda b: old_render(b.inner),
                            face=TELEGRAM.face, parse_mode=TELEGRAM.parse_mode, grace=grace,
                            themes=themes, batch=batch)
    return await legacy.run_once(now)


class _AlertRenderer(TelegramRenderer):
    def __init__(self, render_alert: Callable[..., Any]) -> None:
        super().__init__()
        self.render_alert = render_alert

    def alert(self, alert: Alert) -> list[str]:
        rendered = self.render_alert(alert.story, language=alert.language)
        return [rendered] if isinstance(rendered, str) else list(rendered)


async def enqueue_alerts(engine: AsyncEngine, *, story_ids: Sequence[int], now: datetime,
                         per_hour: int, render_alert: Callable[..., Any] | None = None,
                         themes: ThemeSet | None = None) -> int:
    """Queue an alert for each new story to the chats with alerts on whose themes it matches."""
    renderer = TELEGRAM if render_alert is None else _AlertRenderer(render_alert)
    return await queue_alerts(engine, story_ids, now, per_hour=per_hour, renderer=renderer,
                              themes=themes)


__all__ = ["BriefRunReport", "brief_story_ids", "enqueue_alerts", "enqueue_due_briefs",
           "without_stories"]
