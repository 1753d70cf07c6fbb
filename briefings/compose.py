"""Moved to ``briefings.briefs.compose`` (and ``briefings.briefs.content``)."""

from briefings.briefs.compose import (  # noqa: F401  # shim: remove after the move
    HALF_LIFE_HOURS,
    LATEST_WINDOW,
    MIN_TREND_DAYS,
    compose_brief,
    latest,
    rank,
    score,
    trend,
)
from briefings.briefs.content import Brief, Section, Trend  # noqa: F401  # shim: remove after the move
