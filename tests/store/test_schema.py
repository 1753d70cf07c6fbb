from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from briefings.store.db import current_revision, insert_ignore
from briefings.store.tables import chats, sources, subscriptions


async def test_migrated_to_head(engine):
    from alembic.script import ScriptDirectory

    from briefings.store.db import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert await current_revision(engine) == head


async def test_times_come_back_aware_utc(engine):
    plus_six = timezone(timedelta(hours=6))
    written = datetime(2026, 3, 8, 12, 30, tzinfo=plus_six)
    async with engine.begin() as conn:
        await conn.execute(
            insert(sources).values(
                name="A", url="https://a.example/feed", language="en", created_at=written
            )
        )
        got = (await conn.execute(select(sources.c.created_at))).scalar_one()
    assert got == written
    assert got.utcoffset() == timedelta(0)


async def test_naive_datetime_is_refused(engine):
    with pytest.raises(Exception, match="naive datetime"):
        async with engine.begin() as conn:
            await conn.execute(
                insert(sources).values(
                    name="A", url="u", language="en", created_at=datetime(2026, 1, 1)
                )
            )


async def test_insert_ignore_skips_duplicates(engine):
    now = datetime.now(UTC)
    row = {"name": "A", "url": "https://a.example/feed", "language": "en", "created_at": now}
    async with engine.begin() as conn:
        first = await conn.execute(insert_ignore(conn, sources, ["url"]).values(**row))
        second = await conn.execute(
            insert_ignore(conn, sources, ["url"]).values(**{**row, "name": "B"})
        )
        names = (await conn.execute(select(sources.c.name))).scalars().all()
    assert (first.rowcount, second.rowcount) == (1, 0)
    assert names == ["A"]


async def test_chat_id_change_cascades_to_subscriptions(engine):
    """A group upgraded to a supergroup gets a new id; its subscriptions must follow."""
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await conn.execute(
            insert(chats).values(
                id=-100, type="group", language="en", timezone="UTC", brief_time="08:00",
                created_at=now,
            )
        )
        await conn.execute(insert(subscriptions).values(chat_id=-100, theme="tariffs"))
        await conn.execute(update(chats).where(chats.c.id == -100).values(id=-1001234567890))
        moved = (await conn.execute(select(subscriptions.c.chat_id))).scalar_one()
    assert moved == -1001234567890


async def test_subscription_needs_a_chat(engine):
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(insert(subscriptions).values(chat_id=42, theme="tariffs"))


async def test_migrations_match_the_tables(engine):
    """Every change to tables.py comes with a migration: the migrated schema has no drift."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from briefings.store.tables import metadata

    def diff(connection):
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        return compare_metadata(context, metadata)

    async with engine.connect() as conn:
        changes = await conn.run_sync(diff)
    assert changes == []
