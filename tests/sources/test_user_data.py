"""The user's data never lives inside the package: changes go to BORDERBRIEF_DATA_DIR."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli import main
from briefings.model import Source
from briefings.paths import default_config_file
from briefings.settings import load_settings
from briefings.sources import SourcesError, configured_sources, load_sources, source_files
from briefings.sources.admin import AdminError, add_source, remove_source
from tests.ops.helpers import NOW

SHIPPED = default_config_file("sources.toml")
OPML = b"""<?xml version="1.0"?><opml version="2.0"><body>
<outline text="Imported" xmlUrl="https://imported.example/rss" language="es"/>
<outline text="Local" xmlUrl="file:///etc/passwd"/>
</body></opml>"""


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("BORDERBRIEF_DATA_DIR", str(folder))
    monkeypatch.setenv("BORDERBRIEF_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'bb.db'}")
    monkeypatch.delenv("BORDERBRIEF_SOURCES", raising=False)
    monkeypatch.delenv("BORDERBRIEF_THEMES", raising=False)
    return folder


def test_sources_import_writes_to_the_data_dir_not_the_shipped_file(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shipped_before = SHIPPED.read_bytes()
    opml = tmp_path / "feeds.opml"
    opml.write_bytes(OPML)
    assert main(["sources", "import", str(opml)]) == 0
    out = capsys.readouterr().out
    assert SHIPPED.read_bytes() == shipped_before
    assert str(data_dir / "sources.toml") in out
    assert "file:///etc/passwd" in out  # the skipped outline is reported, with its reason
    configured = configured_sources(load_settings())
    shipped = load_sources(SHIPPED)
    assert configured[: len(shipped)] == shipped  # layered over the shipped list
    assert configured[-1] == Source("Imported", "https://imported.example/rss", "es")


def test_user_file_overrides_disables_and_adds_by_name_or_url(data_dir: Path) -> None:
    shipped = load_sources(SHIPPED)
    first, second = shipped[0], shipped[1]
    data_dir.mkdir()
    (data_dir / "sources.toml").write_text(
        f'[[sources]]\nname = "{first.name}"\nenabled = false\n\n'
        f'[[sources]]\nurl = "{second.url}"\nweight = 3.0\n\n'
        '[[sources]]\nname = "Mine"\nurl = "https://mine.example/rss"\nlanguage = "en"\n'
    )
    configured = configured_sources(load_settings())
    assert len(configured) == len(shipped) + 1
    assert configured[0].name == first.name and not configured[0].enabled
    assert configured[1].name == second.name and configured[1].weight == 3.0
    assert configured[-1].name == "Mine"


def test_a_user_entry_matching_two_shipped_sources_is_refused(data_dir: Path) -> None:
    shipped = load_sources(SHIPPED)
    data_dir.mkdir()
    (data_dir / "sources.toml").write_text(
        f'[[sources]]\nname = "{shipped[0].name}"\nurl = "{shipped[1].url}"\n'
    )
    with pytest.raises(SourcesError, match="two different shipped sources"):
        configured_sources(load_settings())


def test_explicit_sources_file_still_replaces_the_defaults(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text(
        '[[sources]]\nname = "Only"\nurl = "https://only.example/rss"\nlanguage = "en"\n'
    )
    monkeypatch.setenv("BORDERBRIEF_SOURCES", str(mine))
    settings = load_settings()
    assert [s.name for s in configured_sources(settings)] == ["Only"]
    assert source_files(settings).user == mine and source_files(settings).shipped is None


async def test_owner_add_and_remove_write_to_the_data_dir(
    data_dir: Path, engine: AsyncEngine
) -> None:
    shipped_before = SHIPPED.read_bytes()
    files = source_files(load_settings())
    new = Source("Added", "https://added.example/rss", "en")
    assert (await add_source(engine, files, new, now=NOW)).name == "Added"
    with pytest.raises(AdminError, match="already in the sources list"):  # a shipped URL
        await add_source(engine, files, Source("Dup", load_sources(SHIPPED)[0].url, "en"), now=NOW)
    shipped_name = load_sources(SHIPPED)[2].name
    await remove_source(engine, files, shipped_name, now=NOW)
    await remove_source(engine, files, "Added", now=NOW)
    assert SHIPPED.read_bytes() == shipped_before
    user = tomllib.loads((data_dir / "sources.toml").read_text())["sources"]
    assert user == [{"name": shipped_name, "enabled": False}]
    configured = configured_sources(load_settings())
    assert "Added" not in [s.name for s in configured]
    assert [s.enabled for s in configured if s.name == shipped_name] == [False]


def test_init_writes_editable_copies_that_are_then_used(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init"]) == 0
    sources, themes = data_dir / "sources.toml", data_dir / "themes.toml"
    assert themes.read_bytes() == default_config_file("themes.toml").read_bytes()
    assert load_settings().themes == themes
    # The copy is the whole list: a feed deleted from it is gone, not brought back by layering.
    text = sources.read_text()
    first = load_sources(SHIPPED)[0]
    start = text.index("\n[[sources]]")
    end = text.index("\n[[sources]]", start + 1)
    sources.write_text(text[:start] + text[end:])
    names = [s.name for s in configured_sources(load_settings())]
    assert first.name not in names and len(names) == len(load_sources(SHIPPED)) - 1
    capsys.readouterr()
    assert main(["init"]) == 1  # never overwrites without --force
    assert "--force" in capsys.readouterr().err
    assert first.name not in sources.read_text()
    assert main(["init", "--force"]) == 0
    assert first.name in sources.read_text()
