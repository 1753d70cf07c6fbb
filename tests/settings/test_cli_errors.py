"""Bad configuration or an unusable database: one stderr line naming the problem, a non-zero exit.

Never a traceback, never silence. ``{tmp}`` in a case stands for the test's own folder, which is
also the working directory (so a ``.env`` there is read).
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.cli import CLOSED_PIPE, main

REPO = Path(__file__).resolve().parents[2]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Case:
    name: str
    argv: list[str]
    says: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    files: dict[str, str | bytes] = field(default_factory=dict)
    never_says: tuple[str, ...] = ()


SQLITE = "sqlite+aiosqlite:///{tmp}/bb.db"
CONFIG = {"BORDERBRIEF_CONFIG": "{tmp}/borderbrief.toml"}
CASES = [
    Case("config file missing", ["db", "current"], ("BORDERBRIEF_CONFIG", "{tmp}/nope.toml"),
         env={"BORDERBRIEF_CONFIG": "{tmp}/nope.toml"}),
    Case("unknown key in the config file", ["db", "current"],
         ("{tmp}/borderbrief.toml", "'poll_intervall'", "did you mean poll_interval?"),
         env=CONFIG, files={"borderbrief.toml": "poll_intervall = 900\n"}),
    Case("unknown environment variable", ["db", "current"],
         ("BORDERBRIEF_DATABSE_URL", "did you mean BORDERBRIEF_DATABASE_URL?"),
         env={"BORDERBRIEF_DATABSE_URL": SQLITE}),
    Case("unknown name in .env", ["db", "current"],
         ("BORDERBRIEF_TELEGRAM_TOKN", "{tmp}/.env", "BORDERBRIEF_TELEGRAM_TOKEN?"),
         files={".env": "BORDERBRIEF_TELEGRAM_TOKN=123:abc\n"}, never_says=("123:abc",)),
    Case("TOML syntax error", ["db", "current"],
         ("{tmp}/borderbrief.toml", "not valid TOML", "line 2"),
         env=CONFIG, files={"borderbrief.toml": 'log_format = "json"\npoll_interval = \n'}),
    Case("bad value in the config file", ["db", "current"],
         ("{tmp}/borderbrief.toml: poll_interval", "must be at least 30 (got"),
         env=CONFIG, files={"borderbrief.toml": "poll_interval = 5\n"},
         never_says=("BORDERBRIEF_POLL_INTERVAL",)),
    Case("bad value in .env", ["db", "current"],
         ("BORDERBRIEF_LOG_LEVEL in {tmp}/.env", "DEBUG, INFO"),
         files={".env": "BORDERBRIEF_LOG_LEVEL=loud\n"}),
    Case("SQLite file cannot be opened", ["db", "upgrade"],
         ("cannot use the database", "BORDERBRIEF_DATABASE_URL", "unable to open database file"),
         env={"BORDERBRIEF_DATABASE_URL": "sqlite+aiosqlite:///{tmp}/folder"},
         files={"folder/keep": ""}),
    Case("SQLite folder cannot be made", ["db", "current"],
         ("cannot use the database", "cannot create the folder {tmp}/plain"),
         env={"BORDERBRIEF_DATABASE_URL": "sqlite+aiosqlite:///{tmp}/plain/bb.db"},
         files={"plain": "a file, not a folder"}),
    Case("not a SQLite file", ["db", "current"], ("cannot use the database", "not a database"),
         env={"BORDERBRIEF_DATABASE_URL": SQLITE}, files={"bb.db": "x" * 4096}),
    Case("PostgreSQL unreachable", ["db", "upgrade"],
         ("cannot use the database", "postgresql+asyncpg://bob:***@127.0.0.1", "cannot connect"),
         env={"BORDERBRIEF_DATABASE_URL":
              f"postgresql+asyncpg://bob:hunter2pw@127.0.0.1:{_closed_port()}/bb"},
         never_says=("hunter2pw",)),
    Case("PostgreSQL database missing", ["db", "current"],
         ("cannot use the database", "borderbrief_no_such_db"),
         env={"BORDERBRIEF_DATABASE_URL": os.environ.get(
             "BORDERBRIEF_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
         ).rsplit("/", 1)[0] + "/borderbrief_no_such_db"}),
    Case("db upgrade to an unknown revision", ["db", "upgrade", "nope"],
         ("db upgrade nope", "Can't locate revision", "known: head"),
         env={"BORDERBRIEF_DATABASE_URL": SQLITE}),
    Case("a time zone that is a folder of the zone database", ["db", "current"],
         ("BORDERBRIEF_DEFAULT_TIMEZONE", "IANA time zone"),
         env={"BORDERBRIEF_DEFAULT_TIMEZONE": "America"}),
    Case(".env not in UTF-8", ["db", "current"],
         ("{tmp}/.env", "not UTF-8 text (byte 0xe9", "save it as UTF-8"),
         files={".env": b"# caf\xe9\nBORDERBRIEF_LOG_LEVEL=INFO\n"}),
    Case("config file not in UTF-8", ["db", "current"],
         ("{tmp}/borderbrief.toml", "not valid TOML", "not UTF-8 text"),
         env=CONFIG, files={"borderbrief.toml": b"# caf\xe9\npoll_interval = 900\n"}),
    Case("sources file is a folder", ["poll", "--once"], ("{tmp}/feeds", "cannot read"),
         env={"BORDERBRIEF_SOURCES": "{tmp}/feeds", "BORDERBRIEF_DATABASE_URL": SQLITE},
         files={"feeds/keep": ""}),
    Case("database URL with a port that is no number", ["db", "current"],
         ("cannot use the database", "the URL cannot be read"),
         env={"BORDERBRIEF_DATABASE_URL": "postgresql+asyncpg://bob:hunter2pw@db:port/bb"},
         never_says=("hunter2pw",)),
    Case("database URL with an option asyncpg does not take", ["db", "current"],
         ("cannot use the database", "option 'application_name' is not one asyncpg takes"),
         env={"BORDERBRIEF_DATABASE_URL": os.environ.get(
             "BORDERBRIEF_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
         ) + "?application_name=bb"}),
    Case("run in the container without a token", ["run"],
         ("configuration error", "BORDERBRIEF_TELEGRAM_TOKEN is not set", "container"),
         env={"BORDERBRIEF_CONTAINER": "1", "BORDERBRIEF_DATABASE_URL": SQLITE}),
]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A clean environment, run from ``tmp_path``; the root logger is put back afterwards."""
    for name in list(os.environ):
        if name.startswith("BORDERBRIEF_") and name != "BORDERBRIEF_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    yield tmp_path
    root.handlers[:], level = saved
    root.setLevel(level)


