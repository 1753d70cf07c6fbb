"""Editing the sources file for the owner commands: exact cuts, refusals that say why."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from briefings.model import Source
from briefings.sources.admin import AdminError, add_source
from briefings.sources.edit import without_source
from tests.ops.helpers import NOW

TEXT = """# header comment

[[sources]]
name = "A"
url = "https://a.example/rss"
language = "en"

# B is next
[[sources]]
name = "B \\"quoted\\""
url = "https://b.example/rss"
language = "es"
weight = 2.0

[[sources]]
name = "C"
url = "https://c.example/rss"
language = "en"
"""


@pytest.mark.parametrize(
    ("name", "left"),
    [("A", ["B \"quoted\"", "C"]), ('b "QUOTED"', ["A", "C"]), ("C", ["A", "B \"quoted\""])],
)
def test_without_source_cuts_exactly_one_table(name: str, left: list[str]) -> None:
    remaining, removed = without_source(TEXT, name)
    assert removed.name.casefold() == name.casefold()
    assert [s["name"] for s in tomllib.loads(remaining)["sources"]] == left
    assert remaining.startswith("# header comment")
    # A table's own comment (the lines right above it) goes with it, and only then.
    assert ("# B is next" in remaining) == (name != 'b "QUOTED"')


def test_without_source_unknown_name() -> None:
    with pytest.raises(AdminError, match="no source named 'Z'"):
        without_source(TEXT, "Z")


async def test_an_unwritable_sources_file_is_reported_with_the_fix(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    path = blocker / "sources.toml"  # its parent is a file: nothing can be written there
    with pytest.raises(AdminError, match="point BORDERBRIEF_SOURCES at a writable copy"):
        await add_source(engine, path, Source("N", "https://n.example/rss", "en"), now=NOW)
