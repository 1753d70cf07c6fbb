"""A bad data file stops a command with one line naming the file and the reason."""

import pytest

from bot.cli import main


@pytest.mark.parametrize("command", [["poll", "--once"], ["sources", "list"],
                                     ["sources", "export"]])
def test_a_bad_sources_file_is_named_in_one_line(command, monkeypatch, tmp_path, capsys):
    bad = tmp_path / "sources.toml"
    bad.write_text('[[sources]]\nname = "No URL"\nlanguage = "en"\n')
    monkeypatch.setenv("BORDERBRIEF_SOURCES", str(bad))
    monkeypatch.setenv("BORDERBRIEF_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'bb.db'}")
    assert main(command) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("borderbrief: ") and str(bad) in err and "url" in err
    assert "\n" not in err


def test_a_bad_themes_file_is_named_with_its_line(monkeypatch, tmp_path, capsys):
    bad = tmp_path / "themes.toml"
    bad.write_text("[themes.tariffs]\nname = { en = \"Tariffs\" \n")
    monkeypatch.setenv("BORDERBRIEF_THEMES", str(bad))
    monkeypatch.setenv("BORDERBRIEF_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'bb.db'}")
    assert main(["poll", "--once"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("borderbrief: ") and str(bad) in err and ":2" in err
