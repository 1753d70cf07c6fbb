"""Sentences of English and Spanish ledes, split where a reader would, each kept verbatim."""

from __future__ import annotations

import pytest

from briefings.text.sentences import ends_a_sentence, first_sentences, split_sentences


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "El presidente de EE.UU. Donald Trump anunció aranceles. México respondió.",
            ["El presidente de EE.UU. Donald Trump anunció aranceles.", "México respondió."],
        ),
        (
            "U.S. officials said the U.S. Army will go. The plan is new.",
            ["U.S. officials said the U.S. Army will go.", "The plan is new."],
        ),
        ("El Sr. López habló. Luego se fue.", ["El Sr. López habló.", "Luego se fue."]),
        (
            "Growth was 1.2 percent. Inflation rose to 3.5%.",
            ["Growth was 1.2 percent.", "Inflation rose to 3.5%."],
        ),
        ("“No va a ocurrir”, dijo. ¿Qué sigue?", ["“No va a ocurrir”, dijo.", "¿Qué sigue?"]),
        ("Donald J. Trump said so. Then he left.", ["Donald J. Trump said so.", "Then he left."]),
        (
            "Washington, D.C. – El gobierno designó a seis cárteles.",
            ["Washington, D.C. – El gobierno designó a seis cárteles."],
        ),
        (
            "¿Habrá intervención? Sheinbaum dijo que no. El Senado votó.",
            ["¿Habrá intervención?", "Sheinbaum dijo que no.", "El Senado votó."],
        ),
        (
            "The vote was 5 to 3. Then the Senate adjourned.",
            ["The vote was 5 to 3.", "Then the Senate adjourned."],
        ),
        (
            "Agents seized 1,200 pills.  \n 2 men were held.",
            ["Agents seized 1,200 pills.", "2 men were held."],
        ),
        ("no sentence end at all", ["no sentence end at all"]),
        ("", []),
    ],
)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


def test_first_sentences_two_at_most_whole_and_short_enough() -> None:
    assert (
        first_sentences("One is here. Two is here. Three is here.") == "One is here. Two is here."
    )
    assert (
        first_sentences("First sentence here. " + "Second " * 80 + "end.") == "First sentence here."
    )
    assert (
        first_sentences("Agents seized pills. Then they searched a truck and")
        == "Agents seized pills."
    )
    assert first_sentences("A fragment cut short and") == "A fragment cut short and"
    assert first_sentences("") == ""


@pytest.mark.parametrize(
    ("text", "ended"),
    [
        ("Done.", True),
        ("¿Qué sigue?", True),
        ("dijo «basta».", True),
        ("“No.”", True),
        ("cut short", False),
        ("U.S", False),
    ],
)
def test_ends_a_sentence(text: str, ended: bool) -> None:
    assert ends_a_sentence(text) is ended
