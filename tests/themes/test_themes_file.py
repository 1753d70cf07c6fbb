"""Loading themes files: the shipped one, lookups, and errors that name the line and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefings.themes import ThemesError, ThemeSet, load_themes

GOOD = """# a comment
[themes.tariffs]
name = { en = "Tariffs", es = "Aranceles" }
terms.en = ["tariff*"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "themes.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_themes(shipped: ThemeSet) -> None:
    assert shipped.names() == ["sovereignty", "fentanyl", "tariffs"]
    for theme in shipped:
        assert set(theme.names) >= {"en", "es"}
        assert {t.lang for t in theme.terms} >= {"en", "es"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tariffs", "tariffs"),
        ("Aranceles", "tariffs"),
        ("aranceles", "tariffs"),
        ("SOBERANIA", "sovereignty"),
        ("Soberanía", "sovereignty"),
        ("fentanilo", "fentanyl"),
        ("weather", None),
    ],
)
def test_get_by_key_or_display_name(shipped: ThemeSet, query: str, expected: str | None) -> None:
    found = shipped.get(query)
    assert (found.name if found else None) == expected


def test_good_file(tmp_path: Path) -> None:
    found = load_themes(write(tmp_path, GOOD)).get("Aranceles")
    assert found is not None and found.display("es") == "Aranceles"


def test_bad_toml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + 'terms.es = ["arancel*"\n\n[themes.x]\n')
    with pytest.raises(ThemesError) as caught:
        load_themes(path)
    assert str(caught.value).startswith(f"{path}:7: invalid TOML")


@pytest.mark.parametrize(
    ("extra", "line", "words"),
    [
        ("tems.es = ['arancel']\n", 5, ["'tariffs'", "'tems'", "unknown key"]),
        ("terms.es = []\n", 5, ["'tariffs'", "'terms.es'", "empty"]),
        ("terms.es = ['aran(cel)']\n", 5, ["'terms.es'", "characters"]),
        ("terms.xx1 = ['a']\n", 5, ["'terms.xx1'", "language"]),
        ("threshold = 0\n", 5, ["'threshold'", "positive"]),
        ("threshold = nan\n", 5, ["'threshold'", "positive"]),  # would never match
        ("threshold = inf\n", 5, ["'threshold'", "positive"]),
        ("[[themes.tariffs.near]]\na = ['drone*']\nb = ['cartel']\nwithin = 3\nweight = nan\n",
         5, ["'near'", "weight must be a positive number"]),
        ("exclude = 'tarifa'\n", 5, ["'exclude'", "list"]),
        ("[[themes.tariffs.near]]\na = ['drone*']\nb = []\nwithin = 3\n", 5,
         ["'near'", "non-empty"]),
        ("[[themes.tariffs.near]]\na = ['drone*']\nb = ['cartel']\nwithin = 0\n", 5,
         ["'near'", "within"]),
    ],
)
def test_schema_errors_name_theme_key_and_line(
    tmp_path: Path, extra: str, line: int, words: list[str]
) -> None:
    path = write(tmp_path, GOOD + extra)
    with pytest.raises(ThemesError) as caught:
        load_themes(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: theme 'tariffs'")
    for word in words:
        assert word in message


def test_missing_english_name(tmp_path: Path) -> None:
    path = write(tmp_path, '[themes.t]\nname = { es = "T" }\nterms.en = ["x"]\n')
    with pytest.raises(ThemesError, match=r":2: theme 't', key 'name': needs an English"):
        load_themes(path)


def test_no_strong_terms(tmp_path: Path) -> None:
    path = write(tmp_path, '[themes.t]\nname = { en = "T" }\nweak.en = ["x"]\n')
    with pytest.raises(ThemesError, match=r":1: theme 't', key 'terms': no terms"):
        load_themes(path)


def test_no_themes_and_unknown_top_level(tmp_path: Path) -> None:
    with pytest.raises(ThemesError, match="no themes"):
        load_themes(write(tmp_path, "# nothing\n"))
    with pytest.raises(ThemesError, match="unknown top-level"):
        load_themes(write(tmp_path, GOOD + "[other]\nx = 1\n"))


def test_nested_too_deeply_and_odd_example_file_names(tmp_path: Path) -> None:
    with pytest.raises(ThemesError, match="nested too deeply"):
        load_themes(write(tmp_path, "x = " + "[" * 100_000))
    for name in ("a\\u0000b", "x" * 5000, "é" * 128 + ".toml"):  # 261 bytes: too long a file name
        with pytest.raises(ThemesError, match="semantic must name a file beside"):
            load_themes(write(tmp_path, f'semantic = "{name}"\n' + GOOD))


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ThemesError, match="cannot read"):
        load_themes(tmp_path / "missing.toml")
