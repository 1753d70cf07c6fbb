"""file_items, recent_stories, mark_sent and theme_counts on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from briefings.store.stories import mark_sent, recent_stories, theme_counts
from briefings.store.tables import item_themes, items, stories, story_themes
from briefings.stories import file_items
from briefings.stories import filer as filer_module
from tests.stories.headlines import REPORTS
from tests.stories.helpers import add_chat, add_item, add_report, add_source, match

T0 = datetime(2025, 2, 3, 15, 0, tzinfo=UTC)


@pytest.fixture
def minhash_baseline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside the window here is the MinHash baseline's 48 hours: the semantic method
    admits reports up to three days apart (its own window is tested in test_semantic_filer.py)."""
    monkeypatch.setattr(filer_module, "METHOD", "minhash")


def _event(name: str):
    return [r for r in REPORTS if r.event == name]


async def test_five_outlets_file_into_one_story(engine):
    reports = _event("troops-deal")
    assert len(reports) == 5
    async with engine.begin() as conn:
        by_name: dict[str, int] = {}
        stored = [
            await add_report(conn, r, T0 + timedelta(minutes=9 * i), by_name)
            for i, r in enumerate(reports)
        ]
        matches = {s.id: [match("tariffs", 2.0, "tariff"), match("fentanyl", 0.5)] for s in stored}
        result = await file_items(conn, stored, matches, T0 + timedelta(hours=1))
        assert len(result.new_story_ids) == 1 and result.grown_story_ids == []
        row = (await conn.execute(select(stories))).mappings().one()
        story_of = dict((await conn.execute(select(items.c.id, items.c.story_id))).all())
        themes = dict(
            (await conn.execute(select(story_themes.c.theme, story_themes.c.score))).all()
        )
        n_item_themes = len((await conn.execute(select(item_themes))).all())
    assert row["source_count"] == 5
    assert row["languages"] == "en,es"
    assert row["first_seen_at"] == T0
    assert row["last_seen_at"] == T0 + timedelta(minutes=36)
    assert row["headline"] == reports[0].title  # equal weights: the earliest report
    assert set(story_of.values()) == {row["id"]}
    assert themes == {"tariffs": 2.0, "fentanyl": 0.5}
    assert n_item_themes == 10


async def test_heavier_source_gives_the_headline(engine):
    first, second = _event("fto-designation")[:2]
    async with engine.begin() as conn:
        light = await add_source(conn, "Light", weight=0.5)
        heavy = await add_source(conn, "Heavy", weight=3.0)
        a = await add_item(conn, light, title=first.title, summary=first.summary, at=T0)
        b = await add_item(
            conn, heavy, title=second.title, summary=second.summary, at=T0 + timedelta(hours=2)
        )
        await file_items(
            conn,
            [a, b],
            {a.id: [match("sovereignty")], b.id: [match("sovereignty")]},
            T0 + timedelta(hours=3),
        )
        row = (await conn.execute(select(stories))).mappings().one()
    assert row["headline"] == second.title
    assert row["url"] == b.item.url
    assert row["source_count"] == 2


async def test_incremental_filing_grows_the_story_and_keeps_events_apart(engine):
    deal, effect = _event("troops-deal"), _event("tariffs-effect")
    async with engine.begin() as conn:
        by_name: dict[str, int] = {}
        first = [await add_report(conn, r, T0, by_name) for r in deal[:2]]
        r1 = await file_items(conn, first, {s.id: [match("tariffs")] for s in first}, T0)
        later = [await add_report(conn, r, T0 + timedelta(hours=5), by_name) for r in deal[2:]]
        other = [await add_report(conn, r, T0 + timedelta(hours=5), by_name) for r in effect]
        unmatched = await add_item(conn, by_name["Reuters"], title="Hurricane nears Baja", at=T0)
        batch = later + other + [unmatched]
        r2 = await file_items(
            conn,
            batch,
            {s.id: [match("tariffs", 1.5)] for s in later + other},
            T0 + timedelta(hours=6),
        )
        rows = (await conn.execute(select(stories).order_by(stories.c.id))).mappings().all()
        story_of = dict((await conn.execute(select(items.c.id, items.c.story_id))).all())
    assert len(r1.new_story_ids) == 1
    assert r2.grown_story_ids == r1.new_story_ids
    assert len(r2.new_story_ids) == 1
    assert [row["source_count"] for row in rows] == [5, 4]
    assert rows[0]["last_seen_at"] == T0 + timedelta(hours=5)
    assert story_of[unmatched.id] is None
    assert {story_of[s.id] for s in first + later} == {rows[0]["id"]}
    assert {story_of[s.id] for s in other} == {rows[1]["id"]}


