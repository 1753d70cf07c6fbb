"""What vectors miss, table by table: numbers, quantities, places, days; and the pair score."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from briefings.stories.event import (
    CONTRAST,
    NEG,
    EventParams,
    Report,
    contrasted,
    corrections,
    pair_score,
    report_from,
)
from briefings.stories.folding import fold, unaccent
from briefings.stories.names import places, places_conflict, speakers
from briefings.stories.quantities import Quantity, parse_number, quantities, quantities_conflict
from briefings.stories.when import Span, happening_span, parse_published, span_gap_days


@pytest.mark.parametrize(("token", "lang", "value"), [
    ("1,200", "en", 1200), ("1.200", "es", 1200), ("1.2", "en", 1.2), ("1,2", "es", 1.2),
    ("3.5", "es", 3.5), ("202.000", "es", 202000), ("1.234.567,8", "es", 1234567.8),
    ("1,234,567.8", "en", 1234567.8), ("3 500", "es", 3500),
])  # fmt: skip
def test_parse_number(token: str, lang: str, value: float) -> None:
    assert parse_number(token, lang) == pytest.approx(value)


@pytest.mark.parametrize(("text", "lang", "expected"), [
    ("a 25% tariff", "en", {Quantity("pct", 25.0)}),
    ("aranceles del 30 por ciento", "es", {Quantity("pct", 30.0)}),
    ("250 lb of fentanyl", "en", {Quantity("lb", 250.0)}),
    ("300 libras de fentanilo", "es", {Quantity("lb", 300.0)}),
    ("US$1.5 billion", "en", {Quantity("usd", 1.5e9)}),
    ("a 90-day extension", "en", {Quantity("day", 90.0)}),
    ("On February 20, 2025, in 2024", "en", set()),  # dates and years are not quantities
    ("el 4 de noviembre", "es", set()),
])  # fmt: skip
def test_quantities(text: str, lang: str, expected: set[Quantity]) -> None:
    assert quantities(text, lang) == expected


@pytest.mark.parametrize(("a", "b", "conflict"), [
    ("250 lb", "300 lb", True), ("25%", "30 por ciento", True), ("250 pounds", "113 kg", False),
    ("25%", "25 percent", False), ("six cartels", "8 groups", False), ("25%", "250 lb", False),
])  # fmt: skip
def test_quantities_conflict(a: str, b: str, conflict: bool) -> None:
    assert quantities_conflict(quantities(a), quantities(b)) is conflict


@pytest.mark.parametrize(("text", "expected"), [
    ("Officers at the Otay Mesa port of entry seized", {"otay mesa"}),
    ("CBP officers at the port of Nogales found", {"nogales"}),
    ("decomiso en la garita de Nogales, Arizona", {"nogales"}),
    ("Trump said in Washington that Mexico", set()),
    ("ante el juez en la Corte del Distrito", set()),
])  # fmt: skip
def test_places(text: str, expected: set[str]) -> None:
    assert places(text) == expected


def test_places_conflict() -> None:
    assert places_conflict(frozenset({"otay mesa"}), frozenset({"nogales"}))
    assert not places_conflict(frozenset({"brooklyn"}), frozenset({"brooklyn", "new york"}))
    assert not places_conflict(frozenset(), frozenset({"nogales"}))


def test_speakers_lead_the_lede() -> None:
    assert speakers("Sheinbaum rejected the report on Tuesday") == {"sheinbaum"}
    assert speakers("La presidenta dijo que no") == set()


@pytest.mark.parametrize(("published", "text", "day", "stated"), [
    ("2025-11-04", "NBC News reported on Monday that", "2025-11-03", True),
    ("2025-11-04", "Sheinbaum descartó este martes", "2025-11-04", True),
    ("2025-07-31", "entrarían en vigor este viernes 1 de agosto", "2025-07-31", False),  # future
    ("2025-11-04", "ayer la presidenta dijo", "2025-11-03", True),
    ("2025-11", "on Monday", "2025-11-01", False),  # a month-only date stays the month
    ("~2025-11-05", "on Tuesday", "2025-11-04", True),
    # A weekday its clause names as a future date is not the happening's day ...
    ("~2025-02-19", "la decisión, que entrará en vigor el jueves, tiene", "2025-02-18", False),
    ("2025-08-01", "tariffs that are set to go into effect on Friday.", "2025-08-01", False),
    # ... and the next weekday counts instead; another clause's future is no marker.
    ("2025-08-01", "It will take effect on Friday. Trump said Thursday", "2025-07-31", True),
    ("2025-11-04", "Sheinbaum, who will travel, said on Monday", "2025-11-03", True),
])  # fmt: skip
def test_happening_span(published: str, text: str, day: str, stated: bool) -> None:
    span = happening_span(parse_published(published), text)
    assert span.start.date().isoformat() == day
    assert span.stated is stated


@pytest.mark.parametrize(("a", "b", "gap"), [
    ("2025-11-03", "2025-11-04", 1.0), ("2025-11-03", "2025-11-03", 0.0),
    ("~2025-11-03", "2025-11-05", 1.0), ("2025-11", "2025-11-20", 0.0),
    # Gaps are whole days, whatever a feed gives: two instants of one day, an instant on the
    # day a date (or a lede) names, an instant the next day, as the dates would be.
    ("2025-11-03T10:00:00Z", "2025-11-03T22:00:00Z", 0.0),
    ("2025-11-03", "2025-11-03T12:21:00Z", 0.0), ("2025-11-03", "2025-11-04T12:00:00Z", 1.0),
    ("2025-11-03T23:00:00Z", "2025-11-04T01:00:00Z", 1.0),
    ("2025-11-03T12:00:00Z", "2025-11-07T12:00:00Z", 4.0),
])  # fmt: skip
def test_span_gap_days(a: str, b: str, gap: float) -> None:
    assert span_gap_days(parse_published(a), parse_published(b)) == pytest.approx(gap)


def test_folding() -> None:
    assert fold("México DESCARTÓ") == "mexico descarto"
    assert unaccent("Peña Nieto, ÑANDÚ") == "Pena Nieto, NANDU"
    assert unaccent("plain ascii") == "plain ascii"


def _report(id: int, text: str, day: str) -> object:
    vector = np.ones(512, dtype=np.float32) / np.sqrt(512)
    start = datetime.fromisoformat(day)
    return report_from(id, "en", "", text, Span(start, start), vector)


def test_pair_score_time_window_and_corrections() -> None:
    params = EventParams()
    a = _report(1, "CBP seized 250 lb of fentanyl at the Otay Mesa port of entry.", "2025-03-10")
    b = _report(2, "CBP seized 300 lb of fentanyl at the port of Nogales.", "2025-03-10")
    far = _report(3, "CBP seized 250 lb of fentanyl at the Otay Mesa port of entry.", "2025-03-20")
    same = pair_score(a, a, params)  # type: ignore[arg-type]
    assert pair_score(a, far, params) == NEG  # type: ignore[arg-type]
    penalties = params.quantity_conflict + params.place_conflict
    assert pair_score(a, b, params) < same - penalties + 1e-9  # type: ignore[arg-type]


def test_a_shared_count_outweighs_contrasting_headlines_a_shared_rate_does_not() -> None:
    at = Span(datetime(2026, 1, 20, 15), datetime(2026, 1, 20, 15))
    zero = np.zeros(512, dtype=np.float16)

    def report(i: int, title: str, lede: str) -> Report:
        return report_from(i, "en", title, lede, at, zero)

    # One transfer of 37 prisoners, told with different headline words: one happening.
    sent = report(1, "Security minister says Mexico has sent 37 more cartel members to the U.S.",
                  "Mexico's security minister said Tuesday that it had sent another 37 members "
                  "of drug cartels to the United States.")  # fmt: skip
    transfer = report(2, "Mexico sends 37 alleged criminals to US in third major prisoner transfer",
                      "The Mexican government on Tuesday sent 37 convicted and alleged criminals "
                      "to the United States, the third large transfer.")  # fmt: skip
    assert contrasted(sent, transfer)
    assert corrections(sent, transfer, EventParams()) == pytest.approx(0.05)  # shared, no contrast
    # A 25% tariff paused and the same tariff in force: two happenings of one measure.
    pause = report(3, "Trump pauses 25% tariffs on Mexico for a month",
                   "Trump agreed to pause the 25% tariffs on Mexican imports.")  # fmt: skip
    effect = report(4, "Trump's 25% tariffs on Mexico take effect",
                    "Sweeping 25% tariffs on imports from Mexico came into force.")  # fmt: skip
    assert corrections(pause, effect, EventParams()) == pytest.approx(0.05 - CONTRAST)


@pytest.mark.parametrize(("title_a", "lede_a", "title_b", "lede_b", "expected"), [
    # Headlines alone (no lede: no subject), other rates and other goods: two measures.
    ("U.S. sets 15% tariffs on Mexican cement", "",
     "U.S. sets 20% tariffs on Mexican avocados", "", NEG),
    # Ledes alone, the same.
    ("", "The U.S. will charge a 15% duty on cement imported from Mexico.",
     "", "The U.S. will charge a 20% duty on avocados imported from Mexico.", NEG),
    # The same rate in other words: no conflict, a shared rate (and no subject to contrast).
    ("U.S. sets 15% tariffs on Mexican cement", "",
     "Washington puts 15% duty on cement from Mexico", "", 0.05),
    # Other rates, every other word of each in the other: a conflict, no contrast.
    ("Tariffs of 15% on Mexican cement", "", "Mexican cement: tariffs of 20%", "", -0.25),
    # Without numbers, subjectless reports are never contrasted: their words differ anyway.
    ("U.S. sets tariffs on Mexican cement", "",
     "U.S. sets tariffs on Mexican avocados", "", 0.0),
])  # fmt: skip
def test_conflicting_numbers_part_reports_without_a_subject_when_their_words_differ(
    title_a: str, lede_a: str, title_b: str, lede_b: str, expected: float
) -> None:
    at = Span(datetime(2025, 9, 8, 14), datetime(2025, 9, 8, 14))
    zero = np.zeros(512, dtype=np.float16)
    a = report_from(1, "en", title_a, lede_a, at, zero)
    b = report_from(2, "en", title_b, lede_b, at, zero)
    assert not a.subject and not b.subject
    assert corrections(a, b, EventParams()) == pytest.approx(expected)
