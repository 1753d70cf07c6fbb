"""Metric helpers count what the stages report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from briefings import metrics
from briefings.fetch import ErrorKind
from briefings.jobs.report import CycleReport, FeedOutcome


def value(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels or None) or 0.0


def test_record_cycle_from_the_poll_report() -> None:
    before = {
        "ok": value("borderbrief_feeds_fetched_total", outcome="ok"),
        "unchanged": value("borderbrief_feeds_fetched_total", outcome="unchanged"),
        "failed": value("borderbrief_feeds_fetched_total", outcome="failed"),
        "timeout": value("borderbrief_feed_errors_total", reason="timeout"),
        "new": value("borderbrief_items_new_total"),
        "fentanyl": value("borderbrief_matches_total", theme="fentanyl"),
        "polls": value("borderbrief_poll_duration_seconds_count"),
    }
    report = CycleReport(fetched=5, unchanged=3, new_items=9, duration=2.0)
    report.add(FeedOutcome("a", "https://a/", "failed", error="timed out after 15 s",
                           kind=ErrorKind.TIMEOUT))
    report.add(FeedOutcome("b", "https://b/", "failed", error="HTTP 503", kind=ErrorKind.HTTP_5XX))
    metrics.record_cycle(report)
    metrics.record_matches(["fentanyl"] * 4)  # matches are counted as they are made, not per cycle
    assert value("borderbrief_feeds_fetched_total", outcome="ok") - before["ok"] == 5
    assert value("borderbrief_feeds_fetched_total", outcome="unchanged") - before["unchanged"] == 3
    assert value("borderbrief_feeds_fetched_total", outcome="failed") - before["failed"] == 2
    assert value("borderbrief_feed_errors_total", reason="timeout") - before["timeout"] == 1
    assert value("borderbrief_items_new_total") - before["new"] == 9
    assert value("borderbrief_matches_total", theme="fentanyl") - before["fentanyl"] == 4
    assert value("borderbrief_poll_duration_seconds_count") - before["polls"] == 1


@pytest.mark.parametrize(
    ("reason", "label"),
    [("ReadTimeout", "timeout"), ("404", "http_4xx"), ("http_503", "http_5xx"),
     ("body too_large", "too_large"), ("blocked address 10.0.0.1", "blocked"),
     ("weird: thing with spaces and https://x/y?token=1", "other"), ("tls", "tls"),
     ("timed out after 15 s", "timeout"), ("HTTP 503 Service Unavailable", "http_5xx"),
     ("refused: 10.0.0.1 is a private address", "blocked"),
     ("feed larger than 10 MB", "too_large"), ("could not resolve host (x)", "dns")],
)
def test_text_reasons_keep_labels_bounded(reason: str, label: str) -> None:
    assert metrics.reason_from_text(reason) == label


@pytest.mark.parametrize(
    ("kind", "label"),
    [(ErrorKind.TIMEOUT, "timeout"), (ErrorKind.HTTP_4XX, "http_4xx"),
     (ErrorKind.HTTP_5XX, "http_5xx"), (ErrorKind.TOO_LARGE, "too_large"),
     (ErrorKind.BLOCKED, "blocked"), (ErrorKind.DNS, "dns"), (ErrorKind.NETWORK, "network"),
     (ErrorKind.REDIRECT, "redirect"), (ErrorKind.GONE, "gone"), (ErrorKind.NOT_A_FEED, "parse"),
     (ErrorKind.MALFORMED, "parse"), (ErrorKind.DECODING, "parse"), (ErrorKind.INTERNAL, "other"),
     (ErrorKind.OTHER, "other"), (None, "other"), ("timeout", "timeout"),
     ("timed out after 15 s", "other")],
)
def test_error_class_maps_the_kind(kind: ErrorKind | str | None, label: str) -> None:
    assert metrics.error_class(kind) == label


def test_every_kind_has_a_known_label() -> None:
    known = {"timeout", "dns", "network", "blocked", "redirect", "too_large", "http_4xx",
             "http_5xx", "gone", "parse", "other"}
    assert {metrics.error_class(kind) for kind in ErrorKind} == known


def test_store_gauges() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    metrics.set_store_gauges(outbox_depth=7, last_poll_at=now - timedelta(seconds=90), now=now)
    assert value("borderbrief_outbox_depth") == 7
    assert value("borderbrief_last_poll_age_seconds") == 90
    metrics.set_store_gauges(outbox_depth=0, last_poll_at=None, now=now)
    assert value("borderbrief_last_poll_age_seconds") == -1
