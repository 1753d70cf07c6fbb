"""The trend line: only with a week of history and enough stories, only when today stands out,
and in words that inform ("about twice the usual 6 a day", not "7.9× usual")."""

from __future__ import annotations

import pytest

from briefings.briefs.content import Trend
from briefings.briefs.trend import kind, trend, usual
from briefings.render.layout import trend_text

WEEK = [True] * 7


@pytest.mark.parametrize(
    ("today", "daily", "days", "expected"),
    [
        (12, [6] * 7, WEEK, (12, 6.0)),  # twice the usual day
        (14, [6, 6, 6, 0, 0, 0, 0], None, None),  # three days of history: not enough
        (14, [6, 6, 6, 0, 0, 0, 0], [False] * 4 + [True] * 3, None),
        (9, [1, 0, 0, 0, 0, 0, 0], WEEK, None),  # "9 stories today, 7.9× usual": noise
        (9, [1, 1, 1, 0, 1, 0, 0], WEEK, None),  # four stories in the week: still too few
        (10, [1, 1, 1, 1, 1, 0, 0], WEEK, (10, 5 / 7)),  # five stories in the week: enough
        (7, [6] * 7, WEEK, None),  # about the usual day: nothing to say
        (8, [6] * 7, WEEK, None),  # 1.33 times: still usual
        (9, [6] * 7, WEEK, (9, 6.0)),  # half again: more than usual
        (3, [6] * 7, WEEK, (3, 6.0)),  # half: fewer than usual
        (0, [6] * 7, WEEK, None),  # no story today: no section to head
        (12, [6] * 7, None, (12, 6.0)),  # without the store's days: days with stories count
    ],
)
def test_trend_only_when_meaningful(today, daily, days, expected):
    got = trend(today, daily, days)
    if expected is None:
        assert got is None
    else:
        assert got is not None and (got.count, got.average) == pytest.approx(expected)
        assert got.ratio == pytest.approx(expected[0] / expected[1])


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [(5.0, "times"), (2.5, "times"), (2.4, "twice"), (1.75, "twice"), (1.6, "more"),
     (1.5, "more"), (1.4, None), (1.0, None), (0.6, None), (0.5, "fewer"), (0.1, "fewer")],
)
def test_kind(ratio, expected):
    assert kind(ratio) == expected


@pytest.mark.parametrize(("average", "expected"), [(0.7, 1), (1.4, 1), (5.6, 6), (6.5, 6)])
def test_usual_is_a_whole_number(average, expected):
    assert usual(average) == expected


@pytest.mark.parametrize(
    ("count", "average", "language", "expected"),
    [
        (12, 6.0, "en", "Tariffs: 12 stories today, about twice the usual 6 a day"),
        (12, 6.0, "es", "Tariffs: 12 noticias hoy, cerca del doble del promedio de 6 al día"),
        (20, 5.6, "en", "Tariffs: 20 stories today, about 4 times the usual 6 a day"),
        (20, 5.6, "es", "Tariffs: 20 noticias hoy, unas 4 veces el promedio de 6 al día"),
        (9, 6.0, "en", "Tariffs: 9 stories today, more than the usual 6 a day"),
        (1, 6.0, "en", "Tariffs: 1 story today, fewer than the usual 6 a day"),
        (1, 6.0, "es", "Tariffs: 1 noticia hoy, menos que el promedio de 6 al día"),
        (7, 6.0, "en", ""),
    ],
)
def test_trend_words(count, average, language, expected):
    assert trend_text("Tariffs", Trend(count, average, count / average), language) == expected
