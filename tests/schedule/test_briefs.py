"""Due briefs and alerts on the real store: once per day, DST-correct, grace, render sharing."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from briefings.briefs.content import Alert, Brief, Section
from briefings.jobs.alerts import queue_alerts
from briefings.jobs.brief import BATCH, BriefJob, BriefRunReport
from briefings.model import ThemeRef
from briefings.render.parts import Part
from briefings.render.telegram import TELEGRAM, TelegramRenderer
from briefings.store.chats import get_chat, track, update_chat
from briefings.store.stories import recent_stories
from briefings.store.tables import bodies, chats, outbox, sent_stories, stories, story_themes
from briefings.themes.catalogue import ThemeCatalogue
from tests.schedule.helpers import add_chats

GRACE = timedelta(hours=6)
NOW = datetime(2026, 3, 2, 8, 0, 30, tzinfo=UTC)


async def compose(conn: AsyncConnection, *, themes: list[ThemeRef], catalogue: ThemeCatalogue,
                  since: datetime, now: datetime, language: str, headlines: str = "reader",
                  timezone: str = "UTC") -> Brief:
    """A real ``Brief`` with a section per theme asked for, even an empty one (the test
    renderer names every theme), each story in the first of its themes."""
    keys = [ref.key for ref in themes]
    found = await recent_stories(conn, themes=keys, since=since, until=now + timedelta(1))
    placed: set[int] = set()
    sections = []
    for key in keys:
        mine = [s for s in found if key in s.themes and s.id not in placed]
        placed.update(s.id for s in mine)
        sections.append(Section(key, key, mine))
    return Brief(language, now, since, sections)


def headlines(brief: Brief) -> list[str]:
    return [story.headline for section in brief.sections for story in section.stories]


class CountingRender:
    """A renderer that counts its calls; two parts when there are stories."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[str, ...], str]] = []

    def __call__(self, brief: Brief) -> list[str]:
        self.calls.append((tuple(s.theme for s in brief.sections), brief.language))
        head = f"<b>{'+'.join(s.theme for s in brief.sections)} ({brief.language})</b>"
        return [head, "\n".join(headlines(brief)) or "nothing new"]


async def run_briefs(engine: AsyncEngine, *, now: datetime, grace: timedelta,
                     render: CountingRender, batch: int = BATCH) -> BriefRunReport:
    """The due-briefs job with the test composer and renderer."""
    job = BriefJob[Brief](engine, compose=compose, render=render, face=TELEGRAM.face,
                          parse_mode=TELEGRAM.parse_mode, grace=grace, batch=batch)
    return await job.run_once(now)


async def add_story(conn: AsyncConnection, story_id: int, themes: list[str],
                    at: datetime = NOW - timedelta(hours=1)) -> None:
    await conn.execute(stories.insert().values(
        id=story_id, headline=f"Story {story_id}", url=f"https://example.org/{story_id}",
        summary="", first_seen_at=at, last_seen_at=at, source_count=1, languages="en"))
    for theme in themes:
        await conn.execute(story_themes.insert().values(story_id=story_id, theme=theme, score=1))


async def due_chats(engine: AsyncEngine, ids: list[int], *, at: datetime = NOW,
                    **kwargs: Any) -> None:
    async with engine.begin() as conn:
        await add_chats(conn, ids, now=at - timedelta(days=1), **kwargs)
        await conn.execute(update(chats).where(chats.c.id.in_(ids)).values(next_brief_at=at))


