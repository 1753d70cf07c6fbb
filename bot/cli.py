"""The ``borderbrief`` command line: one sub-command module per area, wired here."""

from __future__ import annotations

import argparse
import gc
import importlib
import importlib.util
import os
import sys
from collections.abc import Sequence

from briefings import __version__

# One line per sub-command: its name, the area whose module ``bot.cli_<area>`` adds it with
# ``register(subparsers)`` (setting ``func(args) -> int``), and its line in `borderbrief --help`.
# Only the module of the command being run is imported, so `--help` starts without the database
# or rich; tests/settings/test_cli_startup.py checks these lines against the modules.
COMMANDS = (
    ("run", "run", "start the Telegram bot (without a token: show today's brief here)"),
    ("poll", "poll", "poll the news feeds and store new items"),
    ("sources", "sources", "list, import or export the news feeds"),
    ("match", "match", "match JSON-lines items against the themes"),
    ("explain", "match", "show which themes a headline matches, and why"),
    ("brief", "brief", "print the brief for what is in the store"),
    ("stories", "stories", "list the stored stories: headlines, summary, coverage, reports"),
    ("cluster", "cluster", "group JSON-lines reports into stories (one event, EN and ES)"),
    ("db", "db", "manage the database schema"),
    ("init", "init", "write editable copies of sources.toml and themes.toml to the data folder"),
)


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser, with the real sub-parsers of the command named in ``argv`` and, for the others,
    stand-ins that carry only their help line (enough for `borderbrief --help` and for errors)."""
    parser = argparse.ArgumentParser(
        prog="borderbrief",
        description="News briefings on the themes you track, in Telegram or the terminal.",
    )
    parser.add_argument("--version", action="version", version=f"borderbrief {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = _command_area(argv)
    for name, area, help_line in COMMANDS:
        module = f"bot.cli_{area}"
        if name in sub.choices or importlib.util.find_spec(module) is None:
            continue  # registered with its module's first command; or not written yet
        if area == wanted:
            importlib.import_module(module).register(sub)
        else:
            sub.add_parser(name, help=help_line)
    return parser


def _command_area(argv: Sequence[str]) -> str | None:
    """The area of the command in ``argv``: its first word, as the top level takes no values."""
    word = next((arg for arg in argv if not arg.startswith("-")), None)
    return next((area for name, area, _ in COMMANDS if name == word), None)


# Exit status of a command whose reader went away (as if killed by SIGPIPE, 128 + 13).
CLOSED_PIPE = 141


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; every expected failure ends in one stderr line and a non-zero status.

    Without ``argv`` it runs this process's own command line, and the process ends after it.
    """
    # numpy's BLAS on one thread, chosen before numpy loads: a pool of BLAS threads only spins
    # beside the sentence encoder's small products (which limits it too, once loaded; see
    # briefings/stories/embed.py) and takes a core from the parse workers. Set one to change it.
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    if argv is not None:
        return _command(argv)
    try:
        return _command(sys.argv[1:])
    finally:
        # The interpreter's last collection walks every object (SQLAlchemy's, numpy's...)
        # only to free memory the exit frees anyway: 0.1 s of a 1 s `poll --once`.
        gc.freeze()


def _command(argv: Sequence[str]) -> int:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        status = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not as a message at interpreter exit
        return status
    except BrokenPipeError:  # `borderbrief ... | head`: the reader has all it wanted
        _drop_stdout()
        print("borderbrief: output closed early (broken pipe); stopped", file=sys.stderr)
        return CLOSED_PIPE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        failure = _expected_failure(exc)
        if failure is None:
            raise
        status, line = failure
        print(f"borderbrief: {line}", file=sys.stderr)
        return status


def _expected_failure(exc: Exception) -> tuple[int, str] | None:
    """Exit status and line for a failure the user can fix; None for a bug. The error classes are
    imported here, on failure only: the store's lives beside SQLAlchemy."""
    from briefings.settings import SettingsError
    from briefings.sources import SourcesError
    from briefings.store.db import store_problem
    from briefings.themes import ThemesError

    if isinstance(exc, SettingsError):
        return 2, f"configuration error: {exc}"
    if isinstance(exc, (SourcesError, ThemesError)):  # a bad data file: its name, line and reason
        return 2, str(exc)
    problem = store_problem(exc)
    return None if problem is None else (1, f"cannot use the database {_database()}: {problem}")


def _drop_stdout() -> None:
    """Point stdout at /dev/null so flushing it again at exit cannot raise."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real file (a test's capture): nothing is flushed at exit
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def _database() -> str:
    """The configured database URL, password hidden, and where to change it."""
    from sqlalchemy.engine import make_url

    from briefings.settings import load_settings

    try:
        url = make_url(load_settings().database_url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only decorates a message about another error
        return "(BORDERBRIEF_DATABASE_URL)"
    return f"{url} (BORDERBRIEF_DATABASE_URL)"


if __name__ == "__main__":
    sys.exit(main())
