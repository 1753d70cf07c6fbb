"""``borderbrief match`` and ``borderbrief explain``, run through the real CLI entry point."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from bot.cli import main
from briefings.store.db import open_engine, upgrade
from briefings.store.tables import items, sources
from tests.themes.conftest import SHIPPED

LINES = [
    {"id": "a", "lang": "es", "title": "Trump impone aranceles al acero", "summary": "México"},
    {"id": 2, "lang": "en", "title": "Weather", "summary": "Sunny in Monterrey"},
    {"id": "c", "title": "", "lede": "CBP seized fentanyl pills at the border"},
]


@pytest.fixture(autouse=True)
def shipped_themes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BORDERBRIEF_THEMES", str(SHIPPED))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_match_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in LINES) + "\n", "utf-8")
    code, out, err = run(capsys, "match", str(path))
    assert (code, err) == (0, "")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == ["a", 2, "c"]
    assert rows[0]["themes"] == ["tariffs"]
    assert rows[0]["why"]["tariffs"]["hits"] == [{"term": "arancel*", "field": "title"}]
    assert rows[0]["why"]["tariffs"]["score"] > 0
    assert rows[1] == {"id": 2, "themes": [], "why": {}}
    assert rows[2]["themes"] == ["fentanyl"]  # "lede" read as the summary
    assert {h["field"] for h in rows[2]["why"]["fentanyl"]["hits"]} == {"summary"}


def test_match_stdin_reports_bad_lines_and_goes_on(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "\n".join([json.dumps(LINES[0]), "{not json", "", '["a list"]', json.dumps(LINES[2])])
    monkeypatch.setattr("sys.stdin", io.StringIO(text + "\n"))
    code, out, err = run(capsys, "match")
    assert code == 1
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["a", "c"]
    assert "line 2:" in err and "line 4:" in err and "line 3" not in err


def test_match_names_lines_no_reader_could_use_and_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "items.jsonl"
    path.write_bytes(b"\n".join([
        b'{"id": "x", "title": "Aranceles al acero en M\xe9xico"}',  # Latin-1, not UTF-8
        b'{"id": "y", "title": "Tariffs \\ud83d"}',  # half an emoji
        b"[" * 100_000,
        json.dumps(LINES[0]).encode(),
    ]))  # fmt: skip
    code, out, err = run(capsys, "match", "--rules-only", str(path))
    assert code == 1
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["a"]
    assert err.splitlines() == [
        "line 1: skipped: not UTF-8 text (byte 0xe9 at column 46)",
        "line 2: skipped: a string holds a lone surrogate escape (half a character)",
        "line 3: skipped: nested too deeply",
    ]


def test_match_bad_themes_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "themes.toml"
    bad.write_text("[themes.x\n", "utf-8")
    code, out, err = run(capsys, "match", "--themes", str(bad), str(tmp_path / "none.jsonl"))
    assert code == 2 and out == ""
    assert f"{bad}:1: invalid TOML" in err


def test_explain_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "explain", "--lang", "es", "Trump", "impone", "aranceles")
    assert code == 0
    assert "Aranceles (tariffs)" in out and "arancel* → title" in out


SPY_PLANE = {"id": "s", "lang": "en", "title": "Mexico protests U.S. spy plane flights near its "
             "Pacific coast", "summary": "The foreign ministry asked Washington to explain why "
             "military aircraft circled off Sinaloa for hours."}  # fmt: skip


def test_match_decides_by_meaning_what_the_rules_leave_open(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "items.jsonl"
    path.write_text(json.dumps(SPY_PLANE) + "\n", "utf-8")
    code, out, err = run(capsys, "match", str(path))
    assert (code, err) == (0, "")
    row = json.loads(out)
    assert row["themes"] == ["sovereignty"]  # none of the theme's words: its meaning
    [hit] = row["why"]["sovereignty"]["hits"]
    assert hit["field"] == "meaning" and hit["term"].startswith("meaning 0.")
    assert 0.5 < row["why"]["sovereignty"]["score"] < 1
    code, out, _ = run(capsys, "match", "--rules-only", str(path))
    assert json.loads(out)["themes"] == []


def test_explain_says_which_signal_decided(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps table cells to the terminal width
    code, out, _ = run(capsys, "explain", SPY_PLANE["title"], "--summary", SPY_PLANE["summary"])
    assert code == 0 and "Sovereignty (sovereignty)" in out and "│ meaning │" in out
    assert "probability 0." in out and "nearest example (0." in out
    code, out, _ = run(capsys, "explain", "--all", "--lang", "es",
                       "Suben las tarifas de luz en Sonora",
                       "--summary", "La CFE aplicará el ajuste a los hogares.")  # fmt: skip
    assert out.startswith("No theme matches.")
    assert "Aranceles (tariffs)" in out and "excluded: tarifa de luz" in out  # the rules' no
    assert "Soberanía (sovereignty)" in out and "needs 0." in out  # meaning's no
    code, out, _ = run(capsys, "explain", "--all", "--lang", "es", "Suben las tarifas de luz",
                       "--summary", "La CFE aplicará el ajuste a los hogares.")  # fmt: skip
    assert "excluded: tarifa de luz" in out and "needs 0." not in out
    assert "meaning not asked: the item names none of the" in out  # no anchor: rules alone


def test_explain_nothing_matches(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "explain", "Sunny weather in Monterrey")
    assert (code, out.strip()) == (0, "No theme matches.")


async def _store(database_url: str, url: str) -> None:
    engine = open_engine(database_url)
    try:
        await upgrade(engine)
        now = datetime.now(UTC)
        async with engine.begin() as conn:
            source = await conn.execute(
                insert(sources)
                .values(name=f"test-{uuid.uuid4().hex}", url=f"https://example.org/{uuid.uuid4()}",
                        language="es", created_at=now)  # fmt: skip
                .returning(sources.c.id)
            )
            await conn.execute(
                insert(items).values(
                    source_id=source.scalar_one(), guid=url, url=url,
                    title="Sheinbaum rechaza ataques de EU contra cárteles en México",
                    summary="La presidenta defendió la soberanía nacional.",
                    language="es", published_at=now, fetched_at=now,
                )  # fmt: skip
            )
    finally:
        await engine.dispose()


def test_explain_stored_item_by_url(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"https://news.example/{uuid.uuid4().hex}"
    asyncio.run(_store(database_url, url))
    monkeypatch.setenv("BORDERBRIEF_DATABASE_URL", database_url)
    code, out, _ = run(capsys, "explain", "--url", url)
    assert code == 0 and "Soberanía (sovereignty)" in out
    code, _, err = run(capsys, "explain", "--url", url + "-missing")
    assert code == 1 and "no stored item" in err
