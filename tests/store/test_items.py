"""save_items on SQLite and PostgreSQL: new items only, by GUID and by content hash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from briefings.model import Item, Source
from briefings.store.items import count_items, items_by_ids, save_feeds, save_items
from briefings.store.sources import all_sources, sync_sources
from briefings.text import content_hash

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def item(guid: str, title: str, summary: str = "", source: str = "Feed A") -> Item:
    return Item(
        source=source,
        guid=guid,
        url=f"https://example.com/{guid}",
        title=title,
        summary=summary,
        language="es",
        published_at=NOW - timedelta(hours=1),
        content_hash=content_hash(title, summary),
    )


async def _source_ids(engine: AsyncEngine, *names: str) -> dict[str, int]:
    async with engine.begin() as conn:
        configured = [Source(n, f"https://example.com/{i}.xml", "es") for i, n in enumerate(names)]
        await sync_sources(conn, configured, NOW)
        return {row.name: row.id for row in await all_sources(conn)}


async def test_saves_new_items_once_with_ids(engine: AsyncEngine) -> None:
    ids = await _source_ids(engine, "Feed A")
    summary = "Resumen con acentos: año, señal"
    batch = [item(f"g{n}", f"Título número {n}", summary) for n in range(3)]
    async with engine.begin() as conn:
        saved = await save_items(conn, ids["Feed A"], batch, NOW)
    assert [s.item.guid for s in saved] == ["g0", "g1", "g2"]
    assert len({s.id for s in saved}) == 3
    async with engine.begin() as conn:
        again = await save_items(conn, ids["Feed A"], batch, NOW)
        assert again == []
        assert await count_items(conn) == 3
        loaded = await items_by_ids(conn, [s.id for s in saved])
    assert [s.item for s in loaded] == batch


async def test_changed_guid_same_content_is_not_new(engine: AsyncEngine) -> None:
    ids = await _source_ids(engine, "Feed A")
    async with engine.begin() as conn:
        await save_items(conn, ids["Feed A"], [item("old-1", "Aranceles al acero")], NOW)
        renamed = await save_items(
            conn, ids["Feed A"], [item("new-1", "Aranceles al acero"), item("new-2", "Otro")], NOW
        )
        assert [s.item.guid for s in renamed] == ["new-2"]
        assert await count_items(conn, ids["Feed A"]) == 2


async def test_repeats_inside_one_feed_are_kept_once(engine: AsyncEngine) -> None:
    ids = await _source_ids(engine, "Feed A")
    batch = [item("g1", "Uno"), item("g1", "Uno, otra vez"), item("g2", "Uno")]
    async with engine.begin() as conn:
        saved = await save_items(conn, ids["Feed A"], batch, NOW)
    assert [s.item.title for s in saved] == ["Uno"]


async def test_same_guid_in_two_sources_is_two_items(engine: AsyncEngine) -> None:
    ids = await _source_ids(engine, "Feed A", "Feed B")
    async with engine.begin() as conn:
        a = await save_items(conn, ids["Feed A"], [item("shared", "Wire story")], NOW)
        copy = item("shared", "Wire story", source="Feed B")
        b = await save_items(conn, ids["Feed B"], [copy], NOW)
        assert len(a) == len(b) == 1
        assert await count_items(conn) == 2


async def test_large_batch_is_chunked(engine: AsyncEngine) -> None:
    ids = await _source_ids(engine, "Feed A")
    batch = [item(f"g{n}", f"Item {n}", f"Summary {n}") for n in range(1200)]
    async with engine.begin() as conn:
        saved = await save_items(conn, ids["Feed A"], batch, NOW)
        assert len(saved) == 1200
        more = await save_items(conn, ids["Feed A"], batch + [item("g-new", "Fresh")], NOW)
        assert [s.item.guid for s in more] == ["g-new"]
        assert await count_items(conn) == 1201


async def test_feeds_saved_together_are_saved_as_one_by_one(engine: AsyncEngine) -> None:
    """A poll's batch of feeds is saved in a few statements: each source keeps its own GUIDs
    and content hashes, exactly as when it is saved alone."""
    ids = await _source_ids(engine, "Feed A", "Feed B", "Feed C")
    a, b, c = ids["Feed A"], ids["Feed B"], ids["Feed C"]
    async with engine.begin() as conn:
        await save_items(conn, a, [item("a-old", "Aranceles al acero")], NOW)
        await save_items(conn, b, [item("b-old", "Remesas récord", source="Feed B")], NOW)
    later = NOW + timedelta(minutes=5)
    feeds = [
        # a renamed GUID with known content, a known GUID, a repeat, and two new items
        (a, [item("a-new", "Aranceles al acero"), item("a-old", "Cambiado"),
             item("a-1", "Uno"), item("a-1", "Uno bis"), item("a-2", "Dos")], later),
        # B's content known in A only, A's GUIDs: new here
        (b, [item("a-old", "Aranceles al acero", source="Feed B"),
             item("a-1", "Remesas récord", source="Feed B")], later),
        (c, [], later),
    ]  # fmt: skip
    async with engine.begin() as conn:
        saved = await save_feeds(conn, feeds)
        assert {k: [s.item.guid for s in v] for k, v in saved.items()} == {
            a: ["a-1", "a-2"], b: ["a-old"], c: []}
        assert all(s.source_id == k for k, v in saved.items() for s in v)
        stored = await items_by_ids(conn, [s.id for v in saved.values() for s in v])
        assert [(s.source_id, s.item.guid, s.item.title) for s in stored] == [
            (a, "a-1", "Uno"), (a, "a-2", "Dos"), (b, "a-old", "Aranceles al acero")]
        assert await count_items(conn) == 5
