"""Prometheus metrics every stage counts into, on one registry served at ``/metrics``.

Stages call the metric objects directly (``metrics.MESSAGES.labels(outcome="sent",
reason="ok").inc()``) or one of the small ``record_*`` helpers below; the poll cycle is
counted in one place from the pipeline's report (``record_cycle``). Gauges that describe the
store (outbox depth, last poll age) are refreshed just before each scrape
(``refresh_store_gauges``), so every process of a scaled-out deployment reports the same truth.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST as CONTENT_TYPE
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

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
    "borderbrief_briefs_enqueued", "Briefs written to the outbox, by kind.", ["kind"],
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
    "borderbrief_outbox_depth", "Outbox rows waiting to be sent (status pending).",
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
        reason = error_class(error)
    record_send(outcome, reason, latency=latency)


def record_matches(themes: Iterable[str]) -> None:
    """One increment per (item, theme) match."""
    for theme in themes:
        MATCHES.labels(theme=theme_label(theme)).inc()


def _get(report: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        value = report.get(name) if isinstance(report, Mapping) else getattr(report, name, None)
        if value is not None:
            return value
    return default


def record_cycle(report: Any) -> None:
    """Count one poll cycle from the pipeline's report (a dataclass or a mapping).

    Reads whichever of these the report has: ``fetched``/``ok``, ``unchanged``, ``failed``
    (a count, or a mapping reason → count, or a list of reasons), ``new_items``,
    ``matches`` (mapping theme → count), ``duration``/``duration_s`` (seconds).
    """
    ok = _get(report, "fetched", "ok", "feeds_ok", default=0)
    if isinstance(ok, int) and ok > 0:
        FEEDS.labels(outcome="ok").inc(ok)
    unchanged = _get(report, "unchanged", "feeds_unchanged", default=0)
    if isinstance(unchanged, int) and unchanged > 0:
        FEEDS.labels(outcome="unchanged").inc(unchanged)
    failed = _get(report, "failures", "failed", "feeds_failed", default=0)
    errors = _get(report, "errors")
    if isinstance(errors, list | tuple) and errors:
        failed = [e.get("error", "") if isinstance(e, Mapping) else e for e in errors]
    if isinstance(failed, Mapping):
        reasons = {str(k): int(v) for k, v in failed.items()}
    elif isinstance(failed, int):
        reasons = {"other": failed} if failed else {}
    else:  # a list of reasons (or of (source, reason) pairs)
        reasons = {}
        for entry in failed:
            reason = entry[-1] if isinstance(entry, tuple) else entry
            key = error_class(str(reason))
            reasons[key] = reasons.get(key, 0) + 1
    for reason, count in reasons.items():
        if count:
            FEEDS.labels(outcome="failed").inc(count)
            FEED_ERRORS.labels(reason=error_class(reason)).inc(count)
    new = _get(report, "new_items", "items_new", "new", default=0)
    if isinstance(new, int) and new > 0:
        ITEMS_NEW.inc(new)
    elif isinstance(new, list | tuple):
        ITEMS_NEW.inc(len(new))
    matches = _get(report, "matches", "theme_matches", default={})
    if isinstance(matches, Mapping):
        for theme, count in matches.items():
            if count:
                MATCHES.labels(theme=theme_label(str(theme))).inc(int(count))
    duration = _get(report, "duration", "duration_s", "seconds", "elapsed")
    if isinstance(duration, int | float):
        POLL_SECONDS.observe(float(duration))
    elif hasattr(duration, "total_seconds"):
        POLL_SECONDS.observe(duration.total_seconds())


class CountingMatcher:
    """Wraps a theme matcher so every (item, theme) match is counted."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def match(self, title: str, summary: str, language: str | None = None) -> Any:
        found = self.inner.match(title, summary, language)
        record_matches(getattr(m, "theme", str(m)) for m in found)
        return found


_OWN_THEME = re.compile(r"^c-?\d+:")


def theme_label(theme: str) -> str:
    """A chat's own theme (``c<chat id>:<name>``) counts as ``own``: no chat ids in metrics."""
    return "own" if _OWN_THEME.match(theme) else theme


# (substring of the error text, label): the fetcher's and parser's wordings, first match wins.
_KNOWN_REASONS = (
    ("timeout", "timeout"), ("timed out", "timeout"), ("too_large", "too_large"),
    ("larger than", "too_large"), ("refused:", "blocked"), ("blocked", "blocked"),
    ("ssrf", "blocked"), ("could not resolve", "dns"), ("dns", "dns"),
    ("could not connect", "network"), ("connection", "network"), ("network", "network"),
    ("redirect", "redirect"), ("gone", "gone"), ("parse", "parse"), ("not a feed", "parse"),
    ("compressed", "parse"),
)


def error_class(reason: str) -> str:
    """A small, bounded label for an error text, so label values never explode."""
    text = reason.lower()
    for known, label in _KNOWN_REASONS:
        if known in text:
            return label
    for code in ("4", "5"):
        if text.startswith(f"http_{code}") or text.startswith(f"http {code}"):
            return f"http_{code}xx"
    if text.isdigit() and len(text) == 3:
        return f"http_{text[0]}xx"
    return text if text.isidentifier() and len(text) <= 24 else "other"


def set_store_gauges(*, outbox_depth: int, last_poll_at: datetime | None, now: datetime,
                     feeds_failing: int | None = None,
                     oldest_pending_at: datetime | None = None) -> None:
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
    "BRIEFS", "CONTENT_TYPE", "DELIVERY_SECONDS", "FEEDS", "FEEDS_FAILING", "FEED_ERRORS",
    "CountingMatcher", "ITEMS_NEW", "LAST_POLL_AGE", "MATCHES", "MESSAGES", "OUTBOX_DEPTH",
    "OUTBOX_LAG", "POLL_SECONDS",
    "REGISTRY", "error_class", "exposition", "record_cycle", "record_fetch", "record_matches",
    "record_delivery", "record_send", "set_store_gauges",
]
