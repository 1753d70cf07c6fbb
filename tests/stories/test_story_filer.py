"""StoryFiler: file_items with the index of recent stories kept between calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from briefings.store.tables import item_themes, items, stories
from briefings.stories import StoryFiler, file_items
from briefings.stories import filer as filer_module
from tests.stories.headlines import REPORTS
from tests.stories.helpers import add_report, match

T0 = datetime(2025, 2, 3, 15, 0, tzinfo=UTC)


@pytest.fixture
def minhash_baseline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside the window here is the MinHash baseline's 48 hours: the semantic method
    admits reports up to three days apart (its own window is tested in test_semantic_filer.py)."""
    monkeypatch.setattr(filer_module, "METHOD", "minhash")


def _event(name: str):
    return [r for r in REPORTS if r.event == name]


async def _story_of(conn) -> dict[int, int | None]:
    return dict((await conn.execute(select(items.c.id, items.c.story_id))).all())


async def test_kept_index_files_like_file_items_across_calls(engine):
    """Calls 2 and 3 see the stories call 1 created, and a grown story keeps its members."""
    deal, effect = _event("troops-deal"), _event("tariffs-effect")
    filer = StoryFiler()
    async with engine.begin() as conn:
        by_name: dict[str, int] = {}
        first = [await add_report(conn, r, T0, by_name) for r in deal[:2] + effect[:1]]
        r1 = await filer(conn, first, {s.id: [match("tariffs")] for s in first}, T0)
        later = [await add_report(conn, r, T0 + timedelta(hours=2), by_name) for r in deal[2:4]]
        r2 = await filer(conn, later, {s.id: [match("tariffs")] for s in later}, T0)
        last = [await add_report(conn, r, T0 + timedelta(hours=3), by_name) for r in effect[1:]]
        last.append(await add_report(conn, deal[4], T0 + timedelta(hours=3), by_name))
        r3 = await filer(conn, last, {s.id: [match("tariffs")] for s in last}, T0)
        story_of = await _story_of(conn)
        rows = (await conn.execute(select(stories).order_by(stories.c.id))).mappings().all()
    assert len(r1.new_story_ids) == 2
    assert r2.new_story_ids == [] and r3.new_story_ids == []
    assert len(r2.grown_story_ids) == 1 and sorted(r3.grown_story_ids) == r1.new_story_ids
    deal_story = {story_of[s.id] for s in first[:2] + later + last[-1:]}
    effect_story = {story_of[s.id] for s in first[2:] + last[:-1]}
    assert len(deal_story) == 1 and len(effect_story) == 1 and deal_story != effect_story
    assert {row["id"]: row["source_count"] for row in rows} == {
        deal_story.pop(): len(deal),
        effect_story.pop(): len(effect),
    }


@pytest.mark.usefixtures("minhash_baseline")
async def test_a_later_call_reaching_further_back_loads_the_older_stories(engine):
    """The first call loads stories seen since its own window; an older report widens it."""
    reports = _event("rejects-strikes")
    async with engine.begin() as conn:
        by_name: dict[str, int] = {}
        old = await add_report(conn, reports[0], T0, by_name)
        await file_items(conn, [old], {old.id: [match("sovereignty")]}, T0)
        filer = StoryFiler()
        recent = await add_report(conn, reports[1], T0 + timedelta(days=3), by_name)
        now = T0 + timedelta(days=3)
        r1 = await filer(conn, [recent], {recent.id: [match("sovereignty")]}, now)
        late = await add_report(conn, reports[2], T0 + timedelta(hours=4), by_name)
        r2 = await filer(conn, [late], {late.id: [match("sovereignty")]}, now)
        story_of = await _story_of(conn)
    assert len(r1.new_story_ids) == 1  # three days later: outside the window
    assert r2.new_story_ids == [] and r2.grown_story_ids == [story_of[old.id]]
    assert story_of[late.id] == story_of[old.id] != story_of[recent.id]


async def test_after_a_rollback_discard_reloads_from_the_store(engine):
    deal = _event("troops-deal")
    filer = StoryFiler()
    by_name: dict[str, int] = {}
    with pytest.raises(RuntimeError):
        async with engine.begin() as conn:
            lost = await add_report(conn, deal[0], T0, by_name)
            await filer(conn, [lost], {lost.id: [match("tariffs")]}, T0)
            raise RuntimeError("the batch fails after filing")
    filer.discard()
    by_name.clear()  # the sources were rolled back too
    async with engine.begin() as conn:
        kept = [await add_report(conn, r, T0, by_name) for r in deal[1:3]]
        result = await filer(conn, kept, {s.id: [match("tariffs")] for s in kept}, T0)
        story_ids = set((await conn.execute(select(stories.c.id))).scalars())
        story_of = await _story_of(conn)
    assert len(result.new_story_ids) == 1 and result.grown_story_ids == []
    assert {story_of[s.id] for s in kept} == set(result.new_story_ids) == story_ids


async def test_reports_older_than_the_store_keeps_news_are_not_filed(engine):
    """With ``kept`` (keep_days), a report published before the horizon (less a day) gets its
    themes but no story, and a fresh report never joins a story last seen before it: the daily
    purge deletes such stories, and filing into one it is deleting would fail the batch."""
    reports = _event("troops-deal")
    now = T0 + timedelta(days=95)
    async with engine.begin() as conn:
        by_name: dict[str, int] = {}
        ancient = await add_report(conn, reports[0], T0, by_name)  # 95 days before `now`
        await file_items(conn, [ancient], {ancient.id: [match("tariffs")]}, T0)
        filer = StoryFiler(kept=timedelta(days=90))
        backlog = await add_report(conn, reports[1], T0 + timedelta(hours=2), by_name)
        edge = await add_report(conn, reports[2], now - timedelta(days=88), by_name)
        result = await filer(conn, [backlog, edge],
                             {s.id: [match("tariffs")] for s in (backlog, edge)}, now)  # fmt: skip
        story_of = await _story_of(conn)
        themed = (await conn.execute(select(item_themes.c.item_id))).scalars().all()
    assert story_of[backlog.id] is None and backlog.id in themed
    assert story_of[edge.id] is not None and story_of[edge.id] != story_of[ancient.id]
    assert result.new_story_ids == [story_of[edge.id]] and result.grown_story_ids == []


async def test_without_kept_an_old_report_joins_its_story(engine):
    reports = _event("troops-deal")
    async with engine.begin() as conn:
        by_name: dict[str, int] = {}
        first = await add_report(conn, reports[0], T0, by_name)
        await file_items(conn, [first], {first.id: [match("tariffs")]}, T0)
        later = await add_report(conn, reports[1], T0 + timedelta(hours=2), by_name)
        result = await StoryFiler()(conn, [later], {later.id: [match("tariffs")]},
                                    T0 + timedelta(days=95))  # fmt: skip
        story_of = await _story_of(conn)
    assert story_of[later.id] == story_of[first.id]
    assert result.grown_story_ids == [story_of[first.id]]
