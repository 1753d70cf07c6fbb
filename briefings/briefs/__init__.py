"""Briefs: who gets what (``plan``), what a brief says (``compose``, ``content``), and when
(``schedule``). The job that puts them in the outbox is ``briefings.jobs.brief``."""

from __future__ import annotations

from typing import Any

# shim: remove after the move — the old ``briefings.briefs`` module's names, loaded lazily
# (``briefings.jobs`` imports this package, so an eager import would be a cycle).
_MOVED = {
    "BATCH": "briefings.jobs.brief",
    "BriefRunReport": "briefings.jobs.brief",
    "BRIEF_WINDOW": "briefings.briefs.plan",
    "brief_story_ids": "briefings.jobs.legacy",
    "enqueue_alerts": "briefings.jobs.legacy",
    "enqueue_due_briefs": "briefings.jobs.legacy",
    "without_stories": "briefings.jobs.legacy",
}


def __getattr__(name: str) -> Any:  # shim: remove after the move
    if name not in _MOVED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_MOVED[name]), name)
