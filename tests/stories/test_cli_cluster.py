"""``borderbrief cluster``: JSON lines in, one ``{"id", "story"}`` line out per report."""

from __future__ import annotations

import io
import json
from pathlib import Path

from bot.cli import main
from bot.cli_cluster import cluster_lines

CASES = Path(__file__).parent / "cases.jsonl"
N = len(CASES.read_text(encoding="utf-8").splitlines())  # reports in the file


def _run(text: str, progress: bool = False) -> tuple[int, list[dict], str]:
    out, err = io.StringIO(), io.StringIO()
    status = cluster_lines(io.StringIO(text), out, err, progress)
    return status, [json.loads(s) for s in out.getvalue().splitlines()], err.getvalue()


def test_each_report_gets_its_story_in_input_order() -> None:
    text = CASES.read_text(encoding="utf-8")
    status, rows, err = _run(text)
    ids = [json.loads(s)["id"] for s in text.splitlines()]
    assert status == 0 and err == ""
    assert [r["id"] for r in rows] == ids
    story = {r["id"]: r["story"] for r in rows}
    assert story["en-otay-seizure"] == story["es-otay-decomiso"] != story["en-nogales-seizure"]


def test_a_file_argument_through_the_command_line(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    path = tmp_path / "reports.jsonl"
    path.write_text(CASES.read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["cluster", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == N and set(json.loads(lines[0])) == {"id", "story"}


def test_bad_lines_are_named_and_the_rest_clustered() -> None:
    good = '{"id": 7, "lang": "en", "title": "Mexico tariffs", "published": "2025-03-01"}'
    text = "\n".join([
        '{"id": 1, "title": "no date"}',
        "not json",
        '{"id": 2, "title": "x", "published": "2025-13-01"}',
        good,
        "",
        '{"id": 7, "title": "again", "published": "2025-03-01T10:00:00Z"}',
        '["a list"]',
        '{"id": 8, "published": "2025-03-01"}',
    ])  # fmt: skip
    status, rows, err = _run(text)
    assert status == 1
    assert rows == [{"id": 7, "story": 1}]
    assert err.splitlines() == [
        "line 1: skipped: missing 'published'",
        "line 2: skipped: not JSON (Expecting value at column 1)",
        "line 3: skipped: 'published' is not an ISO date or datetime from year 1900 to 2999: "
        "'2025-13-01'",
        "line 6: skipped: id 7 given twice",
        "line 7: skipped: expected a JSON object",
        "line 8: skipped: needs a 'title' or a 'summary' (text)",
    ]


def test_dates_months_and_datetimes_are_all_read() -> None:
    lines = [
        {"id": "a", "lang": "es", "title": "Aranceles a México", "published": "2025-03"},
        {"id": "b", "lang": "en", "title": "Tariffs on Mexico", "published": "~2025-03-04"},
        {"id": "c", "lang": "en", "title": "Tariffs", "published": "2025-03-04T10:00:00-06:00"},
    ]  # fmt: skip
    status, rows, _ = _run("\n".join(json.dumps(x) for x in lines))
    assert status == 0 and [r["id"] for r in rows] == ["a", "b", "c"]


def test_the_progress_bar_goes_to_stderr() -> None:
    status, rows, err = _run(CASES.read_text(encoding="utf-8"), progress=True)
    assert status == 0 and len(rows) == N
    assert "embedding [" in err and err.rstrip().endswith(f"{N}/{N}")


def test_lines_no_reader_could_use_are_named_and_skipped(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    good = b'{"id": 7, "lang": "en", "title": "Mexico tariffs", "published": "2025-03-01"}'
    path = tmp_path / "reports.jsonl"
    path.write_bytes(b"\n".join([
        b'{"id": 1, "title": "caf\xe9", "published": "2025-03-01"}',  # Latin-1, not UTF-8
        b'{"id": 2, "title": "Tariffs \\ud83d", "published": "2025-03-01"}',  # half an emoji
        b"[" * 100_000,
        b'{"id": 3, "title": "x", "published": "9999-12-31"}',  # the calendar's last day
        good,
    ]))  # fmt: skip
    assert main(["cluster", str(path)]) == 1
    captured = capsys.readouterr()
    assert [json.loads(line) for line in captured.out.splitlines()] == [{"id": 7, "story": 1}]
    assert captured.err.splitlines() == [
        "line 1: skipped: not UTF-8 text (byte 0xe9 at column 24)",
        "line 2: skipped: a string holds a lone surrogate escape (half a character)",
        "line 3: skipped: nested too deeply",
        "line 4: skipped: 'published' is not an ISO date or datetime from year 1900 to 2999: "
        "'9999-12-31'",
    ]
