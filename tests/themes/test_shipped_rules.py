"""The shipped themes' scope, rule by rule (the labelling rules in shared/data/README.md)."""

from __future__ import annotations

import pytest

from briefings.themes import Matcher

CASES = [
    # tariffs: trade measures between states, not rates
    ("Trump impone aranceles de 25% a México", "", "es", {"tariffs"}),
    ("U.S. slaps anti-dumping duties on Mexican tomatoes", "", "en", {"tariffs"}),
    ("Revisión del T-MEC arranca en julio", "", "es", {"tariffs"}),
    ("Suben las tarifas de luz en Mexicali", "CFE ajusta la tarifa eléctrica", "es", set()),
    ("Tarifas de Trump golpean las exportaciones", "importaciones de acero", "es", {"tariffs"}),
    ("UK energy tariff to fall", "the new tariff starts in April", "en", set()),
    ("Off-duty officer injured", "in a crash near the port of import", "en", set()),
    # fentanyl: trafficking, not medicine; a cartel named as an actor is not the drug trade
    ("Fentanyl seized at Nogales crossing", "", "en", {"fentanyl"}),
    ("Decomisan 500 kilos de metanfetamina", "", "es", {"fentanyl"}),
    ("Nurse charged with stealing fentanyl from hospital", "", "en", set()),
    ("Fentanilo en quirófano: el uso médico del opioide", "", "es", set()),
    ("OPEC cartel cuts output", "", "en", set()),
    ("Price-fixing cartel fined", "the drug makers colluded", "en", set()),
    # sovereignty: U.S. pressure in the Americas and Greenland; not data/food/energy/debt
    ("Sheinbaum defiende la soberanía ante amenazas de Trump", "", "es", {"sovereignty"}),
    ("Trump weighs drone strikes on cartels in Mexico", "", "en", {"sovereignty"}),
    ("Cartel drone attack wounds soldiers in Michoacán", "", "en", set()),
    ("Data sovereignty rules for Mexican cloud providers", "", "en", set()),
    ("Mexico's sovereign debt rallies", "bonos soberanos suben", "en", set()),
    ("Soberanía alimentaria: México frena maíz transgénico", "", "es", set()),
    ("Ukraine sovereignty talks with U.S. envoys", "", "en", set()),
    ("Trump insists U.S. will take over Greenland", "", "en", {"sovereignty"}),
    ("Trump says U.S. could send troops into Mexico", "", "en", {"sovereignty"}),
    ("Mexico sends 10,000 troops to its border after deal with Trump", "", "en", set()),
    ("Venezuela denounces U.S. naval buildup in the Caribbean", "", "en", {"sovereignty"}),
    ("Estados Unidos sobrevuela con drones territorio mexicano", "", "es", {"sovereignty"}),
    ("Trump designa al Tren de Aragua como organización terrorista", "", "es", {"sovereignty"}),
    # foreign agents and troops in Mexico, and the laws that limit them (issue 10)
    ("Diputados aprueban limitar a agentes extranjeros en México", "", "es", {"sovereignty"}),
    (
        "Mexico's Congress curbs foreign agents",
        "the reform limits DEA officers",
        "en",
        {"sovereignty"},
    ),  # fmt: skip
    (
        "Sheinbaum: no habrá tropas extranjeras",
        "ninguna operación en el país",
        "es",
        {"sovereignty"},
    ),  # fmt: skip
    (
        "Senado prohíbe la entrada de militares extranjeros a territorio nacional",
        "",
        "es",
        {"sovereignty"},
    ),  # fmt: skip
    # ... but not a foreign agents law elsewhere
    ("Georgia passes foreign agents law", "protesters fill the streets of Tbilisi", "en", set()),
    ("Parlamento de Georgia aprueba ley de agentes extranjeros", "", "es", set()),
    ("Ex-congressman charged as unregistered foreign agent", "for China", "en", set()),
    # one word never adds up to a match by itself
    ("Las drogas en el arte", "", "es", set()),
    ("New levies on landlords", "", "en", set()),
    ("Import levies rise", "", "en", {"tariffs"}),  # two different weak terms
    ("Importaciones récord", "", "es", set()),
]


@pytest.mark.parametrize(("title", "summary", "lang", "expected"), CASES)
def test_scope(
    shipped_matcher: Matcher, title: str, summary: str, lang: str, expected: set[str]
) -> None:
    assert {m.theme for m in shipped_matcher.match(title, summary, lang)} == expected