# A worker thread failing after the loop closed prints a traceback at exit: that is a failure too.
@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_problem_is_one_line_and_a_non_zero_exit(
    case: Case, workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, text in case.files.items():
        path = workdir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
    for name, value in case.env.items():
        monkeypatch.setenv(name, value.format(tmp=workdir))
    status = main(case.argv)
    err = capsys.readouterr().err.strip()
    assert status != 0, err
    assert err.startswith("borderbrief: ") and "\n" not in err, err
    for text in case.says:
        assert text.format(tmp=workdir) in err, err
    for text in case.never_says:
        assert text not in err, err


class _ClosedPipe:
    """A stdout whose reader has gone: every write fails as it does after ``| head``."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_closed_stdout_is_one_line_not_a_traceback(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BORDERBRIEF_DATABASE_URL", f"sqlite+aiosqlite:///{workdir}/bb.db")
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    assert main(["db", "current"]) == CLOSED_PIPE
    assert capsys.readouterr().err.strip() == (
        "borderbrief: output closed early (broken pipe); stopped")


def test_match_piped_into_head_does_not_blame_its_input(tmp_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    line = '{"id": %d, "lang": "en", "title": "Tariffs on steel", "summary": "duties"}\n'
    items.write_text("".join(line % n for n in range(40_000)))
    env = {k: v for k, v in os.environ.items() if not k.startswith("BORDERBRIEF_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "match", str(items)], cwd=REPO, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # what `head -n 1` does after its first line
    status = proc.wait(timeout=60)
    err = proc.stderr.read().strip()
    assert '"id": 0' in first
    assert status == CLOSED_PIPE, err
    assert err == "borderbrief: output closed early (broken pipe); stopped"
