"""A page's language: ?lang=, else Accept-Language by preference, else English."""

from __future__ import annotations

import pytest

from bot.web.language import accepted, reader_language


@pytest.mark.parametrize(("asked", "header", "expected"), [
    ("es", None, "es"),
    ("es-MX", "en", "es"),
    ("EN", "es", "en"),
    ("pt", "es-MX,es;q=0.9", "es"),  # a language we lack: the browser's next choice
    ("", "es-MX,es;q=0.9,en;q=0.8", "es"),
    (None, "fr-FR, en;q=0.5, es;q=0.7", "es"),  # by quality, not by order
    (None, "es;q=0, en;q=0.1", "en"),  # q=0 means "not this one"
    (None, "fr, de", "en"),
    (None, "*", "en"),
    (None, None, "en"),
    (None, "es;q=nonsense, en", "en"),
    ("<script>", "es", "es"),
])
def test_reader_language(asked: str | None, header: str | None, expected: str) -> None:
    assert reader_language(asked, header) == expected


def test_accepted_orders_by_quality_then_position() -> None:
    assert accepted("en;q=0.5, es-MX, fr;q=0.5, de;q=1.0") == ["es-MX", "de", "en", "fr"]
