"""The due-briefs job: every chat whose brief time has come gets its brief in the outbox.

Schedules live in the store (``chats.next_brief_at``), not in timers: each run claims the due
chats in batches and, in one transaction per batch, plans who reads what (``briefs.plan``),
composes and renders once per distinct brief, writes the outbox rows, records the stories as
sent and advances each chat's next brief. A brief missed while the bot was down is sent late
within the grace period, else skipped; the dedupe key ``brief:<local date>:<chat>:<part>`` means
a chat never gets two briefs for one day. Chats that already got some of a brief's stories as
alerts get a variant without them, rendered once per distinct set left out. A brief is the same
brief for chats of the same themes, language, window, headline preference and time zone
(``plan.BriefKey``); each part's buttons are stored with its body.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Generic, Protocol, Self, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from briefings.briefs import plan
from briefings.briefs.compose import compose_brief
from briefings.briefs.content import Brief
from briefings.model import ThemeRef
from briefings.render.face import Renderer
from briefings.render.parts import Button, Part
from briefings.store import briefs as store
from briefings.store import outbox
from briefings.store.briefs import DueChat
from briefings.themes.catalogue import ThemeCatalogue
from briefings.themes.config import ThemeSet

log = logging.getLogger(__name__)

BATCH = 2000  # chats per transaction


class BriefContent(Protocol):
    """What the job needs of a composed brief: its stories, and itself less some of them."""

    def story_ids(self) -> list[int]: ...

    def without(self, story_ids: frozenset[int]) -> Self: ...


C = TypeVar("C", bound=BriefContent)
C_co = TypeVar("C_co", bound=BriefContent, covariant=True)


class Composer(Protocol[C_co]):
    """Makes the content of one brief (``briefs.compose.compose_brief`` in production)."""

    async def __call__(self, conn: AsyncConnection, *, themes: list[ThemeRef],
                       catalogue: ThemeCatalogue, since: datetime, now: datetime,
                       language: str, headlines: str, timezone: str) -> C_co: ...


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


@dataclass(frozen=True, slots=True)
class _Rendered:
    parts: list[str]
    markups: list[str | None]  # each part's buttons, as the face stores them
    story_ids: list[int]


def _no_buttons(buttons: Sequence[Button]) -> str | None:
    return None


class BriefJob(Generic[C]):
    """Queues due briefs; ``compose`` makes the content, ``render`` (a face's) the parts."""

    def __init__(self, engine: AsyncEngine, *, compose: Composer[C],
                 render: Callable[[C], Sequence[str | Part]], face: str, parse_mode: str,
                 grace: timedelta, themes: ThemeSet | None = None, batch: int = BATCH,
                 markup: Callable[[Sequence[Button]], str | None] = _no_buttons) -> None:
        self.engine, self.compose, self.render, self.markup = engine, compose, render, markup
        self.face, self.parse_mode, self.grace, self.batch = face, parse_mode, grace, batch
        # Subscriptions to themes no longer configured are ignored (None: all are kept).
        self.known = None if themes is None else frozenset(themes.names())
        self.catalogue = ThemeCatalogue(themes or ())

    @classmethod
    def for_face(cls, engine: AsyncEngine, renderer: Renderer, *, grace: timedelta,
                 themes: ThemeSet | None = None, batch: int = BATCH) -> BriefJob[Brief]:
        """The production job: ``compose_brief`` rendered by ``renderer``."""
        return BriefJob[Brief](engine, compose=compose_brief, render=renderer.brief_parts,
                               face=renderer.face, parse_mode=renderer.parse_mode,
                               grace=grace, themes=themes, batch=batch, markup=renderer.markup)

    async def run_once(self, now: datetime) -> BriefRunReport:
        """Queue the brief of every chat whose time has come; advance each chat's next brief."""
        run = _Run(self, now)
        after: tuple[datetime, int] | None = None
        while True:
            async with self.engine.begin() as conn:
                due = [plan.sane(c) for c in await store.due_chats(conn, now, self.batch, after)]
                if due:
                    await run.batch(conn, due)
            if len(due) < self.batch:
                run.report.distinct = len(run.rendered)
                return run.report
            after = (due[-1].next_brief_at, due[-1].id)


@dataclass(slots=True)
class _Delivery:
    """One rendered variant of a brief for the fresh chats of a batch that get it."""

    variant: object  # the key of ``_Run.rendered``
    rendered: _Rendered
    chats: list[DueChat]


class _Run(Generic[C]):
    """One run: what was composed, rendered and stored, shared by every batch of the run.

    A batch costs a fixed number of statements whatever the number of distinct briefs in it:
    one query each for the chats' themes and the stories they already have; two inserts of
    the outbox rows (a brief already queued today is told by its first part's dedupe key), one
    of every (chat, story) sent, one update of every chat's schedule. A rendered part is stored
    as a body once per run and shared by every batch (each batch commits before the next, and
    a failed batch ends the run).
    """

    def __init__(self, job: BriefJob[C], now: datetime) -> None:
        self.job, self.now, self.report = job, now, BriefRunReport()
        self.composed: dict[plan.BriefKey, C] = {}
        # Keyed by the brief, or by (brief, stories left out) for a slimmer variant.
        self.rendered: dict[object, _Rendered] = {}
        self.bodies: dict[object, list[int]] = {}  # variant → its parts' stored body ids

    async def batch(self, conn: AsyncConnection, due: list[DueChat]) -> None:
        report, now = self.report, self.now
        report.due += len(due)
        keys = await store.theme_keys(conn, [c.id for c in due], self.job.known)
        grouping = plan.group_due(due, keys, now, self.job.grace)
        for chat in grouping.skipped:
            log.info("brief skipped: missed by more than the grace period",
                     extra={"chat_id": chat.id, "due_at": chat.next_brief_at.isoformat()})
        report.skipped += len(grouping.skipped)
        report.empty += grouping.empty
        full: dict[plan.BriefKey, _Rendered] = {}
        for key, group in grouping.groups.items():
            label = plan.brief_label(key)
            report.chats_by_brief[label] = report.chats_by_brief.get(label, 0) + len(group)
            full[key] = await self._full(conn, key)
        grouped = [chat for group in grouping.groups.values() for chat in group]
        # A story a chat already received (as an alert) is left out of its brief.
        shown = sorted({story for rendered in full.values() for story in rendered.story_ids})
        had = await store.sent_among(conn, [c.id for c in grouped], shown)
        deliveries: list[_Delivery] = []
        for key, group in grouping.groups.items():
            in_brief = set(full[key].story_ids)
            mine = {c.id: had[c.id] & in_brief for c in group if c.id in had}
            for excluded, members in plan.variants(group, mine).items():
                variant: object = (key, excluded) if excluded else key
                rendered = self._variant(key, excluded) if excluded else full[key]
                if not rendered.parts:
                    report.empty += len(members)
                    continue
                deliveries.append(_Delivery(variant, rendered, members))
        briefed = await self._enqueue(conn, deliveries, plan.brief_days(grouped))
        await store.remember_sent_groups(
            conn, [([c.id for c in d.chats if c.id in briefed], d.rendered.story_ids)
                   for d in deliveries], now)
        report.enqueued += len(briefed)
        await store.advance(conn, plan.next_briefs(due, now, dict.fromkeys(briefed, now)))

    async def _full(self, conn: AsyncConnection, key: plan.BriefKey) -> _Rendered:
        if key not in self.rendered:
            self.composed[key] = await self.job.compose(
                conn, themes=[ThemeRef.parse(k) for k in key.themes],
                catalogue=self.job.catalogue, since=key.since, now=self.now,
                language=key.language, headlines=key.headlines, timezone=key.timezone)
            self.rendered[key] = self._render(self.composed[key])
        return self.rendered[key]

    def _variant(self, key: plan.BriefKey, excluded: frozenset[int]) -> _Rendered:
        variant = (key, excluded)
        if variant not in self.rendered:
            self.rendered[variant] = self._render(self.composed[key].without(excluded))
        return self.rendered[variant]

    def _render(self, brief: C) -> _Rendered:
        self.report.renders += 1
        parts = [Part(p) if isinstance(p, str) else p for p in self.job.render(brief)]
        return _Rendered([p.text for p in parts], [self.job.markup(p.buttons) for p in parts],
                         brief.story_ids())

    async def _enqueue(self, conn: AsyncConnection, deliveries: list[_Delivery],
                       days: dict[int, str]) -> set[int]:
        """Every delivery's rows in two inserts (bodies stored once per run); the chats briefed.

        The dedupe key ``brief:<local date>:<chat>:<part>`` keeps a chat to one brief a day. A
        chat that already has that day's brief (its time moved later the same day) is left out
        whole: its first part's key is taken, so the first insert (every chat's first part)
        adds no row for it and the second (the other parts) skips it — the per-part keys alone
        would let a longer second brief's extra parts through.
        """
        created: dict[object, list[int]] = {}
        first: list[outbox.Target] = []
        rest: list[outbox.Target] = []
        for delivery in deliveries:
            body_ids = self.bodies.get(delivery.variant)
            if body_ids is None:
                rendered = delivery.rendered
                body_ids = [
                    await outbox.add_body(conn, text=text, now=self.now,
                                          parse_mode=self.job.parse_mode, face=self.job.face,
                                          markup=rendered.markups[n])
                    for n, text in enumerate(rendered.parts)
                ]
                self.bodies[delivery.variant] = created[delivery.variant] = body_ids
            for chat in delivery.chats:
                prefix = f"brief:{days[chat.id]}:{chat.id}"
                first.append(outbox.Target(chat.id, body_ids[0], 0, f"{prefix}:0",
                                           chat.thread_id))
                rest.extend(outbox.Target(chat.id, body_id, n, f"{prefix}:{n}", chat.thread_id)
                            for n, body_id in enumerate(body_ids) if n)
        briefed = set(await outbox.enqueue_rows(conn, first, kind="brief", now=self.now))
        added = len(briefed) + len(await outbox.enqueue_rows(
            conn, [t for t in rest if t.chat_id in briefed], kind="brief", now=self.now))
        self.report.messages += added
        # A body stored in this batch for chats that all had their brief already: none uses it.
        used = {d.variant for d in deliveries if any(c.id in briefed for c in d.chats)}
        for variant in created.keys() - used:
            await outbox.drop_bodies(conn, self.bodies.pop(variant))
        return briefed
