"""The outbox store on SQLite and PostgreSQL: enqueue, dedupe, claims, marks, chat moves."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from briefings.store import chat_moves
from briefings.store import outbox as ob
from briefings.store.chats import forget_chat, get_chat, subscribed_themes
from briefings.store.tables import bodies, chats, outbox, sent_stories
from tests.schedule.helpers import T0, add_chats

LEASE = timedelta(minutes=2)


async def _sent(conn, chat_id: int, story_ids: list[int]) -> None:
    await conn.execute(sent_stories.insert(), [
        {"chat_id": chat_id, "story_id": s, "sent_at": T0} for s in story_ids])


async def _sent_pairs(conn) -> set[tuple[int, int]]:
    return set(map(tuple, await conn.execute(
        select(sent_stories.c.chat_id, sent_stories.c.story_id))))


async def test_enqueue_shares_one_body_per_part_and_never_twice(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await add_chats(conn, [1, 2, 3])
        added = await ob.enqueue(conn, chat_ids=[1, 2, 3], parts=["a", "b"], kind="brief",
                                 now=T0, dedupe_prefix="brief:2026-03-02")
        again = await ob.enqueue(conn, chat_ids=[1, 2, 3], parts=["a", "b"], kind="brief",
                                 now=T0, dedupe_prefix="brief:2026-03-02")
        body_count = (await conn.execute(select(func.count()).select_from(bodies))).scalar_one()
        assert (added, again) == (6, 0)
        assert body_count == 2  # the repeat left no orphan bodies
        assert await ob.pending_count(conn) == 6


async def test_claim_in_chat_and_part_order_and_not_twice(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await add_chats(conn, [5, 3])
        await ob.enqueue(conn, chat_ids=[5, 3], parts=["p0", "p1", "p2"], kind="brief", now=T0,
                         thread_ids={5: 77}, silent=True)
    async with engine.begin() as conn:
        first = await ob.claim_due(conn, T0, limit=4, worker="w1", lease=LEASE)
    async with engine.begin() as conn:
        second = await ob.claim_due(conn, T0, limit=10, worker="w2", lease=LEASE)
        third = await ob.claim_due(conn, T0, limit=10, worker="w3", lease=LEASE)
    assert [(r.chat_id, r.part, r.text) for r in first] == [
        (3, 0, "p0"), (3, 1, "p1"), (3, 2, "p2"), (5, 0, "p0")]
    assert [(r.chat_id, r.part) for r in second] == [(5, 1), (5, 2)]
    assert third == []
    assert second[0].thread_id == 77 and second[0].silent
    # After the lease, unsent rows can be claimed again (a dead sender's rows are not lost).
    async with engine.begin() as conn:
        await ob.mark_sent(conn, first[0].id, T0)
        again = await ob.claim_due(conn, T0 + LEASE + timedelta(seconds=1), limit=10,
                                   worker="w4", lease=LEASE)
    assert [(r.chat_id, r.part) for r in again] == [(3, 1), (3, 2), (5, 0), (5, 1), (5, 2)]


async def test_reschedule_holds_the_chats_later_parts(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await add_chats(conn, [1, 2])
        await ob.enqueue(conn, chat_ids=[1, 2], parts=["a", "b"], kind="brief", now=T0)
        rows = await ob.claim_due(conn, T0, limit=10, worker="w", lease=LEASE)
        await ob.reschedule(conn, rows[0].id, T0 + timedelta(seconds=30), "429")
        await ob.release(conn, [r.id for r in rows[1:]])
        now_due = await ob.claim_due(conn, T0 + timedelta(seconds=1), limit=10, worker="w",
                                     lease=LEASE)
        later = await ob.claim_due(conn, T0 + timedelta(seconds=31), limit=10, worker="w",
                                   lease=LEASE)
        attempts = (await conn.execute(
            select(outbox.c.attempts, outbox.c.last_error).where(outbox.c.id == rows[0].id)
        )).one()
    assert [(r.chat_id, r.part) for r in now_due] == [(2, 0), (2, 1)]
    assert [(r.chat_id, r.part) for r in later] == [(1, 0), (1, 1)]
    assert tuple(attempts) == (1, "429")


async def test_deactivate_drops_pending_rows(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await add_chats(conn, [1, 2])
        await ob.enqueue(conn, chat_ids=[1, 2], parts=["a"], kind="alert", now=T0)
        await chat_moves.deactivate_chat(conn, 1, "Forbidden: bot was blocked by the user")
        rows = await ob.claim_due(conn, T0, limit=10, worker="w", lease=LEASE)
        chat = await get_chat(conn, 1)
    assert [r.chat_id for r in rows] == [2]
    assert chat is not None and not chat.active


async def test_migrate_moves_the_chat_and_its_rows(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await add_chats(conn, [-5, 7], themes=["tariffs", "fentanyl"])
        await ob.enqueue(conn, chat_ids=[-5], parts=["a"], kind="brief", now=T0)
        await _sent(conn, -5, [1, 2])
        await _sent(conn, 7, [1])
        await chat_moves.migrate_chat(conn, -5, -1005)
        assert await get_chat(conn, -5) is None
        moved = await get_chat(conn, -1005)
        assert moved is not None and moved.type == "supergroup"
        assert await subscribed_themes(conn, -1005) == ["fentanyl", "tariffs"]
        rows = await ob.claim_due(conn, T0, limit=10, worker="w", lease=LEASE)
        sent = await _sent_pairs(conn)
    assert [r.chat_id for r in rows] == [-1005]
    # What the group was sent follows it (sent_stories has no key to cascade it).
    assert sent == {(-1005, 1), (-1005, 2), (7, 1)}


async def test_migrate_into_a_chat_that_already_exists(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await add_chats(conn, [-5], themes=["tariffs"])
        await add_chats(conn, [-1005], themes=["sovereignty"])
        await ob.enqueue(conn, chat_ids=[-5], parts=["a"], kind="brief", now=T0)
        await _sent(conn, -5, [1, 2])
        await _sent(conn, -1005, [2, 3])
        await chat_moves.migrate_chat(conn, -5, -1005)
        assert await get_chat(conn, -5) is None
        assert await subscribed_themes(conn, -1005) == ["sovereignty", "tariffs"]
        rows = await ob.claim_due(conn, T0, limit=10, worker="w", lease=LEASE)
        sent = await _sent_pairs(conn)
    assert [r.chat_id for r in rows] == [-1005]
    assert sent == {(-1005, 1), (-1005, 2), (-1005, 3)}  # and none left under the old id


async def test_release_claims_of_a_dead_sender(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await add_chats(conn, [1, 2])
        await ob.enqueue(conn, chat_ids=[1, 2], parts=["a"], kind="brief", now=T0)
        await ob.claim_due(conn, T0, limit=10, worker="dead", lease=LEASE)
        assert await ob.claim_due(conn, T0, limit=10, worker="new", lease=LEASE) == []
        assert await ob.release_claims(conn) == 2
        assert len(await ob.claim_due(conn, T0, limit=10, worker="new", lease=LEASE)) == 2
        assert await ob.next_due_at(conn) == T0


async def test_purge_forgets_old_finished_rows_and_unused_bodies(engine: AsyncEngine) -> None:
    week = timedelta(days=7)
    async with engine.begin() as conn:
        await add_chats(conn, [1, 2])
        await ob.enqueue(conn, chat_ids=[1, 2], parts=["old"], kind="brief", now=T0 - week)
        await ob.enqueue(conn, chat_ids=[1], parts=["new"], kind="brief", now=T0)
        claimed = await ob.claim_due(conn, T0, limit=10, worker="w", lease=LEASE)
        old = {r.chat_id: r for r in claimed if r.text == "old"}
        await ob.mark_sent(conn, old[1].id, T0)  # chat 1's old row: sent, purgeable
        # chat 2's old row is still pending: kept, and so is the body it shares
        assert await ob.purge_finished(conn, before=T0 - timedelta(days=1)) == 1
        texts = sorted((await conn.execute(select(bodies.c.text))).scalars())
        assert texts == ["new", "old"]
        await ob.mark_failed(conn, old[2].id, "gone")
        assert await ob.purge_finished(conn, before=T0 - timedelta(days=1)) == 1
        texts = sorted((await conn.execute(select(bodies.c.text))).scalars())
        assert texts == ["new"]
        assert await ob.pending_count(conn) == 1


# ── a chat leaving or moving while a brief writes for it (PostgreSQL: row locks) ─────────


async def _brief_for(engine: AsyncEngine, chat_id: int, written: asyncio.Event,
                     finish: asyncio.Event) -> None:
    """What a brief writes for one due chat, in one transaction held open until ``finish``."""
    from briefings.store.briefs import remember_sent_groups

    async with engine.begin() as conn:
        await conn.execute(select(chats.c.id).where(chats.c.id == chat_id).with_for_update())
        await ob.enqueue(conn, chat_ids=[chat_id], parts=["a"], kind="brief", now=T0)
        await remember_sent_groups(conn, [([chat_id], [10])], T0)
        written.set()
        await finish.wait()


@pytest.mark.parametrize("move", ["forget", "migrate", "merge"])
async def test_a_chat_leaving_mid_brief_leaves_no_sent_rows_behind(
    engine: AsyncEngine, move: str
) -> None:
    """sent_stories has no key to cascade from the chat: the move waits for the brief's
    commit, then takes its rows along (on PostgreSQL it would otherwise miss them)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer at a time")
    async with engine.begin() as conn:
        await add_chats(conn, [-5] + ([-1005] if move == "merge" else []))
    written, finish = asyncio.Event(), asyncio.Event()
    brief = asyncio.create_task(_brief_for(engine, -5, written, finish))
    await written.wait()

    async def leave() -> None:
        async with engine.begin() as conn:
            if move == "forget":
                await forget_chat(conn, -5)
            else:
                await chat_moves.migrate_chat(conn, -5, -1005)

    leaving = asyncio.create_task(leave())
    await asyncio.sleep(0.3)
    waited = not leaving.done()
    finish.set()
    await brief
    await leaving
    async with engine.connect() as conn:
        sent = await _sent_pairs(conn)
    assert waited  # for the brief's commit
    assert sent == (set() if move == "forget" else {(-1005, 10)})
