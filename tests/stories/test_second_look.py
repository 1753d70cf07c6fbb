"""A report filed before the reports it resembles most gets a second look before its story
closes: it joins the story they made, if it now reaches the bar (``SemanticIndex``).

The vectors are made to measure (cosines given as a Gram matrix) and the word overlap is off,
so each case says exactly what the sentence vectors would; the dev set's own case (El Mencho)
is in ``test_dev_set.py``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from briefings.stories.event import EventParams, Report, report_from
from briefings.stories.open_stories import MAX_MEMBERS
from briefings.stories.semantic import SemanticIndex
from briefings.stories.when import Span

PARAMS = replace(EventParams(), lexical=0.0)  # threshold 0.7, mean of the 3 best pairs
DAY = datetime(2026, 2, 22)


def unit_vectors(gram: np.ndarray) -> np.ndarray:
    """Unit rows of 512 numbers whose cosines are ``gram``'s entries."""
    values, basis = np.linalg.eigh(gram)
    assert values.min() > -1e-9, "not a Gram matrix"
    rows = basis * np.sqrt(np.clip(values, 0, None))
    out = np.zeros((len(gram), 512))
    out[:, : len(gram)] = rows
    return out


def reports(gram: list[list[float]]) -> list[Report]:
    """Report i + 1 has vector i of ``gram``; all on one day, so ids give the filing order."""
    vectors = unit_vectors(np.array(gram, dtype=np.float64))
    span = Span(DAY, DAY + timedelta(days=1), whole_days=True)
    out = []
    for i, vector in enumerate(vectors):
        out.append(report_from(i + 1, "en", "", f"report number {i + 1}", span,
                               vector.astype(np.float16)))  # fmt: skip
    return out


def mencho(early: float, late: float) -> list[Report]:
    """Reports 1-2 tell the event one way (cosine 0.9); report 3 scores ``early`` with them;
    reports 4-6 score 0.75 with 1-2 and ``late`` (less) with report 3: they join 1-2."""
    g = np.full((6, 6), 0.0)
    g[0, 1] = 0.9
    g[0, 2] = g[1, 2] = early
    g[:2, 3:] = 0.75
    g[2, 3:] = late
    g[3, 4] = g[3, 5] = g[4, 5] = 0.9
    g = g + g.T + np.eye(6)
    return reports(g.tolist())


def partition(assigned: dict[int, int]) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for report, story in assigned.items():
        groups.setdefault(story, set()).add(report)
    return {frozenset(g) for g in groups.values()}


@pytest.mark.parametrize(
    ("early", "late", "expected"),
    [
        # Report 3 came when the story held 1-2 only (0.5): alone then; with 4-6 in it, the
        # mean of its 3 best pairs is 0.72: it joins.
        (0.5, 0.72, [{1, 2, 3, 4, 5, 6}]),
        # Still below the bar with the later reports (mean 0.65): it stays alone.
        (0.5, 0.65, [{1, 2, 4, 5, 6}, {3}]),
        # Alike enough at once: it joined when it was filed, as before.
        (0.8, 0.72, [{1, 2, 3, 4, 5, 6}]),
        # Unlike 1-2 (0.3), like 4-6: the mean of its 3 best pairs decides (0.72).
        (0.3, 0.72, [{1, 2, 3, 4, 5, 6}]),
    ],
)
def test_a_lone_report_joins_the_story_that_grew_around_it(
    early: float, late: float, expected: list[set[int]]
) -> None:
    assigned = SemanticIndex(params=PARAMS).assign_reports(mencho(early, late))
    assert partition(assigned) == {frozenset(g) for g in expected}


def test_only_a_lone_report_moves_never_a_story_of_two() -> None:
    """Reports 3 and 7 make a story of two (cosine 0.9): a story is never split or merged,
    so they stay together and apart, though each alone would now join 1-2-4-5-6."""
    g = np.zeros((7, 7))
    g[0, 1] = 0.9
    g[0, 2] = g[1, 2] = g[0, 6] = g[1, 6] = 0.5
    g[:2, 3:6] = 0.75
    g[2, 3:6] = g[6, 3:6] = 0.72
    g[3, 4] = g[3, 5] = g[4, 5] = 0.9
    g[2, 6] = 0.9
    g = g + g.T + np.eye(7)
    # Report 7 is filed right after report 3 (ids within a day): swap their ids' order in.
    rs = reports(g.tolist())
    rs = [rs[0], rs[1], rs[2], replace(rs[6], id=4), *(replace(r, id=r.id + 1) for r in rs[3:6])]
    assigned = SemanticIndex(params=PARAMS).assign_reports(rs)
    assert partition(assigned) == {frozenset({1, 2, 5, 6, 7}), frozenset({3, 4})}