async def outbox_rows(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as conn:
        return list(await conn.execute(
            select(outbox.c.chat_id, outbox.c.part, outbox.c.kind, outbox.c.silent,
                   outbox.c.dedupe_key, bodies.c.text)
            .join(bodies, bodies.c.id == outbox.c.body_id)
            .order_by(outbox.c.chat_id, outbox.c.part, outbox.c.id)))


async def test_a_due_chat_gets_exactly_one_brief(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await add_story(conn, 1, ["tariffs"])
    await due_chats(engine, [10, 11])
    render = CountingRender()
    first = await run_briefs(engine, now=NOW, grace=GRACE, render=render)
    second = await run_briefs(engine, now=NOW + timedelta(minutes=1), grace=GRACE,
                                      render=render)
    assert (first.due, first.enqueued, first.messages) == (2, 2, 4)
    assert second.due == 0
    rows = await outbox_rows(engine)
    assert [(r.chat_id, r.part, r.kind) for r in rows] == [
        (10, 0, "brief"), (10, 1, "brief"), (11, 0, "brief"), (11, 1, "brief")]
    assert rows[1].text == "Story 1"
    assert rows[0].dedupe_key == "brief:2026-03-02:10:0"
    async with engine.connect() as conn:
        chat = await get_chat(conn, 10)
        sent = list(await conn.execute(select(sent_stories.c.chat_id, sent_stories.c.story_id)))
    assert chat is not None
    assert chat.next_brief_at == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
    assert chat.last_brief_at == NOW
    assert sorted(tuple(r) for r in sent) == [(10, 1), (11, 1)]


async def test_a_story_already_received_as_an_alert_is_left_out_of_the_brief(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as conn:
        await add_story(conn, 1, ["tariffs"])
        await add_story(conn, 2, ["tariffs"])
    await due_chats(engine, [10, 11, 12])
    async with engine.begin() as conn:  # chat 11 got story 1 as an alert an hour ago
        await conn.execute(sent_stories.insert().values(
            chat_id=11, story_id=1, sent_at=NOW - timedelta(hours=1)))
    render = CountingRender()
    report = await run_briefs(engine, now=NOW, grace=GRACE, render=render)
    texts = {(r.chat_id, r.part): r.text for r in await outbox_rows(engine)}
    assert sorted(texts[(10, 1)].split("\n")) == ["Story 1", "Story 2"]
    assert texts[(12, 1)] == texts[(10, 1)]
    assert texts[(11, 1)] == "Story 2"
    assert report.renders == len(render.calls) == 2  # the full brief and one slimmer variant
    assert report.enqueued == 3


async def test_never_twice_for_one_local_day_even_if_rescheduled(engine: AsyncEngine) -> None:
    await due_chats(engine, [10])
    await run_briefs(engine, now=NOW, grace=GRACE, render=CountingRender())
    async with engine.begin() as conn:  # e.g. /time set again to the same time, same day
        await conn.execute(update(chats).values(next_brief_at=NOW))
    again = await run_briefs(engine, now=NOW + timedelta(minutes=5), grace=GRACE,
                                     render=CountingRender())
    assert again.due == 1 and again.messages == 0
    assert len(await outbox_rows(engine)) == 2


class GrowingRender(CountingRender):
    """Each brief one part longer than the last: a second brief the same day is longer."""

    def __call__(self, brief: Brief) -> list[str]:
        super().__call__(brief)
        return [f"part {n} of brief {len(self.calls)}" for n in range(len(self.calls) + 1)]


async def test_a_longer_second_brief_the_same_day_sends_no_stray_parts(
    engine: AsyncEngine,
) -> None:
    await due_chats(engine, [12])
    render = GrowingRender()
    first = await run_briefs(engine, now=NOW, grace=GRACE, render=render)
    async with engine.begin() as conn:  # /time moved later the same local day
        await conn.execute(update(chats).values(next_brief_at=NOW + timedelta(hours=3)))
    second = await run_briefs(engine, now=NOW + timedelta(hours=3), grace=GRACE,
                                      render=render)
    assert (first.enqueued, first.messages) == (1, 2)
    assert (second.due, second.enqueued, second.messages) == (1, 0, 0)
    assert [row.text for row in await outbox_rows(engine)] == [
        "part 0 of brief 1", "part 1 of brief 1"]


async def test_advance_is_dst_correct(engine: AsyncEngine) -> None:
    # 08:00 in New York on the Saturday before spring forward is 13:00 UTC; Sunday it is 12:00.
    due = datetime(2026, 3, 7, 13, 0, tzinfo=UTC)
    await due_chats(engine, [20], at=due, timezone="America/New_York")
    await due_chats(engine, [21], at=due, timezone="Europe/Madrid", brief_time="14:00")
    await run_briefs(engine, now=due, grace=GRACE, render=CountingRender())
    async with engine.connect() as conn:
        ny, madrid = await get_chat(conn, 20), await get_chat(conn, 21)
    assert ny is not None and ny.next_brief_at == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)
    assert madrid is not None and madrid.next_brief_at == datetime(2026, 3, 8, 13, 0, tzinfo=UTC)


async def test_missed_brief_sent_late_within_grace_else_skipped(engine: AsyncEngine) -> None:
    await due_chats(engine, [30], at=NOW - timedelta(hours=2))  # down for two hours
    await due_chats(engine, [31], at=NOW - timedelta(hours=7))  # down for seven
    report = await run_briefs(engine, now=NOW, grace=GRACE, render=CountingRender())
    assert (report.due, report.enqueued, report.skipped) == (2, 1, 1)
    assert {r.chat_id for r in await outbox_rows(engine)} == {30}
    async with engine.connect() as conn:
        skipped = await get_chat(conn, 31)
    assert skipped is not None and skipped.next_brief_at > NOW  # rescheduled, not stuck


async def test_brief_keeps_the_date_it_was_due(engine: AsyncEngine) -> None:
    # Due at 23:30 in Mexico City on 1 March, sent 40 minutes late on 2 March (local).
    due = datetime(2026, 3, 2, 5, 30, tzinfo=UTC)
    await due_chats(engine, [40], at=due, timezone="America/Mexico_City", brief_time="23:30")
    await run_briefs(engine, now=due + timedelta(minutes=40), grace=GRACE,
                             render=CountingRender())
    assert (await outbox_rows(engine))[0].dedupe_key == "brief:2026-03-01:40:0"


async def test_paused_and_inactive_chats_get_nothing(engine: AsyncEngine) -> None:
    await due_chats(engine, [50, 51, 52])
    async with engine.begin() as conn:
        await update_chat(conn, 51, paused=True)
        await update_chat(conn, 52, active=False)
    report = await run_briefs(engine, now=NOW, grace=GRACE, render=CountingRender())
    assert report.due == 1
    assert {r.chat_id for r in await outbox_rows(engine)} == {50}


async def test_render_once_per_distinct_brief_across_batches(engine: AsyncEngine) -> None:
    sets = [("tariffs",), ("fentanyl",), ("fentanyl", "tariffs")]
    ids = iter(range(100, 1000))
    expected: Counter[tuple[tuple[str, ...], str]] = Counter()
    for themes in sets:
        for language in ("en", "es"):
            members = [next(ids) for _ in range(20)]
            await due_chats(engine, members, themes=themes, language=language)
            expected[(themes, language)] = 20
    render = CountingRender()
    report = await run_briefs(engine, now=NOW, grace=GRACE, render=render,
                              batch=50)  # several batches
    assert report.enqueued == 120 and report.messages == 240
    # Chats of one brief span several batches; it is still rendered once.
    assert sorted(render.calls) == sorted(expected)
    assert report.renders == report.distinct == 6


async def body_count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(bodies))).scalar_one())


