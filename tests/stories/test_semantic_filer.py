"""The default (semantic) method through ``file_items`` on the real store, SQLite and PostgreSQL.

The complaints of issue 10, filed as a poll files them: a seizure at Otay Mesa must not join
the 16-hour-older Nogales seizure, and two English reports of one decree must share a story.
Stories survive a restart: each ``file_items`` call loads them afresh from their signatures.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from briefings.store.tables import items, stories
from briefings.stories import file_items, member_vectors
from tests.stories.helpers import add_item, add_source, match

CASES = {r["id"]: r for r in map(json.loads, (Path(__file__).parent / "cases.jsonl").open())}


def _at(case: dict[str, str]) -> datetime:
    return datetime.fromisoformat(case["published"].replace("Z", "+00:00"))


async def _add(conn, ids: list[str], sources: dict[str, int]):  # noqa: ANN001, ANN202
    out = []
    for case_id in ids:
        case = CASES[case_id]
        if case["source"] not in sources:
            sources[case["source"]] = await add_source(conn, case["source"], language=case["lang"])
        out.append(await add_item(conn, sources[case["source"]], title=case["title"],
                                  summary=case["summary"], language=case["lang"], at=_at(case),
                                  guid=case_id))  # fmt: skip
    return out


async def _story_of(conn) -> dict[str, int | None]:  # noqa: ANN001
    rows = await conn.execute(select(items.c.guid, items.c.story_id))
    return dict(rows.all())


async def test_otay_mesa_does_not_join_the_older_nogales_seizure(engine) -> None:  # noqa: ANN001
    sources: dict[str, int] = {}
    async with engine.begin() as conn:
        nogales = await _add(conn, ["en-nogales-seizure", "es-nogales-decomiso"], sources)
        await file_items(conn, nogales, {s.id: [match("fentanyl")] for s in nogales},
                         _at(CASES["es-nogales-decomiso"]))  # fmt: skip
        otay = await _add(conn, ["en-otay-seizure", "es-otay-decomiso", "en-otay-kx"], sources)
        result = await file_items(conn, otay, {s.id: [match("fentanyl")] for s in otay},
                                  _at(CASES["en-otay-kx"]))  # fmt: skip
        story_of = await _story_of(conn)
    assert len(result.new_story_ids) == 1 and result.grown_story_ids == []  # an alert, fresh
    assert story_of["en-nogales-seizure"] == story_of["es-nogales-decomiso"]
    assert story_of["en-otay-seizure"] == story_of["es-otay-decomiso"] == story_of["en-otay-kx"]
    assert story_of["en-otay-seizure"] != story_of["en-nogales-seizure"]


async def test_two_english_reports_of_one_decree_share_a_story(engine) -> None:  # noqa: ANN001
    sources: dict[str, int] = {}
    decree = ["en-tariff-decree-ap", "en-tariff-decree-reuters", "es-arancel-acero-decreto"]
    async with engine.begin() as conn:
        first = await _add(conn, decree[:1], sources)
        await file_items(conn, first, {s.id: [match("tariffs")] for s in first},
                         _at(CASES[decree[0]]))  # fmt: skip
        later = await _add(conn, decree[1:] + ["en-tariff-raise-30"], sources)
        result = await file_items(conn, later, {s.id: [match("tariffs")] for s in later},
                                  _at(CASES["en-tariff-raise-30"]))  # fmt: skip
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

    ordered = sorted(CASES.values(), key=lambda c: (_at(c), c["id"]))
    sources: dict[str, int] = {}
    async with engine.begin() as conn:
        for part in (ordered[:12], ordered[12:]):
            stored = await _add(conn, [c["id"] for c in part], sources)
            await file_items(conn, stored, {s.id: [match("any")] for s in stored},
                             max(_at(c) for c in part))  # fmt: skip
        story_of = await _story_of(conn)
    once = await cluster([entry_from(c) for c in ordered])
    assert _groups(story_of) == _groups(once)


def _groups(labels: dict[str, object]) -> set[frozenset[str]]:
    groups: dict[object, set[str]] = {}
    for key, story in labels.items():
        groups.setdefault(story, set()).add(key)
    return {frozenset(g) for g in groups.values()}
