"""Alert planning without I/O: when the hourly cap bites, coverage wins, not arrival order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from briefings.briefs.plan import (
    AlertTargets,
    Importance,
    admits,
    held_dedupe_prefix,
    plan_alerts,
    reserve,
)
from briefings.store.alerts import AlertChat

NOW = datetime(2026, 3, 2, 8, 20, tzinfo=UTC)


def weight(outlets: int, both: bool = False, strength: float = 1.0) -> Importance:
    return Importance(both, outlets, strength)


def chat(chat_id: int) -> AlertChat:
    return AlertChat(chat_id, "en", "UTC", None, None, None)


@pytest.mark.parametrize(("per_hour", "expected"), [(1, 0), (2, 0), (3, 1), (5, 1), (6, 2)])
def test_a_third_of_the_hour_is_kept_for_wider_stories(per_hour, expected):
    assert reserve(per_hour) == expected


@pytest.mark.parametrize(
    ("outlets", "used", "per_hour", "expected"),
    [
        (1, 0, 6, True),
        (1, 3, 6, True),
        (1, 4, 6, False),  # the last two of six wait for a story several outlets tell
        (2, 4, 6, True),
        (2, 5, 6, True),
        (9, 6, 6, False),  # the cap is the cap
        (1, 1, 2, True),  # a cap of two keeps no reserve
        (1, 2, 2, False),
        (1, 0, 0, False),
    ],
)
def test_admits(outlets, used, per_hour, expected):
    assert admits(weight(outlets), used, per_hour) is expected


def test_importance_orders_by_coverage_then_match():
    assert weight(2, both=True) > weight(5)  # both sides of the border first
    assert weight(3) > weight(2, strength=9.0)
    assert weight(2, strength=2.0) > weight(2, strength=1.0)


def test_within_a_batch_the_most_important_stories_win():
    # Newest first, as the poll job gives them: a preview piece, a Senate vote three outlets
    # of both countries tell, a pill seizure two outlets tell.
    preview, vote, seizure = 30, 31, 32
    weights = {preview: weight(1), vote: weight(3, both=True), seizure: weight(2)}
    targets = AlertTargets({sid: {1, 2} for sid in weights})
    plan = plan_alerts([preview, vote, seizure], weights, targets, {1: chat(1), 2: chat(2)},
                       had={2: {vote}}, used={1: 0, 2: 1}, per_hour=2)
    assert plan.sends == [(vote, [1]), (seizure, [1, 2])]
    assert plan.held == {1: 1, 2: 1}  # the preview waits for the brief


def test_ties_keep_the_given_order_and_unknown_chats_are_skipped():
    weights = {1: weight(1), 2: weight(1), 3: weight(1)}
    targets = AlertTargets({1: {7, 8}, 2: {7}, 3: {7}})
    plan = plan_alerts([1, 2, 3], weights, targets, {7: chat(7)}, had={}, used={},
                       per_hour=2)
    assert plan.sends == [(1, [7]), (2, [7])] and plan.held == {7: 1}


def test_across_the_hour_one_outlet_stories_cannot_spend_the_reserve():
    weights = {1: weight(1), 2: weight(2)}
    targets = AlertTargets({1: {5}, 2: {5}})
    plan = plan_alerts([1, 2], weights, targets, {5: chat(5)}, had={}, used={5: 4},
                       per_hour=6)
    assert plan.sends == [(2, [5])] and plan.held == {5: 1}


def test_held_notices_are_deduplicated_per_clock_hour():
    assert held_dedupe_prefix(NOW) == "held:2026-03-02T08"
    assert held_dedupe_prefix(NOW.replace(minute=59)) == held_dedupe_prefix(NOW)
    assert held_dedupe_prefix(NOW.replace(hour=9)) != held_dedupe_prefix(NOW)
