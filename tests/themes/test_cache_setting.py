"""The cache folder comes from the settings too: BORDERBRIEF_CACHE_DIR in a .env file counts,
not only in the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import cli_match
from briefings import paths
from briefings.settings import load_settings
from briefings.stories import embed
from briefings.themes import semantic
from tests.themes.test_cache import EXAMPLES, Counting, saved

VARIABLES = ("BORDERBRIEF_CACHE_DIR", "XDG_CACHE_HOME", "BORDERBRIEF_CONFIG")


@pytest.fixture
def workdir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A working directory of its own (the .env file is read from it), a home folder of its
    own, and no cache variable in the environment."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(semantic, "_FITTED", {})
    return tmp_path


def test_a_setting_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("BORDERBRIEF_CACHE_DIR", str(tmp_path / "env"))
    assert paths.cache_dir(str(tmp_path / "set")) == tmp_path / "set"
    assert paths.cache_dir("off") is None and paths.cache_dir(" ") is None
    assert paths.cache_dir(None) == tmp_path / "env"  # no setting: the environment's
    assert paths.cache_dir() == tmp_path / "env"


def test_the_dotenv_file_sets_the_cache_folder(workdir: Path) -> None:
    (workdir / ".env").write_text(f"BORDERBRIEF_CACHE_DIR={workdir / 'from-dotenv'}\n")
    assert load_settings().cache_dir == str(workdir / "from-dotenv")
    assert paths.cache_dir() == workdir / "home" / ".cache" / "borderbrief"  # env alone
    assert cli_match._cache_dir() == workdir / "from-dotenv"


def test_the_dotenv_file_can_switch_the_cache_off(workdir: Path) -> None:
    (workdir / ".env").write_text("BORDERBRIEF_CACHE_DIR=off\n")
    assert cli_match._cache_dir() is None


def test_the_environment_alone_still_counts(workdir: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BORDERBRIEF_CACHE_DIR", str(workdir / "from-env"))
    assert cli_match._cache_dir() == workdir / "from-env"
    monkeypatch.delenv("BORDERBRIEF_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(workdir / "xdg"))
    assert cli_match._cache_dir() == workdir / "xdg" / "borderbrief"


def test_unloadable_settings_leave_the_environment_s_choice(workdir: Path,
                                                            monkeypatch: pytest.MonkeyPatch):
    (workdir / ".env").write_text("BORDERBRIEF_NO_SUCH_SETTING=1\n")
    monkeypatch.setenv("BORDERBRIEF_CACHE_DIR", str(workdir / "from-env"))
    assert cli_match._cache_dir() == workdir / "from-env"


def test_borderbrief_match_saves_its_fit_where_the_dotenv_file_says(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workdir / ".env").write_text(f"BORDERBRIEF_CACHE_DIR={workdir / 'from-dotenv'}\n")
    counting = Counting()
    monkeypatch.setattr(embed, "default_embedder", lambda: counting)
    lazy = cli_match._FitWhenNeeded(EXAMPLES)
    assert lazy.themes == ("trade",)
    assert lazy.fitted is not None  # the first use fits the model (and saves it)
    assert len(saved(workdir / "from-dotenv")) == 1
    assert counting.folder == workdir / "from-dotenv"  # the encoder's prepared arrays too
    assert not (workdir / "home").exists()


def test_the_poll_keeps_the_prepared_encoder_where_the_setting_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The story filer asks for the encoder even when the themes have no examples (no meaning
    model is fitted): the cache_dir setting must reach it then too."""
    from briefings.jobs import poll
    from briefings.stories import prepared

    fresh = embed.UseEmbedder()
    monkeypatch.setattr(embed, "default_embedder", lambda: fresh)
    assert poll._meaning([], str(tmp_path / "set")) is None  # no examples: nothing fitted
    assert poll._embedder(str(tmp_path / "set")) is fresh
    fresh.encode(["a report"])
    assert [p.name[: len(prepared.PREFIX)] for p in (tmp_path / "set").iterdir()] == [
        prepared.PREFIX
    ]
    assert poll._embedder("off") is fresh and fresh.loaded  # loaded: the setting came first


def test_borderbrief_match_reads_the_settings_once(workdir: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The themes file's name and the cache folder come from one reading of the settings."""
    from briefings import settings as settings_module

    (workdir / ".env").write_text(f"BORDERBRIEF_CACHE_DIR={workdir / 'from-dotenv'}\n")
    reads: list[object] = []

    def counted() -> settings_module.Settings:
        reads.append(None)
        return load_settings()

    monkeypatch.setattr(settings_module, "load_settings", counted)
    counting = Counting()
    monkeypatch.setattr(embed, "default_embedder", lambda: counting)
    items = workdir / "items.jsonl"
    items.write_text('{"id": 1, "lang": "en", "title": "Border crossing closed after floods"}\n')
    from bot.cli import main

    assert main(["match", str(items)]) == 0
    assert counting.encoded > 0  # the rules left the item to meaning: the model was made
    assert counting.folder == workdir / "from-dotenv"
    assert len(reads) == 1
