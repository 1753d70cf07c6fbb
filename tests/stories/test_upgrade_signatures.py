"""Stories filed before an upgrade, on the real store: their signature kept no member vectors
(a MinHash one, or an older semantic version), yet a new report of a still-open story joins it.

The filer rebuilds such stories' members from their stored items when it loads them.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from briefings.store.tables import items, stories
from briefings.stories import file_items, member_vectors
from briefings.stories.filer import StoryFiler
from briefings.stories.minhash import MinHashIndex
from briefings.stories.signature import METHOD, VERSION
from tests.stories.helpers import add_cases, case_time, match

DECREE = ["en-tariff-decree-ap", "es-arancel-acero-decreto"]


async def _old_story(conn, sources: dict[str, int], old: str) -> int:  # noqa: ANN001
    """The steel decree filed before the upgrade: one story whose signature keeps no vectors."""
    first = await add_cases(conn, DECREE, sources)
    filer = StoryFiler(index=MinHashIndex)  # the method before
    await filer(conn, first, {s.id: [match("tariffs")] for s in first}, case_time(DECREE[-1]))
    story_ids = (await conn.execute(select(items.c.story_id).where(
        items.c.id.in_([s.id for s in first])))).scalars().all()  # fmt: skip
    story_id = story_ids[0]
    # One story, whatever MinHash made of the two languages: the store as it was upgraded.
    await conn.execute(update(items).where(items.c.id.in_([s.id for s in first]))
                       .values(story_id=story_id))  # fmt: skip
    if old == "semantic-v0":  # an older version of this method's own signature
        signature = {"method": METHOD, "v": VERSION - 1, "count": 2, "members": []}
        await conn.execute(update(stories).where(stories.c.id == story_id)
                           .values(signature=signature))  # fmt: skip
    row = (await conn.execute(select(stories.c.signature).where(
        stories.c.id == story_id))).scalar_one()  # fmt: skip
    assert member_vectors(row) == {}  # nothing a semantic index can compare with
    return int(story_id)


@pytest.mark.parametrize("old", ["minhash", "semantic-v0"])
async def test_a_report_of_a_story_filed_before_the_upgrade_joins_it(engine, old: str) -> None:  # noqa: ANN001
    sources: dict[str, int] = {}
    async with engine.begin() as conn:
        story_id = await _old_story(conn, sources, old)
        later = await add_cases(conn, ["en-tariff-decree-reuters", "en-tariff-raise-30"], sources)
        result = await file_items(conn, later, {s.id: [match("tariffs")] for s in later},
                                  case_time("en-tariff-raise-30"))  # fmt: skip
        story_of = dict((await conn.execute(select(items.c.guid, items.c.story_id))).all())
        row = (await conn.execute(select(stories).where(
            stories.c.id == story_id))).mappings().one()  # fmt: skip
    assert story_of["en-tariff-decree-reuters"] == story_id  # the same decree joins
    assert story_of["en-tariff-raise-30"] != story_id  # another happening (30%, two days on)
    assert result.grown_story_ids == [story_id]
    assert row["source_count"] == 3
    # Grown, the story is saved in the current form: every member's vector is kept.
    vectors = member_vectors(row["signature"])
    assert len(vectors) == 3 and all(v.shape == (512,) for v in vectors.values())