async def test_each_part_is_stored_once_per_run_across_batches(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await add_story(conn, 1, ["tariffs"])
    await due_chats(engine, list(range(10, 35)))
    report = await run_briefs(engine, now=NOW, grace=GRACE, render=CountingRender(), batch=7)
    assert (report.enqueued, report.messages) == (25, 50)
    assert await body_count(engine) == 2  # one body per part, shared by 25 chats in 4 batches
    async with engine.begin() as conn:  # every chat due again the same local day
        await conn.execute(update(chats).values(next_brief_at=NOW))
    again = await run_briefs(engine, now=NOW + timedelta(minutes=5), grace=GRACE,
                             render=CountingRender(), batch=7)
    assert (again.due, again.enqueued, again.messages) == (25, 0, 0)
    assert await body_count(engine) == 2  # the rerun kept no body nobody uses
    async with engine.connect() as conn:
        sent = (await conn.execute(select(func.count()).select_from(sent_stories))).scalar_one()
    assert sent == 25


async def test_render_exactly_once_per_distinct_brief_in_one_batch(engine: AsyncEngine) -> None:
    await due_chats(engine, list(range(1, 201)), themes=["tariffs"])
    await due_chats(engine, list(range(201, 301)), themes=["tariffs"], language="es")
    render = CountingRender()
    report = await run_briefs(engine, now=NOW, grace=GRACE, render=render)
    assert sorted(render.calls) == [(("tariffs",), "en"), (("tariffs",), "es")]
    assert report.renders == 2 and report.enqueued == 300


# --- alerts -----------------------------------------------------------------------------------


class AlertRender(TelegramRenderer):
    """The Telegram face with a short alert: the headline and the language."""

    def alert_part(self, alert: Alert) -> Part:
        return Part(f"<b>{alert.story.headline}</b> ({alert.language})")


ALERTS = AlertRender()


async def alert_chats(engine: AsyncEngine, ids: list[int], **kwargs: Any) -> None:
    async with engine.begin() as conn:
        await add_chats(conn, ids, now=NOW, **kwargs)
        for chat_id in ids:
            await update_chat(conn, chat_id, alerts=True)


async def test_alerts_go_to_matching_chats_once(engine: AsyncEngine) -> None:
    await alert_chats(engine, [1, 2], themes=["tariffs"])
    await alert_chats(engine, [3], themes=["fentanyl"])
    async with engine.begin() as conn:
        await add_chats(conn, [4], themes=["tariffs"])  # alerts off
        await add_story(conn, 7, ["tariffs"])
    queued = await queue_alerts(engine, [7], NOW, per_hour=5, renderer=ALERTS)
    again = await queue_alerts(engine, [7], NOW, per_hour=5, renderer=ALERTS)
    rows = await outbox_rows(engine)
    assert (queued, again) == (2, 0)
    assert [(r.chat_id, r.kind, r.text) for r in rows] == [
        (1, "alert", "<b>Story 7</b> (en)"), (2, "alert", "<b>Story 7</b> (en)")]


async def test_alerts_for_own_themes_quiet_hours_and_cap(engine: AsyncEngine) -> None:
    await alert_chats(engine, [1], themes=[])
    await alert_chats(engine, [2], themes=["tariffs"], language="es")
    async with engine.begin() as conn:
        await track(conn, 1, "border", "frontera", now=NOW, cap=5)
        await update_chat(conn, 2, quiet_start="07:00", quiet_end="09:00")  # NOW is 08:00 UTC
        await add_story(conn, 8, ["c1:border"])
        for story_id in (20, 21, 22):
            await add_story(conn, story_id, ["tariffs"])
    assert await queue_alerts(engine, [8], NOW, per_hour=2, renderer=ALERTS) == 1
    assert await queue_alerts(engine, [20, 21, 22], NOW, per_hour=2,
                              renderer=ALERTS) == 2  # capped at 2 an hour
    rows = await outbox_rows(engine)
    # Issue 11: the chat is told (once, silently in its quiet hours) what the cap held back.
    assert [(r.chat_id, r.kind, r.silent, r.text) for r in rows] == [
        (1, "alert", False, "<b>Story 8</b> (en)"),
        (2, "alert", True, "<b>Story 20</b> (es)"),
        (2, "alert", True, "<b>Story 21</b> (es)"),
        (2, "notice", True, "⏸ Límite de alertas por hora: 1 noticia más queda para tu resumen "
                            "de las 08:00."),
    ]
    # An hour later the cap has room again: the story not sent yet can go.
    later = NOW + timedelta(hours=1, minutes=1)
    assert await queue_alerts(engine, [20, 21, 22], later, per_hour=2, renderer=ALERTS) == 1


# --- with the real composer and renderer -----------------------------------------------------


async def test_real_brief_and_alert_rendering(engine: AsyncEngine) -> None:
    from briefings.paths import default_config_file
    from briefings.themes import load_themes

    themes = load_themes(default_config_file("themes.toml"))
    async with engine.begin() as conn:
        await add_story(conn, 1, ["tariffs"])
        await add_story(conn, 2, ["fentanyl"])
    await due_chats(engine, [10, 11], themes=["tariffs", "fentanyl"], language="es")
    report = await BriefJob.for_face(engine, TELEGRAM, grace=GRACE, themes=themes).run_once(NOW)
    assert (report.enqueued, report.renders) == (2, 1)
    texts = [r.text for r in await outbox_rows(engine) if r.chat_id == 10]
    joined = "\n".join(texts)
    assert "Story 1" in joined and "Story 2" in joined
    assert "Aranceles" in joined  # the theme's Spanish name heads its section
    async with engine.connect() as conn:
        sent = {tuple(r) for r in await conn.execute(
            select(sent_stories.c.chat_id, sent_stories.c.story_id))}
    assert sent == {(10, 1), (10, 2), (11, 1), (11, 2)}

    await alert_chats(engine, [20], themes=["tariffs"])
    await alert_chats(engine, [21], themes=[])
    async with engine.begin() as conn:
        await track(conn, 21, "secretword", "acero", now=NOW, cap=5)
        await add_story(conn, 3, ["tariffs", "c21:secretword"], at=NOW)
    assert await queue_alerts(engine, [3], NOW, per_hour=5, renderer=TELEGRAM,
                              themes=themes) == 2
    [alert] = [r for r in await outbox_rows(engine) if r.chat_id == 20]
    assert "Story 3" in alert.text and alert.kind == "alert" and "Tariffs" in alert.text
    assert "secretword" not in alert.text  # another chat's own theme never shows
    [own] = [r for r in await outbox_rows(engine) if r.chat_id == 21]
    assert "Story 3" in own.text and "secretword" in own.text


async def test_an_unreadable_schedule_still_gets_its_brief(engine: AsyncEngine) -> None:
    await due_chats(engine, [60])
    async with engine.begin() as conn:
        await conn.execute(update(chats).values(timezone="Mars/Olympus", brief_time="25:99"))
    report = await run_briefs(engine, now=NOW, grace=GRACE, render=CountingRender())
    assert report.enqueued == 1
    async with engine.connect() as conn:
        chat = await get_chat(conn, 60)
    assert chat is not None and chat.next_brief_at == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)


def test_without_stories_drops_them_and_the_sections_they_empty() -> None:
    from types import SimpleNamespace

    brief = Brief(language="en", generated_at=NOW, since=NOW - timedelta(1), sections=[
        Section("tariffs", "Tariffs", [SimpleNamespace(id=1), SimpleNamespace(id=2)]),
        Section("fentanyl", "Fentanyl", [SimpleNamespace(id=3)]),
    ])
    slim = brief.without(frozenset({2, 3}))
    assert [(s.theme, [story.id for story in s.stories]) for s in slim.sections] == [
        ("tariffs", [1])]
    assert brief.story_ids() == [1, 2, 3]  # the shared brief itself is untouched
