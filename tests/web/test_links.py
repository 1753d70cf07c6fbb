"""Story links: opaque, unforgeable, stable for one key; theme links only for shared themes."""

from __future__ import annotations

import re

import pytest

from briefings.render.links import (
    PageLinks,
    page_key,
    story_id_of,
    story_token,
    story_url,
    theme_url,
)

KEY = page_key("a secret the store keeps")
OTHER = page_key("another deployment's secret")


@pytest.mark.parametrize("story_id", [0, 1, 2, 41, 10**6, 2**63 + 5, 2**64 - 1])
def test_a_token_gives_its_story_back_and_only_under_its_key(story_id: int) -> None:
    token = story_token(KEY, story_id)
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", token)
    assert story_id_of(KEY, token) == story_id
    assert story_id_of(OTHER, token) is None


def test_tokens_of_neighbouring_ids_share_nothing_a_reader_could_count_with() -> None:
    tokens = [story_token(KEY, n) for n in range(1, 200)]
    assert len(set(tokens)) == len(tokens)
    assert tokens != sorted(tokens)
    # No common prefix between consecutive ids: the id is not readable in the token.
    assert all(a[:3] != b[:3] for a, b in zip(tokens, tokens[1:], strict=False))
    assert all(str(n) not in t for n, t in zip(range(100, 200), tokens[99:], strict=True))


def test_same_key_same_token_across_restarts() -> None:
    assert story_token(page_key("s"), 7) == story_token(page_key("s"), 7)
    assert page_key("s") == page_key(b"s") and len(page_key("s")) == 32


@pytest.mark.parametrize("token", [
    "", "1", "x" * 22, "A" * 21, "A" * 23, "../../etc/passwd", "é" * 22, "AAAAAAAAAAAAAAAAAAAA==",
])
def test_garbage_and_forged_tokens_are_refused(token: str) -> None:
    assert story_id_of(KEY, token) is None


def test_a_token_with_one_character_changed_is_refused() -> None:
    token = story_token(KEY, 1234)
    for i in range(len(token)):
        for swap in "AZaz09-_":
            forged = token[:i] + swap + token[i + 1:]
            if forged != token:
                assert story_id_of(KEY, forged) is None, forged


def test_story_ids_outside_64_bits_have_no_token() -> None:
    with pytest.raises(ValueError):
        story_token(KEY, -1)
    with pytest.raises(ValueError):
        story_token(KEY, 2**64)


def test_story_url_is_the_public_address_and_the_token() -> None:
    url = story_url("https://news.example.org/", KEY, 42)
    assert url == f"https://news.example.org/s/{story_token(KEY, 42)}"


@pytest.mark.parametrize(("key", "expected"), [
    ("tariffs", "https://n.example/t/tariffs"),
    ("border wall", "https://n.example/t/border%20wall"),
    ("a/b?c", "https://n.example/t/a%2Fb%3Fc"),
    ("c501:wall", None),  # a chat's own theme: no page, and its chat never shows
    ("c-100123:pork", None),
])
def test_theme_url_only_for_shared_themes(key: str, expected: str | None) -> None:
    assert theme_url("https://n.example", key) == expected


def test_page_links_bundles_the_address_and_key() -> None:
    links = PageLinks("https://n.example", KEY)
    assert links.story(9) == story_url("https://n.example", KEY, 9)
    assert links.theme("fentanyl") == "https://n.example/t/fentanyl"
    assert links.theme("c1:mine") is None