def test_the_second_look_happens_before_the_lone_story_closes() -> None:
    """Filed in one batch with much later news, report 3's story closes (its window passes)
    long before the batch ends: it gets its second look then, while 1-2-4-5-6 are open."""
    early = mencho(0.5, 0.72)
    later = [replace(r, id=100 + r.id, span=Span(r.span.start + timedelta(days=30),
                                                 r.span.end + timedelta(days=30), True))
             for r in mencho(0.5, 0.5)]  # fmt: skip
    assigned = SemanticIndex(params=PARAMS).assign_reports(early + later)
    assert frozenset({1, 2, 3, 4, 5, 6}) in partition(assigned)


def test_a_moved_report_leaves_no_empty_story_and_its_new_story_keeps_it() -> None:
    index = SemanticIndex(params=PARAMS)
    assigned = index.assign_reports(mencho(0.5, 0.72))
    (story,) = set(assigned.values())
    assert story < 0  # a new story, for the filer to store
    ids = {s.id for s in index.open.by_seq.values()}
    assert ids == {story}  # the lone story is gone, not left empty
    kept = index.open.story(story)
    assert sorted(r.id for r in kept.members) == [1, 2, 3, 4, 5, 6] and kept.count == 6
    assert len(kept.rows) == 6 <= MAX_MEMBERS
    # The next batch files against the grown story as stored (its signature keeps report 3).
    signature = index.signature(story)
    again = SemanticIndex(params=PARAMS)
    again.load(7, signature, DAY)
    assert sorted(r.id for r in again.open.story(7).members) == [1, 2, 3, 4, 5, 6]


OUTLETS = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot"]
WORDS = ["avocado", "bicycle", "cathedral", "dolphin", "elevator", "flamingo"]  # none shared


async def test_the_poller_stores_the_moved_report_in_the_story_and_no_empty_story(
    engine,  # noqa: ANN001
) -> None:
    """Through ``file_items`` on the real store (SQLite and PostgreSQL), as one poll files
    them: six items, one story row, and the lone report's item points at it."""
    from sqlalchemy import func, select

    from briefings.store.tables import items, stories
    from briefings.stories import file_items
    from tests.stories.helpers import add_item, add_source, match

    vectors = [r.vector.astype(np.float32) for r in mencho(0.5, 0.72)]
    at = DAY.replace(hour=12, tzinfo=UTC)
    async with engine.begin() as conn:
        stored = []
        for n, (outlet, word) in enumerate(zip(OUTLETS, WORDS, strict=True)):
            source = await add_source(conn, outlet)
            # Filed in this order within the hour, as the Gram matrix's rows are numbered.
            stored.append(await add_item(conn, source, title="", summary=f"{word} {word}s",
                                         at=at + timedelta(minutes=n), guid=word))  # fmt: skip
        given = {s.id: v for s, v in zip(stored, vectors, strict=True)}
        result = await file_items(conn, stored, {s.id: [match("sovereignty")] for s in stored},
                                  at + timedelta(hours=1), vectors=given)  # fmt: skip
        story_of = dict((await conn.execute(select(items.c.guid, items.c.story_id))).all())
        count = (await conn.execute(select(func.count()).select_from(stories))).scalar_one()
        row = (await conn.execute(select(stories))).mappings().one()
    assert len(set(story_of.values())) == 1 and count == 1
    assert result.new_story_ids == [row["id"]] and row["source_count"] == 6


def test_a_lone_story_of_an_earlier_batch_never_moves() -> None:
    """Only a story the batch itself started gets the look: one a caller got from an earlier
    batch may have been stored and sent. (The poller relabels new stories with their stored
    ids; this caller does not, so the earlier story still has a negative id.)"""
    index = SemanticIndex(params=PARAMS)
    first = mencho(0.5, 0.72)
    before = index.assign_reports(first[:3])
    assert before[3] != before[1]  # alone, as in the first case
    ten_days_on = Span(DAY + timedelta(days=10), DAY + timedelta(days=11), whole_days=True)
    later = [*first[3:], replace(first[5], id=99, span=ten_days_on)]  # a sweep comes
    after = index.assign_reports(later)
    assert after[4] == after[5] == after[6] == before[1]
    assert [r.id for r in index.open.story(before[3]).members] == [3]


def test_the_look_takes_its_cosines_a_chunk_at_a_time() -> None:
    """Lone stories at a batch's end can be thousands: their cosines with every open row are
    taken CHUNK reports at a time, as filing takes them, never all at once."""
    from briefings.stories.semantic import CHUNK

    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((CHUNK + 44, 512))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)  # far apart: every one alone
    span = Span(DAY, DAY + timedelta(days=1), whole_days=True)
    lone = [report_from(i + 1, "en", "", f"lone report {i}", span, v.astype(np.float16))
            for i, v in enumerate(vectors)]  # fmt: skip
    index = SemanticIndex(params=PARAMS)
    asked: list[int] = []
    cosines_of = index.open.cosines_of
    index.open.cosines_of = lambda v: asked.append(len(v)) or cosines_of(v)  # type: ignore[method-assign]
    assigned = index.assign_reports(lone)
    assert len(set(assigned.values())) == len(lone)
    assert asked == [CHUNK, 44]
