"""The sources table on SQLite and PostgreSQL: config sync, due selection, poll records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from briefings.model import Source
from briefings.store import state
from briefings.store.sources import (
    GONE,
    MAX_ERRORS,
    TOO_MANY_ERRORS,
    SourceRow,
    all_sources,
    due_sources,
    mark_seeded,
    record_failure,
    record_not_modified,
    record_not_modified_many,
    record_success,
    sync_sources,
)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
A = Source("Feed A", "https://a.example/rss", "en", country="US")
B = Source("Feed B", "https://b.example/rss", "es", weight=1.5, interval=900)


async def rows(engine: AsyncEngine) -> dict[str, SourceRow]:
    async with engine.connect() as conn:
        return {r.name: r for r in await all_sources(conn)}


async def sync(engine: AsyncEngine, *sources: Source) -> dict[str, SourceRow]:
    async with engine.begin() as conn:
        await sync_sources(conn, list(sources), NOW)
    return await rows(engine)


async def test_sync_inserts_updates_and_disables(engine: AsyncEngine) -> None:
    first = await sync(engine, A, B)
    assert first["Feed B"].source == B
    assert not first["Feed A"].seeded and first["Feed A"].error_count == 0

    changed = Source("Feed B", "https://b.example/rss", "es", weight=2.0)
    second = await sync(engine, changed)  # A removed from the config, B's weight changed
    assert second["Feed B"].source == changed
    assert second["Feed B"].id == first["Feed B"].id
    assert second["Feed A"].source.enabled is False

    third = await sync(engine, A, changed)  # A is back
    assert third["Feed A"].source.enabled is True
    assert third["Feed A"].id == first["Feed A"].id


async def test_a_new_source_takes_the_url_another_leaves_in_the_same_sync(
    engine: AsyncEngine,
) -> None:
    first = await sync(engine, A)
    moved = Source("Feed A", "https://a.example/new-rss", "en")
    taker = Source("Feed C", A.url, "en")  # new sources are inserted after the updates
    second = await sync(engine, taker, moved)
    assert second["Feed A"].id == first["Feed A"].id and second["Feed A"].url == moved.url
    assert second["Feed C"].url == A.url and second["Feed C"].id != first["Feed A"].id


async def test_many_new_sources_are_added_in_one_sync(engine: AsyncEngine) -> None:
    many = [Source(f"Feed {n}", f"https://{n}.example/rss", "en") for n in range(250)]
    stored = await sync(engine, *many)
    assert [stored[s.name].source for s in many] == many
    assert len({row.id for row in stored.values()}) == 250


async def test_renamed_source_keeps_its_row(engine: AsyncEngine) -> None:
    first = await sync(engine, A)
    renamed = Source("Feed A (renamed)", A.url, "en")
    second = await sync(engine, renamed)
    assert list(second) == ["Feed A (renamed)"]
    assert second["Feed A (renamed)"].id == first["Feed A"].id


async def test_config_url_change_starts_the_feed_over(engine: AsyncEngine) -> None:
    first = await sync(engine, A)
    async with engine.begin() as conn:
        await mark_seeded(conn, first["Feed A"].id)
        await record_success(conn, first["Feed A"].id, now=NOW, next_fetch_at=NOW,
                             status=200, etag='"x"', last_modified=None)  # fmt: skip
    moved = Source("Feed A", "https://a.example/new-rss", "en")
    row = (await sync(engine, moved))["Feed A"]
    assert (row.url, row.etag, row.seeded) == (moved.url, None, False)


async def test_permanent_redirect_survives_config_sync(engine: AsyncEngine) -> None:
    source_id = (await sync(engine, A))["Feed A"].id
    async with engine.begin() as conn:
        await record_success(conn, source_id, now=NOW, next_fetch_at=NOW, status=200,
                             etag=None, last_modified=None,
                             permanent_url="https://a.example/moved")  # fmt: skip
    assert (await rows(engine))["Feed A"].url == "https://a.example/moved"
    # The config still names the old URL: the remembered redirect wins.
    assert (await sync(engine, A))["Feed A"].url == "https://a.example/moved"
    # A second hop keeps the original config URL on record.
    async with engine.begin() as conn:
        await record_not_modified(conn, source_id, now=NOW, next_fetch_at=NOW,
                                  permanent_url="https://a.example/moved-again")  # fmt: skip
    assert (await sync(engine, A))["Feed A"].url == "https://a.example/moved-again"


async def test_redirect_onto_another_sources_url_is_not_taken(engine: AsyncEngine) -> None:
    ids = {n: r.id for n, r in (await sync(engine, A, B)).items()}
    async with engine.begin() as conn:
        await record_success(conn, ids["Feed A"], now=NOW, next_fetch_at=NOW, status=200,
                             etag=None, last_modified=None, permanent_url=B.url)  # fmt: skip
    assert (await rows(engine))["Feed A"].url == A.url


async def test_due_sources_modes(engine: AsyncEngine) -> None:
    ids = {n: r.id for n, r in (await sync(engine, A, B, Source("C", "https://c/", "en"))).items()}
    later = NOW + timedelta(minutes=10)
    async with engine.begin() as conn:
        # A polled fine, due later; B failing and backing off; C never polled.
        await record_success(conn, ids["Feed A"], now=NOW, next_fetch_at=later, status=200,
                             etag=None, last_modified=None)  # fmt: skip
        await record_failure(conn, ids["Feed B"], now=NOW, next_fetch_at=later, status=500,
                             error="HTTP 500")  # fmt: skip

    async def names(at: datetime, **kw: bool) -> list[str]:
        async with engine.connect() as conn:
            return sorted(r.name for r in await due_sources(conn, at, **kw))

    assert await names(NOW) == ["C"]
    assert await names(NOW, ignore_schedule=True) == ["C", "Feed A"]
    assert await names(NOW, force=True) == ["C", "Feed A", "Feed B"]
    assert await names(later) == ["C", "Feed A", "Feed B"]
    async with engine.connect() as conn:
        assert len(await due_sources(conn, later, limit=2)) == 2


async def test_failures_count_back_off_and_stop_at_the_limit(engine: AsyncEngine) -> None:
    source_id = (await sync(engine, A))["Feed A"].id
    async with engine.begin() as conn:
        for n in range(MAX_ERRORS - 1):
            await record_failure(conn, source_id, now=NOW, next_fetch_at=NOW, status=500,
                                 error=f"HTTP 500 #{n}")  # fmt: skip
    row = (await rows(engine))["Feed A"]
    assert (row.error_count, row.last_error, row.disabled_reason) == (
        MAX_ERRORS - 1, f"HTTP 500 #{MAX_ERRORS - 2}", None,
    )  # fmt: skip
    async with engine.begin() as conn:
        await record_failure(conn, source_id, now=NOW, next_fetch_at=NOW, status=500, error="x")
        assert await due_sources(conn, NOW, force=True) == []
    row = (await rows(engine))["Feed A"]
    assert (row.error_count, row.disabled_reason) == (MAX_ERRORS, TOO_MANY_ERRORS)


async def test_gone_disables_and_success_resets_errors(engine: AsyncEngine) -> None:
    ids = {n: r.id for n, r in (await sync(engine, A, B)).items()}
    async with engine.begin() as conn:
        await record_failure(conn, ids["Feed A"], now=NOW, next_fetch_at=NOW, status=410,
                             error="HTTP 410", gone=True)  # fmt: skip
        await record_failure(conn, ids["Feed B"], now=NOW, next_fetch_at=NOW, status=500,
                             error="HTTP 500")  # fmt: skip
        await record_not_modified_many(conn, [(ids["Feed B"], NOW + timedelta(hours=1))], now=NOW)
    got = await rows(engine)
    assert got["Feed A"].disabled_reason == GONE
    assert (got["Feed B"].error_count, got["Feed B"].last_status) == (0, 304)
    assert got["Feed B"].next_fetch_at == NOW + timedelta(hours=1)


async def test_state_values_and_times(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        assert await state.get_time(conn, state.LAST_POLL_AT) is None
        await state.put_time(conn, state.LAST_POLL_AT, NOW, now=NOW)
        await state.put_time(conn, state.LAST_POLL_AT, NOW + timedelta(hours=1), now=NOW)
        await state.put(conn, "moved:1", "a", now=NOW)
        await state.put(conn, "a_b", "b", now=NOW)
        await state.put(conn, "axb", "c", now=NOW)  # "_" in a prefix must not be a wildcard
        assert await state.get_prefixed(conn, "a_") == [("a_b", "b")]
        assert await state.get_time(conn, state.LAST_POLL_AT) == NOW + timedelta(hours=1)
        assert await state.get_prefixed(conn, "moved:") == [("moved:1", "a")]
