"""A story's coverage: how many outlets tell it, from which country's press, in which language."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from briefings.model import Coverage, Report

__all__ = ["ONE_SIDED_MIN_OUTLETS", "UNKNOWN_COUNTRY", "coverage"]

UNKNOWN_COUNTRY = "?"  # a feed configured without a country (a user's own feed, say)
ONE_SIDED_MIN_OUTLETS = 3  # fewer outlets than this say nothing about sides yet


def coverage(reports: Iterable[Report]) -> Coverage:
    """Distinct outlets by country and by language, and whether only one country's press tells
    the story. An outlet of unknown country counts under ``UNKNOWN_COUNTRY`` and keeps a story
    from being called one-sided: it might be the other side."""
    outlets: dict[str, Report] = {}
    for report in reports:
        outlets.setdefault(report.outlet, report)
    by_country = Counter(r.country or UNKNOWN_COUNTRY for r in outlets.values())
    by_language = Counter(r.language for r in outlets.values())
    one_sided = (
        len(outlets) >= ONE_SIDED_MIN_OUTLETS
        and len(by_country) == 1
        and UNKNOWN_COUNTRY not in by_country
    )
    return Coverage(len(outlets), _most_first(by_country), _most_first(by_language), one_sided)


def _most_first(counts: Counter[str]) -> dict[str, int]:
    """Counts, largest first; ties alphabetical, the unknown country last."""
    return dict(sorted(counts.items(), key=lambda kv: (kv[0] == UNKNOWN_COUNTRY, -kv[1], kv[0])))
