"""Fixtures for theme tests: the shipped themes, and a small themes file for mechanics."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from briefings.themes import Matcher, ThemeSet, load_themes

if TYPE_CHECKING:
    from briefings.themes.semantic import SemanticModel

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "config" / "themes.toml"
HERE = Path(__file__).resolve().parent

# One theme per mechanism, so each table row exercises one rule of the term language.
DEMO = """
[themes.trade]
name = { en = "Trade", es = "Comercio" }
terms.en = ["tariff", "trade war", "duty*"]
terms.es = ["arancel*", "soberanía"]
terms.any = ["T-MEC", "=US"]
weak.en = ["levy"]
weak.es = ["gravamen"]
exclude = ["feed-in tariff"]
veto = ["light show"]

[[themes.trade.near]]
a = ["drone*"]
b = ["cartel"]
within = 3

[themes.crime]
name = { en = "Crime", es = "Crimen" }
terms.any = ["cartel", "smuggl*"]
"""


@pytest.fixture(scope="session")
def shipped() -> ThemeSet:
    return load_themes(SHIPPED)


@pytest.fixture(scope="session")
def shipped_matcher(shipped: ThemeSet) -> Matcher:
    return Matcher(shipped.themes)


@pytest.fixture(scope="session")
def demo_matcher(tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    path = tmp_path_factory.mktemp("themes") / "demo.toml"
    path.write_text(DEMO, encoding="utf-8")
    return Matcher(load_themes(path).themes)


@pytest.fixture(scope="session")
def semantic_model(shipped: ThemeSet) -> SemanticModel:
    """The shipped examples fitted with the story clusterer's embedder (2-3 s, once; not
    cached, so the tests never read a fit saved by an older checkout)."""
    from briefings.stories.embed import default_embedder
    from briefings.themes.semantic import SemanticModel

    assert shipped.semantic is not None
    return SemanticModel.fit(shipped.semantic, default_embedder(), cache_dir=None)


@pytest.fixture(scope="session")
def semantic_matcher(shipped: ThemeSet, semantic_model: SemanticModel) -> Matcher:
    return Matcher(shipped.themes, semantic_model)


@pytest.fixture(scope="session")
def embed() -> Callable[[str, str], Any]:
    """An item's vector, as the poller computes it: the title and lede, embedded."""
    from briefings.stories.embed import default_embedder, item_text

    embedder = default_embedder()
    return lambda title, summary: embedder.encode([item_text(title, summary)])[0]
