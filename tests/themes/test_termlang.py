"""Normalisation and single-term parsing."""

from __future__ import annotations

import pytest

from briefings.themes.termlang import TermError, normalize, parse_term


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Soberanía", "soberania"),
        ("MÉXICO’s “T-MEC” — ¿qué?", "mexico s t mec que"),
        ("U.S.-Mexico", "u s mexico"),
        ("Ñandú  y\tpingüino\n", "nandu y pinguino"),
        ("STRASSE Straße", "strasse strasse"),
        ("snake_case", "snake case"),
        ("Ελλάδα øre", "ελλαδα øre"),  # letters outside ASCII are kept
        ("", ""),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("raw", "text", "prefix", "exact"),
    [
        ("arancel*", "arancel", True, False),
        ('"trade war"', "trade war", False, False),
        ("  Soberanía ", "soberania", False, False),
        ("=US", "us", False, True),
        ("T-MEC", "t mec", False, False),
        ("trade war*", "trade war", True, False),
    ],
)
def test_parse_term(raw: str, text: str, prefix: bool, exact: bool) -> None:
    term = parse_term(raw)
    assert (term.text, term.prefix, term.exact) == (text, prefix, exact)
    assert term.source == raw.strip()


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("*", "empty"),
        ("ab*", "at least 3"),
        ("a*b", "only works at the end"),
        ("(cartel|narco)", "characters"),
        ("cartel\\b", "characters"),
        ("x" * 81, "too long"),
        ("--", "no letters"),
    ],
)
def test_bad_terms(raw: str, reason: str) -> None:
    with pytest.raises(TermError, match=reason):
        parse_term(raw)


def test_plural_keys() -> None:
    keys = parse_term("cartel").automaton_keys()
    assert {" cartel ", " cartels ", " carteles "} <= set(keys)
    assert all(k.startswith(" ") and k.endswith(" ") for k in keys)
    assert " luces " in parse_term("luz").automaton_keys()
    assert parse_term("=US").automaton_keys() == [" us "]
