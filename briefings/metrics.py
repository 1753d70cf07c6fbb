"""Prometheus metrics every stage counts into, on one registry served at ``/metrics``.

Stages call the metric objects directly (``metrics.MESSAGES.labels(outcome="sent",
reason="ok").inc()``) or one of the small ``record_*`` helpers below; the poll cycle is
counted in one place from the poll job's ``CycleReport`` (``record_cycle``). Gauges that
describe the store (outbox depth, last poll age) are set just before each scrape
(``set_store_gauges``), so every process of a scaled-out deployment reports the same truth.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from prometheus_client import CONTENT_TYPE_LATEST as CONTENT_TYPE
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from briefings.fetch.errors import ErrorKind
from briefings.model import ThemeRef


class FeedFailure(Protocol):
    @property
    def kind(self) -> ErrorKind | None: ...


class CycleCounts(Protocol):
    """What ``record_cycle`` reads of a poll cycle's report (``jobs.report.CycleReport``):
    metrics sit below the jobs that count into them."""

    @property
    def fetched(self) -> int: ...
    @property
    def unchanged(self) -> int: ...
    @property
    def new_items(self) -> int: ...
    @property
    def duration(self) -> float: ...
    @property
    def failures(self) -> Sequence[FeedFailure]: ...


REGISTRY = CollectorRegistry(auto_describe=True)

FEEDS = Counter(
    "borderbrief_feeds_fetched",
    "Feed fetches by outcome: ok (new content), unchanged (304 or same body), failed.",
    ["outcome"],
    registry=REGISTRY,
)
FEED_ERRORS = Counter(
    "borderbrief_feed_errors",
    "Failed feed fetches by reason class (timeout, http_4xx, http_5xx, too_large, parse, ...).",
    ["reason"],
    registry=REGISTRY,
)
ITEMS_NEW = Counter("borderbrief_items_new", "Items stored for the first time.", registry=REGISTRY)
MATCHES = Counter(
    "borderbrief_matches", "Items matched to a theme, per theme.", ["theme"], registry=REGISTRY
)
MESSAGES = Counter(
    "borderbrief_messages",
    "Telegram sends by outcome (sent, failed, retried) and reason (ok, retry_after, forbidden, "
    "bad_request, migrated, network, ...).",
    ["outcome", "reason"],
    registry=REGISTRY,
)
BRIEFS = Counter(
    "borderbrief_briefs_enqueued",
    "Briefs written to the outbox, by kind.",
    ["kind"],
    registry=REGISTRY,
)
POLL_SECONDS = Histogram(
    "borderbrief_poll_duration_seconds",
    "Wall time of one poll cycle.",
    buckets=(0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600),
    registry=REGISTRY,
)
DELIVERY_SECONDS = Histogram(
    "borderbrief_delivery_latency_seconds",
    "From a message being due (outbox not_before) to Telegram accepting it.",
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600),
    registry=REGISTRY,
)
OUTBOX_DEPTH = Gauge(
    "borderbrief_outbox_depth",
    "Outbox rows waiting to be sent (status pending).",
    registry=REGISTRY,
)
LAST_POLL_AGE = Gauge(
    "borderbrief_last_poll_age_seconds",
    "Seconds since the last finished poll cycle (-1 when none is recorded).",
    registry=REGISTRY,
)
OUTBOX_LAG = Gauge(
    "borderbrief_outbox_lag_seconds",
    "How long the longest-waiting due message has waited (0 when nothing is overdue).",
    registry=REGISTRY,
)
FEEDS_FAILING = Gauge(
    "borderbrief_feeds_failing", "Enabled sources whose last fetch failed.", registry=REGISTRY
)


def record_fetch(outcome: str, reason: str | None = None) -> None:
    """One feed fetch: ``ok``, ``unchanged`` or ``failed`` (with a reason class)."""
    FEEDS.labels(outcome=outcome).inc()
    if outcome == "failed":
        FEED_ERRORS.labels(reason=reason or "other").inc()


def record_send(outcome: str, reason: str = "ok", *, latency: float | None = None) -> None:
    """One Telegram send: ``sent``, ``failed`` or ``retried``, and the latency when sent."""
    MESSAGES.labels(outcome=outcome, reason=reason).inc()
    if latency is not None and latency >= 0:
        DELIVERY_SECONDS.observe(latency)


# The Sender's outcome kinds, as (outcome, reason) labels.
_DELIVERY = {
    "sent": ("sent", "ok"),
    "retry_after": ("retried", "retry_after"),
    "migrated": ("retried", "migrated"),
    "retry": ("retried", "network"),
    "gone": ("failed", "forbidden"),
    "failed": ("failed", "bad_request"),
}


def record_delivery(kind: str, error: str = "", *, latency: float | None = None) -> None:
    """One settled send from the Sender, by its outcome kind (sent, retry_after, gone, ...)."""
    outcome, reason = _DELIVERY.get(kind, ("failed", "other"))
    if kind == "failed" and error and "parse" not in error.lower():
        reason = reason_from_text(error)
    record_send(outcome, reason, latency=latency)


def record_matches(themes: Iterable[str]) -> None:
    """One increment per (item, theme) match."""
    for theme in themes:
        MATCHES.labels(theme=theme_label(theme)).inc()


def record_cycle(report: CycleCounts) -> None:
    """Count one poll cycle from its report: feeds by outcome, failures by kind, new items."""
    if report.fetched > 0:
        FEEDS.labels(outcome="ok").inc(report.fetched)
    if report.unchanged > 0:
        FEEDS.labels(outcome="unchanged").inc(report.unchanged)
    for failure in report.failures:
        FEEDS.labels(outcome="failed").inc()
        FEED_ERRORS.labels(reason=error_class(failure.kind)).inc()
    if report.new_items > 0:
        ITEMS_NEW.inc(report.new_items)
    POLL_SECONDS.observe(report.duration)


class CountingMatcher:
    """Wraps a theme matcher so every (item, theme) match is counted."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def match(
        self, title: str, summary: str, language: str | None = None, vector: Any = None
    ) -> Any:
        found = (self.inner.match(title, summary, language) if vector is None
                 else self.inner.match(title, summary, language, vector))  # fmt: skip
        record_matches(getattr(m, "theme", str(m)) for m in found)
        return found

    def match_many(self, items: Any, vectors: Any = None, *, embed: Any = None) -> Any:
        found = self.inner.match_many(items, vectors, embed=embed)
        for matches in found:
            record_matches(getattr(m, "theme", str(m)) for m in matches)
        return found