@pytest.mark.usefixtures("minhash_baseline")
async def test_outside_the_window_a_report_starts_a_new_story(engine):
    a_report, b_report = _event("rejects-strikes")[:2]
    async with engine.begin() as conn:
        by_name: dict[str, int] = {}
        a = await add_report(conn, a_report, T0, by_name)
        await file_items(conn, [a], {a.id: [match("sovereignty")]}, T0)
        b = await add_report(conn, b_report, T0 + timedelta(days=3), by_name)
        result = await file_items(conn, [b], {b.id: [match("sovereignty")]}, T0 + timedelta(days=3))
    assert len(result.new_story_ids) == 1 and result.grown_story_ids == []


async def test_recent_stories_filters_and_describes(engine):
    deal, water = _event("troops-deal"), _event("water-threat")
    now = T0 + timedelta(hours=10)
    async with engine.begin() as conn:
        by_name: dict[str, int] = {}
        s_deal = [await add_report(conn, r, T0 + timedelta(hours=1), by_name) for r in deal[:3]]
        s_water = [await add_report(conn, r, T0 + timedelta(hours=4), by_name) for r in water]
        matches = {s.id: [match("tariffs", 2.0, "tariff", "arancel")] for s in s_deal}
        matches.update(
            {s.id: [match("tariffs", 1.0, "tariff"), match("sovereignty", 0.4)] for s in s_water}
        )
        await file_items(conn, s_deal + s_water, matches, now)

        got = await recent_stories(conn, themes=["tariffs"], since=T0, until=now)
        assert [v.source_count for v in got] == [3, 3]  # newest first: water, then the deal
        water_view, deal_view = got
        assert water_view.headline == water[0].title
        assert water_view.sources == [r.outlet for r in water]
        assert water_view.themes == {"tariffs": 1.0}
        assert deal_view.hits == ["arancel", "tariff"] or deal_view.hits == ["tariff", "arancel"]
        assert deal_view.languages == ["en"]

        assert [v.id for v in await recent_stories(conn, themes=["sovereignty"], since=T0)] == [
            water_view.id
        ]
        assert await recent_stories(conn, themes=["fentanyl"], since=T0) == []
        late = await recent_stories(conn, themes=["tariffs"], since=T0 + timedelta(hours=2))
        assert [v.id for v in late] == [water_view.id]
        assert len(await recent_stories(conn, themes=["tariffs"], since=T0, limit=1)) == 1

        await add_chat(conn, 42, now)
        await mark_sent(conn, 42, [water_view.id], now)
        await mark_sent(conn, 42, [water_view.id], now)  # twice is harmless
        unsent = await recent_stories(conn, themes=["tariffs"], since=T0, exclude_sent_to=42)
        for_other = await recent_stories(conn, themes=["tariffs"], since=T0, exclude_sent_to=7)
    assert [v.id for v in unsent] == [deal_view.id]
    assert len(for_other) == 2


async def test_theme_counts_by_day(engine):
    day_start = datetime(2025, 3, 10, tzinfo=UTC)
    async with engine.begin() as conn:
        src = await add_source(conn, "Wire")
        stored = []
        firsts = {r.event: r for r in reversed(REPORTS)}  # one report of each event
        for report, days_back in zip(firsts.values(), [0, 0, 1, 1, 1, 3, 9], strict=False):
            at = day_start - timedelta(days=days_back) + timedelta(hours=2)
            stored.append(await add_item(conn, src, title=report.title, at=at))
        await file_items(
            conn,
            stored,
            {s.id: [match("fentanyl")] for s in stored},
            day_start + timedelta(hours=12),
        )
        counts = await theme_counts(
            conn, ["fentanyl", "tariffs"], day_start, day_start + timedelta(hours=12)
        )
    assert counts.today == {"fentanyl": 2, "tariffs": 0}
    assert counts.daily["fentanyl"] == [0, 0, 0, 0, 1, 0, 3]  # oldest day first
    assert counts.daily["tariffs"] == [0] * 7
    assert counts.days_with_data == [True] * 7  # the first item was fetched 9 days back


async def test_filing_many_items_takes_a_bounded_number_of_statements(engine):
    """Batches, not a round trip per item: 200 items cost no more statements than 6."""
    from sqlalchemy import event

    from tests.stories.helpers import add_source

    async def statements_for(n: int, offset: int) -> int:
        async with engine.begin() as conn:
            src = await add_source(conn, f"Wire {offset}")
            stored = [
                await add_item(
                    conn, src, title=f"Headline {offset + i} about topic {(offset + i) % 7}",
                    summary=REPORTS[i % len(REPORTS)].summary, at=T0 + timedelta(minutes=i),
                )
                for i in range(n)
            ]  # fmt: skip
            seen: list[str] = []

            def count(conn_, cursor, statement, *args):
                seen.append(statement)

            event.listen(engine.sync_engine, "before_cursor_execute", count)
            try:
                await file_items(conn, stored, {s.id: [match("tariffs")] for s in stored}, T0)
            finally:
                event.remove(engine.sync_engine, "before_cursor_execute", count)
            return len(seen)

    few = await statements_for(6, 0)
    many = await statements_for(200, 1000)
    assert many <= few + 6  # a few more pages of a bulk insert at most
