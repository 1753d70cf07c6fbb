"""The semantic method on hand-written cases, through the poller's filer (in-memory store).

``cases.jsonl``: 30 English and Spanish reports written for these tests, each labelled with
its event: one seizure at two crossings 16 hours apart, a decree told by two English wires and
a Spanish paper, a tariff raised two days later, statements on different days, a raid the day
after another, a tax before and after a committee vote, two tariffs told in one template (with
their ledes, and as headlines alone, as feeds without descriptions give them).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from briefings.stories.batch import ALL, Entry, cluster, entry_from, stored_items
from briefings.stories.filer import StoryFiler

CASES = [json.loads(s) for s in (Path(__file__).parent / "cases.jsonl").read_text().splitlines()]
ENTRIES = [entry_from(r) for r in CASES]

PAIRS = [  # (a, b, same event?)
    ("en-otay-seizure", "es-otay-decomiso", True),
    ("en-otay-seizure", "en-otay-kx", True),  # 250 lb vs 113 kg: one seizure
    ("en-otay-seizure", "en-nogales-seizure", False),  # a 16-hour-older seizure elsewhere
    ("es-otay-decomiso", "es-nogales-decomiso", False),
    ("en-nogales-seizure", "es-nogales-decomiso", True),
    ("en-tariff-decree-ap", "en-tariff-decree-reuters", True),  # two English reports, one decree
    ("en-tariff-decree-ap", "es-arancel-acero-decreto", True),
    ("en-tariff-decree-ap", "en-tariff-raise-30", False),  # 25% decree vs 30% two days on
    ("es-arancel-acero-decreto", "es-arancel-sube-30", False),
    ("en-tariff-raise-30", "es-arancel-sube-30", True),
    ("en-transfer-26", "es-envio-26", True),
    ("en-transfer-26", "en-transfer-29-old", False),  # same actors, months apart
    ("es-sheinbaum-rechaza-lunes", "en-sheinbaum-rejects-monday", True),
    ("es-sheinbaum-rechaza-lunes", "es-sheinbaum-rechaza-jueves", False),  # another day's
    ("en-water-deal", "es-acuerdo-agua", True),  # 202,000 vs 202.000
    ("en-lab-raid-sinaloa", "es-narcolab-culiacan", True),
    ("es-narcolab-culiacan", "es-narcolab-durango", False),  # next day, another place
    ("en-remit-tax-3-5", "es-remesas-3-5", True),
    ("en-remit-tax-3-5", "en-remit-tax-5-committee", False),
    # One agency's template, the same hour: other rates, other goods, two measures.
    ("en-tariff-steel-5", "en-tariff-tomato-10", False),
    # The same, as headlines alone (no lede, so no subject): the numbers still part them,
    # and the same rate told in other words, or in Spanish, still joins.
    ("en-cement-15-wire", "en-avocado-20-wire", False),
    ("en-cement-15-wire", "en-cement-15-daily", True),
    ("en-cement-15-wire", "es-cemento-15", True),
]


def partition(labels: dict[str, int]) -> set[frozenset[str]]:
    groups: dict[int, set[str]] = {}
    for item_id, story in labels.items():
        groups.setdefault(story, set()).add(item_id)
    return {frozenset(g) for g in groups.values()}


@pytest.fixture(scope="module")
def filed() -> dict[str, int]:
    return asyncio.run(cluster(ENTRIES))


@pytest.mark.parametrize(("a", "b", "same"), PAIRS)
def test_case_pairs(filed: dict[str, int], a: str, b: str, same: bool) -> None:
    assert (filed[a] == filed[b]) is same


def test_cases_partition_matches_the_labels(filed: dict[str, int]) -> None:
    gold: dict[str, int] = {}
    events = {r["event"] for r in CASES}
    numbers = {event: n for n, event in enumerate(sorted(events))}
    gold = {r["id"]: numbers[r["event"]] for r in CASES}
    assert partition(filed) == partition(gold)


def test_the_order_of_the_lines_changes_nothing(filed: dict[str, int]) -> None:
    again = asyncio.run(cluster(list(reversed(ENTRIES))))
    assert again == filed


def _in_batches(entries: list[Entry], cuts: list[int], restart: bool) -> dict[str, int]:
    """File ``entries`` (in publication order) call by call, cut at ``cuts``; ``restart``: a
    new filer for every call, which reloads the stories from their stored signatures."""
    store, stored, until = stored_items(entries)
    filer = StoryFiler()
    bounds = [0, *cuts, len(stored)]
    for first, last in zip(bounds, bounds[1:], strict=False):
        batch = stored[first:last]
        if restart:
            filer = StoryFiler()
        now = max(until.get(s.id, s.item.published_at) for s in batch)
        asyncio.run(filer.file(store, batch, {s.id: ALL for s in batch}, now,
                               published_until=until))  # fmt: skip
    return {e.id: store.story_of[s.id] for e, s in zip(entries, stored, strict=True)}


@pytest.mark.parametrize("cuts", [[1], [5, 9], [12], list(range(1, 24))])
@pytest.mark.parametrize("restart", [False, True])
def test_batch_splits_and_restarts_give_the_same_stories(
    filed: dict[str, int], cuts: list[int], restart: bool
) -> None:
    in_order = sorted(ENTRIES, key=lambda e: (e.start, e.id))
    assert partition(_in_batches(in_order, cuts, restart)) == partition(filed)
