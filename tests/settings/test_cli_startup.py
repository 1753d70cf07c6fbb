"""`borderbrief` imports only the module of the command it runs: `--help` and `match` start
without the database or rich (nor babel: the settings keep the UI's default language,
English, without reading a catalogue), and every help line is the one its module registers."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("sqlalchemy", "alembic", "pydantic", "rich", "httpx", "feedparser", "numpy", "babel")


def _help_lines(parser: argparse.ArgumentParser) -> list[tuple[str, str | None]]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return [(action.dest, action.help) for action in sub._choices_actions]


def test_the_help_lines_are_those_the_modules_register() -> None:
    eager = argparse.ArgumentParser()
    sub = eager.add_subparsers()
    for area in dict.fromkeys(area for _, area, _ in cli.COMMANDS):
        importlib.import_module(f"bot.cli_{area}").register(sub)
    assert _help_lines(cli.build_parser()) == _help_lines(eager)
    assert [name for name, _, _ in cli.COMMANDS] == list(sub.choices)


@pytest.mark.parametrize("argv", [["poll", "--once"], ["--version", "match", "x.jsonl"], []])
def test_the_named_command_gets_its_real_parser(argv: list[str]) -> None:
    parser = cli.build_parser(argv)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    real = {name for name, p in sub.choices.items() if p._actions[1:]}  # more than -h
    assert real == ({"poll"} if "poll" in argv else
                    {"match", "explain"} if "match" in argv else set())  # fmt: skip


def _imported_after(code: str) -> list[str]:
    script = f"import sys\n{code}\nprint(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                          text=True, check=True)  # fmt: skip
    return list(json.loads(done.stdout.strip().splitlines()[-1].replace("'", '"')))


def test_help_imports_nothing_heavy() -> None:
    code = "from bot.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    assert _imported_after(code) == []


def test_match_help_imports_nothing_heavy() -> None:
    code = "from bot.cli import main\ntry:\n    main(['match', '-h'])\nexcept SystemExit:\n    pass"
    assert _imported_after(code) == []


def test_match_by_the_rules_needs_neither_the_store_nor_rich(tmp_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text('{"id": 1, "lang": "en", "title": "Border crossing closed"}\n')
    code = f"from bot.cli import main\nmain(['match', '--rules-only', {str(items)!r}])"
    assert _imported_after(code) == []  # the settings (for the themes file's name) are msgspec's


def test_blas_runs_on_one_thread_unless_the_user_says_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
    assert os.environ["OMP_NUM_THREADS"] == "3"  # a value already set is the user's
