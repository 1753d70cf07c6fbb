"""The default (semantic) method through ``file_items`` on the real store, SQLite and PostgreSQL.

The complaints of issue 10, filed as a poll files them: a seizure at Otay Mesa must not join
the 16-hour-older Nogales seizure, and two English reports of one decree must share a story.
Stories survive a restart: each ``file_items`` call loads them afresh from their signatures.
"""

from __future__ import annotations

from sqlalchemy import select

from briefings.store.tables import items, stories
from briefings.stories import file_items, member_vectors
from tests.stories.helpers import CASES, add_cases, case_time, match


async def _story_of(conn) -> dict[str, int | None]:  # noqa: ANN001
    rows = await conn.execute(select(items.c.guid, items.c.story_id))
    return dict(rows.all())


async def test_otay_mesa_does_not_join_the_older_nogales_seizure(engine) -> None:  # noqa: ANN001
    sources: dict[str, int] = {}
    async with engine.begin() as conn:
        nogales = await add_cases(conn, ["en-nogales-seizure", "es-nogales-decomiso"], sources)
        await file_items(conn, nogales, {s.id: [match("fentanyl")] for s in nogales},
                         case_time("es-nogales-decomiso"))  # fmt: skip
        otay = await add_cases(conn, ["en-otay-seizure", "es-otay-decomiso", "en-otay-kx"], sources)
        result = await file_items(conn, otay, {s.id: [match("fentanyl")] for s in otay},
                                  case_time("en-otay-kx"))  # fmt: skip
        story_of = await _story_of(conn)
    assert len(result.new_story_ids) == 1 and result.grown_story_ids == []  # an alert, fresh
    assert story_of["en-nogales-seizure"] == story_of["es-nogales-decomiso"]
    assert story_of["en-otay-seizure"] == story_of["es-otay-decomiso"] == story_of["en-otay-kx"]
    assert story_of["en-otay-seizure"] != story_of["en-nogales-seizure"]


async def test_two_english_reports_of_one_decree_share_a_story(engine) -> None:  # noqa: ANN001
    sources: dict[str, int] = {}
    decree = ["en-tariff-decree-ap", "en-tariff-decree-reuters", "es-arancel-acero-decreto"]
    async with engine.begin() as conn:
        first = await add_cases(conn, decree[:1], sources)
        await file_items(conn, first, {s.id: [match("tariffs")] for s in first},
                         case_time(decree[0]))  # fmt: skip
        later = await add_cases(conn, decree[1:] + ["en-tariff-raise-30"], sources)
        result = await file_items(conn, later, {s.id: [match("tariffs")] for s in later},
                                  case_time("en-tariff-raise-30"))  # fmt: skip
        story_of = await _story_of(conn)
        row = (await conn.execute(select(stories).where(
            stories.c.id == story_of[decree[0]]))).mappings().one()  # fmt: skip
    assert story_of[decree[0]] == story_of[decree[1]] == story_of[decree[2]]
    assert story_of["en-tariff-raise-30"] != story_of[decree[0]]  # 30%, two days on
    assert result.grown_story_ids == [story_of[decree[0]]]
    assert row["source_count"] == 3 and row["languages"] == "en,es"
    # The story keeps its members' vectors: a restarted poller needs no re-embedding.
    vectors = member_vectors(row["signature"])
    assert len(vectors) == 3 and all(v.shape == (512,) for v in vectors.values())


async def test_every_case_filed_in_two_polls_matches_one_batch(engine) -> None:  # noqa: ANN001
    from briefings.stories.batch import cluster, entry_from

    ordered = sorted(CASES.values(), key=lambda c: (case_time(c["id"]), c["id"]))
    sources: dict[str, int] = {}
    async with engine.begin() as conn:
        for part in (ordered[:12], ordered[12:]):
            stored = await add_cases(conn, [c["id"] for c in part], sources)
            await file_items(conn, stored, {s.id: [match("any")] for s in stored},
                             max(case_time(c["id"]) for c in part))  # fmt: skip
        story_of = await _story_of(conn)
    once = await cluster([entry_from(c) for c in ordered])
    assert _groups(story_of) == _groups(once)


def _groups(labels: dict[str, object]) -> set[frozenset[str]]:
    groups: dict[object, set[str]] = {}
    for key, story in labels.items():
        groups.setdefault(story, set()).add(key)
    return {frozenset(g) for g in groups.values()}