def theme_label(theme: str) -> str:
    """A chat's own theme (``c<chat id>:<name>``) counts as ``own``: no chat ids in metrics."""
    return "own" if ThemeRef.parse(theme).is_own else theme


# Each kind's label: the few the dashboards know, so label values stay bounded.
_KIND_LABELS: dict[ErrorKind, str] = {
    ErrorKind.TIMEOUT: "timeout",
    ErrorKind.DNS: "dns",
    ErrorKind.NETWORK: "network",
    ErrorKind.BLOCKED: "blocked",
    ErrorKind.REDIRECT: "redirect",
    ErrorKind.TOO_LARGE: "too_large",
    ErrorKind.HTTP_4XX: "http_4xx",
    ErrorKind.HTTP_5XX: "http_5xx",
    ErrorKind.GONE: "gone",
    ErrorKind.DECODING: "parse",
    ErrorKind.EMPTY: "parse",
    ErrorKind.NOT_A_FEED: "parse",
    ErrorKind.MALFORMED: "parse",
    ErrorKind.NO_ITEMS: "parse",
    ErrorKind.PARSE: "parse",
}


def error_class(kind: ErrorKind | str | None) -> str:
    """The metric label of a feed error's kind (``other`` for none or an unknown one)."""
    try:
        return _KIND_LABELS.get(ErrorKind(kind), "other") if kind else "other"
    except ValueError:
        return "other"


# Telegram's error texts have no kind yet: (substring of the text, label), first match wins.
_TEXT_REASONS = (
    ("timeout", "timeout"),
    ("timed out", "timeout"),
    ("too_large", "too_large"),
    ("larger than", "too_large"),
    ("refused:", "blocked"),
    ("blocked", "blocked"),
    ("ssrf", "blocked"),
    ("could not resolve", "dns"),
    ("dns", "dns"),
    ("could not connect", "network"),
    ("connection", "network"),
    ("network", "network"),
    ("redirect", "redirect"),
    ("gone", "gone"),
    ("parse", "parse"),
    ("not a feed", "parse"),
    ("compressed", "parse"),
)


def reason_from_text(reason: str) -> str:
    """A small, bounded label for an error text that has no kind (a failed Telegram send)."""
    text = reason.lower()
    for known, label in _TEXT_REASONS:
        if known in text:
            return label
    for code in ("4", "5"):
        if text.startswith(f"http_{code}") or text.startswith(f"http {code}"):
            return f"http_{code}xx"
    if text.isdigit() and len(text) == 3:
        return f"http_{text[0]}xx"
    return text if text.isidentifier() and len(text) <= 24 else "other"


def set_store_gauges(
    *,
    outbox_depth: int,
    last_poll_at: datetime | None,
    now: datetime,
    feeds_failing: int | None = None,
    oldest_pending_at: datetime | None = None,
) -> None:
    """Set the store-derived gauges from values read just before a scrape."""
    OUTBOX_DEPTH.set(outbox_depth)
    lag = (now - oldest_pending_at).total_seconds() if oldest_pending_at else 0.0
    OUTBOX_LAG.set(max(0.0, lag))
    LAST_POLL_AGE.set((now - last_poll_at).total_seconds() if last_poll_at else -1)
    if feeds_failing is not None:
        FEEDS_FAILING.set(feeds_failing)


def exposition(registry: CollectorRegistry = REGISTRY) -> bytes:
    """The Prometheus text format of every metric."""
    return generate_latest(registry)


__all__ = [
    "BRIEFS",
    "CONTENT_TYPE",
    "DELIVERY_SECONDS",
    "FEEDS",
    "FEEDS_FAILING",
    "FEED_ERRORS",
    "CountingMatcher",
    "ITEMS_NEW",
    "LAST_POLL_AGE",
    "MATCHES",
    "MESSAGES",
    "OUTBOX_DEPTH",
    "OUTBOX_LAG",
    "POLL_SECONDS",
    "REGISTRY",
    "error_class",
    "exposition",
    "reason_from_text",
    "record_cycle",
    "record_delivery",
    "record_fetch",
    "record_matches",
    "record_send",
    "set_store_gauges",
    "theme_label",
]
