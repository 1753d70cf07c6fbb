"""The sources file: the shipped one loads; each mistake gives one clear SourcesError."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefings.paths import default_config_file
from briefings.sources import SourcesError, append_sources, load_sources

GOOD = """
[[sources]]
name = "Border Report"
url = "https://www.borderreport.com/feed/"
language = "en"
country = "us"
weight = 1.5
interval = 900

[[sources]]
name = "Animal Político"
url = "https://animalpolitico.com/feed"
language = "ES"
enabled = false
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_sources_file_loads() -> None:
    sources = load_sources(default_config_file("sources.toml"))
    assert 20 <= len(sources) <= 30
    assert {s.language for s in sources} == {"en", "es"}
    assert all(s.url.startswith("https://") for s in sources)
    # Both sides of the border are covered.
    assert {"US", "MX"} <= {s.country for s in sources}


def test_good_file_values(tmp_path: Path) -> None:
    first, second = load_sources(write(tmp_path, GOOD))
    assert (first.name, first.country, first.weight, first.interval, first.enabled) == (
        "Border Report", "US", 1.5, 900, True,
    )  # fmt: skip
    assert (second.name, second.language, second.weight, second.enabled) == (
        "Animal Político", "es", 1.0, False,
    )  # fmt: skip


def entry(**fields: object) -> str:
    base: dict[str, object] = {"name": "Feed", "url": "https://example.com/rss", "language": "en"}
    base.update(fields)
    lines = ["[[sources]]"]
    for key, value in base.items():
        if value is None:
            continue
        if isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, str):
            lines.append(f'{key} = "{value}"')
        else:
            lines.append(f"{key} = {value}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (entry(url=None), "source #1 ('Feed'): missing url"),
        (entry(name=None), "source #1: missing name"),
        (entry(language=None), "missing language"),
        (entry(language="english"), "bad language 'english'"),
        (entry(language="e1"), "bad language"),
        (entry(url="ftp://example.com/rss"), "url must be an http:// or https:// address"),
        (entry(url="file:///etc/passwd"), "url must be an http:// or https:// address"),
        (entry(url="example.com/rss"), "url must be an http:// or https:// address"),
        (entry(name="  "), "name must be a non-empty string"),
        (entry(weight=0), "weight must be a number above 0"),
        (entry(weight='"heavy"'.strip('"')), "weight must be a number"),
        (entry(interval=5), "interval must be whole seconds, from 60 to 604800 (a week)"),
        (entry(interval=10**12), "interval must be whole seconds, from 60 to 604800"),
        (entry(enabled='"yes"'.strip('"')), "enabled must be true or false"),
        (entry(country="Mexico"), "bad country 'Mexico'"),
        (entry(country="US\\n"), "bad country 'US\\n'"),
        (entry(name="Bell\\u0007"), "name has a control character"),
        (entry(name="Not\\uFFFE XML"), "name has a control character"),
        (entry(colour="red"), "unknown key colour"),
        (entry() + entry(url="https://example.com/other"), "source #2 ('Feed'): duplicate name"),
        (entry() + entry(name="Other"), "source #2 ('Other'): duplicate url, as source #1"),
        ("sources = 3\n", "'sources' must be an array"),
        ("[[sources]\nname = 1\n", "not valid TOML"),
    ],
)
def test_bad_entries(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SourcesError) as caught:
        load_sources(path)
    message = str(caught.value)
    assert expected in message
    assert str(path) in message


def test_second_entry_is_named_in_error(tmp_path: Path) -> None:
    text = entry() + entry(name="Milenio", url="https://milenio.com/rss", language="xx1")
    with pytest.raises(SourcesError, match=r"source #2 \('Milenio'\): bad language"):
        load_sources(write(tmp_path, text))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourcesError, match="file not found"):
        load_sources(tmp_path / "nope.toml")


def test_empty_file_has_no_sources(tmp_path: Path) -> None:
    assert load_sources(write(tmp_path, "# nothing yet\n")) == []


def test_append_keeps_text_and_skips_known_urls(tmp_path: Path) -> None:
    from briefings.model import Source

    path = write(tmp_path, "# my feeds\n" + GOOD)
    new = [
        Source("Border Report", "https://example.com/other-border.xml", "en"),  # name clash
        Source("Dup", "https://animalpolitico.com/feed", "es"),  # URL already there
        Source('Quote "me" \\ here', "https://example.com/q.xml", "es", country="MX"),
    ]
    added, skipped = append_sources(path, new)
    assert skipped == 1
    assert [s.name for s in added] == ["Border Report (2)", 'Quote "me" \\ here']
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# my feeds\n" + GOOD)
    reloaded = load_sources(path)
    assert [s.name for s in reloaded][-2:] == ["Border Report (2)", 'Quote "me" \\ here']
    assert reloaded[-1].country == "MX"
