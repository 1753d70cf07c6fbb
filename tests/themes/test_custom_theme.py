"""Themes from /track NAME TERM...: the same term language, with -exclusions."""

from __future__ import annotations

import pytest

from briefings.themes import ThemesError, parse_custom_theme


def test_words_phrases_prefixes_and_exclusions() -> None:
    theme = parse_custom_theme("Drones", 'dron* “drone strike” cartel -"light show" -boda')
    assert [t.source for t in theme.terms] == ["dron*", '"drone strike"', "cartel"]
    assert [t.text for t in theme.veto] == ["light show", "boda"]
    assert theme.terms[0].prefix and theme.terms[1].text == "drone strike"
    assert theme.name == "Drones" and theme.display("es") == "Drones"


@pytest.mark.parametrize(
    ("name", "terms", "reason"),
    [
        ("x", "", "at least one term"),
        ("x", "   ", "at least one term"),
        ("x", "-boda -fiesta", "not an exclusion"),
        ("x", "(cartel|narco)", "characters"),
        ("x", "cart[eé]l", "characters"),
        ("x", "a*", "at least 3"),
        ("x", '""', "empty"),
        ("", "cartel", "name"),
        ("x" * 40, "cartel", "name"),
        ("a/b", "cartel", "name"),
    ],
)
def test_bad_input(name: str, terms: str, reason: str) -> None:
    with pytest.raises(ThemesError, match=reason):
        parse_custom_theme(name, terms)


def test_term_limit() -> None:
    words = " ".join(f"word{i}" for i in range(21))
    with pytest.raises(ThemesError, match="at most 20"):
        parse_custom_theme("many", words)
    assert len(parse_custom_theme("many", words, max_terms=21).terms) == 21
