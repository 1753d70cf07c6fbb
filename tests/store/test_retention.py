"""Forgetting old news on SQLite and PostgreSQL: old stories go with what hangs on them, old
items are emptied but still recognised in their feed, and nothing recent is touched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from briefings.jobs.housekeeping import Housekeeper
from briefings.model import Item, Source
from briefings.store import retention
from briefings.store.items import save_items
from briefings.store.sources import all_sources, sync_sources
from briefings.store.tables import (
    item_themes,
    items,
    owed_alerts,
    sent_stories,
    stories,
    story_themes,
)
from briefings.text import content_hash
from tests.schedule.helpers import add_chats

NOW = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)
KEEP = timedelta(days=90)
OLD = NOW - timedelta(days=100)
RECENT = NOW - timedelta(days=2)


def _item(guid: str, title: str, published: datetime) -> Item:
    summary = f"{title}: what happened, told in a sentence."
    return Item(source="Feed", guid=guid, url=f"https://example.com/{guid}", title=title,
                summary=summary, language="en", published_at=published,
                content_hash=content_hash(title, summary))  # fmt: skip


async def _store(engine: AsyncEngine, news: list[tuple[str, datetime, datetime, int | None]],
                 story_seen: dict[int, datetime]) -> tuple[int, dict[str, int]]:  # fmt: skip
    """Stories (id -> last seen) and items (guid, published, fetched, story), each story sent
    to chats -5 (a group) and 7 when last seen, themed, and owed an alert; each item matched.
    The source id, item ids."""
    async with engine.begin() as conn:
        await add_chats(conn, [-5, 7])
        await sync_sources(conn, [Source("Feed", "https://example.com/feed.xml", "en")], NOW)
        source_id = (await all_sources(conn))[0].id
        for sid, seen in story_seen.items():
            await conn.execute(stories.insert().values(
                id=sid, headline=f"story {sid}", first_seen_at=seen, last_seen_at=seen))
            await conn.execute(story_themes.insert().values(story_id=sid, theme="tariffs", score=1))
            await conn.execute(owed_alerts.insert().values(story_id=sid, owed_at=seen))
            await conn.execute(sent_stories.insert(), [
                {"chat_id": chat, "story_id": sid, "sent_at": seen} for chat in (-5, 7)])
        ids = {}
        for guid, published, fetched, sid in news:
            [saved] = await save_items(conn, source_id, [_item(guid, f"Title {guid}", published)],
                                       fetched)  # fmt: skip
            ids[guid] = saved.id
            await conn.execute(items.update().where(items.c.id == saved.id).values(story_id=sid))
            await conn.execute(item_themes.insert().values(item_id=saved.id, theme="tariffs",
                                                           score=1.0, hits=[]))  # fmt: skip
    return source_id, ids


async def _rows(engine: AsyncEngine, table, column) -> set:
    async with engine.connect() as conn:
        return set((await conn.execute(select(column))).scalars())


async def test_old_news_goes_and_recent_news_stays(engine: AsyncEngine) -> None:
    source_id, ids = await _store(engine, [
        ("old", OLD, OLD, 1),
        ("recent", RECENT, RECENT, 2),
        ("backlog", OLD, RECENT, 2),  # published long ago, first fetched two days ago
    ], {1: OLD, 2: RECENT, 3: RECENT})  # fmt: skip
    purged = await Housekeeper(engine, keep_news=KEEP).maybe_purge(NOW)
    assert purged is not None and (purged.stories, purged.items, purged.sent) == (1, 1, 2)
    assert await _rows(engine, stories, stories.c.id) == {2, 3}
    assert await _rows(engine, story_themes, story_themes.c.story_id) == {2, 3}
    assert await _rows(engine, owed_alerts, owed_alerts.c.story_id) == {2, 3}
    assert await _rows(engine, sent_stories, sent_stories.c.story_id) == {2, 3}
    assert await _rows(engine, item_themes, item_themes.c.item_id) == {ids["recent"],
                                                                       ids["backlog"]}
    async with engine.connect() as conn:
        rows = {r.guid: r for r in await conn.execute(select(items))}
    old = rows["old"]
    assert (old.title, old.summary, old.story_id) == ("", "", None)
    assert old.content_hash == _item("old", "Title old", OLD).content_hash  # still recognised
    assert rows["recent"].title == "Title recent" and rows["recent"].story_id == 2
    assert rows["backlog"].title == "Title backlog" and rows["backlog"].story_id == 2
    # The feed still lists the old item, under its GUID or another: it is not news again.
    async with engine.begin() as conn:
        again = await save_items(conn, source_id, [_item("old", "Title old", OLD),
                                                   _item("old-2", "Title old", OLD)], NOW)
    assert again == []


async def test_purges_once_a_day_and_keeps_everything_when_told(engine: AsyncEngine) -> None:
    await _store(engine, [("old", OLD, OLD, 1)], {1: OLD, 2: RECENT})
    keeper = Housekeeper(engine, keep_news=None)
    purged = await keeper.maybe_purge(NOW)
    assert purged is not None and (purged.stories, purged.items) == (0, 0)
    assert await _rows(engine, stories, stories.c.id) == {1, 2}
    daily = Housekeeper(engine, keep_news=KEEP)
    assert await daily.maybe_purge(NOW - timedelta(days=11)) is not None  # nothing old yet
    assert await _rows(engine, stories, stories.c.id) == {1, 2}
    assert await daily.maybe_purge(NOW - timedelta(days=10, hours=1)) is None  # not a day on
    assert await _rows(engine, stories, stories.c.id) == {1, 2}
    assert await daily.maybe_purge(NOW) is not None
    assert await _rows(engine, stories, stories.c.id) == {2}


async def test_the_newest_story_is_kept_so_its_id_is_never_given_again(
        engine: AsyncEngine) -> None:  # fmt: skip
    await _store(engine, [("a", OLD, OLD, 2)], {1: OLD, 2: OLD})  # a bot idle for 100 days
    purged = await Housekeeper(engine, keep_news=KEEP).maybe_purge(NOW)
    assert purged is not None and purged.stories == 1
    assert await _rows(engine, stories, stories.c.id) == {2}


async def test_a_large_purge_goes_in_chunks(engine: AsyncEngine,
                                            monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setattr(retention, "STORY_CHUNK", 3)
    monkeypatch.setattr(retention, "ITEM_CHUNK", 2)
    monkeypatch.setattr(retention, "CHAT_CHUNK", 1)
    news = [(f"g{n}", OLD, OLD, n + 1) for n in range(7)]
    await _store(engine, news, {n + 1: OLD for n in range(8)})
    purged = await Housekeeper(engine, keep_news=KEEP).maybe_purge(NOW)
    assert purged is not None and (purged.stories, purged.items, purged.sent) == (7, 7, 16)
    async with engine.connect() as conn:
        left = (await conn.execute(select(func.count()).select_from(item_themes))).scalar_one()
        texts = set((await conn.execute(select(items.c.title))).scalars())
    assert await _rows(engine, stories, stories.c.id) == {8}
    assert await _rows(engine, sent_stories, sent_stories.c.story_id) == set()
    assert (left, texts) == (0, {""})


async def test_a_failed_purge_is_tried_again_an_hour_later(engine: AsyncEngine,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:  # fmt: skip
    await _store(engine, [("old", OLD, OLD, 1)], {1: OLD, 2: RECENT})
    real, calls = retention.old_story_ids, []

    async def store_away_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("the store went away")
        return await real(*args, **kwargs)

    monkeypatch.setattr(retention, "old_story_ids", store_away_once)
    keeper = Housekeeper(engine, keep_news=KEEP)
    with pytest.raises(ConnectionError):
        await keeper.maybe_purge(NOW)
    assert await keeper.maybe_purge(NOW + timedelta(minutes=59)) is None
    purged = await keeper.maybe_purge(NOW + timedelta(hours=1))
    assert purged is not None and purged.stories == 1
    assert await keeper.maybe_purge(NOW + timedelta(hours=2)) is None  # then daily again


async def test_a_story_a_poll_filed_into_since_it_was_found_stays(engine: AsyncEngine) -> None:
    _, ids = await _store(engine, [("old", OLD, OLD, 1)], {1: OLD, 2: RECENT})
    before = NOW - KEEP
    async with engine.begin() as conn:
        found = await retention.old_story_ids(conn, before=before)
        await conn.execute(stories.update().where(stories.c.id == 1).values(last_seen_at=NOW))
        gone = await retention.forget_stories(conn, found, before)
        emptied = await retention.empty_items(
            conn, await retention.old_item_ids(conn, before=before), NOW - timedelta(days=200))
    assert (found, gone, emptied) == ([1], 0, 0)
    assert await _rows(engine, stories, stories.c.id) == {1, 2}
    async with engine.connect() as conn:
        row = (await conn.execute(select(items).where(items.c.id == ids["old"]))).one()
    assert row.story_id == 1 and row.title == "Title old"
    assert await _rows(engine, item_themes, item_themes.c.item_id) == {ids["old"]}
